package tools_test

// Numeric vmids: every tool that takes vps_id also takes HostUp's v1 id, talks to
// the v1 endpoints for it, and fills the same output schemas.

import (
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// bigSize is above 2^53: a float64 (or JavaScript) would round it to 2^53.
const bigSize = 1<<53 + 1

func vmidOf(sim *hostuptest.Simulator, vpsID string) string { return strconv.Itoa(sim.VMID(vpsID)) }

// onlyV1 asserts that every request HostUp got went to a v1 path with X-API-Key.
func onlyV1(t *testing.T, sim *hostuptest.Simulator) {
	t.Helper()
	for _, r := range sim.Requests() {
		if !strings.HasPrefix(r.Path, "/api/vm/") || r.Header.Get("X-API-Key") == "" {
			t.Errorf("%s %s: a numeric vmid must only use v1 paths with X-API-Key", r.Method, r.Path)
		}
	}
}

func vpsWithBigBackup(sim *hostuptest.Simulator) string {
	return sim.AddVPS(testAccount, hostuptest.VPSSpec{
		Name: "db", TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{ID: "bks_daily1", Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 2, Minute: 23, RetentionCount: 3, Since: 30 * 24 * time.Hour},
		Backups:  []hostuptest.BackupSpec{{Type: "manual", Note: "before upgrade", SizeBytes: bigSize, Age: time.Hour}},
	})
}

func TestV1ListSchedulesFillsTheSameSchemaWithV1Facts(t *testing.T) {
	sim := newSim()
	id := vpsWithBigBackup(sim)
	vmid := vmidOf(sim, id)
	e := newEnv(t, sim)

	res := e.call("list_backup_schedules", map[string]any{"vps_id": vmid})
	if res.IsError {
		t.Fatalf("unexpected error: %s", textOf(res))
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if !strings.Contains(string(raw), `"size_bytes":"9007199254740993"`) {
		t.Errorf("the size above 2^53 is not exact in structuredContent: %s", raw)
	}
	var out tools.ListBackupSchedulesOutput
	decodeStructured(t, res, &out)
	if out.VPSID != vmid || len(out.Schedules) != 1 {
		t.Fatalf("got %+v", out)
	}
	s := out.Schedules[0]
	if _, err := strconv.Atoi(s.ID); err != nil || s.Frequency != "daily" || s.TimeUTC != "02:23" || s.RetentionCount != 3 || s.NextRun == "" {
		t.Errorf("schedule %+v: want a numeric id, daily 02:23 (the minute in time_utc), retention 3, a next run", s)
	}
	if out.Limits.MaxRetention != 7 || out.Settings == nil || out.Settings.TotalBackupLimit != 7 {
		t.Errorf("limits %+v, settings %+v: want 7", out.Limits, out.Settings)
	}
	g := out.Gates
	if !strings.Contains(g.CanCreate.Reason, "derived") || g.CanCreate.Allowed {
		t.Errorf("can_create %+v: want closed (a schedule exists), derived", g.CanCreate)
	}
	for _, gate := range []tools.GateView{g.CanDelete, g.CanUpdateSettings} {
		if gate.Allowed || gate.Code != "no_v1_endpoint" || !strings.Contains(gate.Reason, "vps_") {
			t.Errorf("gate %+v: want closed, no_v1_endpoint, pointing to the vps_… id", gate)
		}
	}
	i := slices.IndexFunc(out.History, func(h tools.HistoryView) bool { return h.SizeBytes == "9007199254740993" })
	if i < 0 {
		t.Fatalf("no history entry with the exact size: %+v", out.History)
	}
	h := out.History[i]
	if h.Status != hostup.VMBackupActive || !strings.HasPrefix(h.Volid, "pbs-offsite-10g:backup/vm/"+vmid+"/") || h.JobID == "" || h.ID == "" || h.Note != "before upgrade" {
		t.Errorf("history entry %+v: want active, a volid, a job id, an id and the note", h)
	}
	contains(t, textOf(res), vmid+": daily at 02:23 UTC, keep 3")
	onlyV1(t, sim)
}

// TestV1SeedExampleThroughTheTool serves the seed's own example answer (HostUp's v1
// documentation) and checks that nothing of it is lost on the way to the model.
func TestV1SeedExampleThroughTheTool(t *testing.T) {
	body, err := os.ReadFile("../hostup/testdata/v1_backup_schedules.json")
	if err != nil {
		t.Fatal(err)
	}
	sim := newSim()
	vmid := vmidOf(sim, vpsWithoutSchedule(sim))
	sim.SetFault("GET", "/api/vm/*/backup-schedules", hostuptest.Fault{Status: 200, Body: string(body)})
	e := newEnv(t, sim)
	var out tools.ListBackupSchedulesOutput
	e.ok("list_backup_schedules", map[string]any{"vps_id": vmid}, &out)
	s := out.Schedules[0]
	if s.ID != "2464" || s.Frequency != "weekly" || s.DayOfWeek == nil || *s.DayOfWeek != 5 || s.TimeUTC != "05:23" ||
		s.RetentionCount != 7 || s.Name != "Example note" || s.LastRun != "2026-02-10T00:00:00.000Z" || s.NextRun != "2026-02-10T00:00:00.000Z" {
		t.Errorf("schedule %+v", s)
	}
	// The settings' usage counts (7 manual, 0 free slots) are the limits' below.
	if st := out.Settings; st.TotalBackupLimit != 7 || !st.AutoDeleteOldest {
		t.Errorf("settings %+v", st)
	}
	if out.Limits != (tools.LimitsView{MaxSchedules: 1, CurrentSchedules: 1, TotalBackups: 7, MaxRetention: 7, ManualBackupsActive: 7}) {
		t.Errorf("limits %+v", out.Limits)
	}
	if len(out.History) != 2 {
		t.Fatalf("history %+v", out.History)
	}
	want := tools.HistoryView{Type: "manual", Status: "active", CreatedAt: "2026-02-10T00:00:00.000Z", Note: "Example note", ID: "136070",
		SizeBytes: "214748366059", Volid: "pbs-offsite-10g:backup/vm/10877/2026-02-10T00:00:00.000Z", JobID: "backup-17910-1769734006476"}
	if out.History[0] != want || out.History[1].SizeBytes != "214748366060" {
		t.Errorf("history:\n got %+v\nwant %+v", out.History, want)
	}
}

func TestV1ListBackupsHasVolidsAndExactSizes(t *testing.T) {
	sim := newSim()
	id := sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 5, Backups: []hostuptest.BackupSpec{
		{SizeBytes: bigSize, Age: 2 * time.Hour}, {SizeGB: 2, Age: time.Hour},
	}})
	e := newEnv(t, sim)
	var out tools.ListBackupsOutput
	text := e.ok("list_backups", map[string]any{"vps_id": vmidOf(sim, id)}, &out)
	if out.Total != 2 || len(out.Backups) != 2 {
		t.Fatalf("got %+v", out)
	}
	newest, oldest := out.Backups[0], out.Backups[1]
	if hostup.ValidateID(hostup.KindVolid, oldest.ID) != nil || oldest.SizeBytes != "9007199254740993" || newest.SizeBytes != strconv.Itoa(2<<30) || newest.SizeGB != 2 {
		t.Errorf("backups %+v: want volids and exact sizes, newest first", out.Backups)
	}
	if out.Quota.Used != 2 || out.Quota.Limit == nil || *out.Quota.Limit != 5 || *out.Quota.Remaining != 3 {
		t.Errorf("quota %+v: want 2 of 5, derived from the v1 settings", out.Quota)
	}
	if g := out.Gates.CanCreateBackup; g.Allowed || g.Code != "no_v1_endpoint" {
		t.Errorf("can_create_backup %+v: v1 has no create", g)
	}
	contains(t, text, oldest.ID)
	onlyV1(t, sim)
}

