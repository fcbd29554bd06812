package hostuptest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// v1 sends a request the v1 way: the key in X-API-Key.
func (e *env) v1(method, path, key, body string) result {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: data}
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// wantV1 checks a v1 success: the envelope, then data decoded strictly into out.
func (e *env) wantV1(method, path, key, body string, out any) {
	e.t.Helper()
	r := e.v1(method, path, key, body)
	if r.status != http.StatusOK {
		e.t.Fatalf("%s %s: status %d; body %s", method, path, r.status, r.body)
	}
	var env struct {
		Success   bool            `json:"success"`
		Timestamp string          `json:"timestamp"`
		RequestID string          `json:"requestId"`
		Data      json.RawMessage `json:"data"`
	}
	decodeStrict(e.t, r.body, &env)
	if !env.Success || env.Timestamp != isoTime(e.clock.Now()) || !uuidPattern.MatchString(env.RequestID) {
		e.t.Errorf("%s %s: envelope %+v", method, path, env)
	}
	if out != nil {
		decodeStrict(e.t, env.Data, out)
	}
}

// wantV1Error checks a v1 error body and returns it.
func (e *env) wantV1Error(status int, code, method, path, key, body string) v1ErrorBody {
	e.t.Helper()
	r := e.v1(method, path, key, body)
	var b v1ErrorBody
	if r.status != status {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, status, r.body)
	}
	decodeStrict(e.t, r.body, &b)
	if b.Code != code || b.Error != http.StatusText(status) || b.Message == "" || !uuidPattern.MatchString(b.RequestID) || b.Timestamp == "" {
		e.t.Errorf("%s %s: v1 error %+v, want code %s", method, path, b, code)
	}
	return b
}

func vmPath(vmid int, rest string) string { return fmt.Sprintf("/api/vm/%d%s", vmid, rest) }

func TestVMIDsAreAssignedFrom10000AndCanBeChosen(t *testing.T) {
	e := newEnv(t)
	a := e.sim.AddVPS("acme", VPSSpec{})
	b := e.sim.AddVPS("acme", VPSSpec{VMID: 10001})
	c := e.sim.AddVPS("acme", VPSSpec{})
	d := e.sim.AddVPS("acme", VPSSpec{VMID: 1871})
	got := []int{e.sim.VMID(a), e.sim.VMID(b), e.sim.VMID(c), e.sim.VMID(d)}
	if want := []int{10000, 10001, 10002, 1871}; !reflect.DeepEqual(got, want) {
		t.Errorf("vmids = %v, want %v", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("a duplicate vmid was accepted")
		}
	}()
	e.sim.AddVPS("acme", VPSSpec{VMID: 10001})
}

func TestSandboxVPSesHaveVMIDs(t *testing.T) {
	sim := Sandbox()
	for i := 1; i <= 6; i++ {
		if got, want := sim.VMID(fmt.Sprintf("vps_sandbox%02d", i)), 9999+i; got != want {
			t.Errorf("vps_sandbox%02d: vmid %d, want %d", i, got, want)
		}
	}
}

