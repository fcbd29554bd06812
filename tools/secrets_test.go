package tools_test

// The secret canary: a recognisable API key drives every tool through
// success, refusal and failure at debug log level, and must show up nowhere a
// person or a model can read: no log line, no result text, no structuredContent,
// no error text, in no encoding. The fault matrix (fault_matrix_test.go) runs
// every fault with the same key and the same check.

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// canaryKey is an API key nobody could mistake for anything else.
const canaryKey = "hu_canary_5f3a9c1e7b2d4a6880f1"

var canarySightings atomic.Int64

// checkNoKey fails the test for every sighting of canaryKey in the result (its
// text, its whole JSON, its structuredContent) or in the logs.
func checkNoKey(t *testing.T, counter *atomic.Int64, res *mcp.CallToolResult, logs string) {
	t.Helper()
	var found []string
	if res != nil {
		content, structured := resultTexts(res)
		found = append(found, sightings("result", content, canaryKey)...)
		found = append(found, sightings("structuredContent", structured, canaryKey)...)
	}
	found = append(found, sightings("logs", logs, canaryKey)...)
	if len(found) > 0 {
		counter.Add(int64(len(found)))
		t.Errorf("the API key leaked: %v", found)
	}
}

// echoingFaults are HostUp answers that quote the key back, as a careless error
// page might: the client must redact it before anyone sees it.
var echoingFaults = []hostuptest.Fault{
	{Status: 401, Body: `{"type":"about:blank","status":401,"code":"unauthorized","title":"Unauthorized ` + canaryKey + `","detail":"The API key ` + canaryKey + ` is not valid.","requestId":"req_` + canaryKey + `"}`},
	{Status: 400, Body: `{"status":400,"code":"invalid_request","detail":"bad","errors":[{"pointer":"/` + canaryKey + `","detail":"key ` + canaryKey + `","code":"` + canaryKey + `"}]}`},
	{Status: 401, Body: `{"success":false,"error":"UNAUTHORIZED","message":"Invalid API key: ` + canaryKey + `","details":[{"field":"X-API-Key","message":"` + canaryKey + `"}]}`},
	{Status: 500, Body: `<html><body>Internal error for Authorization: Bearer ` + canaryKey + `</body></html>`},
	{Status: 429, RetryAfter: 30e9, Body: `{"status":429,"code":"rate_limit_exceeded","detail":"key \u0068u_canary_5f3a9c1e7b2d4a6880f1 is over its limit"}`},
	{Status: 200, Body: `{"data": "` + canaryKey + `", "broken": `},
}

