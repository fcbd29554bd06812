package tools_test

// The fidelity matrix (issue 19): every tool against every answer HostUp's docs
// allow where they are silent (hostuptest.Variants, each switch naming the
// hostup-api.md line it plays), asserting what the user sees. Each scenario
// states one outcome that must hold under every variant: the right action, or
// a clear error naming what HostUp answered; never a wrong refusal, a silent
// skip, a false success or a false "nothing to change".

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

type fidelityVariant struct {
	name string
	v    hostuptest.Variants
	// limited runs every scenario under a token bucket, so that 429s happen.
	limited bool
}

var fidelityVariants = []fidelityVariant{
	{name: "default"},
	{name: "gate code backup_schedule_exists", v: hostuptest.Variants{ScheduleExistsCode: "backup_schedule_exists"}},
	{name: "gate reason in other English words", v: hostuptest.Variants{ScheduleExistsReason: "Only one backup schedule is allowed per VPS."}},
	{name: "gate reason in Swedish", v: hostuptest.Variants{ScheduleExistsReason: "Det finns redan ett backupschema. Uppdatera eller ta bort det först."}},
	{name: "gate code and Swedish reason", v: hostuptest.Variants{ScheduleExistsCode: "schedule_exists", ScheduleExistsReason: "Endast ett backupschema per VPS är tillåtet."}},
	{name: "time with seconds", v: hostuptest.Variants{ScheduleTime: "seconds"}},
	{name: "time null", v: hostuptest.Variants{ScheduleTime: "null"}},
	{name: "daySpecifier null", v: hostuptest.Variants{NullDaySpecifier: true}},
	{name: "disabled schedule listed first", v: hostuptest.Variants{DisabledScheduleFirst: true}},
	{name: "schedule status null, history oldest first", v: hostuptest.Variants{ScheduleStatus: "null", HistoryOldestFirst: true}},
	{name: "schedule status unknown", v: hostuptest.Variants{ScheduleStatus: "unknown"}},
	{name: "canDelete closed without a schedule", v: hostuptest.Variants{NoScheduleCannotDelete: true}},
	{name: "settings null", v: hostuptest.Variants{NullSettings: true}},
	{name: "limits without maxRetention", v: hostuptest.Variants{NoMaxRetention: true}},
	{name: "backup createdAt null", v: hostuptest.Variants{NullCreatedAt: true}},
	{name: "VPS list under items", v: hostuptest.Variants{ListKey: "items"}},
	{name: "VPS pages without hasMore", v: hostuptest.Variants{NoHasMore: true}},
	{name: "VPS paging under pagination", v: hostuptest.Variants{PagingMember: "pagination"}},
	{name: "VPS paging under meta", v: hostuptest.Variants{PagingMember: "meta"}},
	{name: "VPS paging under links", v: hostuptest.Variants{PagingMember: "links"}},
	{name: "VPS pages without any paging", v: hostuptest.Variants{NoPagingSignal: true}},
	{name: "one VPS wrapped in data", v: hostuptest.Variants{WrappedVPS: true}},
	{name: "snapshot schedule fields active and everyHours", v: hostuptest.Variants{SnapshotScheduleNames: true}},
	{name: "failed job says completed", v: hostuptest.Variants{FailedJobsSayCompleted: true}},
	{name: "v1 failure status error", v: hostuptest.Variants{V1FailureStatus: "error"}},
	{name: "429 with Retry-After and X-RateLimit-Reset", limited: true},
	{name: "429 without hints", v: hostuptest.Variants{RateLimitHints: "none"}, limited: true},
	{name: "429 with Retry-After only", v: hostuptest.Variants{RateLimitHints: "retry-after-only"}, limited: true},
	{name: "429 with X-RateLimit-Reset only", v: hostuptest.Variants{RateLimitHints: "reset-only"}, limited: true},
	{name: "jobs take X-API-Key only", v: hostuptest.Variants{JobsAuth: "api-key"}},
	{name: "jobs take Bearer only", v: hostuptest.Variants{JobsAuth: "bearer"}},
	{name: "jobs answer 404 to their first two polls", v: hostuptest.Variants{JobsNotFoundPolls: 2}},
	{name: "ids with - and _", v: hostuptest.Variants{IDSeparators: true}},
	{name: "limit below stored backups accepted", v: hostuptest.Variants{LimitBelowUsageAccepted: true}},
	{name: "POST keeps the stored time", v: hostuptest.Variants{KeepsScheduleTime: true}},
	{name: "schedule writes queued as jobs", v: hostuptest.Variants{QueuedScheduleWrites: true}},
	{name: "a second enabled schedule of the same frequency", v: hostuptest.Variants{SecondEnabledSchedule: true}},
	{name: "whole numbers written 3.0", v: hostuptest.Variants{FractionalIntegers: true}},
	{name: "v1 refusals answered 200 with success false", v: hostuptest.Variants{V1RefusalsSucceed: true}},
}

