// Stdout purity: MCP clients silently skip a stray line on stdout, so check it
// here. Spawns `hostup-mcp --sandbox --log-level debug` (the most it ever logs),
// sends a session's worth of requests, and asserts that every line it wrote on
// stdout is one JSON-RPC 2.0 message and that every request got its answer.
// Usage: node stdout-purity.mjs PATH_TO_BINARY. Prints PASS/FAIL lines; exit 1 on a FAIL.
import { spawn } from "node:child_process";

const bin = process.argv[2];
const requests = [
  { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "purity", version: "1" } } },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", id: 2, method: "tools/list" },
  { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "list_vps", arguments: {} } },
  { jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "audit_backup_coverage", arguments: {}, _meta: { progressToken: "p1" } } },
  { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "list_backups", arguments: { vps_id: "vps_nothere" } } },
  { jsonrpc: "2.0", id: 6, method: "tools/call", params: { name: "delete_backup", arguments: { vps_id: "vps_sandbox02", backup_id: "bkp_sim000004", dry_run: true } } },
  { jsonrpc: "2.0", id: 7, method: "prompts/get", params: { name: "setup_backups", arguments: {} } },
  { jsonrpc: "2.0", id: 8, method: "no/such/method" },
];

const child = spawn(bin, ["--sandbox", "--log-level", "debug"], {
  env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
  stdio: ["pipe", "pipe", "pipe"],
});
let stdout = "";
let stderr = "";
child.stdout.on("data", (b) => (stdout += b));
child.stderr.on("data", (b) => (stderr += b));
for (const r of requests) child.stdin.write(JSON.stringify(r) + "\n");
// A malformed line must get a JSON-RPC parse error, not free text.
child.stdin.write("this is not json\n");

const want = requests.filter((r) => r.id !== undefined).map((r) => r.id);
const answered = new Set();
const timer = setTimeout(() => child.stdin.end(), 10000);
child.stdout.on("data", () => {
  for (const line of stdout.split("\n")) {
    try {
      const id = JSON.parse(line).id;
      if (id !== undefined) answered.add(id);
    } catch {}
  }
  if (want.every((id) => answered.has(id)) && answered.has(null)) {
    clearTimeout(timer);
    child.stdin.end();
  }
});

const code = await new Promise((resolve) => child.on("close", resolve));
let failed = 0;
const fail = (msg) => {
  failed++;
  console.log(`FAIL purity: ${msg}`);
};
const lines = stdout.split("\n");
if (lines.pop() !== "") fail("stdout does not end with a newline");
let bad = 0;
for (const line of lines) {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {}
  if (!msg || msg.jsonrpc !== "2.0" || (msg.id === undefined && msg.method === undefined)) {
    bad++;
    fail(`stdout line is not JSON-RPC: ${JSON.stringify(line.slice(0, 200))}`);
  }
}
if (bad === 0 && lines.length > 0) console.log(`PASS purity: all ${lines.length} stdout lines are JSON-RPC 2.0 messages`);
const missing = want.filter((id) => !answered.has(id));
if (missing.length) fail(`no answer to request ids ${missing.join(", ")}`);
else console.log(`PASS purity: each of the ${want.length} requests got its answer`);
if (!answered.has(null)) fail("the malformed line got no JSON-RPC parse error");
else console.log("PASS purity: the malformed line got a JSON-RPC parse error");
if (code !== 0) fail(`exit code ${code} after stdin closed, want 0`);
else console.log("PASS purity: exits 0 when stdin closes");
if (!/DBG|debug/i.test(stderr)) fail("no debug log on stderr: were logs moved elsewhere?");
else console.log("PASS purity: the logs went to stderr");
process.exit(failed ? 1 : 0);