func TestV1UpsertSendsTheDocumentedBody(t *testing.T) {
	cases := []struct {
		name    string
		args    map[string]any
		want    map[string]any
		timeUTC string
	}{
		{
			name:    "daily: no day fields",
			args:    map[string]any{"frequency": "daily", "hour": 3, "minute": 45, "retention_count": 5},
			want:    map[string]any{"schedule_type": "daily", "hour": 3.0, "minute": 45.0, "retention_count": 5.0, "enabled": true, "notes": "Daily backup"},
			timeUTC: "03:45",
		},
		{
			name:    "weekly: day_of_week only",
			args:    map[string]any{"frequency": "weekly", "day_of_week": 5, "hour": 4, "retention_count": 4, "name": "Friday", "enabled": false},
			want:    map[string]any{"schedule_type": "weekly", "day_of_week": 5.0, "hour": 4.0, "minute": 0.0, "retention_count": 4.0, "enabled": false, "notes": "Friday"},
			timeUTC: "04:00",
		},
		{
			name:    "monthly: day_of_month only",
			args:    map[string]any{"frequency": "monthly", "day_of_month": 12, "hour": 23, "minute": 59, "retention_count": 2},
			want:    map[string]any{"schedule_type": "monthly", "day_of_month": 12.0, "hour": 23.0, "minute": 59.0, "retention_count": 2.0, "enabled": true, "notes": "Monthly backup"},
			timeUTC: "23:59",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim()
			vmid := vmidOf(sim, vpsWithoutSchedule(sim))
			e := newEnv(t, sim)
			args := map[string]any{"vps_id": vmid}
			for k, v := range c.args {
				args[k] = v
			}
			var out tools.UpsertBackupScheduleOutput
			e.ok("upsert_backup_schedule", args, &out)
			m := e.mutations()
			if out.Outcome != "applied" || len(m) != 1 || m[0].Method != "POST" || m[0].Path != "/api/vm/"+vmid+"/backup-schedules" {
				t.Fatalf("outcome %s, mutations:%s", out.Outcome, describeRequests(m))
			}
			got := bodyOf(t, m[0])
			if !mapsEqual(got, c.want) {
				t.Errorf("body %v, want exactly %v", got, c.want)
			}
			if out.Plan.Requests[0].Endpoint != "/api/vm/"+vmid+"/backup-schedules" {
				t.Errorf("planned %+v", out.Plan.Requests)
			}
			if out.Schedules == nil || len((*out.Schedules)) != 1 || (*out.Schedules)[0].TimeUTC != c.timeUTC {
				t.Errorf("state read back %+v: want the schedule at %s", out.Schedules, c.timeUTC)
			}
			onlyV1(t, sim)
		})
	}
}