func TestScheduleCreatedOnV2IsSeenOnV1AndViceVersa(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 5})
	vm := e.sim.VMID(id)
	v2Path, v1Path := "/api/v2/vps/"+id+"/backup-schedules", vmPath(vm, "/backup-schedules")

	e.want(http.StatusCreated, "POST", v2Path, keyAcme, `{"frequency":"weekly","hour":2,"dayOfWeek":1,"retentionCount":3,"enabled":true,"name":"Weekly backup"}`, nil)
	var got hostup.VMBackupSchedules
	e.wantV1("GET", v1Path, keyAcme, "", &got)
	if len(got.Schedules) != 1 {
		t.Fatalf("v1 sees %d schedules", len(got.Schedules))
	}
	s := got.Schedules[0]
	if s.ScheduleType != "weekly" || s.Hour != 2 || s.Minute != 0 || *s.DayOfWeek != "1" || s.DayOfMonth != nil ||
		s.RetentionCount != 3 || !s.Enabled || *s.Notes != "Weekly backup" || s.ScheduleName != "Weekly backup" ||
		s.ScheduleTime != "02:00" || s.ScheduleDays != "1" || *s.NextRun != "2026-05-04T02:00:00.000Z" || s.VMID.String() != fmt.Sprint(vm) {
		t.Errorf("v1 schedule = %+v", s)
	}
	if _, ok := s.ID.Int64(); !ok || got.Limits.CurrentSchedules != 1 || got.Limits.MaxRetention != 5 || got.Settings.MaxTotalBackups != 5 {
		t.Errorf("id %q, limits %+v, settings %+v", s.ID, got.Limits, got.Settings)
	}

	// v1 updates the same schedule (same type), down to the minute.
	var saved hostup.VMScheduleSaved
	e.wantV1("POST", v1Path, keyAcme, `{"schedule_type":"weekly","hour":5,"minute":23,"day_of_week":5,"retention_count":4,"enabled":true,"notes":""}`, &saved)
	if saved.Schedule == nil || saved.Schedule.ID != s.ID || saved.Message != "Backup schedule updated successfully" {
		t.Errorf("v1 POST answered %+v", saved)
	}
	var v2 hostup.BackupSchedules
	e.want(http.StatusOK, "GET", v2Path, keyAcme, "", &v2)
	if sc := v2.Schedules[0]; *sc.Time != "05:23" || *sc.DaySpecifier != "5" || sc.RetentionCount != 4 || sc.Name != "Weekly backup" ||
		*sc.NextRun != "2026-05-01T05:23:00.000Z" {
		t.Errorf("v2 after the v1 update: %+v", sc)
	}

	// v2 deletes it; v1 sees none and may create another type.
	e.want(http.StatusNoContent, "DELETE", v2Path+"/"+v2.Schedules[0].ID, keyAcme, "", nil)
	e.wantV1("GET", v1Path, keyAcme, "", &got)
	if len(got.Schedules) != 0 || got.Limits.CurrentSchedules != 0 {
		t.Errorf("after the v2 delete v1 sees %+v", got.Schedules)
	}
	e.wantV1("POST", v1Path, keyAcme, `{"schedule_type":"monthly","hour":4,"minute":30,"day_of_month":31,"retention_count":2,"enabled":true,"notes":"Month end"}`, &saved)
	if saved.Message != "Backup schedule created successfully" || *saved.Schedule.DayOfMonth != "31" {
		t.Errorf("v1 create answered %+v", saved)
	}
	e.want(http.StatusOK, "GET", v2Path, keyAcme, "", &v2)
	if sc := v2.Schedules[0]; !strings.HasPrefix(sc.ID, "bks_") || sc.Frequency != "monthly" || sc.Name != "Month end" || *sc.Time != "04:30" ||
		v2.Actions.CanCreate.Allowed {
		t.Errorf("v2 after the v1 create: %+v %+v", sc, v2.Actions.CanCreate)
	}

	// A v2 update runs on the hour: v2 has no minute to keep.
	e.want(http.StatusOK, "POST", v2Path, keyAcme, `{"frequency":"monthly","hour":4,"dayOfMonth":1,"retentionCount":2,"enabled":true}`, nil)
	e.wantV1("GET", v1Path, keyAcme, "", &got)
	if sc := got.Schedules[0]; sc.Minute != 0 || sc.ScheduleTime != "04:00" || *sc.Notes != "Month end" {
		t.Errorf("v1 after a v2 update: %+v", sc)
	}
}

