// The official TypeScript SDK client against `hostup-mcp --sandbox` over stdio.
// The SDK checks every structuredContent against the tool's outputSchema (after
// listTools), so a result that breaks its schema fails the call here.
// Usage: node sdk-client.mjs PATH_TO_BINARY. Prints PASS/FAIL lines; exit 1 on a FAIL.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { execFileSync } from "node:child_process";

const bin = process.argv[2];
let failed = 0;
const pass = (msg) => console.log(`PASS sdk: ${msg}`);
const fail = (msg) => {
  failed++;
  console.log(`FAIL sdk: ${msg}`);
};

// The stdio transport does not pass the parent's environment on: give it all.
const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", HOSTUP_LOG_LEVEL: "warn", NO_COLOR: "1" };

async function connect(name, { elicit, declareElicitation = false, args = [] } = {}) {
  const capabilities = elicit || declareElicitation ? { elicitation: {} } : {};
  const client = new Client({ name, version: "1.0.0" }, { capabilities });
  if (elicit) {
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      client.elicited = (client.elicited ?? 0) + 1;
      client.lastElicitMessage = req.params.message;
      return elicit(req);
    });
  }
  const transport = new StdioClientTransport({ command: bin, args: ["--sandbox", ...args], env, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (b) => (stderr += b));
  await client.connect(transport);
  client.stderrText = () => stderr;
  return client;
}

