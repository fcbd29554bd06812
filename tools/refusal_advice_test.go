package tools_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// TestRefusalAdviceIsFollowable follows each upsert refusal's advice (issue 12):
// the call it advises must not be refused for a reason that was already known
// at the first refusal. A closed gate is checked before anything that advises
// another call.
func TestRefusalAdviceIsFollowable(t *testing.T) {
	closeAll := func(sim *hostuptest.Simulator, id string) {
		for _, g := range []string{hostuptest.GateCanCreate, hostuptest.GateCanUpdateSettings, hostuptest.GateCanDelete} {
			sim.SetGate(id, g, pendingOrder())
		}
	}
	cases := []struct {
		name  string
		setup func(sim *hostuptest.Simulator) string
		args  map[string]any
		// wants: words of the first refusal; advice: the arguments its advice
		// adds, or nil when it advises nothing the tool can do (a pending order
		// is finished in HostUp's control panel).
		wants  []string
		advice map[string]any
	}{
		{
			name:  "another frequency behind a pending order names the order, not replace_existing",
			setup: func(sim *hostuptest.Simulator) string { id := vpsWithDaily(sim); closeAll(sim, id); return id },
			args:  map[string]any{"frequency": "weekly", "day_of_week": 1, "hour": 2, "retention_count": 3},
			wants: []string{"pending_order", "finish or cancel the VPS's pending order"},
		},
		{
			name:  "a retention above the limit behind a pending order names the order, not the retention",
			setup: func(sim *hostuptest.Simulator) string { id := vpsWithDaily(sim); closeAll(sim, id); return id },
			args:  map[string]any{"frequency": "daily", "hour": 2, "retention_count": 9},
			wants: []string{"pending_order"},
		},
		{
			name: "another frequency with canDelete closed names the gate, not replace_existing",
			setup: func(sim *hostuptest.Simulator) string {
				id := vpsWithDaily(sim)
				sim.SetGate(id, hostuptest.GateCanDelete, pendingOrder())
				return id
			},
			args:  map[string]any{"frequency": "weekly", "day_of_week": 1, "hour": 2, "retention_count": 3},
			wants: []string{"pending_order"},
		},
		{
			name:   "schedule_exists advises replace_existing, which then only asks for confirmation",
			setup:  vpsWithDaily,
			args:   map[string]any{"frequency": "weekly", "day_of_week": 1, "hour": 2, "retention_count": 3},
			wants:  []string{"schedule_exists", "replace_existing=true"},
			advice: map[string]any{"replace_existing": true},
		},
		{
			name:   "retention_above_limit advises the maximum, which is then planned",
			setup:  vpsWithoutSchedule,
			args:   map[string]any{"frequency": "daily", "hour": 2, "retention_count": 9},
			wants:  []string{"retention_above_limit", "use retention_count 7 or less"},
			advice: map[string]any{"retention_count": 7},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim()
			e := newEnv(t, sim)
			args := map[string]any{"vps_id": c.setup(sim)}
			for k, v := range c.args {
				args[k] = v
			}
			text := e.refused("upsert_backup_schedule", args, c.wants...)
			if c.advice == nil {
				lacks(t, text, "replace_existing", "retention_count 7")
				return
			}
			for k, v := range c.advice {
				args[k] = v
			}
			args["dry_run"] = true
			var out tools.UpsertBackupScheduleOutput
			e.ok("upsert_backup_schedule", args, &out)
			if out.Outcome != "dry_run" || len(out.Plan.Requests) == 0 {
				t.Fatalf("following the advice: outcome %q with %d requests, want a plan", out.Outcome, len(out.Plan.Requests))
			}
		})
	}
}

// TestUpdateGateRule is issue 14's rule, with and without a code and in English
// and Swedish: canCreate closed alone while a schedule exists is the schedule
// existing and lets the same-frequency update through; closed together with
// canUpdateSettings or canDelete it is a block of the VPS and refuses it.
func TestUpdateGateRule(t *testing.T) {
	gate := func(reason, code string) hostup.Gate {
		g := hostup.Gate{Reason: &reason}
		if code != "" {
			g.Code = &code
		}
		return g
	}
	forms := []struct{ name, reason, code string }{
		{"English without a code", "A backup schedule already exists. Update or delete it before creating another.", ""},
		{"English with a code", "Only one backup schedule is allowed per VPS.", "backup_schedule_exists"},
		{"Swedish without a code", "Det finns redan ett backupschema för denna VPS.", ""},
		{"Swedish with a code", "Ett backupschema finns redan.", "schedule_exists"},
		{"a pending order's words and code", "An upgrade order is pending payment.", "pending_order"},
	}
	for _, f := range forms {
		t.Run("canCreate alone: "+f.name, func(t *testing.T) {
			sim := newSim()
			id := vpsWithDaily(sim)
			e := newEnv(t, sim)
			// Served only in the answer: the simulator's POST refuses a closed
			// canCreate override with 409, which the last form then shows.
			sim.SetVariants(hostuptest.Variants{ScheduleExistsReason: f.reason, ScheduleExistsCode: f.code})
			res := e.call("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 6, "retention_count": 3})
			if m := e.mutations(); len(m) != 1 || m[0].Method != http.MethodPost {
				t.Fatalf("want the update sent, HostUp got %s:\n%s", describeRequests(m), textOf(res))
			}
			if res.IsError {
				t.Fatalf("the update was refused:\n%s", textOf(res))
			}
		})
		for _, other := range []string{hostuptest.GateCanUpdateSettings, hostuptest.GateCanDelete} {
			t.Run("with "+other+" closed too: "+f.name, func(t *testing.T) {
				sim := newSim()
				id := vpsWithDaily(sim)
				sim.SetVariants(hostuptest.Variants{ScheduleExistsReason: f.reason, ScheduleExistsCode: f.code})
				sim.SetGate(id, other, gate(f.reason, f.code))
				e := newEnv(t, sim)
				text := e.refused("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 6, "retention_count": 3}, "change the backup schedule")
				contains(t, text, strings.TrimSuffix(f.reason, "."))
			})
		}
	}
	t.Run("canCreate alone closed by a pending order: HostUp's 409 is shown", func(t *testing.T) {
		sim := newSim()
		id := vpsWithDaily(sim)
		sim.SetGate(id, hostuptest.GateCanCreate, pendingOrder())
		e := newEnv(t, sim)
		text := e.fails("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 6, "retention_count": 3})
		contains(t, text, "HostUp answered 409 pending_orders", "finish or cancel the VPS's pending order")
		if s := sim.Schedules(id); len(s) != 1 || s[0].Hour != 2 {
			t.Errorf("schedule %+v, want it unchanged at 02:00", s)
		}
	})
}