// fidelityScenario is one tool in one state; run asserts the outcome the user
// must see whatever the variant.
type fidelityScenario struct {
	tool, name string
	run        func(t *testing.T, e *env, fv fidelityVariant)
}

var fidelityCases atomic.Int64

func TestFidelityMatrix(t *testing.T) {
	t.Cleanup(func() {
		t.Logf("fidelity matrix: %d cases (%d variants x %d scenarios)", fidelityCases.Load(), len(fidelityVariants), len(fidelityScenarios))
	})
	for _, fv := range fidelityVariants {
		t.Run(fv.name, func(t *testing.T) {
			t.Parallel()
			for _, sc := range fidelityScenarios {
				t.Run(sc.tool+"/"+sc.name, func(t *testing.T) {
					t.Parallel()
					fidelityCases.Add(1)
					sim := newSim(hostuptest.WithJobTiming(20*time.Millisecond, 20*time.Millisecond))
					sim.SetVariants(fv.v)
					if fv.limited {
						sim.SetTokenBucket(40, 4)
					}
					sc.run(t, newEnv(t, sim, withJobTiming(10*time.Millisecond, 3*time.Second), withRetryWait(10*time.Second)), fv)
				})
			}
		})
	}
}

// weekly is a weekly schedule on Monday at 03:00 UTC, keeping 4.
func fidelityWeekly(sim *hostuptest.Simulator, spec hostuptest.VPSSpec) string {
	spec.Schedule = &hostuptest.ScheduleSpec{Name: "Weekly backup", Frequency: hostup.FrequencyWeekly, Hour: 3, Day: 1, RetentionCount: 4, Since: 60 * 24 * time.Hour}
	return sim.AddVPS(testAccount, spec)
}

func fidelityDaily(sim *hostuptest.Simulator, spec hostuptest.VPSSpec) string {
	spec.Schedule = &hostuptest.ScheduleSpec{Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 3, Since: 30 * 24 * time.Hour}
	return sim.AddVPS(testAccount, spec)
}

// activeScheduleID is the id HostUp gives the VPS's enabled schedule.
func activeScheduleID(t *testing.T, e *env, vpsID string) string {
	t.Helper()
	for _, s := range e.schedules(vpsID).Schedules {
		if s.Enabled {
			return s.ID
		}
	}
	t.Fatalf("%s has no enabled schedule", vpsID)
	return ""
}

// wantVisible is the outcome of a change HostUp makes, under variant fv: applied,
// or, where HostUp's answer leaves out the very field the change set (a schedule
// time of null), accepted_not_visible, whose text names what HostUp did not give:
// what cannot be seen is never called done.
func wantVisible(t *testing.T, fv fidelityVariant, outcome, text, unseen string) {
	t.Helper()
	want := "applied"
	if unseen != "" {
		want = "accepted_not_visible"
	}
	if outcome != want {
		t.Fatalf("outcome %q, want %s:\n%s", outcome, want, text)
	}
	if unseen != "" {
		contains(t, text, unseen)
	}
}

// updateUnseen is what the text of an update of the VPS's schedule says under
// a variant whose read-back cannot show it: HostUp gave no time, or kept the
// old one.
func updateUnseen(fv fidelityVariant) string {
	switch {
	case fv.v.ScheduleTime == "null":
		return "HostUp did not give its time"
	case fv.v.KeepsScheduleTime:
		return "does NOT show the change"
	}
	return ""
}

