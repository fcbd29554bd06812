package hostuptest

import (
	"net/http"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

type scheduleResponse struct {
	Schedule hostup.Schedule `json:"schedule"`
}

func TestPostSameFrequencyUpdatesTheOneSchedule(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{Name: "web-01", TotalBackupLimit: 5})
	path := "/api/v2/vps/" + id + "/backup-schedules"

	var created, updated scheduleResponse
	e.want(http.StatusCreated, "POST", path, keyAcme, `{"frequency":"daily","hour":2,"retentionCount":3,"enabled":true}`, &created)
	e.want(http.StatusOK, "POST", path, keyAcme, `{"frequency":"daily","hour":5,"retentionCount":4,"enabled":false,"name":"Early"}`, &updated)

	var got hostup.BackupSchedules
	e.want(http.StatusOK, "GET", path, keyAcme, "", &got)
	if len(got.Schedules) != 1 {
		t.Fatalf("schedules = %d, want 1", len(got.Schedules))
	}
	s := got.Schedules[0]
	if s.ID != created.Schedule.ID || s.ID != updated.Schedule.ID {
		t.Errorf("schedule id changed: %s -> %s", created.Schedule.ID, s.ID)
	}
	if *s.Time != "05:00" || s.RetentionCount != 4 || s.Enabled || s.Name != "Early" || s.NextRun != nil {
		t.Errorf("schedule not updated: %+v", s)
	}
	if got.Limits.CurrentSchedules != 1 || got.Limits.MaxSchedules != 1 {
		t.Errorf("limits = %+v", got.Limits)
	}
}

func TestPostOtherFrequencyRefusedWhileScheduleExistsAllowedAfterDelete(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 5})
	path := "/api/v2/vps/" + id + "/backup-schedules"
	var created scheduleResponse
	e.want(http.StatusCreated, "POST", path, keyAcme, `{"frequency":"daily","hour":2,"retentionCount":3,"enabled":true}`, &created)

	var got hostup.BackupSchedules
	e.want(http.StatusOK, "GET", path, keyAcme, "", &got)
	if got.Actions.CanCreate.Allowed || got.Actions.CanCreate.ReasonText() != reasonScheduleExists {
		t.Errorf("canCreate = %+v, want closed with HostUp's reason", got.Actions.CanCreate)
	}

	weekly := `{"frequency":"weekly","hour":2,"dayOfWeek":0,"retentionCount":3,"enabled":true}`
	p := e.wantProblem(http.StatusConflict, CodeScheduleExists, "POST", path, keyAcme, weekly)
	if p.Detail != reasonScheduleExists {
		t.Errorf("detail = %q", p.Detail)
	}

	e.want(http.StatusNoContent, "DELETE", path+"/"+created.Schedule.ID, keyAcme, "", nil)
	e.want(http.StatusCreated, "POST", path, keyAcme, weekly, nil)
	e.want(http.StatusOK, "GET", path, keyAcme, "", &got)
	if len(got.Schedules) != 1 || got.Schedules[0].Frequency != "weekly" || got.Actions.CanCreate.Allowed {
		t.Errorf("after delete and create: %+v", got.Schedules)
	}
}

func TestScheduleBodyValidation(t *testing.T) {
	cases := []struct {
		name, body, pointer, code string
	}{
		{"retention above maxRetention", `{"frequency":"daily","hour":2,"retentionCount":4,"enabled":true}`, "/retentionCount", "out_of_range"},
		{"retention zero", `{"frequency":"daily","hour":2,"retentionCount":0,"enabled":true}`, "/retentionCount", "out_of_range"},
		{"weekly without dayOfWeek", `{"frequency":"weekly","hour":2,"retentionCount":1,"enabled":true}`, "/dayOfWeek", "missing_required"},
		{"weekly with dayOfMonth", `{"frequency":"weekly","hour":2,"dayOfWeek":1,"dayOfMonth":3,"retentionCount":1,"enabled":true}`, "/dayOfMonth", "not_allowed"},
		{"dayOfWeek 7", `{"frequency":"weekly","hour":2,"dayOfWeek":7,"retentionCount":1,"enabled":true}`, "/dayOfWeek", "out_of_range"},
		{"monthly without dayOfMonth", `{"frequency":"monthly","hour":2,"retentionCount":1,"enabled":true}`, "/dayOfMonth", "missing_required"},
		{"monthly with dayOfWeek", `{"frequency":"monthly","hour":2,"dayOfMonth":1,"dayOfWeek":1,"retentionCount":1,"enabled":true}`, "/dayOfWeek", "not_allowed"},
		{"dayOfMonth 32", `{"frequency":"monthly","hour":2,"dayOfMonth":32,"retentionCount":1,"enabled":true}`, "/dayOfMonth", "out_of_range"},
		{"daily with dayOfWeek", `{"frequency":"daily","hour":2,"dayOfWeek":1,"retentionCount":1,"enabled":true}`, "/dayOfWeek", "not_allowed"},
		{"hour 24", `{"frequency":"daily","hour":24,"retentionCount":1,"enabled":true}`, "/hour", "out_of_range"},
		{"hour not integer", `{"frequency":"daily","hour":2.5,"retentionCount":1,"enabled":true}`, "/hour", "invalid_type"},
		{"unknown frequency", `{"frequency":"hourly","hour":2,"retentionCount":1,"enabled":true}`, "/frequency", "invalid_value"},
		{"enabled missing", `{"frequency":"daily","hour":2,"retentionCount":1}`, "/enabled", "missing_required"},
		{"unknown field", `{"frequency":"daily","hour":2,"minute":30,"retentionCount":1,"enabled":true}`, "/minute", "unknown_field"},
		{"not JSON", `{"frequency":`, "", "invalid_json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 3})
			path := "/api/v2/vps/" + id + "/backup-schedules"
			before := e.state(id)
			p := e.wantProblem(http.StatusBadRequest, "invalid_request", "POST", path, keyAcme, tc.body)
			if len(p.Errors) != 1 || p.Errors[0].Pointer != tc.pointer || p.Errors[0].Code != tc.code {
				t.Errorf("errors = %+v, want one at %q with code %s", p.Errors, tc.pointer, tc.code)
			}
			if e.state(id) != before {
				t.Error("a refused POST changed the state")
			}
		})
	}
}

