// Views of the linked tools' structuredContent. Each shape is recognised by its
// fields, not by the tool's name, so a result of a tool this file has never heard
// of still renders as long as its shape is known, and any other shape falls back
// to the result's own text.
import { h, icon } from "./dom.js";
import { ago, parseTime, timeline, utcClock } from "./time.js";

const STATE_WORDS = { covered: "Covered", problem: "Problem", blocked: "Blocked", unreadable: "Unreadable" };

const PROBLEM_WORDS = {
  no_schedule: "No schedule",
  disabled: "Schedule paused",
  last_run_failed: "Last run failed",
  retention_1: "Keeps only 1 backup",
  slots_exhausted: "No free backup slot",
  changes_blocked: "Changes blocked",
};

// A failed run keeps HostUp's own word (failed, cancelled, …); the others are named here.
const RUN_WORDS = { completed: "Completed", missing: "Missing", pending: "In progress" };

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export function shapeOf(sc) {
  if (!sc || typeof sc !== "object") return "unknown";
  if (sc.plan && typeof sc.plan === "object" && sc.outcome) return "mutation";
  if (Array.isArray(sc.groups) && Array.isArray(sc.no_change)) return "fleet";
  if (Array.isArray(sc.vps) && sc.totals && typeof sc.totals === "object") return "audit";
  if (sc.limits && typeof sc.limits === "object" && Array.isArray(sc.history)) return "schedules";
  return "unknown";
}

export function rowState(r) {
  const problems = Array.isArray(r.problems) ? r.problems : [];
  if (r.error) return "unreadable";
  if (problems.includes("changes_blocked")) return "blocked";
  if (problems.length > 0) return "problem";
  return "covered";
}

const words = (code) => PROBLEM_WORDS[code] || String(code).replaceAll("_", " ");

function pill(state, text) {
  return h("span", { class: `pill ${state}` }, icon(state), h("span", {}, text || STATE_WORDS[state]));
}

function header(title, sc, ctx, extra) {
  return h("header", { class: "head" },
    h("div", { class: "title" },
      h("h1", {}, title),
      sc && sc.sandbox ? h("span", { class: "badge", title: "Nothing here is real" }, "Sandbox: simulated account") : null,
      ctx.readOnly ? h("span", { class: "badge quiet" }, "Read-only") : null),
    h("p", { class: "sub" }, extra, extra ? " · " : "", `Times in ${ctx.fmt.zone}`));
}

// scheduleText says when a schedule runs, in the display zone.
function scheduleText(s, ctx) {
  if (!s || !s.frequency) return "None";
  const freq = s.frequency[0].toUpperCase() + s.frequency.slice(1);
  let on = "";
  if (Number.isInteger(s.day_of_week)) on = ` on ${WEEKDAYS[s.day_of_week] || s.day_of_week}s`;
  else if (Number.isInteger(s.day_of_month)) on = ` on day ${s.day_of_month}`;
  const next = parseTime(s.next_run);
  const at = utcClock(s.time_utc, next || ctx.now);
  const clock = at ? ` at ${ctx.fmt.clock(at)}` : "";
  return `${freq}${on}${clock}`;
}

function lastRun(r, ctx) {
  const at = parseTime(r.last_run);
  if (!at && !r.last_status) return h("span", { class: "muted" }, "Never");
  const status = r.last_status ? statusOf(r.last_status) : "pending";
  return h("span", { class: `run ${status}` },
    icon(status),
    h("span", {},
      h("span", { class: "run-word" }, r.last_status ? cap(r.last_status) : "Unknown"),
      at ? h("span", { class: "when" }, `${ctx.fmt.when(at)} · ${ago(at, ctx.now)}`) : null));
}

function statusOf(s) {
  if (s === "completed" || s === "active") return "completed";
  if (s === "queued" || s === "running" || s === "pending") return "pending";
  return "failed";
}

const cap = (s) => String(s).charAt(0).toUpperCase() + String(s).slice(1);

// ---- audit_backup_coverage ----

// auditRows gives every VPS of the audit a row: the whole rows first, then the
// VPSes of each group and the covered ones, whose schedule, runs and quota
// their details show ("brief" rows).
function auditRows(sc) {
  const rows = sc.vps.filter((r) => r && typeof r === "object");
  for (const g of Array.isArray(sc.groups) ? sc.groups : []) {
    for (const id of g.vps_ids || []) {
      const error = g.error || (g.code ? `could not be read (${g.code})` : undefined);
      rows.push({ vps_id: id, problems: g.problems, blocked_by: g.blocked_by, unread: g.unread, error, gates_known: g.gates_known, brief: true });
    }
  }
  for (const id of Array.isArray(sc.covered) ? sc.covered : []) rows.push({ vps_id: id, problems: [], brief: true });
  return rows;
}