func mapsEqual(a, b map[string]any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestV1UpsertUpdateKeepsWhatTheCallDoesNotName(t *testing.T) {
	sim := newSim()
	id := vpsWithBigBackup(sim) // daily 02:23, retention 3, "Nightly backup"
	vmid := vmidOf(sim, id)
	e := newEnv(t, sim)
	var out tools.UpsertBackupScheduleOutput
	e.ok("upsert_backup_schedule", map[string]any{"vps_id": vmid, "frequency": "daily", "hour": 4, "retention_count": 3}, &out)
	m := e.mutations()
	if len(m) != 1 {
		t.Fatalf("mutations:%s", describeRequests(m))
	}
	body := bodyOf(t, m[0])
	if body["minute"] != 23.0 || body["notes"] != "Nightly backup" || body["enabled"] != true {
		t.Errorf("body %v: the minute, name and enabled state must be kept", body)
	}
	if len(out.Plan.Changes) != 1 || out.Plan.Changes[0] != (tools.FieldChange{Field: "time_utc", Before: "02:23", After: "04:23"}) {
		t.Errorf("changes %+v", out.Plan.Changes)
	}

	// The same values again: nothing to send.
	e.sim.ResetLog()
	e.ok("upsert_backup_schedule", map[string]any{"vps_id": vmid, "frequency": "daily", "hour": 4, "minute": 23, "retention_count": 3}, &out)
	if out.Outcome != "no_change" {
		t.Errorf("outcome %s, want no_change", out.Outcome)
	}
	e.noMutations()
}

// TestV1RefusalsSendNoMutation is TestRefusalsSendNoMutation for numeric vmids,
// with the refusals only v1 has.
func TestV1RefusalsSendNoMutation(t *testing.T) {
	cases := []struct {
		name      string
		setup     func(sim *hostuptest.Simulator) string // returns the VPS id, v2
		tool      string
		args      map[string]any
		wants     []string
		noRequest bool // refused before reading anything
	}{
		{
			name:  "retention above limits.maxRetention",
			setup: vpsWithoutSchedule,
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "daily", "hour": 2, "retention_count": 8},
			wants: []string{"nothing was sent", "retention_count 8 is above", "maximum of 7", "use retention_count 7 or less"},
		},
		{
			name: "retention above settings.max_total_backups",
			setup: func(sim *hostuptest.Simulator) string {
				id := vpsWithoutSchedule(sim)
				sim.SetFault("GET", "/api/vm/*/backup-schedules", hostuptest.Fault{Status: 200, Body: `{"success": true, "data": {"success": true, "schedules": [], "history": [],
					"settings": {"max_total_backups": 5, "manual_backups_active": 0, "scheduled_backups_active": 0, "total_backups_active": 0, "available_scheduled_slots": 5, "auto_delete_oldest": true},
					"limits": {"maxSchedules": 1, "currentSchedules": 0, "totalBackups": 7, "maxRetention": 7, "manualBackupsActive": 0, "scheduledBackupsActive": 0, "availableScheduledSlots": 5}}}`})
				return id
			},
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "daily", "hour": 2, "retention_count": 6},
			wants: []string{"retention_count 6 is above", "maximum of 5", "retention_above_limit"},
		},
		{
			name:  "another frequency without replace_existing",
			setup: vpsWithDaily,
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "weekly", "day_of_week": 1, "hour": 2, "retention_count": 3},
			wants: []string{"already has a daily schedule", "one schedule per VPS", "schedule_exists", "keep the frequency daily", "vps_… id from list_vps"},
		},
		{
			name:  "replace_existing: v1 cannot delete the old schedule",
			setup: vpsWithDaily,
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "weekly", "day_of_week": 1, "hour": 2, "retention_count": 3, "replace_existing": true},
			wants: []string{"Not possible with a numeric vmid: ", "v1 API", "no endpoint to delete a schedule", "cannot be replaced", "vps_… id from list_vps and replace_existing=true"},
		},
		{
			name:      "weekly without day_of_week",
			setup:     vpsWithoutSchedule,
			tool:      "upsert_backup_schedule",
			args:      map[string]any{"frequency": "weekly", "hour": 2, "retention_count": 3},
			wants:     []string{"nothing was sent", "weekly schedule needs day_of_week"},
			noRequest: true,
		},
		{
			name: "schedule limit reached",
			setup: func(sim *hostuptest.Simulator) string {
				id := vpsWithoutSchedule(sim)
				sim.SetFault("GET", "/api/vm/*/backup-schedules", hostuptest.Fault{Status: 200, Body: `{"success": true, "data": {"success": true, "schedules": [], "history": [],
					"settings": {"max_total_backups": 7, "available_scheduled_slots": 7, "auto_delete_oldest": true},
					"limits": {"maxSchedules": 1, "currentSchedules": 1, "totalBackups": 7, "maxRetention": 7, "availableScheduledSlots": 7}}}`})
				return id
			},
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3},
			wants: []string{"nothing was sent", "already exists", "derived from settings and limits"},
		},
		{
			name:  "unknown volid",
			setup: vpsWithBigBackup,
			tool:  "delete_backup",
			args:  map[string]any{"backup_id": "pbs-offsite-10g:backup/vm/1/2020-01-01T00:00:00.000Z"},
			wants: []string{"no backup with id pbs-offsite-10g:backup/vm/1/2020-01-01T00:00:00.000Z", "backup_not_found", "(1 in all)"},
		},
		{
			name:      "a bkp_ id with a vmid",
			setup:     vpsWithBigBackup,
			tool:      "delete_backup",
			args:      map[string]any{"backup_id": "bkp_abc123"},
			wants:     []string{"nothing was sent", "backup volid", "list_backups"},
			noRequest: true,
		},
		{
			name:      "a volid with a .. segment",
			setup:     vpsWithBigBackup,
			tool:      "delete_backup",
			args:      map[string]any{"backup_id": "pbs:backup/../../x"},
			wants:     []string{"nothing was sent"},
			noRequest: true,
		},
		{
			name:      "delete_backup_schedule: no v1 endpoint",
			setup:     vpsWithDaily,
			tool:      "delete_backup_schedule",
			args:      map[string]any{"schedule_id": "2001"},
			wants:     []string{"nothing was sent", "Not possible with a numeric vmid: ", "v1 has no endpoint to delete a backup schedule", "no_v1_endpoint", "What you can do: call the tool again with the VPS's vps_… id from list_vps"},
			noRequest: true,
		},
		{
			name:      "update_backup_settings: no v1 endpoint",
			setup:     vpsWithDaily,
			tool:      "update_backup_settings",
			args:      map[string]any{"max_total_backups": 9},
			wants:     []string{"nothing was sent", "Not possible with a numeric vmid: ", "v1 has no endpoint to change backup settings", "vps_… id from list_vps"},
			noRequest: true,
		},
		{
			name:      "create_backup: no v1 endpoint",
			setup:     vpsWithDaily,
			tool:      "create_backup",
			args:      map[string]any{"wait": true},
			wants:     []string{"nothing was sent", "Not possible with a numeric vmid: ", "v1 has no endpoint to create a backup", "vps_… id from list_vps"},
			noRequest: true,
		},
		{
			name:  "vmid of another account",
			setup: func(sim *hostuptest.Simulator) string { return sim.AddVPS("other", hostuptest.VPSSpec{}) },
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "daily", "hour": 2, "retention_count": 1},
			wants: []string{"HostUp answered 404", "NOT_FOUND", "list_vps"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim()
			vmid := vmidOf(sim, c.setup(sim))
			e := newEnv(t, sim)
			args := map[string]any{"vps_id": vmid}
			for k, v := range c.args {
				args[k] = v
			}
			e.refused(c.tool, args, c.wants...)
			if n := len(sim.Requests()); c.noRequest && n != 0 {
				t.Errorf("%d requests sent, want none:%s", n, describeRequests(sim.Requests()))
			}
			onlyV1(t, sim)
		})
	}
}