// call runs one tool, checks the SDK accepted its result, and returns the structured content.
async function call(client, name, args, { wantError = false, check } = {}) {
  const label = `${name} ${JSON.stringify(args)}`;
  let res;
  try {
    res = await client.callTool({ name, arguments: args });
  } catch (e) {
    fail(`${label}: ${e.message}`);
    return undefined;
  }
  const text = (res.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
  if (Boolean(res.isError) !== wantError) {
    fail(`${label}: isError=${Boolean(res.isError)}, want ${wantError}: ${text}`);
    return undefined;
  }
  if (!text.includes("SANDBOX")) {
    fail(`${label}: the text does not say it is the sandbox: ${text}`);
    return undefined;
  }
  if (res.structuredContent?.sandbox !== true) {
    fail(`${label}: structuredContent.sandbox is not true`);
    return undefined;
  }
  // A failure is readable by programs: its kind and code beside the text,
  // which the SDK has just validated against the tool's output schema.
  const failure = res.structuredContent?.error;
  if (wantError && !(typeof failure?.kind === "string" && typeof failure?.code === "string" && typeof failure?.retryable === "boolean")) {
    fail(`${label}: a failed result carries no error {kind, code, retryable} in structuredContent: ${JSON.stringify(res.structuredContent)}`);
    return undefined;
  }
  const problem = check?.(res.structuredContent ?? {}, text);
  if (problem) {
    fail(`${label}: ${problem}`);
    return undefined;
  }
  pass(`${label}${wantError ? ` (a clean tool error, code ${failure.code})` : ""}`);
  return res.structuredContent ?? {};
}

// toolNames lists the tools `hostup-mcp tools` prints, sorted (one per line, name first).
const toolNames = (...flags) =>
  execFileSync(bin, ["tools", "--sandbox", ...flags], { encoding: "utf8" })
    .split("\n")
    .filter((l) => /^[a-z_]+ +\[/.test(l))
    .map((l) => l.split(/ +/)[0])
    .sort();

const outcome = (want) => (sc) => (sc.outcome === want ? undefined : `outcome ${sc.outcome}, want ${want}`);

async function main() {
  const c = await connect("interop-sdk");
  const { tools } = await c.listTools();
  const names = tools.map((t) => t.name).sort();
  // The tools the built binary says it has (hostup-mcp tools), not a list kept here.
  const want = toolNames();
  if (JSON.stringify(names) === JSON.stringify(want)) pass(`tools/list: the ${names.length} tools of hostup-mcp tools`);
  else fail(`tools/list: ${names.join(", ")}; hostup-mcp tools: ${want.join(", ")}`);
  const annotatedReadOnly = tools.filter((t) => t.annotations?.readOnlyHint === true).map((t) => t.name).sort();
  for (const t of tools) {
    const a = t.annotations ?? {};
    const set = ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"].every((k) => typeof a[k] === "boolean");
    if (!t.outputSchema || t.outputSchema.type !== "object" || !set) fail(`${t.name}: outputSchema object and all four annotations expected`);
  }

  // Every read-only tool.
  const vpses = await call(c, "list_vps", {}, { check: (sc) => (sc.vps?.length === 7 ? undefined : "want the 7 sandbox VPSes") });
  const ids = (vpses?.vps ?? []).map((v) => v.id);
  await call(c, "list_vps", { query: "db", limit: 1 });
  for (const id of ids) {
    await call(c, "list_backup_schedules", { vps_id: id, history_limit: 3 });
    await call(c, "list_backups", { vps_id: id });
    await call(c, "list_snapshot_schedule", { vps_id: id });
  }
  await call(c, "audit_backup_coverage", {}, { check: (sc) => (JSON.stringify(sc).includes("no_schedule") ? undefined : "no problem found in the sandbox") });
  await call(c, "audit_backup_coverage", { vps_ids: ["vps_sandbox02", "vps_sandbox04"] });
  await call(c, "get_job", { job_id: "job_does_not_exist" }, { wantError: true });

  // Every write tool as a dry run: nothing changes.
  await call(c, "upsert_backup_schedule", { vps_id: "vps_sandbox01", frequency: "daily", hour: 2, retention_count: 2, dry_run: true }, { check: outcome("dry_run") });
  await call(c, "update_backup_settings", { vps_id: "vps_sandbox02", max_total_backups: 5, auto_delete_oldest: true, dry_run: true }, { check: outcome("dry_run") });
  await call(c, "delete_backup_schedule", { vps_id: "vps_sandbox02", schedule_id: "bks_sandbox02", dry_run: true }, { check: outcome("dry_run") });
  await call(c, "create_backup", { vps_id: "vps_sandbox02", note: "interop", dry_run: true }, { check: outcome("dry_run") });
  await call(c, "delete_backup", { vps_id: "vps_sandbox02", backup_id: "bkp_sim000004", dry_run: true }, { check: outcome("dry_run") });
  await call(c, "apply_backup_policy", { frequency: "daily", hour: 2, retention_count: 3, cap_retention: true, dry_run: true }, { check: outcome("dry_run") });
  await call(c, "restore_backup", { vps_id: "vps_sandbox02", backup_id: "bkp_sim000001", dry_run: true }, { check: outcome("dry_run") });
  await call(c, "set_snapshot_schedule", { vps_id: "vps_sandbox05", interval_hours: 6, dry_run: true }, { check: outcome("dry_run") });
  await call(c, "delete_snapshot_schedule", { vps_id: "vps_sandbox05", dry_run: true }, { check: outcome("dry_run") });
  // A refusal is a tool error that sends nothing.
  await call(c, "upsert_backup_schedule", { vps_id: "vps_sandbox03", frequency: "weekly", day_of_week: 1, hour: 3, retention_count: 2 }, { wantError: true });

  // Real changes: a manual backup and its job, then a destructive change confirmed by token.
  const made = await call(c, "create_backup", { vps_id: "vps_sandbox01", note: "interop" }, { check: outcome("applied") });
  const jobID = made?.job?.id;
  if (jobID) await call(c, "get_job", { job_id: jobID });
  else fail("create_backup returned no job_id to follow");
  const replace = { vps_id: "vps_sandbox02", frequency: "weekly", day_of_week: 0, hour: 2, retention_count: 4, replace_existing: true };
  const plan = await call(c, "upsert_backup_schedule", replace, { check: outcome("confirmation_required") });
  await call(c, "upsert_backup_schedule", { ...replace, confirm_token: "hu1.made-up" }, { wantError: true });
  if (plan?.confirm_token) {
    await call(c, "upsert_backup_schedule", { ...replace, confirm_token: plan.confirm_token }, { check: outcome("applied") });
    await call(c, "list_backup_schedules", { vps_id: "vps_sandbox02" }, {
      check: (sc) => (sc.schedules?.[0]?.frequency === "weekly" ? undefined : "the weekly schedule is not there after the confirmed change"),
    });
  } else fail("no confirm_token for a destructive change");
  // The fleet: one plan, one confirm_token, every row applied and read back.
  const policy = { frequency: "daily", hour: 4, retention_count: 2, vps_ids: ["vps_sandbox01", "vps_sandbox05"] };
  const fleetPlan = await call(c, "apply_backup_policy", policy, { check: outcome("confirmation_required") });
  if (fleetPlan?.confirm_token) {
    await call(c, "apply_backup_policy", { ...policy, confirm_token: fleetPlan.confirm_token }, {
      check: (sc) => (sc.outcome === "applied" && sc.totals?.by_outcome?.applied === 2 ? undefined : `outcome ${sc.outcome}, ${JSON.stringify(sc.totals)}`),
    });
  } else fail("no confirm_token for the fleet's plan");

  const { prompts } = await c.listPrompts();
  if (prompts.length >= 3) pass(`prompts/list: ${prompts.map((p) => p.name).join(", ")}`);
  else fail(`prompts/list: ${prompts.length} prompts`);
  for (const p of prompts) {
    const args = p.name === "explain_backup_limits" ? { vps_id: "vps_sandbox02" } : {};
    try {
      const r = await c.getPrompt({ name: p.name, arguments: args });
      if (r.messages?.[0]?.content?.text?.length > 100) pass(`prompts/get ${p.name}`);
      else fail(`prompts/get ${p.name}: no text`);
    } catch (e) {
      fail(`prompts/get ${p.name}: ${e.message}`);
    }
  }
  try {
    await c.getPrompt({ name: "explain_backup_limits", arguments: { vps_id: "not an id" } });
    fail("prompts/get with a bad vps_id was accepted");
  } catch {
    pass("prompts/get with a bad vps_id is refused");
  }
  if (c.stderrText().includes("ERR")) fail(`server logged errors:\n${c.stderrText()}`);
  await c.close();

  // A client that can ask the user: declining changes nothing, accepting applies.
  const no = await connect("interop-decline", { elicit: async () => ({ action: "decline" }) });
  await no.listTools();
  await call(no, "delete_backup_schedule", { vps_id: "vps_sandbox02", schedule_id: "bks_sandbox02" }, { check: outcome("declined") });
  await call(no, "list_backup_schedules", { vps_id: "vps_sandbox02" }, { check: (sc) => (sc.schedules?.length === 1 ? undefined : "the schedule is gone although the user declined") });
  if (no.elicited === 1) pass("a declined elicitation was asked once");
  else fail(`elicitation asked ${no.elicited ?? 0} times, want 1`);
  await no.close();

  const yes = await connect("interop-accept", { elicit: async () => ({ action: "accept", content: { confirm: true } }) });
  await yes.listTools();
  await call(yes, "delete_backup", { vps_id: "vps_sandbox02", backup_id: "bkp_sim000004" }, { check: outcome("applied") });
  await call(yes, "list_backups", { vps_id: "vps_sandbox02" }, { check: (sc) => (JSON.stringify(sc).includes("bkp_sim000004") ? "the backup is still listed after an accepted delete" : undefined) });
  if (yes.lastElicitMessage?.includes("bkp_sim000004")) pass("the elicitation message names what it deletes");
  else fail(`elicitation message: ${yes.lastElicitMessage}`);
  await yes.close();

  // A client that declares elicitation but whose dialog fails (it throws, or it
  // has no handler and answers "Method not found") gets the confirm_token path:
  // the plan and a token, nothing sent; the token then applies the change. In
  // elicitation-only mode it is a tool error that says nothing was sent.
  const deleteSchedule = { vps_id: "vps_sandbox02", schedule_id: "bks_sandbox02" };
  for (const [kind, opts] of [
    ["a throwing dialog", { elicit: async () => { throw new Error("the dialog crashed"); } }],
    ["no dialog handler (Method not found)", { declareElicitation: true }],
  ]) {
    const broken = await connect(`interop-broken-dialog`, opts);
    await broken.listTools();
    const planned = await call(broken, "delete_backup_schedule", deleteSchedule, {
      check: (sc, text) =>
        sc.outcome !== "confirmation_required" || !sc.confirm_token
          ? `outcome ${sc.outcome}, want confirmation_required with a token`
          : text.includes("could not be shown") ? undefined : "the text does not say the dialog failed",
    });
    if (planned?.confirm_token) {
      await call(broken, "delete_backup_schedule", { ...deleteSchedule, confirm_token: planned.confirm_token }, { check: outcome("applied") });
      pass(`${kind}: falls back to the confirm_token`);
    } else fail(`${kind}: no confirm_token to fall back on`);
    await broken.close();

    const only = await connect("interop-broken-dialog-only", { ...opts, args: ["--confirm-mode", "elicitation-only"] });
    await only.listTools();
    await call(only, "delete_backup_schedule", deleteSchedule, {
      wantError: true,
      check: (_, text) => (text.includes("could not be shown") && text.includes("nothing was sent") ? undefined : `the error does not say the dialog failed and nothing was sent: ${text}`),
    });
    await call(only, "list_backup_schedules", { vps_id: "vps_sandbox02" }, { check: (sc) => (sc.schedules?.length === 1 ? undefined : "the schedule is gone") });
    await only.close();
  }

  // Read-only mode: the write tools are not even listed.
  const ro = await connect("interop-read-only", { args: ["--read-only"] });
  const roTools = (await ro.listTools()).tools.map((t) => t.name).sort();
  // Exactly the tools the full listing annotates readOnlyHint, and hostup-mcp tools --read-only's.
  const roCLI = toolNames("--read-only");
  if (roTools.length > 0 && JSON.stringify(roTools) === JSON.stringify(annotatedReadOnly) && JSON.stringify(roTools) === JSON.stringify(roCLI))
    pass(`read-only tools/list: the readOnlyHint tools ${roTools.join(", ")}`);
  else fail(`read-only tools/list: ${roTools.join(", ")}; readOnlyHint in the full list: ${annotatedReadOnly.join(", ")}; hostup-mcp tools --read-only: ${roCLI.join(", ")}`);
  await ro.close();
}

try {
  await main();
} catch (e) {
  fail(`unexpected: ${e.stack ?? e}`);
}
process.exit(failed ? 1 : 0);