export function renderAudit(sc, ctx) {
  const rows = auditRows(sc);
  const counts = { covered: 0, problem: 0, blocked: 0, unreadable: 0 };
  for (const r of rows) counts[rowState(r)]++;
  const summary = h("ul", { class: "tiles", "aria-label": "Summary" },
    Object.keys(counts).map((k) => h("li", { class: `tile ${k}` },
      h("span", { class: "n" }, String(counts[k])),
      h("span", { class: "label" }, icon(k), STATE_WORDS[k]))));
  const table = h("table", { class: "fleet" },
    h("caption", { class: "sr-only" }, "Backup coverage per VPS, problems first"),
    h("thead", {}, h("tr", {},
      ["VPS", "State", "Schedule", "Last run", "Retention", "Free slots"].map((c) => h("th", { scope: "col" }, c)),
      h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions")))),
    rows.map((r) => auditRow(r, ctx)));
  const more = sc.completeness === "truncated"
    ? h("p", { class: "note" }, `${sc.left_out || "Some"} more VPS of the account were not audited. Ask for them by id.`)
    : null;
  return [
    header("Backup coverage", sc, ctx, `${rows.length} VPS`),
    summary,
    rows.length ? table : h("p", { class: "muted" }, "No VPS to audit."),
    more,
  ];
}

function auditRow(r, ctx) {
  const state = rowState(r);
  const problems = (Array.isArray(r.problems) ? r.problems : []).filter((p) => p !== "changes_blocked");
  const body = h("tbody", { class: `vps ${state}`, "data-vps": r.vps_id, "data-state": state });
  const detailCell = h("td", { colspan: 7, class: "detail-cell" });
  const detail = h("tr", { class: "detail", hidden: true }, detailCell);
  const buttons = h("div", { class: "btns" });
  const actions = h("td", { class: "actions" }, buttons);
  if (ctx.canCall && ctx.canDetails && !r.error) {
    const details = h("button", { type: "button", class: "ghost", "aria-expanded": "false", "aria-controls": `d-${r.vps_id}` }, "Details");
    detailCell.id = `d-${r.vps_id}`;
    details.addEventListener("click", () => ctx.toggleDetails(r.vps_id, details, detail, detailCell));
    buttons.append(details);
    const noSchedule = (r.problems || []).includes("no_schedule");
    if (noSchedule && state === "problem" && ctx.canPlan) {
      buttons.append(h("button", {
        type: "button", class: "primary", "data-action": "dry-run",
        onclick: (e) => ctx.dryRun(r.vps_id, e.currentTarget, detail, detailCell, details),
      }, "Plan daily backup"));
    }
  }
  body.append(h("tr", { class: "main" },
    h("th", { scope: "row", "data-label": "VPS" },
      h("span", { class: "name" }, r.name || r.vps_id),
      r.name ? h("code", { class: "id" }, r.vps_id) : null),
    h("td", { "data-label": "State" },
      pill(state),
      problems.length ? h("ul", { class: "chips", "aria-label": "Problems" }, problems.map((p) => h("li", {}, words(p)))) : null),
    h("td", { "data-label": "Schedule" },
      r.has_schedule
        ? [scheduleText(r, ctx), r.enabled ? null : h("span", { class: "tag" }, "paused")]
        : h("span", { class: "muted" }, r.error || r.brief ? "—" : "None")),
    h("td", { "data-label": "Last run" }, r.error || r.brief ? "—" : lastRun(r, ctx)),
    h("td", { "data-label": "Retention", class: "num" }, r.has_schedule ? `${r.retention}` : "—"),
    h("td", { "data-label": "Free slots", class: "num" }, r.error || r.brief ? "—" : String(r.free_slots ?? "—")),
    actions));
  if (r.blocked_by) {
    body.append(h("tr", { class: "why blocked" }, h("td", { colspan: 7 },
      icon("blocked"), h("strong", {}, "HostUp blocks changes: "), h("span", { class: "reason" }, r.blocked_by))));
  }
  if (r.error) {
    body.append(h("tr", { class: "why unreadable" }, h("td", { colspan: 7 },
      icon("unreadable"), h("strong", {}, "Could not be read: "), h("span", { class: "reason" }, r.error))));
  }
  if (r.gates_known === false && !r.error) {
    body.append(h("tr", { class: "why" }, h("td", { colspan: 7, class: "muted" },
      "Gates unknown: HostUp's v1 API reports none, so a block shows only when HostUp refuses a change.")));
  }
  body.append(detail);
  return body;
}

// ---- list_backup_schedules ----

export function renderSchedules(sc, ctx, { standalone = true } = {}) {
  const s = (sc.schedules || [])[0];
  const l = sc.limits || {};
  const set = sc.settings || null;
  const parts = [];
  if (standalone) parts.push(header(`Backups of ${sc.vps_id}`, sc, ctx, ""));
  const cards = h("div", { class: "cards" });
  cards.append(card("Schedule", s
    ? [h("p", { class: "big" }, scheduleText(s, ctx)),
      h("p", {}, s.enabled ? pill("covered", "Enabled") : pill("problem", "Paused"),
        s.name ? h("span", { class: "muted" }, ` ${s.name}`) : null),
      parseTime(s.next_run) && s.enabled ? h("p", { class: "muted" }, `Next run ${ctx.fmt.when(parseTime(s.next_run))}`) : null]
    : [h("p", { class: "big" }, "No schedule"), h("p", { class: "muted" }, "Nothing backs this VPS up on its own.")]));
  const maxRet = l.max_retention || 0;
  cards.append(card("Retention", s
    ? [meter([{ value: s.retention_count, cls: "scheduled" }], Math.max(maxRet, s.retention_count), `Keeps ${s.retention_count} of at most ${maxRet}`),
      h("p", {}, `Keeps ${s.retention_count} of at most ${maxRet}`, s.retention_count === 1 ? h("span", { class: "tag warn" }, "only 1") : null)]
    : [h("p", {}, `Up to ${maxRet} backups can be kept.`)]));
  const limit = set ? set.total_backup_limit : l.total_backups;
  const manual = l.manual_backups_active || 0;
  const scheduled = l.scheduled_backups_active || 0;
  const free = Math.max(0, (limit || 0) - manual - scheduled);
  cards.append(card("Quota", [
    meter([{ value: manual, cls: "manual" }, { value: scheduled, cls: "scheduled" }], limit || manual + scheduled, `${manual} manual and ${scheduled} scheduled of ${limit} backups`),
    h("p", {}, h("span", { class: "key manual" }), `${manual} manual + `, h("span", { class: "key scheduled" }), `${scheduled} scheduled of ${limit}`,
      h("span", { class: "muted" }, ` · ${free} free`)),
    set ? h("p", { class: "muted" }, set.auto_delete_oldest ? "The oldest backup is deleted when the quota is full." : "The oldest backups are NOT deleted automatically: a full quota stops new backups.") : null,
  ]));
  parts.push(cards);
  parts.push(gatesView(sc.gates));
  parts.push(timelineView(s, sc, ctx));
  return parts;
}

function card(title, body) {
  return h("section", { class: "card" }, h("h2", {}, title), body);
}

function meter(segments, max, label) {
  const total = Math.max(1, max || 0);
  return h("div", { class: "meter", role: "img", "aria-label": label },
    segments.map((s) => h("span", { class: `seg ${s.cls}`, style: `width:${Math.min(100, (100 * (s.value || 0)) / total)}%` })));
}

const GATE_WORDS = { can_create: "Create a schedule", can_update_settings: "Change settings", can_delete: "Delete the schedule" };

function gatesView(gates) {
  const closed = Object.entries(gates || {}).filter(([, g]) => g && g.allowed === false && (g.code || !/already exists/i.test(g.reason || "")));
  if (closed.length === 0) return null;
  return h("section", { class: "gates", "aria-label": "Closed gates" },
    h("h2", {}, icon("blocked"), "HostUp blocks"),
    h("ul", {}, closed.map(([k, g]) => h("li", {},
      h("strong", {}, `${GATE_WORDS[k] || k}: `),
      h("span", { class: "reason" }, g.reason || "not allowed now"),
      g.code ? h("code", {}, ` ${g.code}`) : null))));
}

function timelineView(schedule, sc, ctx) {
  const items = timeline(schedule, sc.history, ctx.now).slice(0, 30);
  const box = h("section", { class: "timeline", "aria-label": "Recent runs" }, h("h2", {}, "Recent runs"));
  if (items.length === 0) {
    box.append(h("p", { class: "muted" }, "No runs reported."));
    return box;
  }
  const counts = { completed: 0, failed: 0, missing: 0 };
  for (const it of items) if (it.kind === "scheduled" && it.status in counts) counts[it.status]++;
  box.append(h("p", { class: "sub" },
    `${counts.completed} completed, ${counts.failed} failed, ${counts.missing} missing`,
    sc.history_total > (sc.history || []).length ? ` (newest ${(sc.history || []).length} of ${sc.history_total} runs)` : ""));
  const strip = h("ol", { class: "strip", "aria-hidden": "true" });
  for (const it of [...items].reverse()) {
    const st = it.kind === "manual" ? "manual" : it.status;
    strip.append(h("li", { class: `bead ${st}`, title: `${ctx.fmt.when(it.at)}: ${it.kind} ${it.word}` }, icon(st)));
  }
  box.append(strip);
  box.append(h("ol", { class: "runs" }, items.map((it) => {
    const st = it.kind === "manual" ? "manual" : it.status;
    return h("li", { class: `run ${it.status}`, "data-status": it.status },
      icon(it.status),
      h("span", { class: "run-word" }, RUN_WORDS[it.status] || cap(it.word)),
      h("span", { class: "when" }, ctx.fmt.when(it.at)),
      st === "manual" ? h("span", { class: "tag" }, "manual") : null,
      it.note ? h("span", { class: "muted note-text" }, it.note) : null);
  })));
  return box;
}

// ---- a write tool's plan (dry run, confirmation, or applied) ----

const OUTCOME_WORDS = {
  dry_run: "Dry run: nothing was sent",
  confirmation_required: "Needs your confirmation: nothing was sent yet",
  applied: "Applied",
  declined: "Declined: nothing changed",
};

function outcomeState(o) {
  if (o === "applied") return "covered";
  if (o === "dry_run") return "info";
  return "problem";
}

export function renderPlan(sc, ctx, { standalone = true } = {}) {
  const p = sc.plan || {};
  const changes = Array.isArray(p.changes) ? p.changes : [];
  const out = [];
  if (standalone) out.push(header(`Plan for ${sc.vps_id || "the VPS"}`, sc, ctx, ""));
  out.push(h("section", { class: "plan", "aria-label": "Plan" },
    h("p", { class: "outcome" }, pill(outcomeState(sc.outcome), OUTCOME_WORDS[sc.outcome] || cap(String(sc.outcome).replaceAll("_", " ")))),
    p.summary ? h("p", { class: "big" }, p.summary) : null,
    changes.length ? h("table", { class: "changes" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Before"), h("th", { scope: "col" }, "After"))),
      h("tbody", {}, changes.map((c) => h("tr", {}, h("th", { scope: "row" }, c.field), h("td", {}, show(c.before)), h("td", {}, show(c.after)))))) : null,
    listOf("Warnings", p.warnings, "warn"),
    listOf("Deletes", Array.isArray(p.deletes) ? p.deletes.map(show) : [], "danger")));
  return out;
}

function listOf(title, items, cls) {
  if (!Array.isArray(items) || items.length === 0) return null;
  return h("div", { class: `list ${cls}` }, h("h3", {}, title), h("ul", {}, items.map((w) => h("li", {}, show(w)))));
}

// ---- a fleet plan (apply_backup_policy): rows and totals ----

// ACTION_STATE colours a row's action: what the plan does to that VPS.
const ACTION_STATE = { create: "info", update: "info", no_change: "covered", refused: "blocked", skipped: "unreadable" };
// ROW_OUTCOME_STATE colours a row's outcome once the plan was applied.
const ROW_OUTCOME_STATE = { applied: "covered", failed: "blocked", outcome_unknown: "problem", changed_since_plan: "problem" };

// fleetRows gives every VPS of a fleet plan a row: each VPS of a group shows
// its group, and the VPSes already as the policy says come last.
function fleetRows(sc) {
  const rows = [];
  for (const g of sc.groups) {
    if (g && typeof g === "object") for (const id of g.vps_ids || []) rows.push({ ...g, vps_id: id });
  }
  for (const id of sc.no_change) {
    rows.push({ vps_id: id, action: "no_change", outcome: "planned", summary: "Already as the policy says: nothing is sent." });
  }
  return rows;
}

export function renderFleet(sc, ctx) {
  const rows = fleetRows(sc);
  // Before the plan is applied every row is "planned": the column says nothing then.
  const applied = rows.some((r) => r.outcome && r.outcome !== "planned");
  const table = h("table", { class: "fleet plan-rows" },
    h("thead", {}, h("tr", {},
      ["VPS", "Action", "Changes", "Why, and what to do"].map((c) => h("th", { scope: "col" }, c)),
      applied ? h("th", { scope: "col" }, "Outcome") : null)),
    h("tbody", {}, rows.map((r) => h("tr", { class: "main", "data-vps": r.vps_id, "data-action": r.action },
      h("th", { scope: "row", "data-label": "VPS" }, h("span", { class: "name" }, r.name || r.vps_id), r.name ? h("code", { class: "id" }, r.vps_id) : null),
      h("td", { "data-label": "Action" }, pill(ACTION_STATE[r.action] || "problem", words(r.action ?? "—"))),
      h("td", { "data-label": "Changes", class: "changes-cell" }, changeList(r.changes)),
      h("td", { "data-label": "Why, and what to do", class: "why-cell" },
        r.summary ? h("p", {}, r.summary) : null,
        r.fix ? h("p", { class: "fix" }, h("strong", {}, "What to do: "), r.fix) : null,
        r.error ? h("p", { class: "error" }, r.error) : null,
        listOf("Warnings", r.warnings, "warn"),
        listOf("Notes", r.notes, "")),
      applied ? h("td", { "data-label": "Outcome" }, pill(ROW_OUTCOME_STATE[r.outcome] || "info", words(r.outcome ?? "—"))) : null))));
  return [
    header("Backup policy plan", sc, ctx, [sc.policy, `${rows.length} VPS`].filter(Boolean).join(" · ")),
    fleetTotals(sc.totals),
    sc.outcome ? h("p", { class: "outcome" }, pill(outcomeState(sc.outcome), OUTCOME_WORDS[sc.outcome] || cap(String(sc.outcome).replaceAll("_", " ")))) : null,
    table,
    listOf("Notes", sc.notes, ""),
  ];
}

// changeList shows a row's field changes as "field: before → after".
function changeList(changes) {
  if (!Array.isArray(changes) || changes.length === 0) return h("span", { class: "muted" }, "—");
  return h("ul", { class: "change-list" }, changes.map((c) =>
    h("li", {}, h("span", { class: "field" }, String(c.field ?? "").replaceAll("_", " ")), ": ", show(c.before), " → ", show(c.after))));
}

// fleetTotals shows the rows per action (create, update, … as ACTION_STATE lists them), then (once applied) the rows per
// outcome that happened, and the requests the plan sends.
function fleetTotals(t) {
  if (!t || typeof t !== "object") return null;
  const tiles = [];
  if (typeof t.vps === "number") tiles.push(["VPS", t.vps, ""]);
  // In the plan's own order, not the JSON's alphabetical one; an action no row has is left out.
  const byAction = t.by_action ?? {};
  const order = [...Object.keys(ACTION_STATE), ...Object.keys(byAction).filter((k) => !(k in ACTION_STATE))];
  for (const k of order) if (typeof byAction[k] === "number" && byAction[k] > 0) tiles.push([words(k), byAction[k], ACTION_STATE[k] || ""]);
  for (const [k, v] of Object.entries(t.by_outcome ?? {})) if (k !== "planned" && typeof v === "number" && v > 0) tiles.push([words(k), v, ROW_OUTCOME_STATE[k] || ""]);
  if (typeof t.requests === "number") tiles.push(["requests", t.requests, ""]);
  if (tiles.length === 0) return null;
  return h("ul", { class: "tiles", "aria-label": "Totals" },
    tiles.map(([label, n, state]) => h("li", { class: `tile ${state}` }, h("span", { class: "n" }, String(n)), h("span", { class: "label" }, label))));
}

// show renders any value briefly: objects as "key: value" pairs, so a shape
// this file does not know still reads as text.
function show(v) {
  if (v === undefined || v === null || v === "") return "—";
  if (Array.isArray(v)) return v.length ? v.map(show).join(", ") : "—";
  if (typeof v === "object") {
    return Object.entries(v).map(([k, x]) => `${k.replaceAll("_", " ")}: ${typeof x === "object" && x !== null ? JSON.stringify(x) : x}`).join(", ") || "—";
  }
  return String(v);
}

// ---- anything else ----

export function renderText(result, ctx, title) {
  const text = (result && Array.isArray(result.content) ? result.content : [])
    .filter((c) => c && c.type === "text")
    .map((c) => c.text)
    .join("\n");
  return [
    header(title || "Result", result && result.structuredContent, ctx, ""),
    h("pre", { class: result && result.isError ? "text error" : "text" }, text || "This result has nothing this view can show."),
  ];
}
