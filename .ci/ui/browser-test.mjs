// The MCP App in a real browser: headless Chromium (Debian's package) driven by
// puppeteer-core. A minimal host page (host.html) shows the view exactly as the
// built server serves it, with results from that server in --sandbox, and
// proxies the view's tool calls to it. Prints PASS/FAIL lines for .ci/run.
//
//   node .ci/ui/browser-test.mjs ./hostup-mcp [screenshot dir]
//
// With UPDATE_SCREENSHOTS=1 the light and dark screenshots of the sandbox audit
// are written to tools/ui/screenshots/, where README.md shows them.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import puppeteer from "puppeteer-core";
import { mkdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const [binary, shotDirArg] = process.argv.slice(2);
if (!binary) {
  console.error("usage: node browser-test.mjs HOSTUP_MCP_BINARY [SCREENSHOT_DIR]");
  process.exit(2);
}
const shotDir = process.env.UPDATE_SCREENSHOTS === "1"
  ? path.join(here, "../../tools/ui/screenshots")
  : shotDirArg || path.join(here, "../../dist/ui");
mkdirSync(shotDir, { recursive: true });

const URI = "ui://hostup-mcp/coverage.html";
const MIME = "text/html;profile=mcp-app";
const ZONE = "Europe/Stockholm";
let failed = 0;
function check(name, ok, detail = "") {
  console.log(`${ok ? "PASS" : "FAIL"} ui browser: ${name}${!ok && detail ? `: ${detail}` : ""}`);
  if (!ok) failed++;
}

async function connect(extraArgs) {
  const client = new Client({ name: "hostup-mcp-ui-test", version: "1.0.0" }, {
    capabilities: { extensions: { "io.modelcontextprotocol/ui": { mimeTypes: [MIME] } } },
  });
  await client.connect(new StdioClientTransport({
    command: binary,
    args: ["--sandbox", "--timezone", ZONE, ...extraArgs],
    env: { PATH: process.env.PATH, HOME: process.env.HOME || "/tmp", NO_COLOR: "1" },
    stderr: "ignore",
  }));
  return client;
}

const client = await connect([]);
const readOnlyClient = await connect(["--read-only"]);

// ---- what the server offers a host ----
const caps = client.getServerCapabilities() || {};
check("the server declares the io.modelcontextprotocol/ui extension",
  JSON.stringify(caps.extensions?.["io.modelcontextprotocol/ui"]?.mimeTypes) === JSON.stringify([MIME]), JSON.stringify(caps));
const { tools } = await client.listTools();
const linked = tools.filter((t) => t._meta?.ui?.resourceUri === URI).map((t) => t.name).sort();
check("audit_backup_coverage, list_backup_schedules and apply_backup_policy link the view",
  JSON.stringify(linked) === JSON.stringify(["apply_backup_policy", "audit_backup_coverage", "list_backup_schedules"]), JSON.stringify(linked));
const { resources } = await client.listResources();
check("resources/list names the view with its MIME type", resources.some((r) => r.uri === URI && r.mimeType === MIME), JSON.stringify(resources));
const read = await client.readResource({ uri: URI });
const html = read.contents[0]?.text || "";
const size = Buffer.byteLength(html);
check(`the view is one HTML file of at most 300 KB (${size} bytes)`, read.contents[0]?.mimeType === MIME && html.startsWith("<!doctype html>") && size <= 300 * 1024);
check("the served view is the committed build", html === readFileSync(path.join(here, "../../tools/ui/coverage.html"), "utf8"));
const roHTML = (await readOnlyClient.readResource({ uri: URI })).contents[0]?.text || "";
check("read-only mode serves the view too, marked read-only", roHTML.startsWith('<!doctype html><html lang="en" data-read-only data-no-plan>') && html.startsWith('<!doctype html><html lang="en">'));

const audit = await client.callTool({ name: "audit_backup_coverage", arguments: {} });
// The sandbox is a fixed account of seven VPSes (README, SPEC): five need
// attention and are whole rows, two are covered and only named.
const vpsCount = audit.structuredContent?.totals?.vps;
const wholeRows = audit.structuredContent?.vps?.length;
const coveredIDs = audit.structuredContent?.covered ?? [];
check("the sandbox audit has seven VPSes: five whole rows, two covered by id", vpsCount === 7 && wholeRows === 5 && coveredIDs.length === 2,
  `${vpsCount} VPSes, ${wholeRows} whole rows, covered ${JSON.stringify(coveredIDs)}`);

// ---- the browser ----
const executablePath = process.env.CHROMIUM || ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);
const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  // Root in a container has no user namespace for Chromium's sandbox; the page
  // only ever shows our own file.
  args: ["--no-sandbox", "--disable-gpu", "--font-render-hinting=none", "--force-color-profile=srgb"],
});
const requests = [];
const consoleErrors = [];
const calls = [];
const messages = [];