// createUnseen is updateUnseen for a new schedule: only a missing time hides it.
func createUnseen(fv fidelityVariant) string {
	if fv.v.ScheduleTime == "null" {
		return "HostUp did not give its time"
	}
	return ""
}

// refusedAmbiguous asserts that an upsert on a VPS where HostUp lists two
// enabled schedules of the frequency is refused before anything is sent: the
// POST could land on either.
func refusedAmbiguous(t *testing.T, e *env, id string, args map[string]any) {
	t.Helper()
	e.refused("upsert_backup_schedule", args, "ambiguous_schedule")
	if m := e.mutations(); len(m) != 0 {
		t.Fatalf("sent %s", describeRequests(m))
	}
	if s := e.sim.Schedules(id); len(s) != 1 || s[0].Hour != 2 {
		t.Fatalf("the VPS's schedule changed: %+v", s)
	}
}

// shownAt asserts that an applied schedule change's own read-back shows a
// schedule at hh:00 UTC: "applied" is said only of what HostUp shows.
func shownAt(t *testing.T, out tools.UpsertBackupScheduleOutput, hour string, text string) {
	t.Helper()
	if out.Outcome != "applied" {
		return
	}
	if out.Schedules == nil || !slices.ContainsFunc(*out.Schedules, func(s tools.ScheduleView) bool { return s.TimeUTC == hour }) {
		t.Fatalf("applied, but the schedules read back show no schedule at %s:\n%s", hour, text)
	}
}

// onePost asserts that exactly one POST went out and returns its body.
func onePost(t *testing.T, e *env) map[string]any {
	t.Helper()
	m := e.mutations()
	if len(m) != 1 || m[0].Method != http.MethodPost {
		t.Fatalf("want one POST, HostUp got: %s", describeRequests(m))
	}
	return bodyOf(t, m[0])
}

