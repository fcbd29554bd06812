package tools_test

// Readings of HostUp answers that must never turn into a wrong action or a
// silent skip: what the user is told when an answer cannot be read, or leaves
// something unknown.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

func TestAnUnreadableAnswerNamesTheFieldAndTheValueAndAdvisesNoRetry(t *testing.T) {
	tests := []struct {
		tool, path, body string
		wants            []string
	}{
		{"list_backup_schedules", "/api/v2/vps/*/backup-schedules", `{"schedules":[{"id":"bks_1","frequency":"daily","retentionCount":3.5,"enabled":true}]}`,
			[]string{`schedules.retentionCount is "3.5" where a whole number was expected`}},
		{"list_backups", "/api/v2/vps/*/backups", `{"backups":[],"quotaInfo":{"used":"two"}}`,
			[]string{`quotaInfo.used is "\"two\"" where a whole number was expected`}},
		{"list_backup_schedules", "/api/v2/vps/*/backup-schedules", `<html>down for maintenance</html>`,
			[]string{`the answer is "<html>down for maintenance</html>" where JSON was expected`}},
	}
	for _, tt := range tests {
		t.Run(tt.tool+" "+tt.body, func(t *testing.T) {
			e := newEnv(t, newSim())
			id := vpsWithDaily(e.sim)
			e.sim.SetFault(http.MethodGet, tt.path, hostuptest.Fault{Status: http.StatusOK, Body: tt.body})
			text := e.fails(tt.tool, map[string]any{"vps_id": id})
			contains(t, text, append(tt.wants, "HostUp sent an answer that could not be read (GET", "report the field and the value to HostUp support")...)
			lacks(t, text, "try again", "retry", "may be down")
		})
	}
}

func TestTheAuditNamesAnUnreadableFieldInItsRow(t *testing.T) {
	e := newEnv(t, newSim())
	id := vpsWithDaily(e.sim)
	e.sim.SetFault(http.MethodGet, "/api/v2/vps/*/backup-schedules", hostuptest.Fault{Status: http.StatusOK, Body: `{"schedules":[],"limits":{"maxRetention":7.5}}`})
	var out tools.AuditBackupCoverageOutput
	text := e.ok("audit_backup_coverage", map[string]any{"vps_ids": []any{id}}, &out)
	if out.Totals.Errors != 1 || out.Totals.Covered != 0 {
		t.Fatalf("totals %+v, want the row unread:\n%s", out.Totals, text)
	}
	contains(t, text, `limits.maxRetention is "7.5"`)
	lacks(t, text, "try again")
}

func TestTheVPSListIsFollowedWhereverHostUpPutsItsPaging(t *testing.T) {
	for _, member := range []string{"", "pagination", "meta", "links"} {
		t.Run(member, func(t *testing.T) {
			sim := newSim()
			sim.SetVariants(hostuptest.Variants{PagingMember: member})
			sim.SetMaxPageSize(4)
			for i := range 10 {
				fidelityDaily(sim, hostuptest.VPSSpec{Name: fmt.Sprintf("node-%02d", i), TotalBackupLimit: 7, AutoDeleteOldest: true})
			}
			e := newEnv(t, sim)
			var list tools.ListVPSOutput
			e.ok("list_vps", map[string]any{}, &list)
			var audit tools.AuditBackupCoverageOutput
			text := e.ok("audit_backup_coverage", map[string]any{}, &audit)
			var fleet tools.ApplyBackupPolicyOutput
			e.ok("apply_backup_policy", map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3, "dry_run": true}, &fleet)
			if list.Total != 10 || audit.Totals.VPS != 10 || audit.Totals.Covered != 10 || fleet.Totals.VPS != 10 ||
				list.Completeness != "complete" || audit.Completeness != "complete" || fleet.Completeness != "complete" {
				t.Fatalf("listed %d (%s), audited %+v (%s), planned %d (%s); want all 10, complete:\n%s",
					list.Total, list.Completeness, audit.Totals, audit.Completeness, fleet.Totals.VPS, fleet.Completeness, text)
			}
		})
	}
}

func TestAFullPageWithoutPagingLeavesTheAccountNotKnownToBeCovered(t *testing.T) {
	sim := newSim()
	sim.SetVariants(hostuptest.Variants{NoPagingSignal: true})
	for i := range 101 {
		fidelityDaily(sim, hostuptest.VPSSpec{Name: fmt.Sprintf("node-%03d", i), TotalBackupLimit: 7, AutoDeleteOldest: true})
	}
	e := newEnv(t, sim)
	var audit tools.AuditBackupCoverageOutput
	text := e.ok("audit_backup_coverage", map[string]any{}, &audit)
	if audit.Completeness != "unknown" || audit.Totals.VPS != 100 {
		t.Fatalf("completeness %q, %d audited; want the 100 HostUp gave and completeness unknown", audit.Completeness, audit.Totals.VPS)
	}
	contains(t, text, "Not known whether the account is covered", "neither hasMore nor nextCursor")

	var fleet tools.ApplyBackupPolicyOutput
	text = e.ok("apply_backup_policy", map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3, "dry_run": true}, &fleet)
	if fleet.Completeness != "unknown" {
		t.Fatalf("completeness %q, want unknown:\n%s", fleet.Completeness, text)
	}
	contains(t, text, "whether the account has more VPSes than these is unknown", "A VPS beyond them is not in this plan")

	var list tools.ListVPSOutput
	text = e.ok("list_vps", map[string]any{"query": "node-100"}, &list)
	if list.Total != 1 || list.VPS[0].Name != "node-100" {
		t.Fatalf("query node-100 found %d; want HostUp asked by exact name across the account:\n%s", list.Total, text)
	}
}