func TestSettingsAndLimitsFollowHostUpArithmetic(t *testing.T) {
	cases := []struct {
		name                        string
		limit, manual, scheduled    int
		wantSlots, wantMaxRetention int
	}{
		{"v2 example 5-1-2", 5, 1, 2, 2, 5},
		{"v1 example 7-7-0", 7, 7, 0, 0, 7},
		{"over the limit floors at zero", 2, 2, 1, 0, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			var backups []BackupSpec
			for i := range tc.manual {
				backups = append(backups, BackupSpec{Type: "manual", Age: time.Duration(i+1) * time.Hour})
			}
			for i := range tc.scheduled {
				backups = append(backups, BackupSpec{Type: "scheduled", Age: time.Duration(i+1) * 24 * time.Hour})
			}
			id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: tc.limit, Backups: backups,
				Schedule: &ScheduleSpec{Frequency: "daily", Hour: 2, RetentionCount: 1}})
			var got hostup.BackupSchedules
			e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backup-schedules", keyAcme, "", &got)
			want := hostup.BackupSettings{TotalBackupLimit: tc.limit, ManualBackupsActive: tc.manual,
				ScheduledBackupsActive: tc.scheduled, AvailableScheduledSlots: tc.wantSlots}
			if *got.Settings != want {
				t.Errorf("settings = %+v, want %+v", *got.Settings, want)
			}
			wantLimits := hostup.ScheduleLimits{MaxSchedules: 1, TotalBackups: tc.limit, MaxRetention: tc.wantMaxRetention,
				CurrentSchedules: 1, ManualBackupsActive: tc.manual, ScheduledBackupsActive: tc.scheduled,
				AvailableScheduledSlots: tc.wantSlots}
			if got.Limits != wantLimits {
				t.Errorf("limits = %+v, want %+v", got.Limits, wantLimits)
			}
		})
	}
}

func TestPatchLoweringLimitDeletesOldestWithAutoDelete(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 5, AutoDeleteOldest: true,
		Backups: backupsAged("manual", 96*time.Hour, 72*time.Hour, 48*time.Hour, 24*time.Hour)})
	var before hostup.Backups
	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &before)

	var resp hostup.SettingsResponse
	e.want(http.StatusOK, "PATCH", "/api/v2/vps/"+id+"/backup-schedules", keyAcme, `{"maxTotalBackups":2}`, &resp)
	if resp.Settings.TotalBackupLimit != 2 || resp.Settings.ManualBackupsActive != 2 || resp.Settings.AvailableScheduledSlots != 0 {
		t.Errorf("settings = %+v", resp.Settings)
	}
	var after hostup.Backups
	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &after)
	// Lists are newest first: the two newest must survive.
	if len(after.Backups) != 2 || after.Backups[0].ID != before.Backups[0].ID || after.Backups[1].ID != before.Backups[1].ID {
		t.Errorf("kept %+v, want the two newest of %+v", after.Backups, before.Backups)
	}
}

func TestPatchLoweringLimitRefusedWithoutAutoDelete(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 5, Backups: backupsAged("manual", 3*time.Hour, 2*time.Hour, time.Hour)})
	before := e.state(id)
	e.wantProblem(http.StatusConflict, CodeLimitBelowUsage, "PATCH", "/api/v2/vps/"+id+"/backup-schedules", keyAcme, `{"maxTotalBackups":1}`)
	if e.state(id) != before {
		t.Error("a refused PATCH changed the state")
	}
	// Turning autoDeleteOldest on in the same request allows it.
	var resp hostup.SettingsResponse
	e.want(http.StatusOK, "PATCH", "/api/v2/vps/"+id+"/backup-schedules", keyAcme, `{"maxTotalBackups":1,"autoDeleteOldest":true}`, &resp)
	if resp.Settings.ManualBackupsActive != 1 || !resp.Settings.AutoDeleteOldest {
		t.Errorf("settings = %+v", resp.Settings)
	}
}

