package tools_test

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// sandboxProblems is what SPEC's sandbox account is built to show.
var sandboxProblems = map[string][]string{
	"vps_sandbox01": {"no_backups_no_snapshots", "no_schedule"},
	"vps_sandbox02": {},
	"vps_sandbox03": {"changes_blocked"},
	"vps_sandbox04": {"no_schedule", "slots_exhausted"},
	"vps_sandbox05": {"last_run_failed"},
	"vps_sandbox06": {"disabled", "retention_1"},
	"vps_sandbox07": {},
}

// auditRows gives every VPS of the audit its row: a whole row, or one made of
// its group, or for a covered VPS a row with no problem. A VPS named twice,
// or a count that does not match its list, is an error.
func auditRows(t *testing.T, out tools.AuditBackupCoverageOutput) map[string]tools.AuditRow {
	t.Helper()
	m := map[string]tools.AuditRow{}
	add := func(r tools.AuditRow) {
		if _, twice := m[r.VPSID]; twice {
			t.Errorf("%s is in the audit twice", r.VPSID)
		}
		m[r.VPSID] = r
	}
	for _, r := range out.VPS {
		add(r)
	}
	for _, g := range out.Groups {
		for _, id := range g.VPSIDs {
			add(tools.AuditRow{VPSID: id, Problems: g.Problems, BlockedBy: g.BlockedBy, Unread: g.Unread, Code: g.Code, Error: g.Error, GatesKnown: g.GatesKnown})
		}
	}
	if out.Totals.Covered != len(out.Covered) {
		t.Errorf("the totals count %d covered, the list names %d", out.Totals.Covered, len(out.Covered))
	}
	for _, id := range out.Covered {
		add(tools.AuditRow{VPSID: id, Problems: []string{}, HasSchedule: true, Enabled: true, GatesKnown: true})
	}
	return m
}

func TestAuditFlagsEachSandboxProblem(t *testing.T) {
	e := sandboxEnv(t)
	var out tools.AuditBackupCoverageOutput
	text := e.ok("audit_backup_coverage", map[string]any{}, &out)
	rows := auditRows(t, out)
	if len(rows) != len(sandboxProblems) {
		t.Fatalf("%d rows, want %d", len(rows), len(sandboxProblems))
	}
	for id, want := range sandboxProblems {
		got := slices.Clone(rows[id].Problems)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s problems %v, want %v", id, got, want)
		}
	}
	if r := rows["vps_sandbox03"]; r.BlockedBy == "" {
		t.Error("a blocked VPS must say why")
	}
	if out.Totals.VPS != 7 || out.Totals.Covered != 2 || out.Totals.WithProblems != 5 || out.Totals.Errors != 0 {
		t.Errorf("totals %+v", out.Totals)
	}
	// The VPSes that need nothing are only named; the per-VPS tools show them.
	covered := slices.Sorted(slices.Values(out.Covered))
	if len(out.VPS) != 5 || out.VPS[0].VPSID != "vps_sandbox01" || !slices.Equal(covered, []string{"vps_sandbox02", "vps_sandbox07"}) {
		t.Errorf("whole rows %d, the first %s; covered %v: want the VPS with nothing to go back to first, and db-01 and backup-01 covered", len(out.VPS), out.VPS[0].VPSID, out.Covered)
	}
	var db tools.ListBackupSchedulesOutput
	e.ok("list_backup_schedules", map[string]any{"vps_id": "vps_sandbox02"}, &db)
	if s := db.Schedules; len(s) != 1 || !s[0].Enabled || s[0].Frequency != "daily" || s[0].TimeUTC != "02:00" || s[0].RetentionCount != 3 {
		t.Errorf("db-01's schedule: %+v", s)
	}
	if r := rows["vps_sandbox06"]; r.Snapshots != "paused (every 24 h when on)" {
		t.Errorf("staging-01 snapshots %q", r.Snapshots)
	}
	contains(t, text, "7 VPS audited: 2 covered, 5 with problems, 0 could not be read.",
		"\n- vps_sandbox01 web-01: no_backups_no_snapshots, no_schedule; snapshots: none; the plan has no snapshot slots",
		"vps_sandbox04 files-01: no_schedule, slots_exhausted; snapshots: none", "pending_order")
	e.noMutations()
}

// TestAuditReportsAPerVPSErrorInsteadOfFailing: one VPS's read fails; its row
// says so and every other row is still there.
func TestAuditReportsAPerVPSErrorInsteadOfFailing(t *testing.T) {
	sim := hostuptest.Sandbox()
	sim.SetFault(http.MethodGet, "/api/v2/vps/vps_sandbox05/backup-schedules", hostuptest.Fault{Status: http.StatusInternalServerError})
	e := newEnv(t, sim, withKey(hostuptest.SandboxAPIKey))
	var out tools.AuditBackupCoverageOutput
	text := e.ok("audit_backup_coverage", map[string]any{}, &out)
	rows := auditRows(t, out)
	if r := rows["vps_sandbox05"]; r.Error == "" || r.Code != "internal_error" || len(r.Problems) != 0 {
		t.Errorf("failed row: %+v", r)
	}
	if len(rows) != 7 || out.Totals.Errors != 1 || out.Totals.WithProblems != 4 {
		t.Errorf("rows %d totals %+v", len(rows), out.Totals)
	}
	contains(t, text, "1 could not be read", "vps_sandbox05 api-01: could not be read: HostUp answered 500")
}