// valueOf is what p points to, or T's zero value when p is nil.
func valueOf[T any](p *T) (v T) {
	if p != nil {
		v = *p
	}
	return v
}

func TestASnapshotScheduleChangeFromAStateHostUpDidNotGiveIsConfirmed(t *testing.T) {
	for _, enabled := range []bool{true, false} {
		t.Run(fmt.Sprint("enabled=", enabled), func(t *testing.T) {
			sim := newSim()
			sim.SetVariants(hostuptest.Variants{SnapshotScheduleNames: true})
			id := sim.AddVPS(testAccount, hostuptest.VPSSpec{SnapshotSlots: 3, SnapshotSchedule: &hostuptest.SnapshotScheduleSpec{IntervalHours: 6}})
			e := newEnv(t, sim)
			var out tools.SnapshotScheduleChangeOutput
			text := e.ok("set_snapshot_schedule", map[string]any{"vps_id": id, "interval_hours": 6, "enabled": enabled}, &out)
			if out.Outcome != "confirmation_required" || !out.Plan.Destructive {
				t.Fatalf("outcome %q, destructive %v; want the user asked:\n%s", out.Outcome, out.Plan.Destructive, text)
			}
			contains(t, text, "did not give the snapshot schedule's schedule.enabled and schedule.intervalHours",
				"enabled: not given by HostUp -> "+fmt.Sprint(enabled), "interval_hours: not given by HostUp -> 6")
			e.noMutations()
		})
	}
}

func TestAScheduleStatusOtherThanCompletedOrFailedIsCheckedAgainstTheNewestRun(t *testing.T) {
	tests := []struct {
		status, newest string
		want           string
	}{
		{"unknown", "failed", "last_run_failed"},
		{"running", "failed", "last_run_failed"},
		{"null", "failed", "last_run_failed"},
		{"unknown", "completed", ""},
		{"completed", "failed", ""},
		{"failed", "completed", "last_run_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.status+" after "+tt.newest, func(t *testing.T) {
			sim := newSim()
			sim.SetVariants(hostuptest.Variants{ScheduleStatus: tt.status})
			id := fidelityDaily(sim, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true, History: []hostuptest.HistorySpec{
				{Age: 26 * time.Hour}, {Status: tt.newest, Age: 2 * time.Hour}}})
			e := newEnv(t, sim)
			var out tools.AuditBackupCoverageOutput
			text := e.ok("audit_backup_coverage", map[string]any{"vps_ids": []any{id}}, &out)
			if got := strings.Join(auditRows(t, out)[id].Problems, ","); got != tt.want {
				t.Fatalf("problems %q, want %q:\n%s", got, tt.want, text)
			}
		})
	}
}

func TestAJobHostUpDoesNotKnowYetIsPolledAgainAFewTimes(t *testing.T) {
	tests := []struct {
		notFound  int
		want      string
		wantPolls int // GET /api/jobs requests; 0 to not count them
	}{
		{3, "Backup done", 0},
		{10, "could not read the job: HostUp answered 404", 4},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.notFound, " 404s"), func(t *testing.T) {
			sim := newSim(hostuptest.WithJobTiming(150*time.Millisecond, 150*time.Millisecond))
			sim.SetVariants(hostuptest.Variants{JobsNotFoundPolls: tt.notFound})
			id := sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 5})
			e := newEnv(t, sim, withJobTiming(10*time.Millisecond, 5*time.Second))
			text := e.ok("create_backup", map[string]any{"vps_id": id, "wait": true}, nil)
			contains(t, text, tt.want)
			polls := 0
			for _, r := range sim.Requests() {
				if strings.HasPrefix(r.Path, "/api/jobs/") {
					polls++
				}
			}
			if tt.wantPolls > 0 && polls != tt.wantPolls {
				t.Errorf("%d polls, want %d: a job that stays unknown is given up", polls, tt.wantPolls)
			}
		})
	}
}

// TestAUsageCountOnlyTheSettingsGaveShowsInTheLimits: the result says each
// usage count once, in limits; when HostUp's limits leave one out and its
// settings give it, the value is there and not called unknown.
func TestAUsageCountOnlyTheSettingsGaveShowsInTheLimits(t *testing.T) {
	e := newEnv(t, newSim())
	id := vpsWithDaily(e.sim)
	e.sim.SetFault(http.MethodGet, "/api/v2/vps/*/backup-schedules", hostuptest.Fault{Status: http.StatusOK, Body: `{"schedules":[],"history":[],
		"settings":{"totalBackupLimit":7,"manualBackupsActive":2,"scheduledBackupsActive":3,"availableScheduledSlots":2,"autoDeleteOldest":true},
		"limits":{"maxSchedules":1,"currentSchedules":0,"totalBackups":7,"maxRetention":7,"manualBackupsActive":2}}`})
	var out tools.ListBackupSchedulesOutput
	text := e.ok("list_backup_schedules", map[string]any{"vps_id": id}, &out)
	if l := out.Limits; l.ManualBackupsActive != 2 || l.ScheduledBackupsActive != 3 || l.AvailableScheduledSlots != 2 {
		t.Errorf("limits %+v: want the counts the settings gave", l)
	}
	if len(out.Unread) != 0 {
		t.Errorf("unread %v: every count was given, by limits or settings", out.Unread)
	}
	contains(t, text, "2 manual + 3 scheduled active, 2 free backup slots")
	lacks(t, text, "did not give")
}