func TestBackupsAreSharedBetweenV1AndV2(t *testing.T) {
	e := newEnv(t, WithJobTiming(time.Second, time.Second))
	id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 3, Backups: backupsAged("manual", 48*time.Hour)})
	vm := e.sim.VMID(id)

	var op hostup.OperationEnvelope
	e.want(http.StatusAccepted, "POST", "/api/v2/vps/"+id+"/backups", keyAcme, `{"note":"Before upgrade"}`, &op)
	var sched hostup.VMBackupSchedules
	e.wantV1("GET", vmPath(vm, "/backup-schedules"), keyAcme, "", &sched)
	pending := sched.History[0]
	if pending.Status != hostup.VMBackupPending || pending.JobID != op.Operation.JobID || pending.Size != nil || *pending.Notes != "Before upgrade" {
		t.Errorf("v1 history while the job runs: %+v", pending)
	}
	// The history's job_id polls with v1's header.
	var j jobResponse
	r := e.v1("GET", "/api/jobs/"+pending.JobID, keyAcme, "")
	if r.status != http.StatusOK {
		t.Fatalf("job via X-API-Key: %d %s", r.status, r.body)
	}
	decodeStrict(t, r.body, &j)

	e.clock.Advance(3 * time.Second)
	e.wantV1("GET", vmPath(vm, "/backup-schedules"), keyAcme, "", &sched)
	done := sched.History[0]
	if done.Status != hostup.VMBackupActive || done.ID != pending.ID || done.Volid == "" || done.Size == nil || done.DeletedAt != nil ||
		sched.Settings.ManualBackupsActive != 2 || sched.Settings.TotalBackupsActive != 2 || sched.Settings.AvailableScheduledSlots != 1 {
		t.Errorf("v1 after the job: %+v, settings %+v", done, sched.Settings)
	}
	var list hostup.VMBackupList
	e.wantV1("GET", vmPath(vm, "/backups"), keyAcme, "", &list.Backups)
	if len(list.Backups) != 2 || list.Backups[0].Volid != done.Volid || list.Backups[0].Size != *done.Size || list.Backups[0].BackupType != "manual" {
		t.Errorf("v1 backups = %+v", list.Backups)
	}

	// v1 deletes by volid; v2 no longer lists it and v1's history keeps the record.
	e.wantV1("DELETE", vmPath(vm, "/backups/"+url.PathEscape(done.Volid)), keyAcme, "", nil)
	var v2 hostup.Backups
	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &v2)
	if len(v2.Backups) != 1 || v2.QuotaInfo.Used != 1 {
		t.Errorf("v2 after the v1 delete: %+v", v2)
	}
	e.wantV1("GET", vmPath(vm, "/backup-schedules"), keyAcme, "", &sched)
	if h := sched.History[0]; h.Status != hostup.VMBackupDeleted || h.DeletedAt == nil || *h.DeletedAt != isoTime(e.clock.Now()) {
		t.Errorf("v1 history after the delete: %+v", h)
	}
	e.wantV1Error(http.StatusNotFound, "NOT_FOUND", "DELETE", vmPath(vm, "/backups/"+url.PathEscape(done.Volid)), keyAcme, "")

	// v2 deletes the seeded backup (which no run records); v1 still shows it, deleted.
	e.want(http.StatusNoContent, "DELETE", "/api/v2/vps/"+id+"/backups/"+v2.Backups[0].ID, keyAcme, "", nil)
	e.wantV1("GET", vmPath(vm, "/backup-schedules"), keyAcme, "", &sched)
	if len(sched.History) != 2 || sched.History[1].Status != hostup.VMBackupDeleted || sched.Settings.TotalBackupsActive != 0 {
		t.Errorf("v1 history: %+v", sched.History)
	}
}

func TestV1HistoryReportsFailuresWithTheirMessage(t *testing.T) {
	e := newEnv(t, WithJobTiming(time.Second, time.Second))
	id := e.sim.AddVPS("acme", VPSSpec{FailBackups: true})
	e.want(http.StatusAccepted, "POST", "/api/v2/vps/"+id+"/backups", keyAcme, "", nil)
	e.clock.Advance(3 * time.Second)
	var sched hostup.VMBackupSchedules
	e.wantV1("GET", vmPath(e.sim.VMID(id), "/backup-schedules"), keyAcme, "", &sched)
	if h := sched.History[0]; h.Status != "failed" || h.ErrorMessage == nil || *h.ErrorMessage != failedBackupMessage || h.Size != nil {
		t.Errorf("history = %+v", h)
	}
}