// canaryCalls drive every tool on the sandbox account through success,
// dry runs, confirmations and refusals.
func canaryCalls(t *testing.T, e *env) []struct {
	tool string
	args map[string]any
} {
	t.Helper()
	type call = struct {
		tool string
		args map[string]any
	}
	var out []call
	add := func(tool string, args map[string]any) { out = append(out, call{tool, args}) }
	add("list_vps", map[string]any{})
	add("list_vps", map[string]any{"query": "db", "limit": 1})
	add("list_backup_schedules", map[string]any{"vps_id": "vps_sandbox02", "history_limit": 50})
	add("audit_backup_coverage", map[string]any{})
	add("audit_backup_coverage", map[string]any{"vps_ids": []string{"vps_sandbox02", "vps_nosuch1"}})
	add("list_backups", map[string]any{"vps_id": "vps_sandbox04"})
	add("get_job", map[string]any{"job_id": "job_nosuch"})
	// Changes: dry runs, applied, needing confirmation, refused locally, refused
	// by HostUp (404), and bad input.
	add("upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox01", "frequency": "daily", "hour": 3, "retention_count": 2, "dry_run": true})
	add("upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox01", "frequency": "daily", "hour": 3, "retention_count": 2, "timezone": "Europe/Stockholm"})
	add("upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox02", "frequency": "weekly", "day_of_week": 1, "hour": 3, "retention_count": 2})
	add("upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox02", "frequency": "weekly", "day_of_week": 1, "hour": 3, "retention_count": 2, "replace_existing": true})
	add("upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox02", "frequency": "daily", "hour": 3, "retention_count": 99})
	add("upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox03", "frequency": "weekly", "day_of_week": 2, "hour": 3, "retention_count": 2})
	add("apply_backup_policy", map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3, "cap_retention": true, "vps_ids": []string{"vps_sandbox01", "vps_sandbox03", "vps_nosuch1"}})
	add("update_backup_settings", map[string]any{"vps_id": "vps_sandbox02", "max_total_backups": 9})
	add("update_backup_settings", map[string]any{"vps_id": "vps_sandbox04", "max_total_backups": 1})
	add("update_backup_settings", map[string]any{"vps_id": "vps_sandbox03", "auto_delete_oldest": true})
	add("delete_backup_schedule", map[string]any{"vps_id": "vps_sandbox06", "schedule_id": "bks_sandbox06"})
	add("delete_backup_schedule", map[string]any{"vps_id": "vps_sandbox06", "schedule_id": "bks_sandbox06", "confirm_token": "hu1.made-up.token"})
	add("delete_backup_schedule", map[string]any{"vps_id": "vps_sandbox06", "schedule_id": "bks_nosuch1"})
	add("create_backup", map[string]any{"vps_id": "vps_sandbox02", "note": "canary", "wait": true})
	add("create_backup", map[string]any{"vps_id": "vps_sandbox03"})
	add("create_backup", map[string]any{"vps_id": "vps_sandbox04"})
	add("delete_backup", map[string]any{"vps_id": "vps_sandbox04", "backup_id": "bkp_nosuch1"})
	add("restore_backup", map[string]any{"vps_id": "vps_sandbox04", "backup_id": "bkp_nosuch1"})
	add("list_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox02"})
	add("list_snapshot_schedule", map[string]any{"vps_id": "10000"})
	add("set_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox04", "interval_hours": 8})
	add("set_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox01", "interval_hours": 8})
	add("delete_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox04"})
	add("delete_snapshot_schedule", map[string]any{"vps_id": "10001"})
	add("restore_backup", map[string]any{"vps_id": "vps_sandbox04", "backup_id": firstBackup(t, e, "vps_sandbox04"), "dry_run": true})
	add("list_backup_schedules", map[string]any{"vps_id": "vps_nosuch1"})
	add("list_backup_schedules", map[string]any{"vps_id": "../" + canaryKey})
	add("list_vps", map[string]any{"query": canaryKey[:8], "bogus": true})
	// Destructive changes through the confirm_token round trip.
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{"delete_backup_schedule", map[string]any{"vps_id": "vps_sandbox06", "schedule_id": "bks_sandbox06"}},
		{"apply_backup_policy", map[string]any{"frequency": "daily", "hour": 5, "retention_count": 2, "vps_ids": []string{"vps_sandbox01", "vps_sandbox05"}}},
		{"delete_backup", map[string]any{"vps_id": "vps_sandbox04", "backup_id": firstBackup(t, e, "vps_sandbox04")}},
		{"delete_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox02"}},
		{"restore_backup", map[string]any{"vps_id": "vps_sandbox02", "backup_id": firstBackup(t, e, "vps_sandbox02"), "confirm_vps_name": "db-01"}},
	} {
		add(c.tool, with(c.args, "confirm_token", planToken(t, e, c.tool, c.args)))
	}
	return out
}