func TestAuditOfGivenVPSes(t *testing.T) {
	e := sandboxEnv(t)
	var out tools.AuditBackupCoverageOutput
	e.ok("audit_backup_coverage", map[string]any{"vps_ids": []string{"vps_sandbox06", "vps_sandbox06", "vps_nosuch"}}, &out)
	rows := auditRows(t, out)
	if len(rows) != 2 || rows["vps_nosuch"].Error == "" || len(rows["vps_sandbox06"].Problems) != 2 {
		t.Errorf("rows %+v", out.VPS)
	}
	for _, r := range e.sim.Requests() {
		if r.Path == "/api/v2/vps" {
			t.Error("auditing given ids must not list the whole account")
		}
	}
}

func TestAuditReportsIncreasingProgress(t *testing.T) {
	for _, proto := range []string{mcp.LATEST_PROTOCOL_VERSION, mcp.LATEST_LEGACY_PROTOCOL_VERSION} {
		t.Run(proto, func(t *testing.T) {
			sim := hostuptest.Fleet(40, 3)
			e := newEnv(t, sim, withKey(hostuptest.FleetAPIKey), withProtocol(proto))
			rec := &progressRecorder{token: "audit-1"}
			e.client.OnNotification(rec.handle)
			res := e.callCtx(t.Context(), "audit_backup_coverage", map[string]any{}, &mcp.Meta{ProgressToken: "audit-1"})
			if res.IsError {
				t.Fatal(textOf(res))
			}
			seen, _ := rec.wait(40)
			if len(seen) != 40 {
				t.Fatalf("%d progress notifications for 40 VPS", len(seen))
			}
			increasing(t, seen)
		})
	}
}

func TestAuditTextOfALargeFleetIsCapped(t *testing.T) {
	e := newEnv(t, hostuptest.Fleet(120, 5), withKey(hostuptest.FleetAPIKey))
	var out tools.AuditBackupCoverageOutput
	text := e.ok("audit_backup_coverage", map[string]any{}, &out)
	if n := len(auditRows(t, out)); n != 120 {
		t.Errorf("%d rows, want every VPS", n)
	}
	contains(t, text, "more VPS with problems or errors")
	if lines := len(strings.Split(text, "\n")); lines > 35 {
		t.Errorf("the text has %d lines", lines)
	}
}

// TestAuditOfAFleetBeyondOneAuditSaysHowManyWereLeftOut: the structured result
// and the text say truncated and how many VPSes were not audited.
func TestAuditOfAFleetBeyondOneAuditSaysHowManyWereLeftOut(t *testing.T) {
	e := newEnv(t, hostuptest.Fleet(1003, 11), withKey(hostuptest.FleetAPIKey))
	var out tools.AuditBackupCoverageOutput
	text := e.ok("audit_backup_coverage", map[string]any{}, &out)
	if n := len(auditRows(t, out)); out.Completeness != "truncated" || out.LeftOut != 3 || n != 1000 || out.Totals.VPS != 1000 {
		t.Fatalf("completeness %q, left out %d, rows %d, totals %+v", out.Completeness, out.LeftOut, n, out.Totals)
	}
	contains(t, text, "Truncated: 3 more VPS of the account not audited (one audit covers up to 1000)", "pass their ids in vps_ids")
}

// TestAuditWhoseVPSListEndsEarlySaysTruncated: HostUp says there is more but
// gives no cursor; the audit covers what it got and says the rest is unknown.
func TestAuditWhoseVPSListEndsEarlySaysTruncated(t *testing.T) {
	sim := newSim()
	id := vpsWithDaily(sim)
	sim.SetFault(http.MethodGet, "/api/v2/vps", hostuptest.Fault{Status: 200, Times: 1,
		Body: `{"data": [{"id": "` + id + `", "name": "db", "serviceStatus": "active"}], "hasMore": true, "nextCursor": null}`})
	e := newEnv(t, sim)
	var out tools.AuditBackupCoverageOutput
	text := e.ok("audit_backup_coverage", map[string]any{}, &out)
	if out.Completeness != "truncated" || out.LeftOut != 0 || len(auditRows(t, out)) != 1 {
		t.Fatalf("completeness %q, left out %d, rows %+v", out.Completeness, out.LeftOut, auditRows(t, out))
	}
	contains(t, text, "Truncated: at least 1 more VPS of the account not audited")

	// A complete list is not truncated.
	text = e.ok("audit_backup_coverage", map[string]any{}, &out)
	if out.Completeness == "truncated" || out.LeftOut != 0 {
		t.Errorf("completeness %q, left out %d", out.Completeness, out.LeftOut)
	}
	lacks(t, text, "Truncated")
}
