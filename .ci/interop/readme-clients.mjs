// The README's client set-ups, as printed, against the built binary:
//   - every `claude mcp add …` line, run with the real Claude Code CLI (pinned in
//     .ci/claude-code) under a temporary HOME, where it only writes its config file;
//     `claude mcp get` must then report the server connected;
//   - every JSON client configuration (Claude Desktop, VS Code, Cursor).
// Each resulting configuration (command, args, env) is then started with the
// TypeScript SDK client, which must list the tools that configuration promises:
// those `hostup-mcp tools` prints with the same arguments and environment (with
// HOSTUP_READ_ONLY=1 only readOnlyHint ones, and fewer than without it); --sandbox
// must serve the sandbox. Only the placeholders are replaced: /path/to/hostup-mcp by the binary,
// and YOUR_HOSTUP_API_KEY, which the server refuses at start, by a well-formed made-up key.
// Commands and configurations are read from README.md, so the two cannot drift.
// Usage: node readme-clients.mjs PATH_TO_BINARY PATH_TO_CLAUDE. PASS/FAIL lines; exit 1 on a FAIL.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [bin, claude] = process.argv.slice(2);
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const placeholder = "/path/to/hostup-mcp";
const keyPlaceholder = "YOUR_HOSTUP_API_KEY";
const madeUpKey = "hu_readme_check_made_up_key";
let failed = 0;
const pass = (msg) => console.log(`PASS readme: ${msg}`);
const fail = (msg) => {
  failed++;
  console.log(`FAIL readme: ${msg}`);
};

// toolNames lists, sorted, the tools `hostup-mcp tools` prints for a configuration's
// arguments and environment (one per line, name first).
const toolNames = (args, env) =>
  execFileSync(bin, ["tools", ...args], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" })
    .split("\n")
    .filter((l) => /^[a-z_]+ +\[/.test(l))
    .map((l) => l.split(/ +/)[0])
    .sort();

// start runs one configuration as a client would and checks what it serves.
async function start(label, { command, args = [], env = {} }) {
  if (command !== bin) {
    fail(`${label}: command is ${JSON.stringify(command)}, want the binary`);
    return;
  }
  const client = new Client({ name: "readme-check", version: "1.0.0" });
  const transport = new StdioClientTransport({ command, args, env: { PATH: process.env.PATH ?? "", ...env }, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (b) => (stderr += b));
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    const want = toolNames(args, env);
    if (JSON.stringify(names) !== JSON.stringify(want)) {
      fail(`${label}: lists ${names.join(", ")}; hostup-mcp tools with its arguments and environment: ${want.join(", ")}`);
      return;
    }
    const readOnly = env.HOSTUP_READ_ONLY === "1";
    if (readOnly && (want.length >= toolNames([], {}).length || !tools.every((t) => t.annotations?.readOnlyHint === true))) {
      fail(`${label}: read-only, yet it lists a tool that is not readOnlyHint, or all of them: ${names.join(", ")}`);
      return;
    }
    if (args.includes("--sandbox")) {
      const res = await client.callTool({ name: "list_vps", arguments: {} });
      const text = res.content.map((c) => c.text ?? "").join("\n");
      if (!text.includes("SANDBOX")) {
        fail(`${label}: --sandbox does not serve the sandbox: ${text}`);
        return;
      }
    } else if (env.HOSTUP_API_KEY === undefined) {
      fail(`${label}: neither a key nor --sandbox`);
      return;
    }
    pass(`${label}: starts and lists ${want.length} tools${readOnly ? " (read-only)" : ""}`);
  } catch (e) {
    fail(`${label}: ${e.message}; stderr: ${stderr.slice(0, 400)}`);
  } finally {
    await client.close().catch(() => {});
  }
}

// The claude mcp add lines, in code blocks and inline code alike.
const adds = [...readme.matchAll(/^\s*`?(claude mcp add [^`\n]+)`?\s*$|`(claude mcp add [^`\n]+)`/gm)].map((m) => (m[1] ?? m[2]).trim());
if (adds.length < 3) fail(`found ${adds.length} claude mcp add lines in README.md, want at least 3 (key, read-only, sandbox)`);
for (const line of adds) {
  const label = `Claude Code: ${line}`;
  const home = mkdtempSync(join(tmpdir(), "claude-home-"));
  const env = { ...process.env, HOME: home, DISABLE_TELEMETRY: "1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" };
  const name = line.match(/^claude mcp add (?:--scope \S+ )?([A-Za-z0-9_-]+) /)?.[1];
  try {
    // bash runs the line exactly as a user pastes it; claude is found on PATH.
    env.PATH = `${join(claude, "..")}:${env.PATH}`;
    execFileSync("bash", ["-c", line.replaceAll(placeholder, bin).replaceAll(keyPlaceholder, madeUpKey)], { cwd: home, env, stdio: "pipe", timeout: 60000 });
    const config = JSON.parse(readFileSync(join(home, ".claude.json"), "utf8"));
    const server = config.mcpServers?.[name] ?? Object.values(config.projects ?? {}).find((p) => p.mcpServers?.[name])?.mcpServers[name];
    if (!name || !server) {
      fail(`${label}: no server named ${name} in the config Claude Code wrote`);
      continue;
    }
    const got = execFileSync(claude, ["mcp", "get", name], { cwd: home, env, encoding: "utf8", timeout: 60000 });
    if (!/Connected/.test(got)) {
      fail(`${label}: claude mcp get ${name} does not report it connected: ${got}`);
      continue;
    }
    await start(label, server);
  } catch (e) {
    fail(`${label}: ${(e.stderr?.toString() || e.message).trim()}`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

// The JSON configurations: Claude Desktop and Cursor name mcpServers, VS Code servers.
const inputs = { "${input:hostup-api-key}": madeUpKey, [keyPlaceholder]: madeUpKey };
let configs = 0;
for (const [, block] of readme.matchAll(/```json\n([\s\S]*?)```/g)) {
  const parsed = JSON.parse(block);
  const servers = parsed.mcpServers ?? parsed.servers;
  if (!servers) continue;
  for (const [name, server] of Object.entries(servers)) {
    configs++;
    const env = Object.fromEntries(Object.entries(server.env ?? {}).map(([k, v]) => [k, inputs[v] ?? v]));
    const label = `JSON configuration ${JSON.stringify(Object.keys(parsed))} ${name}`;
    if (server.type !== undefined && server.type !== "stdio") {
      fail(`${label}: type ${server.type}, want stdio`);
      continue;
    }
    await start(label, { command: server.command === placeholder ? bin : server.command, args: server.args, env });
  }
}
if (configs < 3) fail(`found ${configs} JSON client configurations in README.md, want 3 (Claude Desktop, VS Code, Cursor)`);

process.exit(failed ? 1 : 0);
