package hostuptest

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

func TestSnapshotScheduleV2CreateReplaceDelete(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{Name: "web", SnapshotSlots: 2})
	path := "/api/v2/vps/" + id + "/snapshot-schedules"
	var got hostup.SnapshotSchedules
	e.want(200, "GET", path, keyAcme, "", &got)
	if got.Schedule != nil || !got.Available || got.Limits.TotalSnapshots != 2 || !got.Actions.CanEnable.Allowed || got.Reason != nil {
		t.Fatalf("empty: %+v", got)
	}
	// HostUp floors and clamps the interval into 4-24.
	for _, c := range []struct {
		body string
		want int
	}{{`{"enabled":true,"intervalHours":6.7}`, 6}, {`{"enabled":true,"intervalHours":1}`, 4}, {`{"enabled":false,"intervalHours":99}`, 24}} {
		e.want(200, "POST", path, keyAcme, c.body, &got)
		if got.Schedule == nil || got.Schedule.IntervalHours != c.want {
			t.Errorf("POST %s: schedule %+v, want interval %d", c.body, got.Schedule, c.want)
		}
	}
	if got.Schedule.Enabled || got.Schedule.NextRun != nil {
		t.Errorf("a disabled schedule: %+v", got.Schedule)
	}
	e.want(200, "POST", path, keyAcme, `{"enabled":true,"intervalHours":12}`, nil)
	e.clock.Advance(13 * time.Hour)
	e.want(200, "GET", path, keyAcme, "", &got)
	if s := got.Schedule; s == nil || !s.Enabled || s.LastRun == nil || *s.LastRun != isoTime(t0.Add(12*time.Hour)) || *s.NextRun != isoTime(t0.Add(24*time.Hour)) {
		t.Errorf("runs every 12 h from the save: %+v", got.Schedule)
	}
	e.want(204, "DELETE", path, keyAcme, "", nil)
	e.wantProblem(404, "not_found", "DELETE", path, keyAcme, "")
	e.want(200, "GET", path, keyAcme, "", &got)
	if got.Schedule != nil {
		t.Errorf("after DELETE: %+v", got.Schedule)
	}
}

func TestSnapshotScheduleRefusedWithoutCapacityOrBehindAClosedGate(t *testing.T) {
	e := newEnv(t)
	none := e.sim.AddVPS("acme", VPSSpec{Name: "small"})
	var got hostup.SnapshotSchedules
	e.want(200, "GET", "/api/v2/vps/"+none+"/snapshot-schedules", keyAcme, "", &got)
	if got.Available || got.Limits.TotalSnapshots != 0 || got.Actions.CanEnable.Allowed || got.Reason == nil {
		t.Fatalf("no capacity: %+v", got)
	}
	e.wantProblem(409, CodeSnapshotsUnavailable, "POST", "/api/v2/vps/"+none+"/snapshot-schedules", keyAcme, `{"enabled":true,"intervalHours":6}`)

	pending := e.sim.AddVPS("acme", VPSSpec{Name: "ordered", SnapshotSlots: 1,
		ClosedGates: map[string]hostup.Gate{GateCanEnable: closedGate("An order is pending.", "pending_order")}})
	e.wantProblem(409, "pending_orders", "POST", "/api/v2/vps/"+pending+"/snapshot-schedules", keyAcme, `{"enabled":true,"intervalHours":6}`)
	e.wantProblem(400, "invalid_request", "POST", "/api/v2/vps/"+pending+"/snapshot-schedules", keyAcme, `{"enabled":true}`)
	e.wantProblem(400, "invalid_request", "POST", "/api/v2/vps/"+pending+"/snapshot-schedules", keyAcme, `{"enabled":"yes","intervalHours":6}`)
	if m := e.sim.Mutations(); len(m) != 4 {
		t.Fatalf("%d mutations logged", len(m))
	}

	e.sim.SetSnapshotSlots(none, 3)
	e.want(200, "POST", "/api/v2/vps/"+none+"/snapshot-schedules", keyAcme, `{"enabled":true,"intervalHours":6}`, &got)
	if !got.Available || got.Schedule == nil {
		t.Errorf("after buying capacity: %+v", got)
	}
}

func TestSnapshotScheduleV1SharesTheStateAndTheClientReadsBoth(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{Name: "web", SnapshotSlots: 2, SnapshotSchedule: &SnapshotScheduleSpec{IntervalHours: 8, Since: time.Hour}})
	vmid := e.sim.VMID(id)
	c, err := hostup.New(hostup.Options{APIKey: keyAcme, BaseURL: e.url, UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	v1, err := c.GetVMSnapshotSchedule(ctx, strconv.Itoa(vmid))
	if err != nil || v1.Schedule == nil || v1.Schedule.IntervalHours != 8 || !v1.Schedule.Enabled || v1.Limits.TotalSnapshots != 2 || v1.Schedule.ID == "" {
		t.Fatalf("v1 GET: %+v %v", v1, err)
	}
	saved, err := c.SetVMSnapshotSchedule(ctx, strconv.Itoa(vmid), hostup.VMSnapshotScheduleRequest{Enabled: false, IntervalHours: 12})
	if err != nil || saved.Schedule == nil || saved.Schedule.Enabled || saved.Message != "Snapshot schedule saved" {
		t.Fatalf("v1 POST: %+v %v", saved, err)
	}
	v2, err := c.GetSnapshotSchedule(ctx, id)
	if err != nil || v2.Schedule == nil || v2.Schedule.IntervalHours != 12 || v2.Schedule.Enabled {
		t.Fatalf("v2 sees v1's change: %+v %v", v2, err)
	}
	if _, err := c.DeleteSnapshotSchedule(ctx, id); err != nil {
		t.Fatal(err)
	}
	v1, _ = c.GetVMSnapshotSchedule(ctx, strconv.Itoa(vmid))
	if v1.Schedule != nil {
		t.Errorf("v1 after the v2 DELETE: %+v", v1.Schedule)
	}
	r := e.v1(http.MethodPost, "/api/vm/"+strconv.Itoa(e.sim.VMID(e.sim.AddVPS("acme", VPSSpec{Name: "small"})))+"/snapshot-schedules", keyAcme, `{"enabled":true,"interval_hours":4}`)
	if r.status != 409 || !strings.Contains(string(r.body), `"SNAPSHOTS_UNAVAILABLE"`) {
		t.Errorf("v1 POST without capacity: %d %s", r.status, r.body)
	}
}
