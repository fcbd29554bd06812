// The coverage view: it renders the results of the tools linked to it and asks
// the host to call tools on its behalf. It never talks to HostUp and never sees
// a key; every change still goes through the tool's own plan and confirmation.
import { App, applyDocumentTheme, applyHostFonts, applyHostStyleVariables } from "@modelcontextprotocol/ext-apps";
import { h, icon } from "./dom.js";
import { renderAudit, renderFleet, renderPlan, renderSchedules, renderText, shapeOf } from "./render.js";
import { formatter, validZone } from "./time.js";

const root = document.getElementById("app");
// What the server lists decides what the page offers (ui.Offer in ui.go).
const marks = document.documentElement;
const readOnly = marks.hasAttribute("data-read-only");
const canDetails = !marks.hasAttribute("data-no-details");
const canPlan = canDetails && !marks.hasAttribute("data-no-plan");
const app = new App({ name: "hostup-mcp coverage", version: "1.0.0" }, {}, { autoResize: true });

// The zone of times: the server's display zone when the result shown names it
// (list_backup_schedules does: the user may have chosen it with --timezone),
// else the host's, else the browser's. Results fetched for a panel do not change
// it, so that one view never mixes two zones.
let zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
let zoneFromServer = false;
let locale;
let last = null; // the last tool result, re-rendered when the context changes

function ctx() {
  const caps = app.getHostCapabilities() || {};
  return {
    fmt: formatter(locale, zone),
    now: new Date(),
    readOnly,
    canDetails,
    canPlan,
    canCall: Boolean(caps.serverTools),
    toggleDetails,
    dryRun,
  };
}

function learnZone(sc) {
  if (sc && validZone(sc.display_zone)) {
    zone = sc.display_zone;
    zoneFromServer = true;
  }
}

function applyContext(c) {
  if (!c) return;
  if (c.theme) applyDocumentTheme(c.theme);
  if (c.styles && c.styles.variables) applyHostStyleVariables(c.styles.variables);
  if (c.styles && c.styles.css && c.styles.css.fonts) applyHostFonts(c.styles.css.fonts);
  if (c.locale) locale = c.locale;
  if (!zoneFromServer && validZone(c.timeZone)) zone = c.timeZone;
}

function render(result) {
  last = result;
  const c = ctx();
  const sc = result && result.structuredContent;
  let view;
  if (result && result.isError) view = renderText(result, c, "The tool reported a problem");
  else {
    switch (shapeOf(sc)) {
      case "audit": view = renderAudit(sc, c); break;
      case "schedules": view = renderSchedules(sc, c); break;
      case "mutation": view = renderPlan(sc, c); break;
      case "fleet": view = renderFleet(sc, c); break;
      default: view = renderText(result, c);
    }
  }
  root.replaceChildren(...view.flat().filter(Boolean));
}

// callTool asks the host to call one of this server's tools. The host may ask
// the user first, or refuse; either way the view says what happened.
async function callTool(name, args) {
  return await app.callServerTool({ name, arguments: args });
}

async function loadDetails(vpsId, cell) {
  cell.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  try {
    const r = await callTool("list_backup_schedules", { vps_id: vpsId, history_limit: 30 });
    const sc = r.structuredContent;
    cell.replaceChildren(...(r.isError || shapeOf(sc) !== "schedules"
      ? renderText(r, ctx(), "Could not load the details")
      : renderSchedules(sc, ctx(), { standalone: false })).flat().filter(Boolean));
    return r.isError ? null : sc;
  } catch (e) {
    cell.replaceChildren(failure("The host did not run list_backup_schedules", e));
    return null;
  }
}

function expand(button, row, open) {
  button.setAttribute("aria-expanded", String(open));
  button.textContent = open ? "Hide details" : "Details";
  row.hidden = !open;
}

async function toggleDetails(vpsId, button, row, cell) {
  const open = button.getAttribute("aria-expanded") === "true";
  expand(button, row, !open);
  if (!open && !cell.dataset.loaded) {
    cell.dataset.loaded = "1";
    await loadDetails(vpsId, cell);
  }
}

// dryRun plans a daily backup at 02:00 in the display zone for a VPS without a
// schedule, keeping up to a week within HostUp's maximum. It is a dry run: the
// tool sends HostUp nothing, and applying it is the assistant's job, with the
// user's agreement.
async function dryRun(vpsId, button, row, cell, detailsButton) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  const label = button.textContent;
  button.textContent = "Planning…";
  try {
    expand(detailsButton, row, true);
    cell.dataset.loaded = "1";
    const state = await loadDetails(vpsId, cell);
    const maxRetention = state && state.limits && state.limits.max_retention > 0 ? state.limits.max_retention : 1;
    const args = { vps_id: vpsId, frequency: "daily", hour: 2, retention_count: Math.min(7, maxRetention), dry_run: true };
    if (zone !== "UTC" && zone !== "Etc/UTC") args.timezone = zone;
    const r = await callTool("upsert_backup_schedule", args);
    const view = !r.isError && shapeOf(r.structuredContent) === "mutation"
      ? renderPlan(r.structuredContent, ctx(), { standalone: false })
      : renderText(r, ctx(), "HostUp would refuse this");
    cell.prepend(h("div", { class: "dry-run", "data-testid": "dry-run" }, view.flat().filter(Boolean), askToApply(vpsId, r)));
  } catch (e) {
    cell.prepend(failure("The host did not run the dry run", e));
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = label;
  }
}

// askToApply hands the plan to the assistant as a user message: the change then
// goes through the tool's normal confirmation, never from this view.
function askToApply(vpsId, r) {
  const sc = r && r.structuredContent;
  const caps = app.getHostCapabilities() || {};
  if (!caps.message || !sc || r.isError || !sc.plan || !sc.plan.summary) return null;
  const b = h("button", { type: "button", class: "ghost" }, "Ask the assistant to apply it");
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      const sent = await app.sendMessage({ role: "user", content: [{ type: "text", text: `Please apply this backup plan for ${vpsId}, after showing it to me: ${sc.plan.summary}` }] });
      if (sent && sent.isError) throw new Error("it declined");
      b.textContent = "Sent to the assistant";
    } catch (e) {
      b.replaceWith(failure("The host did not take the message", e));
    }
  });
  return h("p", { class: "apply" }, b);
}

function failure(what, e) {
  return h("p", { class: "alert", role: "alert" }, icon("failed"), `${what}: ${e && e.message ? e.message : e}`);
}

app.ontoolresult = (result) => {
  learnZone(result && result.structuredContent);
  render(result);
};
app.ontoolcancelled = (p) => {
  root.replaceChildren(h("p", { class: "alert", role: "alert" }, icon("failed"), `The tool call was cancelled${p && p.reason ? `: ${p.reason}` : ""}.`));
};
app.onhostcontextchanged = (c) => {
  applyContext(c);
  if (last && (c.locale || c.timeZone)) render(last);
};
app.onerror = (e) => console.warn("MCP Apps:", e);

app.connect().then(() => {
  applyContext(app.getHostContext());
}, (e) => {
  root.replaceChildren(failure("This view could not connect to its host", e));
});
