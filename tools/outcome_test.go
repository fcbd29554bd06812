package tools_test

import (
	"net/http"
	"testing"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// TestMutationWithLostAnswerIsNotRetriedAndReadsStateBack: a POST that gets a
// dropped connection or a 500 may or may not have been applied. It is sent
// once, the state is read back, and the result says what the state shows.
func TestMutationWithLostAnswerIsNotRetriedAndReadsStateBack(t *testing.T) {
	faults := []struct {
		name  string
		fault hostuptest.Fault
	}{
		{"dropped connection", hostuptest.Fault{Drop: true}},
		{"500", hostuptest.Fault{Status: http.StatusInternalServerError}},
	}
	for _, f := range faults {
		t.Run(f.name+" on create schedule", func(t *testing.T) {
			sim := newSim()
			id := vpsWithoutSchedule(sim)
			e := newEnv(t, sim, withRealHTTP())
			sim.SetFault(http.MethodPost, "/api/v2/vps/*/backup-schedules", f.fault)
			var out tools.UpsertBackupScheduleOutput
			text := e.ok("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 2, "retention_count": 3}, &out)
			if m := e.mutations(); len(m) != 1 {
				t.Fatalf("the POST must be sent once, never retried: %s", describeRequests(m))
			}
			if out.Outcome != "outcome_unknown" || out.Schedules == nil {
				t.Fatalf("outcome %q state %+v", out.Outcome, out.Schedules)
			}
			last := e.sim.Requests()[len(e.sim.Requests())-1]
			if last.Method != http.MethodGet || last.Path != "/api/v2/vps/"+id+"/backup-schedules" {
				t.Errorf("the state must be read back after the lost answer; last request %s %s", last.Method, last.Path)
			}
			contains(t, text, "Outcome unknown", "not sent again", "does NOT show the change", "has no backup schedule")
		})
		t.Run(f.name+" on create backup", func(t *testing.T) {
			sim := newSim()
			id := vpsWithDaily(sim)
			e := newEnv(t, sim, withRealHTTP())
			sim.SetFault(http.MethodPost, "/api/v2/vps/*/backups", f.fault)
			var out tools.CreateBackupOutput
			text := e.ok("create_backup", map[string]any{"vps_id": id}, &out)
			if m := e.mutations(); len(m) != 1 {
				t.Fatalf("the POST must be sent once: %s", describeRequests(m))
			}
			if out.Outcome != "outcome_unknown" {
				t.Fatalf("outcome %q", out.Outcome)
			}
			contains(t, text, "Outcome unknown", "does NOT show the change", "has 0 backups")
		})
	}
}

// TestLostAnswerAfterHostUpAppliedTheChangeSaysItHappened: the DELETE went
// through but its answer was lost; the read-back shows it, and the result says
// not to send it again.
func TestLostAnswerAfterHostUpAppliedTheChangeSaysItHappened(t *testing.T) {
	sim := newSim()
	id := vpsWithDaily(sim)
	e := newEnv(t, sim, withRealHTTP())
	args := map[string]any{"vps_id": id, "schedule_id": "bks_daily1"}
	token := planToken(t, e, "delete_backup_schedule", args)
	// Let the DELETE through to the simulator and lose its answer on the way back.
	e.http.loseAnswer(http.MethodDelete)
	var out tools.DeleteBackupScheduleOutput
	text := e.ok("delete_backup_schedule", with(args, "confirm_token", token), &out)
	if out.Outcome != "outcome_unknown" || out.Schedules == nil || len((*out.Schedules)) != 0 {
		t.Fatalf("outcome %q state %+v", out.Outcome, out.Schedules)
	}
	if m := e.mutations(); len(m) != 1 {
		t.Fatalf("the DELETE must be sent once: %s", describeRequests(m))
	}
	contains(t, text, "shows the change: it happened; do not send it again")
}
