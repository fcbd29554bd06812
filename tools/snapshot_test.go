package tools_test

import (
	"net/http"
	"testing"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

func TestListSnapshotScheduleThroughBothAPIs(t *testing.T) {
	e := sandboxEnv(t)
	var out tools.ListSnapshotScheduleOutput
	text := e.ok("list_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox02"}, &out)
	if out.Schedule == nil || !valueOf(out.Schedule.Enabled) || valueOf(out.Schedule.IntervalHours) != 6 || out.TotalSnapshots != 3 || !out.CanEnable.Allowed || !out.GatesKnown {
		t.Errorf("db-01: %+v", out)
	}
	contains(t, text, "vps_sandbox02 snapshot schedule: a snapshot every 6 h.", "Snapshot slots: 3.", "not offsite backups")

	text = e.ok("list_snapshot_schedule", map[string]any{"vps_id": "10001"}, &out)
	if out.Schedule == nil || valueOf(out.Schedule.IntervalHours) != 6 || out.GatesKnown {
		t.Errorf("db-01 through v1: %+v", out)
	}
	text = e.ok("list_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox01"}, &out)
	contains(t, text, "none; the plan has no snapshot slots", "snapshotSlots", "POST /api/v2/vps/{id}/actions/config")
	e.noMutations()
}

func TestSetSnapshotScheduleRefusalsSendNoMutation(t *testing.T) {
	e := sandboxEnv(t)
	for _, c := range []struct {
		name  string
		args  map[string]any
		wants []string
	}{
		{"no capacity", map[string]any{"vps_id": "vps_sandbox01", "interval_hours": 6},
			[]string{"VPS vps_sandbox01 cannot have a snapshot schedule", "snapshots_unavailable", "snapshotSlots option", "resources.snapshotSlots"}},
		{"no capacity, paused", map[string]any{"vps_id": "vps_sandbox01", "interval_hours": 6, "enabled": false}, []string{"snapshots_unavailable"}},
		{"no capacity through v1", map[string]any{"vps_id": "10000", "interval_hours": 6}, []string{"snapshots_unavailable", "snapshotSlots"}},
		{"gate closed by a pending order", map[string]any{"vps_id": "vps_sandbox03", "interval_hours": 6},
			[]string{"HostUp does not let you set the snapshot schedule of vps_sandbox03 now", "pending_order", "finish or cancel the VPS's pending order"}},
	} {
		t.Run(c.name, func(t *testing.T) { e.refused("set_snapshot_schedule", c.args, c.wants...) })
	}
	text := e.fails("set_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox04", "interval_hours": 2})
	contains(t, text, "interval_hours")
	e.noMutations()
}

func TestSetSnapshotScheduleCreatesUpdatesAndSkipsNoChange(t *testing.T) {
	e := sandboxEnv(t)
	var out tools.SnapshotScheduleChangeOutput
	text := e.ok("set_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox04", "interval_hours": 8, "dry_run": true}, &out)
	contains(t, text, "Dry run", "Set the snapshot schedule of vps_sandbox04 to a snapshot every 8 h (now: none)", "enabled: none -> true", "interval_hours: none -> 8")
	e.noMutations()

	text = e.ok("set_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox04", "interval_hours": 8}, &out)
	if out.Outcome != "applied" || out.Schedule == nil || valueOf(out.Schedule.IntervalHours) != 8 {
		t.Fatalf("outcome %q schedule %+v:\n%s", out.Outcome, out.Schedule, text)
	}
	contains(t, text, "Snapshot schedule of vps_sandbox04 saved: a snapshot every 8 h.")
	m := e.mutations()
	if len(m) != 1 || m[0].Method != http.MethodPost || m[0].Path != "/api/v2/vps/vps_sandbox04/snapshot-schedules" || string(m[0].Body) != `{"enabled":true,"intervalHours":8}` {
		t.Fatalf("sent %s", describeRequests(m))
	}

	e.ok("set_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox04", "interval_hours": 8}, &out)
	if out.Outcome != "no_change" || len(e.mutations()) != 1 {
		t.Errorf("the same schedule again: %q, %d mutations", out.Outcome, len(e.mutations()))
	}
	// A longer interval takes fewer snapshots but stops none: no confirmation.
	e.ok("set_snapshot_schedule", map[string]any{"vps_id": "10003", "interval_hours": 12}, &out)
	if m := e.mutations(); out.Outcome != "applied" || len(m) != 2 || m[1].Path != "/api/vm/10003/snapshot-schedules" || string(m[1].Body) != `{"enabled":true,"interval_hours":12}` {
		t.Errorf("through v1: %q, sent %s", out.Outcome, describeRequests(m))
	}
}