func TestSecretCanaryEveryToolSuccessAndRefusal(t *testing.T) {
	logs := &syncBuffer{}
	sim := hostuptest.Sandbox()
	sim.AddKey(canaryKey, "sandbox")
	e := newEnv(t, sim, withTightLimits(), withKey(canaryKey), withLogs(logs), withSandbox())
	e.deps.RestoreByToken = true // so that the restore, too, runs the token round trip
	calls := canaryCalls(t, e)
	seen := map[string]bool{}
	errs := 0
	for _, c := range calls {
		res := e.call(c.tool, c.args)
		seen[c.tool] = true
		if res.IsError {
			errs++
		}
		checkNoKey(t, &canarySightings, res, logs.String())
	}
	if len(seen) != len(tools.All(&tools.Deps{})) {
		t.Errorf("only %d tools were driven: %v", len(seen), seen)
	}
	// The requests did carry the key: the canary is live, not absent.
	if got := sim.Requests(); len(got) == 0 || got[0].Header.Get("Authorization") != "Bearer "+canaryKey {
		t.Fatal("HostUp did not receive the canary key: the test would prove nothing")
	}
	if logs.String() == "" {
		t.Fatal("no debug log was captured: the test would prove nothing")
	}
	t.Logf("canary: %d calls (%d errors) over %d tools, %d log bytes, %d key sightings", len(calls), errs, len(seen), len(logs.String()), canarySightings.Load())
}

// TestSecretCanaryHostUpEchoesTheKey: HostUp (or a proxy in front of it) quotes
// the key in its error body or headers; no tool passes it on.
func TestSecretCanaryHostUpEchoesTheKey(t *testing.T) {
	for i, f := range echoingFaults {
		for _, tool := range matrixTools {
			t.Run(fmt.Sprintf("%d/%s", i, tool.name), func(t *testing.T) {
				t.Parallel()
				logs := &syncBuffer{}
				sim := newSim()
				sim.AddKey(canaryKey, testAccount)
				e := newEnv(t, sim, withTightLimits(), withKey(canaryKey), withLogs(logs))
				args, _ := tool.setup(t, e)
				sim.SetFault("*", "*", f)
				res := e.call(tool.name, args)
				checkNoKey(t, &canarySightings, res, logs.String())
			})
		}
	}
}

// TestSecretCanaryRejectedKey: HostUp does not know the key (401 on every call).
func TestSecretCanaryRejectedKey(t *testing.T) {
	logs := &syncBuffer{}
	sim := newSim()
	id := vpsWithDaily(sim)
	e := newEnv(t, sim, withTightLimits(), withKey(canaryKey), withLogs(logs))
	for _, tool := range matrixTools {
		args := map[string]any{"vps_id": id}
		switch tool.name {
		case "list_vps", "audit_backup_coverage":
			args = map[string]any{}
		case "get_job":
			args = map[string]any{"job_id": "job_1"}
		case "upsert_backup_schedule":
			args = with(args, "frequency", "daily", "hour", 1, "retention_count", 2)
		case "update_backup_settings":
			args = with(args, "max_total_backups", 3)
		case "delete_backup_schedule":
			args = with(args, "schedule_id", "bks_daily1")
		case "delete_backup":
			args = with(args, "backup_id", "bkp_1")
		case "set_snapshot_schedule":
			args = with(args, "interval_hours", 6)
		}
		res := e.call(tool.name, args)
		if !res.IsError {
			t.Errorf("%s with an unknown key: want an error, got %s", tool.name, textOf(res))
		}
		if tool.name != "audit_backup_coverage" {
			contains(t, textOf(res), "401")
		}
		checkNoKey(t, &canarySightings, res, logs.String())
	}
	if n := len(sim.Mutations()); n != 0 {
		t.Errorf("%d mutations sent with a rejected key", n)
	}
	for _, r := range sim.Requests() {
		// GET /api/jobs tries X-API-Key, as HostUp's jobs page documents, then Bearer.
		if r.Header.Get("Authorization") != "Bearer "+canaryKey && r.Header.Get("X-API-Key") != canaryKey {
			t.Fatalf("HostUp got Authorization %q, X-API-Key %q", r.Header.Get("Authorization"), r.Header.Get("X-API-Key"))
		}
	}
}