func TestMinuteIsRefusedForVPSIDs(t *testing.T) {
	sim := newSim()
	id := vpsWithoutSchedule(sim)
	e := newEnv(t, sim)
	text := e.fails("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 2, "minute": 30, "retention_count": 3})
	contains(t, text, "nothing was sent", "minute is for numeric vmids", "starts backups on the hour", "leave minute out")
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestV1ErrorBodyBecomesTheSameClearError(t *testing.T) {
	body, err := os.ReadFile("../hostup/testdata/error_v1_validation.json")
	if err != nil {
		t.Fatal(err)
	}
	sim := newSim()
	vmid := vmidOf(sim, vpsWithoutSchedule(sim))
	sim.SetFault("POST", "/api/vm/*/backup-schedules", hostuptest.Fault{Status: 400, Body: string(body)})
	e := newEnv(t, sim)
	text := e.fails("upsert_backup_schedule", map[string]any{"vps_id": vmid, "frequency": "daily", "hour": 2, "retention_count": 3})
	contains(t, text, "HostUp answered 400 VALIDATION_ERROR", "Validation failed",
		"- retention_count: Retention count cannot exceed the purchased backup limit",
		"HostUp request id: 2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba")
	lacks(t, text, testKey)
}

func TestV1DeleteBackupByVolidWithConfirmation(t *testing.T) {
	sim := newSim()
	id := sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 5, Backups: []hostuptest.BackupSpec{
		{SizeBytes: bigSize, Age: 2 * time.Hour}, {SizeGB: 2, Age: time.Hour},
	}})
	vmid := vmidOf(sim, id)
	e := newEnv(t, sim)
	var list tools.ListBackupsOutput
	e.ok("list_backups", map[string]any{"vps_id": vmid}, &list)
	volid := list.Backups[1].ID

	args := map[string]any{"vps_id": vmid, "backup_id": volid}
	var first tools.DeleteBackupOutput
	e.ok("delete_backup", args, &first)
	if first.Outcome != "confirmation_required" || first.ConfirmToken == "" || !first.Plan.Destructive {
		t.Fatalf("first call: %+v", first.MutationOutput)
	}
	if r := first.Plan.Requests; len(r) != 1 || r[0].Method != "DELETE" || r[0].Endpoint != "/api/vm/"+vmid+"/backups/"+volid {
		t.Errorf("plan %+v", r)
	}
	e.noMutations()

	args["confirm_token"] = first.ConfirmToken
	var out tools.DeleteBackupOutput
	e.ok("delete_backup", args, &out)
	m := e.mutations()
	if out.Outcome != "applied" || len(m) != 1 || m[0].Method != "DELETE" || !strings.HasPrefix(m[0].Path, "/api/vm/"+vmid+"/backups/") {
		t.Fatalf("outcome %s, mutations:%s", out.Outcome, describeRequests(m))
	}
	if out.BackupsLeft == nil || *out.BackupsLeft != 1 {
		t.Errorf("read back %v backups left: want the other backup only", out.BackupsLeft)
	}
	var after tools.ListBackupsOutput
	e.ok("list_backups", map[string]any{"vps_id": vmid}, &after)
	if after.Total != 1 || after.Backups[0].ID == volid {
		t.Errorf("list_backups after the delete: %+v; want the other backup only", after.Backups)
	}
	onlyV1(t, sim)
}