func TestPausingOrDeletingASnapshotScheduleNeedsConfirmation(t *testing.T) {
	for _, c := range []struct {
		tool  string
		args  map[string]any
		wants []string
		after func(t *testing.T, out tools.SnapshotScheduleChangeOutput)
	}{
		{"set_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox02", "interval_hours": 6, "enabled": false},
			[]string{"Pause the snapshot schedule of vps_sandbox02", "Pausing stops future snapshots"},
			func(t *testing.T, out tools.SnapshotScheduleChangeOutput) {
				if out.HasSchedule == nil || !*out.HasSchedule || out.Schedule == nil || out.Schedule.Enabled == nil || *out.Schedule.Enabled {
					t.Errorf("after pausing: %v %+v", out.HasSchedule, out.Schedule)
				}
			}},
		{"set_snapshot_schedule", map[string]any{"vps_id": "10004", "interval_hours": 12, "enabled": false},
			[]string{"Pause the snapshot schedule of 10004", "reports no action gates"}, nil},
		{"delete_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox02"},
			[]string{"Delete the snapshot schedule (a snapshot every 6 h) of vps_sandbox02", "no new snapshots are taken afterwards"},
			func(t *testing.T, out tools.SnapshotScheduleChangeOutput) {
				if out.HasSchedule == nil || *out.HasSchedule || out.Schedule != nil {
					t.Errorf("after deleting: %v %+v", out.HasSchedule, out.Schedule)
				}
			}},
	} {
		t.Run(c.tool+" "+c.args["vps_id"].(string), func(t *testing.T) {
			e := sandboxEnv(t)
			var out tools.SnapshotScheduleChangeOutput
			text := e.ok(c.tool, c.args, &out)
			contains(t, text, append(c.wants, "Needs the user's confirmation")...)
			e.noMutations()
			text = e.ok(c.tool, with(c.args, "confirm_token", out.ConfirmToken), &out)
			if out.Outcome != "applied" || len(e.mutations()) != 1 {
				t.Fatalf("outcome %q, %d mutations:\n%s", out.Outcome, len(e.mutations()), text)
			}
			if c.after != nil {
				c.after(t, out)
			}
		})
	}
	t.Run("through the dialog", func(t *testing.T) {
		h := accepting()
		e := sandboxEnv(t, withElicitation(h))
		var out tools.SnapshotScheduleChangeOutput
		e.ok("delete_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox05"}, &out)
		if out.Outcome != "applied" || len(h.asked()) != 1 {
			t.Errorf("outcome %q, asked %v", out.Outcome, h.asked())
		}
		contains(t, h.asked()[0], "Delete the snapshot schedule (a snapshot every 12 h) of vps_sandbox05")
	})
}

func TestDeleteSnapshotScheduleRefusals(t *testing.T) {
	e := sandboxEnv(t)
	e.refused("delete_snapshot_schedule", map[string]any{"vps_id": "10001"},
		"v1 has no endpoint to delete a snapshot schedule", "no_v1_endpoint", "set_snapshot_schedule with the same vps_id, its interval_hours and enabled=false")
	e.refused("delete_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox04"},
		"VPS vps_sandbox04 has no snapshot schedule, so there is nothing to delete", "no_snapshot_schedule")
	e.refused("delete_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox04", "confirm_token": "hu1.x.y"}, "no_snapshot_schedule")
}

// Each of HostUp's three reasons to reject the POST refuses on its own, whatever
// the other two say.
func TestSetSnapshotScheduleRefusesEachReasonOnItsOwn(t *testing.T) {
	const open = `{"allowed":true,"reason":null}`
	for _, c := range []struct{ name, body, want string }{
		{"available false", `{"schedule":null,"limits":{"totalSnapshots":2},"available":false,"reason":"Snapshots are not offered on this plan.","actions":{"canEnable":` + open + `}}`,
			"Snapshots are not offered on this plan"},
		{"no slots", `{"schedule":null,"limits":{"totalSnapshots":0},"available":true,"reason":null,"actions":{"canEnable":` + open + `}}`,
			"the plan has no snapshot slots"},
		{"gate closed", `{"schedule":null,"limits":{"totalSnapshots":2},"available":true,"reason":null,"actions":{"canEnable":{"allowed":false,"reason":"The VPS is being migrated.","code":"vps_not_ready"}}}`,
			"The VPS is being migrated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim()
			id := vpsWithoutSchedule(sim)
			sim.SetFault(http.MethodGet, "/api/v2/vps/*/snapshot-schedules", hostuptest.Fault{Status: 200, Body: c.body})
			e := newEnv(t, sim)
			e.refused("set_snapshot_schedule", map[string]any{"vps_id": id, "interval_hours": 6}, c.want)
			e.refused("set_snapshot_schedule", map[string]any{"vps_id": id, "interval_hours": 6, "enabled": false}, c.want)
		})
	}
}

// TestSnapshotScheduleChangeSaysWhenItWasNotReadBack: a delete whose read-back
// failed must not look like a read-back that found no schedule; has_schedule
// is there only when the schedule was read back.
func TestSnapshotScheduleChangeSaysWhenItWasNotReadBack(t *testing.T) {
	e := newEnv(t, hostuptest.Sandbox(), withKey(hostuptest.SandboxAPIKey), withRealHTTP())
	args := map[string]any{"vps_id": "vps_sandbox02"}
	var planned tools.SnapshotScheduleChangeOutput
	e.ok("delete_snapshot_schedule", args, &planned)
	e.http.failReadsAfter(http.MethodDelete, 4)
	var out tools.SnapshotScheduleChangeOutput
	text := e.ok("delete_snapshot_schedule", with(args, "confirm_token", planned.ConfirmToken), &out)
	if m := e.mutations(); len(m) != 1 || m[0].Method != http.MethodDelete {
		t.Fatalf("want the DELETE once: %s", describeRequests(m))
	}
	if out.Outcome != "accepted_not_visible" || out.HasSchedule != nil || out.Schedule != nil {
		t.Fatalf("outcome %q, has_schedule %v, schedule %+v: want accepted_not_visible and no read-back:\n%s", out.Outcome, out.HasSchedule, out.Schedule, text)
	}
	contains(t, text, "reading the state back failed")
}