func TestV1ScheduleRulesRefuseAndChangeNothing(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 3,
		Schedule: &ScheduleSpec{Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 2}})
	blocked := e.sim.AddVPS("acme", VPSSpec{ClosedGates: map[string]hostup.Gate{
		GateCanCreate: closedGate("An upgrade order is pending payment.", "pending_order")}})
	path := vmPath(e.sim.VMID(id), "/backup-schedules")
	cases := []struct {
		name, path, body string
		status           int
		code, field      string
	}{
		{"retention above max_total_backups", path, `{"schedule_type":"daily","hour":2,"minute":0,"retention_count":4,"enabled":true,"notes":""}`, 400, "VALIDATION_ERROR", "retention_count"},
		{"retention zero", path, `{"schedule_type":"daily","hour":2,"minute":0,"retention_count":0,"enabled":true}`, 400, "VALIDATION_ERROR", "retention_count"},
		{"minute 60", path, `{"schedule_type":"daily","hour":2,"minute":60,"retention_count":1,"enabled":true}`, 400, "VALIDATION_ERROR", "minute"},
		{"minute missing", path, `{"schedule_type":"daily","hour":2,"retention_count":1,"enabled":true}`, 400, "VALIDATION_ERROR", "minute"},
		{"hour 24", path, `{"schedule_type":"daily","hour":24,"minute":0,"retention_count":1,"enabled":true}`, 400, "VALIDATION_ERROR", "hour"},
		{"weekly without day_of_week", path, `{"schedule_type":"weekly","hour":2,"minute":0,"retention_count":1,"enabled":true}`, 400, "VALIDATION_ERROR", "day_of_week"},
		{"day_of_week 7", path, `{"schedule_type":"weekly","hour":2,"minute":0,"day_of_week":7,"retention_count":1,"enabled":true}`, 400, "VALIDATION_ERROR", "day_of_week"},
		{"monthly day_of_month 0", path, `{"schedule_type":"monthly","hour":2,"minute":0,"day_of_month":0,"retention_count":1,"enabled":true}`, 400, "VALIDATION_ERROR", "day_of_month"},
		{"v2 field name", path, `{"frequency":"daily","schedule_type":"daily","hour":2,"minute":0,"retention_count":1,"enabled":true}`, 400, "VALIDATION_ERROR", "frequency"},
		{"unknown schedule_type", path, `{"schedule_type":"hourly","hour":2,"minute":0,"retention_count":1,"enabled":true}`, 400, "VALIDATION_ERROR", "schedule_type"},
		{"another type while one exists", path, `{"schedule_type":"weekly","hour":2,"minute":0,"day_of_week":1,"retention_count":1,"enabled":true}`, 409, "BACKUP_SCHEDULE_EXISTS", ""},
		{"pending order", vmPath(e.sim.VMID(blocked), "/backup-schedules"), `{"schedule_type":"daily","hour":2,"minute":0,"retention_count":1,"enabled":true}`, 409, "PENDING_ORDERS", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.state(id) + e.state(blocked)
			e.sim.ResetLog()
			b := e.wantV1Error(tc.status, tc.code, "POST", tc.path, keyAcme, tc.body)
			if tc.field != "" && (len(b.Details) == 0 || b.Details[0].Field != tc.field || b.Details[0].Message == "" || b.Details[0].Code == "") {
				t.Errorf("details = %+v, want field %s first", b.Details, tc.field)
			}
			if after := e.state(id) + e.state(blocked); after != before {
				t.Errorf("a refused request changed the state")
			}
		})
	}
}

func TestV1IgnoresTheDayFieldOfAnotherScheduleType(t *testing.T) {
	e := newEnv(t)
	vm := e.sim.VMID(e.sim.AddVPS("acme", VPSSpec{}))
	var saved hostup.VMScheduleSaved
	e.wantV1("POST", vmPath(vm, "/backup-schedules"), keyAcme,
		`{"schedule_type":"weekly","hour":1,"minute":5,"day_of_week":6,"day_of_month":40,"retention_count":1,"enabled":true,"notes":"n"}`, &saved)
	if s := saved.Schedule; s == nil || *s.DayOfWeek != "6" || s.DayOfMonth != nil {
		t.Errorf("saved %+v", s)
	}
}