func TestPatchValidation(t *testing.T) {
	cases := []struct{ name, body, pointer, code string }{
		{"empty object", `{}`, "", "missing_required"},
		{"limit zero", `{"maxTotalBackups":0}`, "/maxTotalBackups", "out_of_range"},
		{"autoDelete not boolean", `{"autoDeleteOldest":"yes"}`, "/autoDeleteOldest", "invalid_type"},
		{"unknown field", `{"maxTotalBackups":3,"retentionCount":3}`, "/retentionCount", "unknown_field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.sim.AddVPS("acme", VPSSpec{})
			p := e.wantProblem(http.StatusBadRequest, "invalid_request", "PATCH", "/api/v2/vps/"+id+"/backup-schedules", keyAcme, tc.body)
			if len(p.Errors) != 1 || p.Errors[0].Pointer != tc.pointer || p.Errors[0].Code != tc.code {
				t.Errorf("errors = %+v", p.Errors)
			}
		})
	}
}

func TestClosedGateRefusesItsMutationAndChangesNothing(t *testing.T) {
	pending := closedGate("An upgrade order is pending payment.", "pending_order")
	notReady := closedGate("The VPS is being migrated.", "")
	cases := []struct {
		name, gate    string
		g             hostup.Gate
		method, path  string
		body, errCode string
	}{
		{"create schedule, pending order", GateCanCreate, pending, "POST", "/backup-schedules",
			`{"frequency":"daily","hour":3,"retentionCount":2,"enabled":true}`, "pending_orders"},
		{"update settings, pending order", GateCanUpdateSettings, pending, "PATCH", "/backup-schedules", `{"maxTotalBackups":4}`, "pending_orders"},
		{"delete schedule, not ready", GateCanDelete, notReady, "DELETE", "/backup-schedules/bks_gate", "", "vps_not_ready"},
		{"create backup, not ready", GateCanCreateBackup, notReady, "POST", "/backups", `{"note":"x"}`, "vps_not_ready"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 3, AutoDeleteOldest: true,
				Schedule: &ScheduleSpec{ID: "bks_gate", Frequency: "daily", Hour: 2, RetentionCount: 2}})
			e.sim.SetGate(id, tc.gate, tc.g)
			before := e.state(id)
			p := e.wantProblem(http.StatusConflict, tc.errCode, tc.method, "/api/v2/vps/"+id+tc.path, keyAcme, tc.body)
			if p.Detail != tc.g.ReasonText() {
				t.Errorf("detail = %q, want the gate's reason", p.Detail)
			}
			e.clock.Advance(time.Minute) // a job started by mistake would now show
			if e.state(id) != before {
				t.Error("state changed behind a closed gate")
			}

			e.sim.SetGate(id, tc.gate, hostup.Gate{Allowed: true})
			if r := e.do(tc.method, "/api/v2/vps/"+id+tc.path, keyAcme, tc.body); r.status >= 300 {
				t.Errorf("after reopening the gate: %d %s", r.status, r.body)
			}
		})
	}
}

func TestScheduleTimesAreUTCAndNextRunFollowsClock(t *testing.T) {
	cases := []struct {
		name, body, wantDay, wantNext string
	}{
		{"daily later today", `{"frequency":"daily","hour":13,"retentionCount":1,"enabled":true}`, "", "2026-04-27T13:00:00.000Z"},
		{"daily already passed", `{"frequency":"daily","hour":2,"retentionCount":1,"enabled":true}`, "", "2026-04-28T02:00:00.000Z"},
		{"weekly Monday passed", `{"frequency":"weekly","hour":2,"dayOfWeek":1,"retentionCount":1,"enabled":true}`, "1", "2026-05-04T02:00:00.000Z"},
		{"weekly Sunday", `{"frequency":"weekly","hour":0,"dayOfWeek":0,"retentionCount":1,"enabled":true}`, "0", "2026-05-03T00:00:00.000Z"},
		{"monthly 31 in April clamps", `{"frequency":"monthly","hour":4,"dayOfMonth":31,"retentionCount":1,"enabled":true}`, "31", "2026-04-30T04:00:00.000Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.sim.AddVPS("acme", VPSSpec{})
			var got scheduleResponse
			e.want(http.StatusCreated, "POST", "/api/v2/vps/"+id+"/backup-schedules", keyAcme, tc.body, &got)
			s := got.Schedule
			if deref(s.DaySpecifier) != tc.wantDay || deref(s.NextRun) != tc.wantNext || s.LastRun != nil {
				t.Errorf("daySpecifier %q nextRun %q lastRun %v, want %q %q nil",
					deref(s.DaySpecifier), deref(s.NextRun), s.LastRun, tc.wantDay, tc.wantNext)
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestDeleteUnknownScheduleIsNotFound(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{Schedule: &ScheduleSpec{Frequency: "daily", RetentionCount: 1}})
	e.wantProblem(http.StatusNotFound, "not_found", "DELETE", "/api/v2/vps/"+id+"/backup-schedules/bks_nope", keyAcme, "")
	if n := len(e.sim.Mutations()); n != 1 {
		t.Errorf("mutations logged = %d, want 1", n)
	}
}
