// A real MCP client (the official TypeScript SDK) against hostup-mcp --sandbox
// over Streamable HTTP or legacy SSE. The SDK validates structuredContent
// against each tool's outputSchema.
//
// Usage: node client.mjs http|sse URL   (env MCP_TOKEN: bearer token to send)
// Prints one "PASS name" or "FAIL name: why" line per check; exits 1 on a failure.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';

const [kind, url] = process.argv.slice(2);
const headers = process.env.MCP_TOKEN ? { Authorization: `Bearer ${process.env.MCP_TOKEN}` } : {};
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    console.log(`PASS ${kind}: ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${kind}: ${name}: ${e?.message ?? e}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

const transport = kind === 'sse'
  ? new SSEClientTransport(new URL(url), { requestInit: { headers } })
  : new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
const client = new Client({ name: 'hostup-mcp-interop', version: '1.0.0' });

await check('connect and initialize', async () => {
  await client.connect(transport);
  assert(client.getServerVersion()?.name === 'hostup-mcp', `server name ${client.getServerVersion()?.name}`);
});

await check('tools/list', async () => {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  for (const want of ['list_vps', 'list_backup_schedules', 'delete_backup_schedule']) {
    assert(names.includes(want), `${want} missing from ${names.join(', ')}`);
  }
});

await check('tools/call list_vps', async () => {
  const res = await client.callTool({ name: 'list_vps', arguments: {} });
  assert(!res.isError, `isError: ${JSON.stringify(res.content)}`);
  const text = res.content.map((c) => c.text ?? '').join('');
  assert(text.includes('vps_sandbox01'), `text lacks vps_sandbox01: ${text.slice(0, 200)}`);
  assert(res.structuredContent, 'no structuredContent');
});

await check('destructive call needs a confirm_token, then applies', async () => {
  const args = { vps_id: 'vps_sandbox02', schedule_id: 'bks_sandbox02' };
  const first = await client.callTool({ name: 'delete_backup_schedule', arguments: args });
  const out = first.structuredContent ?? {};
  assert(!first.isError && out.outcome === 'confirmation_required' && out.confirm_token,
    `first call: ${JSON.stringify(out).slice(0, 300)}`);
  const second = await client.callTool({ name: 'delete_backup_schedule', arguments: { ...args, confirm_token: out.confirm_token } });
  assert(!second.isError && second.structuredContent?.outcome === 'applied',
    `second call: ${JSON.stringify(second.structuredContent ?? second.content).slice(0, 300)}`);
});

await client.close().catch(() => {});
process.exit(failed ? 1 : 0);