var fidelityScenarios = []fidelityScenario{
	{tool: "list_vps", name: "every VPS of a 120-VPS account", run: func(t *testing.T, e *env, fv fidelityVariant) {
		for i := range 120 {
			e.sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: fmt.Sprintf("node-%03d", i)})
		}
		var out tools.ListVPSOutput
		text := e.ok("list_vps", map[string]any{"limit": 500}, &out)
		if fv.v.NoPagingSignal {
			// A full page that says nothing of a next one: what HostUp gave,
			// and that more may exist.
			if out.Total != 100 || out.Completeness != "unknown" {
				t.Fatalf("total %d, completeness %q; want the first 100 and completeness unknown:\n%.300s", out.Total, out.Completeness, text)
			}
			contains(t, text, "whether the account has more VPSes than these is unknown")
			return
		}
		if out.Total != 120 || len(out.VPS) != 120 || out.Completeness != "complete" {
			t.Fatalf("total %d, listed %d, completeness %q; want all 120:\n%.300s", out.Total, len(out.VPS), out.Completeness, text)
		}
	}},
	{tool: "list_backup_schedules", name: "the enabled schedule first, with its day", run: func(t *testing.T, e *env, fv fidelityVariant) {
		id := fidelityWeekly(e.sim, hostuptest.VPSSpec{TotalBackupLimit: 7})
		out := e.schedules(id)
		if len(out.Schedules) == 0 || !out.Schedules[0].Enabled || out.Schedules[0].Frequency != "weekly" {
			t.Fatalf("first schedule %+v, want the enabled weekly one", out.Schedules)
		}
		if fv.v.SecondEnabledSchedule {
			// HostUp lists its second enabled schedule first: the list shows
			// both, as HostUp gave them.
			if len(out.Schedules) != 2 || out.Schedules[1].TimeUTC != "03:00" {
				t.Fatalf("schedules %+v, want the second one and the VPS's own at 03:00", out.Schedules)
			}
			return
		}
		text := e.ok("list_backup_schedules", map[string]any{"vps_id": id}, nil)
		if fv.v.NoMaxRetention {
			contains(t, text, "did not give limits.maxRetention")
		}
		if fv.v.NullSettings {
			contains(t, text, "did not give settings")
		}
		if got := out.Schedules[0].TimeUTC; fv.v.ScheduleTime != "null" && got != "03:00" {
			t.Errorf("time_utc %q, want 03:00", got)
		}
		if fv.v.NullDaySpecifier {
			return
		}
		if d := out.Schedules[0].DayOfWeek; d == nil || *d != 1 {
			t.Errorf("day_of_week %v, want Monday", d)
		}
	}},
	{tool: "list_backups", name: "every backup", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 5, Backups: []hostuptest.BackupSpec{{Age: 3 * time.Hour}, {Age: 2 * time.Hour}, {Age: time.Hour}}})
		var out tools.ListBackupsOutput
		e.ok("list_backups", map[string]any{"vps_id": id}, &out)
		if out.Total != 3 || len(out.Backups) != 3 {
			t.Fatalf("%d backups listed, want 3", len(out.Backups))
		}
	}},
	{tool: "audit_backup_coverage", name: "covered, unscheduled and failing VPSes told apart", run: func(t *testing.T, e *env, _ fidelityVariant) {
		covered := fidelityDaily(e.sim, hostuptest.VPSSpec{Name: "a-covered", TotalBackupLimit: 7, AutoDeleteOldest: true})
		bare := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "b-bare", TotalBackupLimit: 7, AutoDeleteOldest: true})
		failing := fidelityDaily(e.sim, hostuptest.VPSSpec{Name: "c-failing", TotalBackupLimit: 7, AutoDeleteOldest: true,
			History: []hostuptest.HistorySpec{{Status: "failed", Age: 2 * time.Hour}}})
		vmid := fmt.Sprint(e.sim.VMID(failing))
		want := map[string]string{covered: "", bare: "no_backups_no_snapshots,no_schedule", failing: "last_run_failed", vmid: "last_run_failed"}
		for _, args := range []map[string]any{{}, {"vps_ids": []any{vmid}}} {
			var out tools.AuditBackupCoverageOutput
			text := e.ok("audit_backup_coverage", args, &out)
			if out.Totals.Errors != 0 {
				t.Fatalf("%d rows could not be read:\n%s", out.Totals.Errors, text)
			}
			for _, r := range out.VPS {
				problems := strings.Join(r.Problems, ",")
				if problems != want[r.VPSID] || len(r.Unread) > 0 {
					t.Errorf("%s: problems %q, unread %v; want %q:\n%s", r.VPSID, problems, r.Unread, want[r.VPSID], text)
				}
			}
		}
	}},
	{tool: "audit_backup_coverage", name: "a newest run that failed after good ones is a failure", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := fidelityDaily(e.sim, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true, History: []hostuptest.HistorySpec{
			{Age: 74 * time.Hour}, {Age: 50 * time.Hour}, {Age: 26 * time.Hour}, {Status: "failed", Age: 2 * time.Hour}}})
		var out tools.AuditBackupCoverageOutput
		text := e.ok("audit_backup_coverage", map[string]any{"vps_ids": []any{id}}, &out)
		if len(out.VPS) != 1 || strings.Join(out.VPS[0].Problems, ",") != "last_run_failed" || out.Totals.Covered != 0 {
			t.Fatalf("want last_run_failed and nothing covered:\n%s", text)
		}
		var list tools.ListBackupSchedulesOutput
		e.ok("list_backup_schedules", map[string]any{"vps_id": id, "history_limit": 1}, &list)
		if len(list.History) != 1 || list.History[0].Status != "failed" || list.HistoryTotal != 4 {
			t.Fatalf("history %+v of %d; want the newest run, the failed one, of 4", list.History, list.HistoryTotal)
		}
	}},
	{tool: "audit_backup_coverage", name: "every row of 80 VPSes is read", run: func(t *testing.T, e *env, _ fidelityVariant) {
		for i := range 80 {
			fidelityDaily(e.sim, hostuptest.VPSSpec{Name: fmt.Sprintf("node-%02d", i), TotalBackupLimit: 7, AutoDeleteOldest: true})
		}
		var out tools.AuditBackupCoverageOutput
		text := e.ok("audit_backup_coverage", map[string]any{}, &out)
		if out.Totals.VPS != 80 || out.Totals.Errors != 0 || out.Totals.Covered != 80 {
			t.Fatalf("totals %+v, want 80 covered and none unread:\n%.1500s", out.Totals, text)
		}
	}},
	{tool: "audit_backup_coverage", name: "a pending order still shows as blocked", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := fidelityDaily(e.sim, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true})
		for _, g := range []string{hostuptest.GateCanCreate, hostuptest.GateCanUpdateSettings, hostuptest.GateCanDelete} {
			e.sim.SetGate(id, g, pendingOrder())
		}
		var out tools.AuditBackupCoverageOutput
		text := e.ok("audit_backup_coverage", map[string]any{}, &out)
		if len(out.VPS) != 1 || strings.Join(out.VPS[0].Problems, ",") != "changes_blocked" {
			t.Fatalf("want changes_blocked:\n%s", text)
		}
	}},
	{tool: "get_job", name: "a failed backup reads as failed", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 5, FailBackups: true})
		var created tools.CreateBackupOutput
		e.ok("create_backup", map[string]any{"vps_id": id}, &created)
		e.sim.Advance(time.Minute)
		var out tools.GetJobOutput
		text := e.ok("get_job", map[string]any{"job_id": created.Job.ID}, &out)
		if out.Job.Status != hostup.JobFailed {
			t.Fatalf("status %q, want failed:\n%s", out.Job.Status, text)
		}
		contains(t, text, "did not respond")
	}},
	{tool: "get_job", name: "a good backup reads as completed", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 5})
		var created tools.CreateBackupOutput
		e.ok("create_backup", map[string]any{"vps_id": id}, &created)
		e.sim.Advance(time.Minute)
		var out tools.GetJobOutput
		text := e.ok("get_job", map[string]any{"job_id": created.Job.ID}, &out)
		if out.Job.Status != hostup.JobCompleted {
			t.Fatalf("status %q, want completed:\n%s", out.Job.Status, text)
		}
	}},
	{tool: "create_backup", name: "waiting on a failing backup says it failed", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 5, FailBackups: true})
		text := e.ok("create_backup", map[string]any{"vps_id": id, "wait": true}, nil)
		contains(t, text, "Backup failed")
		lacks(t, text, "Backup done")
	}},
	{tool: "create_backup", name: "a full quota never names the newest backup as the one deleted", run: func(t *testing.T, e *env, fv fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 2, AutoDeleteOldest: true,
			Backups: []hostuptest.BackupSpec{{Note: "old", Age: 48 * time.Hour}, {Note: "new", Age: time.Hour}}})
		var list tools.ListBackupsOutput
		e.ok("list_backups", map[string]any{"vps_id": id}, &list)
		newest, oldest := list.Backups[0].ID, list.Backups[1].ID
		if list.Backups[0].Note != "new" {
			newest, oldest = oldest, newest
		}
		var out tools.CreateBackupOutput
		e.ok("create_backup", map[string]any{"vps_id": id, "dry_run": true}, &out)
		deletes := strings.Join(out.Plan.Deletes, " ")
		if !out.Plan.Destructive || strings.Contains(deletes, "oldest backup "+newest) {
			t.Fatalf("plan deletes %q (destructive %v); the newest is %s", deletes, out.Plan.Destructive, newest)
		}
		if !fv.v.NullCreatedAt && !strings.Contains(deletes, oldest) {
			t.Errorf("plan deletes %q; want the oldest %s named", deletes, oldest)
		}
	}},
	{tool: "upsert_backup_schedule", name: "same-frequency update is applied", run: func(t *testing.T, e *env, fv fidelityVariant) {
		id := fidelityDaily(e.sim, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true})
		var out tools.UpsertBackupScheduleOutput
		args := map[string]any{"vps_id": id, "frequency": "daily", "hour": 5, "retention_count": 3}
		if fv.v.SecondEnabledSchedule {
			refusedAmbiguous(t, e, id, args)
			return
		}
		text := e.ok("upsert_backup_schedule", args, &out)
		wantVisible(t, fv, out.Outcome, text, updateUnseen(fv))
		shownAt(t, out, "05:00", text)
		if body := onePost(t, e); body["hour"] != float64(5) {
			t.Errorf("POST body %v, want hour 5", body)
		}
	}},
	{tool: "upsert_backup_schedule", name: "moving 02:00 to 00:00 is sent", run: func(t *testing.T, e *env, fv fidelityVariant) {
		id := fidelityDaily(e.sim, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true})
		var out tools.UpsertBackupScheduleOutput
		args := map[string]any{"vps_id": id, "frequency": "daily", "hour": 0, "retention_count": 3}
		if fv.v.SecondEnabledSchedule {
			refusedAmbiguous(t, e, id, args)
			return
		}
		text := e.ok("upsert_backup_schedule", args, &out)
		wantVisible(t, fv, out.Outcome, text, updateUnseen(fv))
		shownAt(t, out, "00:00", text)
		if body := onePost(t, e); body["hour"] != float64(0) {
			t.Errorf("POST body %v, want hour 0", body)
		}
	}},
	{tool: "upsert_backup_schedule", name: "an unchanged schedule is no change only when HostUp said so", run: func(t *testing.T, e *env, fv fidelityVariant) {
		id := fidelityDaily(e.sim, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true})
		var out tools.UpsertBackupScheduleOutput
		args := map[string]any{"vps_id": id, "frequency": "daily", "hour": 2, "retention_count": 3}
		if fv.v.SecondEnabledSchedule {
			refusedAmbiguous(t, e, id, args)
			return
		}
		text := e.ok("upsert_backup_schedule", args, &out)
		want := "no_change"
		if fv.v.ScheduleTime == "null" {
			// HostUp did not say the time: sent, never "nothing to change",
			// and what HostUp made of it cannot be seen either.
			want = "accepted_not_visible"
		}
		if out.Outcome != want {
			t.Fatalf("outcome %q, want %s:\n%s", out.Outcome, want, text)
		}
	}},
	{tool: "upsert_backup_schedule", name: "a retention within the backup limit is applied", run: func(t *testing.T, e *env, fv fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true})
		var out tools.UpsertBackupScheduleOutput
		text := e.ok("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 2, "retention_count": 5}, &out)
		wantVisible(t, fv, out.Outcome, text, createUnseen(fv))
		shownAt(t, out, "02:00", text)
	}},
	{tool: "upsert_backup_schedule", name: "a retention above the limit is stopped, by us or by HostUp", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true})
		text := e.fails("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 2, "retention_count": 9})
		if !strings.Contains(text, "maximum of 7") && !strings.Contains(text, "HostUp answered 400") {
			t.Errorf("want our limit or HostUp's 400 named:\n%s", text)
		}
		if len(e.sim.Schedules(id)) != 0 {
			t.Error("a schedule was created")
		}
	}},
	{tool: "upsert_backup_schedule", name: "a refused replace never leaves the VPS without a schedule", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := fidelityWeekly(e.sim, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true})
		args := map[string]any{"vps_id": id, "frequency": "daily", "hour": 2, "retention_count": 3, "replace_existing": true}
		res := e.call("upsert_backup_schedule", args)
		if !res.IsError {
			var out tools.MutationOutput
			decodeStructured(t, res, &out)
			args["confirm_token"] = out.ConfirmToken
			e.sim.SetFault(http.MethodPost, "/api/v2/vps/*/backup-schedules", hostuptest.Fault{Status: http.StatusBadRequest, Times: 1})
			e.fails("upsert_backup_schedule", args)
		}
		s := e.sim.Schedules(id)
		if len(s) != 1 || s[0].Frequency != "weekly" || s[0].Day != 1 || s[0].Hour != 3 {
			t.Fatalf("after a refused replace the VPS has %+v; want its weekly Monday 03:00 schedule", s)
		}
	}},
	{tool: "upsert_backup_schedule", name: "another frequency on a VPS behind a pending order names the order first", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := fidelityDaily(e.sim, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true})
		for _, g := range []string{hostuptest.GateCanCreate, hostuptest.GateCanUpdateSettings, hostuptest.GateCanDelete} {
			e.sim.SetGate(id, g, pendingOrder())
		}
		text := e.refused("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "weekly", "day_of_week": 1, "hour": 2, "retention_count": 3}, "pending_order")
		lacks(t, text, "replace_existing")
	}},
	{tool: "apply_backup_policy", name: "a VPS without a schedule gets one", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true})
		var out tools.ApplyBackupPolicyOutput
		text := e.ok("apply_backup_policy", map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3, "vps_ids": []any{id}, "dry_run": true}, &out)
		if r := policyRows(t, out); len(r) != 1 || r[id].Action != "create" {
			t.Fatalf("want one create row:\n%s", text)
		}
	}},
	{tool: "upsert_backup_schedule", name: "a vmid behind a pending order shows HostUp's refusal", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := fidelityDaily(e.sim, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true})
		e.sim.SetGate(id, hostuptest.GateCanCreate, pendingOrder())
		vmid := fmt.Sprint(e.sim.VMID(id))
		text := e.fails("upsert_backup_schedule", map[string]any{"vps_id": vmid, "frequency": "daily", "hour": 5, "retention_count": 3})
		if !strings.HasPrefix(text, "HostUp refused the request") && !strings.HasPrefix(text, "HostUp answered 409") {
			t.Errorf("want HostUp's refusal first:\n%s", text)
		}
		contains(t, text, "pending")
		lacks(t, text, "answer was lost", "safe to try again")
	}},
	{tool: "update_backup_settings", name: "turning auto_delete_oldest off is sent", run: func(t *testing.T, e *env, fv fidelityVariant) {
		id := fidelityDaily(e.sim, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true})
		var out tools.UpdateBackupSettingsOutput
		text := e.ok("update_backup_settings", map[string]any{"vps_id": id, "auto_delete_oldest": false}, &out)
		unseen := ""
		if fv.v.NullSettings {
			unseen = "gave no settings"
		}
		wantVisible(t, fv, out.Outcome, text, unseen)
		if m := e.mutations(); len(m) != 1 || m[0].Method != http.MethodPatch {
			t.Fatalf("want one PATCH, got %s", describeRequests(m))
		}
	}},
	{tool: "update_backup_settings", name: "a limit below the stored backups is HostUp's to decide", run: func(t *testing.T, e *env, fv fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 4, Backups: []hostuptest.BackupSpec{{Age: 3 * time.Hour}, {Age: 2 * time.Hour}, {Age: time.Hour}}})
		args := map[string]any{"vps_id": id, "max_total_backups": 1}
		res := e.call("update_backup_settings", args)
		if out := (tools.MutationOutput{}); !res.IsError {
			// Without settings, whether HostUp deletes the extra backups is not
			// known: the plan asks first.
			if decodeStructured(t, res, &out); out.Outcome == "confirmation_required" {
				res = e.call("update_backup_settings", with(args, "confirm_token", out.ConfirmToken))
			}
		}
		text := textOf(res)
		if m := e.mutations(); len(m) != 1 || m[0].Method != http.MethodPatch {
			t.Fatalf("want the PATCH sent, got %s:\n%s", describeRequests(m), text)
		}
		if fv.v.LimitBelowUsageAccepted {
			if res.IsError {
				t.Fatalf("HostUp accepted it, the tool says:\n%s", text)
			}
			return
		}
		if !res.IsError {
			t.Fatalf("HostUp refused it, the tool says:\n%s", text)
		}
		contains(t, text, "HostUp answered 409", "backup_limit_below_usage")
	}},
	{tool: "delete_backup_schedule", name: "the active schedule is deleted", run: func(t *testing.T, e *env, fv fidelityVariant) {
		id := fidelityDaily(e.sim, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true})
		deleted := activeScheduleID(t, e, id)
		args := map[string]any{"vps_id": id, "schedule_id": deleted}
		args["confirm_token"] = planToken(t, e, "delete_backup_schedule", args)
		var out tools.DeleteBackupScheduleOutput
		text := e.ok("delete_backup_schedule", args, &out)
		if out.Outcome != "applied" || out.Schedules == nil || slices.ContainsFunc(*out.Schedules, func(s tools.ScheduleView) bool { return s.ID == deleted }) {
			t.Fatalf("outcome %q, read back %+v:\n%s", out.Outcome, out.Schedules, text)
		}
		if left := len(e.sim.Schedules(id)); !fv.v.SecondEnabledSchedule && left != 0 {
			t.Fatalf("schedules left %d:\n%s", left, text)
		}
	}},
	{tool: "restore_backup", name: "the plan names the VPS, and its name typed confirms it", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "web-7", TotalBackupLimit: 5, Backups: []hostuptest.BackupSpec{{Age: time.Hour}}})
		args := map[string]any{"vps_id": id, "backup_id": firstBackup(t, e, id)}
		var plan tools.RestoreBackupOutput
		text := e.ok("restore_backup", with(args, "dry_run", true), &plan)
		if plan.VPSName != "web-7" || plan.TypeToConfirm != "web-7" {
			t.Fatalf("vps_name %q, type_to_confirm %q; want the VPS's name:\n%s", plan.VPSName, plan.TypeToConfirm, text)
		}
		contains(t, text, "Restore VPS "+id+" (\"web-7\")")
		// A restore is confirmed in the client's dialog, by the name typed.
		typed := newEnv(t, e.sim, withElicitation(&typist{action: "accept", content: map[string]any{"typed_name": "web-7"}}))
		var out tools.RestoreBackupOutput
		text = typed.ok("restore_backup", args, &out)
		if out.Outcome != "applied" {
			t.Fatalf("outcome %q, want applied:\n%s", out.Outcome, text)
		}
	}},
	{tool: "list_snapshot_schedule", name: "a running schedule never reads as paused", run: func(t *testing.T, e *env, fv fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{SnapshotSlots: 3, SnapshotSchedule: &hostuptest.SnapshotScheduleSpec{IntervalHours: 6}})
		var out tools.ListSnapshotScheduleOutput
		text := e.ok("list_snapshot_schedule", map[string]any{"vps_id": id}, &out)
		lacks(t, text, "paused")
		if out.Schedule == nil || (out.Schedule.Enabled != nil && !*out.Schedule.Enabled) {
			t.Fatalf("schedule %+v, want it running or unknown:\n%s", out.Schedule, text)
		}
		if fv.v.SnapshotScheduleNames {
			contains(t, text, "did not give schedule.enabled")
		}
	}},
	{tool: "set_snapshot_schedule", name: "pausing a running schedule asks first", run: func(t *testing.T, e *env, fv fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{SnapshotSlots: 3, SnapshotSchedule: &hostuptest.SnapshotScheduleSpec{IntervalHours: 6}})
		args := map[string]any{"vps_id": id, "interval_hours": 6, "enabled": false}
		args["confirm_token"] = planToken(t, e, "set_snapshot_schedule", args)
		var out tools.SnapshotScheduleChangeOutput
		text := e.ok("set_snapshot_schedule", args, &out)
		unseen := ""
		if fv.v.SnapshotScheduleNames {
			// HostUp's read-back names its fields otherwise: the pause cannot
			// be seen, so it is not called applied.
			unseen = "does NOT show the change"
		}
		wantVisible(t, fv, out.Outcome, text, unseen)
	}},
	{tool: "audit_backup_coverage", name: "running snapshots are never nothing to go back to", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true, SnapshotSlots: 3, SnapshotSchedule: &hostuptest.SnapshotScheduleSpec{IntervalHours: 6}})
		var out tools.AuditBackupCoverageOutput
		text := e.ok("audit_backup_coverage", map[string]any{"vps_ids": []any{id}}, &out)
		if len(out.VPS) != 1 || strings.Join(out.VPS[0].Problems, ",") != "no_schedule" {
			t.Fatalf("want no_schedule alone:\n%s", text)
		}
	}},
	{tool: "delete_backup", name: "a backup is deleted", run: func(t *testing.T, e *env, _ fidelityVariant) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 5, Backups: []hostuptest.BackupSpec{{Note: "old", Age: 48 * time.Hour}, {Note: "new", Age: time.Hour}}})
		args := map[string]any{"vps_id": id, "backup_id": firstBackup(t, e, id)}
		args["confirm_token"] = planToken(t, e, "delete_backup", args)
		var out tools.MutationOutput
		text := e.ok("delete_backup", args, &out)
		if out.Outcome != "applied" {
			t.Fatalf("outcome %q:\n%s", out.Outcome, text)
		}
	}},
}