func TestV1AuthAndOwnership(t *testing.T) {
	e := newEnv(t)
	mine := e.sim.VMID(e.sim.AddVPS("acme", VPSSpec{}))
	theirs := e.sim.VMID(e.sim.AddVPS("other", VPSSpec{}))
	daily := `{"schedule_type":"daily","hour":2,"minute":0,"retention_count":1,"enabled":true}`
	cases := []struct {
		name, method, path, key, body string
		status                        int
		code                          string
	}{
		{"no key", "GET", vmPath(mine, "/backup-schedules"), "", "", 401, "UNAUTHORIZED"},
		{"unknown key", "GET", vmPath(mine, "/backup-schedules"), "nope", "", 401, "UNAUTHORIZED"},
		{"read-only key writes", "POST", vmPath(mine, "/backup-schedules"), keyRead, daily, 403, "FORBIDDEN"},
		{"read-only key deletes", "DELETE", vmPath(mine, "/backups/x%3Ay"), keyRead, "", 403, "FORBIDDEN"},
		{"another account's VM", "GET", vmPath(theirs, "/backup-schedules"), keyAcme, "", 404, "NOT_FOUND"},
		{"another account's backups", "GET", vmPath(theirs, "/backups"), keyAcme, "", 404, "NOT_FOUND"},
		{"unknown vmid", "GET", vmPath(99999, "/backups"), keyAcme, "", 404, "NOT_FOUND"},
		{"vmid with a leading zero", "GET", fmt.Sprintf("/api/vm/0%d/backups", mine), keyAcme, "", 404, "NOT_FOUND"},
		{"a vps_ id on a v1 path", "GET", "/api/vm/vps_sim000001/backups", keyAcme, "", 404, "NOT_FOUND"},
		{"unescaped volid", "DELETE", vmPath(mine, "/backups/pbs:backup/vm/1/x"), keyAcme, "", 404, "NOT_FOUND"},
		{"unknown v1 path", "GET", vmPath(mine, "/snapshots"), keyAcme, "", 404, "NOT_FOUND"},
		{"wrong method", "PATCH", vmPath(mine, "/backup-schedules"), keyAcme, `{}`, 405, "METHOD_NOT_ALLOWED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.wantV1Error(tc.status, tc.code, tc.method, tc.path, tc.key, tc.body)
		})
	}
	t.Run("Bearer is not v1's header", func(t *testing.T) {
		e.wantProblem(401, "unauthorized", "GET", "/api/v2/vps", "", "") // sanity: v2 still answers RFC 7807
		r := e.do("GET", vmPath(mine, "/backups"), keyAcme, "")
		if r.status != 401 || !strings.Contains(string(r.body), `"code":"UNAUTHORIZED"`) {
			t.Errorf("Bearer on v1: %d %s", r.status, r.body)
		}
	})
	t.Run("X-API-Key is not v2's header", func(t *testing.T) {
		if r := e.v1("GET", "/api/v2/vps", keyAcme, ""); r.status != 401 {
			t.Errorf("X-API-Key on v2: %d", r.status)
		}
	})
}