async function openHost(width, forClient) {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900, deviceScaleFactor: 1.5 });
  await page.setRequestInterception(true);
  page.on("request", (r) => {
    const url = r.url();
    if (url.startsWith("data:") || url.startsWith("about:")) return r.continue();
    requests.push(url);
    r.abort();
  });
  // The host page applies the spec's default CSP, which refuses any network
  // access before a request exists: a refusal counts as a request attempted.
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    consoleErrors.push(m.text());
    if (m.text().includes("Content Security Policy")) requests.push(`refused by the CSP: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.exposeFunction("hostCallTool", async (params) => {
    calls.push(params);
    return await forClient.callTool(params);
  });
  await page.exposeFunction("hostMessage", async (params) => { messages.push(params); });
  await page.setContent(readFileSync(path.join(here, "host.html"), "utf8"));
  return page;
}

async function show(page, viewHTML, args, result, theme) {
  await page.evaluate((h, a, r, t, z) => window.startView(h, a, r, t, z), viewHTML, args, result, theme, ZONE);
  const view = page.frames().find((f) => f !== page.mainFrame());
  await view.waitForSelector("h1, pre.text", { timeout: 10000 });
  return view;
}

const text = (view, selector) => view.$eval(selector, (el) => el.innerText).catch(() => "");
const settle = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 150))));

try {
  const page = await openHost(1000, client);
  const view = await show(page, html, {}, audit, "light");

  const expected = {
    vps_sandbox01: "Problem", vps_sandbox02: "Covered", vps_sandbox03: "Blocked",
    vps_sandbox04: "Problem", vps_sandbox05: "Problem", vps_sandbox06: "Problem", vps_sandbox07: "Covered",
  };
  for (const [id, state] of Object.entries(expected)) {
    const row = await text(view, `tbody[data-vps="${id}"] tr.main`);
    const pill = await text(view, `tbody[data-vps="${id}"] .pill`);
    check(`${id} is shown with its state in words: ${state}`, row.includes(id) && pill.trim() === state, `row "${row}", state "${pill}"`);
  }
  const lastRun05 = await text(view, `tbody[data-vps="vps_sandbox05"] td[data-label="Last run"]`);
  check("api-01's failed last run reads Failed", /^Failed\b/.test(lastRun05.trim()), lastRun05);
  // 01:00 UTC is 02:00 in Stockholm in winter: times are in the display zone.
  const sched05 = await text(view, `tbody[data-vps="vps_sandbox05"] td[data-label="Schedule"]`);
  check(`times are shown in ${ZONE}`, sched05.includes("02:00") && (await text(view, ".head .sub")).includes(ZONE), sched05);
  const why03 = await text(view, `tbody[data-vps="vps_sandbox03"] tr.why.blocked`);
  check("mail-01's closed gate shows HostUp's reason",
    why03.includes("HostUp blocks changes") && why03.includes("An upgrade order is pending payment") && why03.includes("pending_order"), why03);

  // Details come from the host calling list_backup_schedules: the timeline
  // marks the failed run among the completed ones, with retention and quota.
  await view.click(`tbody[data-vps="vps_sandbox02"] button[aria-expanded]`);
  await view.waitForSelector(`tbody[data-vps="vps_sandbox02"] .timeline .runs li`, { timeout: 10000 }).catch(async (e) => {
    throw new Error(`${e.message}; the row shows: ${await text(view, `tbody[data-vps="vps_sandbox02"]`)}`);
  });
  const runs02 = await view.$$eval(`tbody[data-vps="vps_sandbox02"] .runs li`, (lis) => lis.map((li) => [li.dataset.status, li.innerText]));
  const failedRuns = runs02.filter(([s, t]) => s === "failed" && t.startsWith("Failed"));
  check("db-01's timeline marks its one failed run as Failed", failedRuns.length === 1 && runs02.filter(([s]) => s === "completed").length >= 8, JSON.stringify(runs02));
  const quota02 = await text(view, `tbody[data-vps="vps_sandbox02"] .cards`);
  check("db-01's details show retention against its maximum and quota use",
    quota02.includes("Keeps 3 of at most 5") && quota02.includes("1 manual + 3 scheduled of 5"), quota02);
  check("details were asked of the host as list_backup_schedules",
    calls.some((c) => c.name === "list_backup_schedules" && c.arguments.vps_id === "vps_sandbox02"), JSON.stringify(calls));
  await settle(page);
  const wideOverflow = await view.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check("at 1000 px the audit fits without sideways scrolling", wideOverflow <= 0, `${wideOverflow}px too wide`);
  const frame = await page.$("#frame");
  await frame.screenshot({ path: path.join(shotDir, "coverage-light.png") });

  // The dry run, by keyboard: Tab reaches web-01's button, Enter presses it.
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await view.evaluate(() => document.activeElement?.closest("tbody")?.dataset.vps === "vps_sandbox01" && document.activeElement.dataset.action === "dry-run");
  }
  check("the dry-run button of web-01 is reachable by Tab", reached);
  const before = calls.length;
  await page.keyboard.press("Enter");
  await view.waitForSelector(`tbody[data-vps="vps_sandbox01"] [data-testid="dry-run"]`, { timeout: 10000 });
  const upsert = calls.slice(before).find((c) => c.name === "upsert_backup_schedule");
  const want = { vps_id: "vps_sandbox01", frequency: "daily", hour: 2, retention_count: 2, dry_run: true, timezone: ZONE };
  check("Enter on the dry-run button makes the host receive tools/call upsert_backup_schedule with dry_run",
    upsert && JSON.stringify(Object.entries(upsert.arguments).sort()) === JSON.stringify(Object.entries(want).sort()), JSON.stringify(upsert));
  const plan = await text(view, `tbody[data-vps="vps_sandbox01"] [data-testid="dry-run"]`);
  check("the view shows the dry run's plan: nothing sent, before and after",
    plan.includes("Dry run: nothing was sent") && plan.includes("Create a backup schedule on vps_sandbox01") && plan.includes("retention_count"), plan);
  check("no tool that changes anything was called without dry_run",
    calls.every((c) => ["list_backup_schedules", "audit_backup_coverage"].includes(c.name) || c.arguments.dry_run === true), JSON.stringify(calls));

  page.setTheme = (t) => page.evaluate((x) => window.setTheme(x), t);
  await page.setTheme("dark");
  await settle(page);
  const scheme = await view.evaluate(() => getComputedStyle(document.documentElement).colorScheme);
  const bg = await view.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  check("the host's dark theme turns the view dark", scheme === "dark" && bg !== "rgb(255, 255, 255)", `${scheme} ${bg}`);
  await frame.screenshot({ path: path.join(shotDir, "coverage-dark.png") });
  await page.close();

  // Narrow: a phone-width host still shows every VPS with its state, no sideways scroll.
  const narrow = await openHost(380, client);
  const nview = await show(narrow, html, {}, audit, "light");
  await settle(narrow);
  const overflow = await nview.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  const narrowStates = await nview.$$eval("tbody[data-vps]", (bs) => bs.map((b) => [b.dataset.vps, b.querySelector(".pill")?.innerText.trim()]));
  check("at 380 px every VPS shows its state and nothing scrolls sideways",
    overflow <= 0 && narrowStates.length === vpsCount && narrowStates.every(([id, state]) => state === expected[id]),
    `overflow ${overflow}px, ${JSON.stringify(narrowStates)}`);
  await (await narrow.$("#frame")).screenshot({ path: path.join(shotDir, "coverage-narrow.png") });
  await narrow.close();

  // list_backup_schedules' own result renders as one VPS's view.
  const sched = await client.callTool({ name: "list_backup_schedules", arguments: { vps_id: "vps_sandbox03" } });
  const spage = await openHost(800, client);
  const sview = await show(spage, html, { vps_id: "vps_sandbox03" }, sched, "light");
  const gates = await text(sview, ".gates");
  check("list_backup_schedules' result shows the closed gates with HostUp's reason",
    gates.includes("Change settings") && gates.includes("An upgrade order is pending payment"), gates);
  await spage.close();

  // A run the schedule says was due but HostUp never reported shows as missing:
  // db-01's real result with one nightly run taken out.
  const db = await client.callTool({ name: "list_backup_schedules", arguments: { vps_id: "vps_sandbox02", history_limit: 30 } });
  const gap = structuredClone(db);
  gap.structuredContent.history.splice(2, 1);
  const mpage = await openHost(800, client);
  const mview = await show(mpage, html, { vps_id: "vps_sandbox02" }, gap, "light");
  const missing = await mview.$$eval(`.runs li[data-status="missing"]`, (lis) => lis.map((li) => li.innerText));
  check("a due run with no run reported is marked Missing", missing.length === 1 && missing[0].startsWith("Missing"), JSON.stringify(missing));
  const whole = await show(mpage, html, { vps_id: "vps_sandbox02" }, db, "light");
  check("a schedule that ran every time has nothing missing", (await whole.$$(`.runs li[data-status="missing"]`)).length === 0);
  await mpage.close();

  // apply_backup_policy's own results, its dry run and its applied plan, from the
  // server (a separate process, so the other checks' sandbox is left as it was).
  const fleetClient = await connect([]);
  const policy = { frequency: "daily", hour: 2, retention_count: 3, cap_retention: true };
  const fleetPlan = await fleetClient.callTool({ name: "apply_backup_policy", arguments: { ...policy, dry_run: true } });
  const fpage = await openHost(900, client);
  const fview = await show(fpage, html, policy, fleetPlan, "light");
  const fleetRows = await fview.$$eval("tr[data-vps]", (trs) => trs.map((tr) => [tr.dataset.vps, tr.innerText]));
  const fleetRow = (id) => fleetRows.find(([v]) => v === id)?.[1] ?? "";
  check("a fleet plan shows a row for every VPS", fleetRows.length === vpsCount, JSON.stringify(fleetRows.map(([v]) => v)));
  check("a fleet plan's row shows each change, before and after",
    /retention count: 2 → 3/.test(fleetRow("vps_sandbox05")) && /time utc: 01:00 → 02:00/.test(fleetRow("vps_sandbox05")), fleetRow("vps_sandbox05"));
  check("a refused row says why and what to do",
    fleetRow("vps_sandbox03").includes("An upgrade order is pending payment") && fleetRow("vps_sandbox03").includes("What to do:"), fleetRow("vps_sandbox03"));
  const fleetTiles = await fview.$$eval(".tiles .tile", (ts) => ts.map((t) => t.innerText.replace(/\s+/g, " ").trim()));
  check("a fleet plan's totals count the rows per action",
    ["7 VPS", "1 create", "2 update", "1 no change", "3 refused", "3 requests"].every((t) => fleetTiles.includes(t)), JSON.stringify(fleetTiles));
  check("a fleet dry run says nothing was sent", (await text(fview, ".outcome")).includes("Dry run: nothing was sent"));
  await settle(fpage);
  await (await fpage.$("#frame")).screenshot({ path: path.join(shotDir, "coverage-fleet.png") });
  const fleetPlanned = await fleetClient.callTool({ name: "apply_backup_policy", arguments: policy });
  const fleetApplied = await fleetClient.callTool({ name: "apply_backup_policy", arguments: { ...policy, confirm_token: fleetPlanned.structuredContent?.confirm_token } });
  const aview = await show(fpage, html, policy, fleetApplied, "light");
  const appliedRow = await text(aview, `tr[data-vps="vps_sandbox05"] td[data-label="Outcome"]`);
  check("an applied fleet plan shows each row's outcome", fleetApplied.structuredContent?.outcome === "applied" && appliedRow.trim() === "applied",
    `${fleetApplied.structuredContent?.outcome}: "${appliedRow}"`);
  await fleetClient.close();
  const fnarrow = await openHost(380, client);
  const fnview = await show(fnarrow, html, policy, fleetPlan, "light");
  await settle(fnarrow);
  const fleetOverflow = await fnview.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check("at 380 px a fleet plan does not scroll sideways", fleetOverflow <= 0, `${fleetOverflow}px too wide`);
  await fnarrow.close();
  const odd = { content: [{ type: "text", text: "Something this view has never seen." }], structuredContent: { surprise: [1, 2] } };
  const oview = await show(fpage, html, {}, odd, "light");
  check("an unknown shape falls back to the result's text", (await text(oview, "pre.text")).includes("Something this view has never seen."));
  await fpage.close();

  // Read-only mode: the same view, no action that would call a write tool.
  const rpage = await openHost(1000, readOnlyClient);
  const rview = await show(rpage, roHTML, {}, audit, "light");
  const roDryRuns = (await rview.$$("[data-action=dry-run]")).length;
  const roDetails = (await rview.$$("button[aria-expanded]")).length;
  check("read-only mode offers no dry run, and every VPS its details", roDryRuns === 0 && roDetails === vpsCount,
    `${roDryRuns} dry-run buttons, ${roDetails} details buttons for ${vpsCount} VPSes`);
  await rpage.close();

  check("the view made no network request", requests.length === 0, requests.join(", "));
  check("the view logged no error", consoleErrors.length === 0, consoleErrors.join(" | "));
  check(`screenshots saved in ${path.relative(process.cwd(), shotDir) || "."}`, ["light", "dark", "narrow", "fleet"].every((s) => existsSync(path.join(shotDir, `coverage-${s}.png`))));
} catch (e) {
  check("the browser test ran to the end", false, e.stack || String(e));
} finally {
  await browser.close();
  await client.close();
  await readOnlyClient.close();
}
process.exit(failed ? 1 : 0);