// TestV1AndV2ShareState: a schedule set through the vmid is the VPS's schedule
// through its vps_… id too, minute included.
func TestV1AndV2ShareState(t *testing.T) {
	sim := newSim()
	id := vpsWithoutSchedule(sim)
	vmid := vmidOf(sim, id)
	e := newEnv(t, sim)
	e.ok("upsert_backup_schedule", map[string]any{"vps_id": vmid, "frequency": "weekly", "day_of_week": 2, "hour": 3, "minute": 45, "retention_count": 4, "name": "Tuesdays"}, nil)

	v2 := e.schedules(id)
	if len(v2.Schedules) != 1 {
		t.Fatalf("v2 sees %+v", v2.Schedules)
	}
	s := v2.Schedules[0]
	if !strings.HasPrefix(s.ID, "bks_") || s.Frequency != "weekly" || *s.DayOfWeek != 2 || s.TimeUTC != "03:45" || s.RetentionCount != 4 || s.Name != "Tuesdays" {
		t.Errorf("v2 sees %+v", s)
	}

	// And the other way: an update through the vps_… id is what the vmid shows.
	var upd tools.UpsertBackupScheduleOutput
	e.ok("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "weekly", "day_of_week": 2, "hour": 6, "retention_count": 4}, &upd)
	if c := upd.Plan.Changes; len(c) != 1 || c[0] != (tools.FieldChange{Field: "time_utc", Before: "03:45", After: "06:00"}) {
		t.Errorf("v2 plan %+v: v2 has no minute, so the change must show it going to :00", c)
	}
	v1 := e.schedules(vmid)
	if s := v1.Schedules[0]; s.TimeUTC != "06:00" || s.Name != "Tuesdays" || s.RetentionCount != 4 {
		t.Errorf("v1 sees %+v", s)
	}
}

func TestAuditAcceptsVMIDs(t *testing.T) {
	sim := newSim()
	daily := vpsWithDaily(sim)
	bare := vpsWithoutSchedule(sim)
	e := newEnv(t, sim)
	var out tools.AuditBackupCoverageOutput
	text := e.ok("audit_backup_coverage", map[string]any{"vps_ids": []string{vmidOf(sim, daily), bare}}, &out)
	if out.Totals.VPS != 2 || out.Totals.Errors != 0 {
		t.Fatalf("totals %+v", out.Totals)
	}
	for _, r := range out.VPS {
		switch r.VPSID {
		case vmidOf(sim, daily):
			if !r.HasSchedule || r.Frequency != "daily" || r.TimeUTC != "02:00" || r.Retention != 3 || len(r.Problems) != 0 {
				t.Errorf("vmid row %+v: want a covered daily schedule, no problem (what v1 cannot do is no block)", r)
			}
			if r.GatesKnown {
				t.Errorf("vmid row %+v: v1 reports no gates, so the row must say they are unknown", r)
			}
		case bare:
			// No backup, no schedule, no snapshots: nothing to go back to, flagged first.
			if !slices.Equal(r.Problems, []string{"no_backups_no_snapshots", "no_schedule"}) || !r.GatesKnown {
				t.Errorf("row %+v", r)
			}
		default:
			t.Errorf("unexpected row %+v", r)
		}
	}
	contains(t, text, "Gates unknown for "+vmidOf(sim, daily)+" (numeric vmids)", "pending order shows only when HostUp refuses")
	lacks(t, text, "Gates unknown for "+bare)
}

// TestV1PlanWarnsThatHostUpReportsNoGates: a vmid's gates are derived, so a plan
// that passed them can still meet a block only HostUp knows of, and says so.
func TestV1PlanWarnsThatHostUpReportsNoGates(t *testing.T) {
	const warning = "HostUp's v1 API, which numeric vmids use, reports no action gates"
	sim := newSim()
	id := vpsWithBigBackup(sim)
	vmid := vmidOf(sim, id)
	e := newEnv(t, sim)
	var list tools.ListBackupsOutput
	e.ok("list_backups", map[string]any{"vps_id": vmid}, &list)
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"upsert_backup_schedule", map[string]any{"vps_id": vmid, "frequency": "daily", "hour": 5, "retention_count": 3, "dry_run": true}},
		{"delete_backup", map[string]any{"vps_id": vmid, "backup_id": list.Backups[0].ID, "dry_run": true}},
	}
	for _, c := range calls {
		var out tools.MutationOutput
		text := e.ok(c.tool, c.args, &out)
		if out.Outcome != "dry_run" || !slices.ContainsFunc(out.Plan.Warnings, func(w string) bool { return strings.HasPrefix(w, warning) }) {
			t.Errorf("%s: outcome %s, warnings %q: want the dry run to warn that v1 reports no gates", c.tool, out.Outcome, out.Plan.Warnings)
		}
		contains(t, text, "warning: "+warning, "pending order", "HostUp refuses the request")
	}
	e.noMutations()

	// The vps_… id has HostUp's own gates: no such warning.
	var out tools.MutationOutput
	text := e.ok("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 5, "retention_count": 3, "dry_run": true}, &out)
	lacks(t, text, warning)
}

func TestVPSIDPatternAcceptsBothFormsOnly(t *testing.T) {
	sim := newSim()
	e := newEnv(t, sim)
	for _, bad := range []string{"010000", "vps-1", "10000a", "12345678901234567", "-1"} {
		text := e.fails("list_backup_schedules", map[string]any{"vps_id": bad})
		contains(t, text, "has the wrong form", "vps_…", "numeric vmid")
	}
	// 2^53 has 16 digits and fits the pattern; the client still refuses it.
	text := e.fails("list_backups", map[string]any{"vps_id": "9007199254740992"})
	contains(t, text, "nothing was sent")
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}