func TestV1RateLimitAndFaultsAnswerInV1Shape(t *testing.T) {
	e := newEnv(t)
	vm := e.sim.VMID(e.sim.AddVPS("acme", VPSSpec{}))
	path := vmPath(vm, "/backups")
	e.sim.SetRateLimit(1)
	e.v1("GET", path, keyAcme, "")
	b := e.wantV1Error(http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED", "GET", path, keyAcme, "")
	if b.RetryAfter != isoTime(e.clock.Now().Add(time.Second)) {
		t.Errorf("retryAfter = %q", b.RetryAfter)
	}
	e.sim.SetRateLimit(0)

	e.sim.SetFault("DELETE", "/api/vm/*/backups/*", Fault{Status: 500, Times: 1})
	e.wantV1Error(http.StatusInternalServerError, "INTERNAL_ERROR", "DELETE", vmPath(vm, "/backups/a%3Ab"), keyAcme, "")
}

// TestV1ResponsesDecodeIntoHostupModels decodes every sandbox VPS's v1 responses into
// package hostup's v1 models with unknown fields refused, so the two cannot drift.
func TestV1ResponsesDecodeIntoHostupModels(t *testing.T) {
	e := sandboxEnv(t)
	for i := 1; i <= 6; i++ {
		vm := e.sim.VMID(fmt.Sprintf("vps_sandbox%02d", i))
		var s hostup.VMBackupSchedules
		e.wantV1("GET", vmPath(vm, "/backup-schedules"), SandboxAPIKey, "", &s)
		var b []hostup.VMBackup
		e.wantV1("GET", vmPath(vm, "/backups"), SandboxAPIKey, "", &b)
		active := 0
		for _, h := range s.History {
			if h.Status == hostup.VMBackupActive {
				active++
			}
		}
		if active != len(b) || s.Settings.TotalBackupsActive != len(b) {
			t.Errorf("vmid %d: %d active history records, %d backups, settings %+v", vm, active, len(b), s.Settings)
		}
	}
}

// TestHostupClientOnV1 runs package hostup's v1 client against the simulator: a size
// above 2^53 stays exact end to end, and v1 refusals arrive as *hostup.APIError.
func TestHostupClientOnV1(t *testing.T) {
	const huge = 1<<53 + 1
	clock := NewManualClock(t0)
	sim := New(WithClock(clock.Now))
	sim.AddKey(keyAcme, "acme")
	id := sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 2, Backups: []BackupSpec{{SizeBytes: huge, Age: time.Hour}}})
	vmid := fmt.Sprint(sim.VMID(id))
	c, err := hostup.New(hostup.Options{APIKey: keyAcme, HTTPClient: &http.Client{Transport: sim.Transport()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	s, err := c.GetVMBackupSchedules(ctx, vmid)
	if err != nil {
		t.Fatal(err)
	}
	if got := *s.History[0].Size; got != "9007199254740993" || !uuidPattern.MatchString(s.Meta.RequestID) {
		t.Errorf("history size %q, meta %+v", got, s.Meta)
	}
	l, err := c.ListVMBackups(ctx, vmid)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := l.Backups[0].Size.Int64(); !ok || n != huge {
		t.Errorf("backup size %q", l.Backups[0].Size)
	}

	_, err = c.UpsertVMBackupSchedule(ctx, vmid, hostup.VMScheduleRequest{ScheduleType: hostup.FrequencyDaily, Hour: 2, RetentionCount: 3, Enabled: true})
	apiErr, ok := errors.AsType[*hostup.APIError](err)
	if !ok || apiErr.Status != 400 || apiErr.Code != "VALIDATION_ERROR" || len(apiErr.FieldErrors) != 1 ||
		apiErr.FieldErrors[0].Pointer != "retention_count" || !uuidPattern.MatchString(apiErr.RequestID) {
		t.Errorf("err = %#v", err)
	}
	if len(sim.Mutations()) != 1 {
		t.Errorf("mutations = %d", len(sim.Mutations()))
	}

	saved, err := c.UpsertVMBackupSchedule(ctx, vmid, hostup.VMScheduleRequest{ScheduleType: hostup.FrequencyDaily, Hour: 2, Minute: 45, RetentionCount: 2, Enabled: true})
	if err != nil || saved.Schedule == nil || saved.Schedule.Time() != "02:45" {
		t.Fatalf("upsert: %+v, %v", saved, err)
	}
	res, err := c.DeleteVMBackup(ctx, vmid, l.Backups[0].Volid)
	if err != nil || res.Message != "Backup deleted successfully" {
		t.Errorf("delete: %+v, %v", res, err)
	}
	if last := sim.Requests()[len(sim.Requests())-1]; last.Header.Get("X-API-Key") != keyAcme || last.Header.Get("Authorization") != "" {
		t.Errorf("the client authenticated with %v", last.Header)
	}
}
