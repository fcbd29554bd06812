package tools_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// The verdict of every write comes from the state read back: these are the
// answers HostUp's docs allow (a 2xx that did not make the change, a change
// queued as a job) for the writes the fidelity matrix does not reach.

// TestRestoreAcceptedWithoutATraceIsNotCalledDone: HostUp answered the restore
// 202 without naming a job, and nothing shows a restore running. The restore
// may never have started: the result must not say it is under way, and it is
// not sent again.
func TestRestoreAcceptedWithoutATraceIsNotCalledDone(t *testing.T) {
	sim, id := restoreSim(t)
	e := newEnv(t, sim, withElicitation(&typist{action: "accept", content: map[string]any{"typed_name": "web"}}))
	sim.SetFault(http.MethodPost, "/api/v2/vps/*/backups/*/actions/restore", hostuptest.Fault{Status: http.StatusAccepted, Body: `{}`, Times: 1})
	var out tools.RestoreBackupOutput
	text := e.ok("restore_backup", map[string]any{"vps_id": id, "backup_id": backupIDs(t, e, id)[0]}, &out)
	if out.Outcome != "accepted_not_visible" || out.Job != nil {
		t.Fatalf("outcome %q, job %+v: want accepted_not_visible and no job:\n%s", out.Outcome, out.Job, text)
	}
	contains(t, text, "NOT CONFIRMED DONE", "HostUp accepted the change (HTTP 202)", "cannot tell whether the restore happened")
	lacks(t, text, "restore done", "queued.")
	if m := e.mutations(); len(m) != 1 {
		t.Errorf("the restore was sent %d times: %s", len(m), describeRequests(m))
	}
}

// TestFleetRowSaysHostUpDidNotShowItsChange: HostUp answers the fleet's POST
// 200 but keeps the schedule's time. The row is accepted_not_visible, the
// totals count it, and the text never calls it applied.
func TestFleetRowSaysHostUpDidNotShowItsChange(t *testing.T) {
	sim := newSim()
	sim.SetVariants(hostuptest.Variants{KeepsScheduleTime: true})
	id := vpsWithDaily(sim)
	e := newEnv(t, sim, withElicitation(accepting()))
	var out tools.ApplyBackupPolicyOutput
	text := e.ok("apply_backup_policy", map[string]any{"frequency": "daily", "hour": 5, "retention_count": 3, "vps_ids": []string{id}}, &out)
	if r := policyRows(t, out); len(r) != 1 || r[id].Outcome != "accepted_not_visible" || out.Totals.ByOutcome["accepted_not_visible"] != 1 {
		t.Fatalf("groups %+v, totals %+v:\n%s", out.Groups, out.Totals, text)
	}
	contains(t, text, "NOT CONFIRMED DONE", "does NOT show the change", "02:00")
	lacks(t, text, "=> applied")
	if m := e.mutations(); len(m) != 1 {
		t.Errorf("sent %s", describeRequests(m))
	}
}

// TestQueuedScheduleChangesAreFollowedBeforeTheVerdict: HostUp answers the
// schedule's POST and DELETE 202 with a job. The change is applied only once
// the job ended and the state shows it.
func TestQueuedScheduleChangesAreFollowedBeforeTheVerdict(t *testing.T) {
	sim := newSim(hostuptest.WithJobTiming(30*time.Millisecond, 30*time.Millisecond))
	sim.SetVariants(hostuptest.Variants{QueuedScheduleWrites: true})
	id := vpsWithDaily(sim)
	e := newEnv(t, sim, withElicitation(accepting()), withJobTiming(10*time.Millisecond, 5*time.Second))

	var up tools.UpsertBackupScheduleOutput
	text := e.ok("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 5, "retention_count": 3}, &up)
	if up.Outcome != "applied" || up.Schedules == nil || (*up.Schedules)[0].TimeUTC != "05:00" {
		t.Fatalf("outcome %q, read back %+v:\n%s", up.Outcome, up.Schedules, text)
	}
	polled := 0
	for _, r := range sim.Requests() {
		if strings.HasPrefix(r.Path, "/api/jobs/") {
			polled++
		}
	}
	if polled == 0 {
		t.Error("the job HostUp queued the change as was never followed")
	}

	var del tools.DeleteBackupScheduleOutput
	text = e.ok("delete_backup_schedule", map[string]any{"vps_id": id, "schedule_id": (*up.Schedules)[0].ID}, &del)
	if del.Outcome != "applied" || del.Schedules == nil || len(*del.Schedules) != 0 {
		t.Fatalf("outcome %q, read back %+v:\n%s", del.Outcome, del.Schedules, text)
	}
}

// TestQueuedChangeThatFailsOrNeverEndsIsNotDone: the job a change was queued
// as fails, or does not end within the wait: the first is a failure in
// HostUp's words, the second accepted_not_visible naming the job to follow.
func TestQueuedChangeThatFailsOrNeverEndsIsNotDone(t *testing.T) {
	// A clock that does not move: the simulator's own job never ends.
	clock := hostuptest.NewManualClock(winter)
	for _, c := range []struct {
		name   string
		arm    func(sim *hostuptest.Simulator)
		failed bool
		wants  []string
	}{
		{"the job fails", func(sim *hostuptest.Simulator) {
			sim.SetFault(http.MethodGet, "/api/jobs/*", hostuptest.Fault{Status: 200, Body: `{"success":true,"data":{"jobId":"job_x","state":"failed","status":"failed","isFailed":true,"failedReason":"The backup worker crashed."}}`})
		}, true, []string{"Not done: HostUp queued the change as job", "the job failed: The backup worker crashed"}},
		{"the job never ends", func(*hostuptest.Simulator) {}, false, []string{"NOT CONFIRMED DONE", "had not ended", "get_job job_id=job_sim"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim(hostuptest.WithClock(clock.Now), hostuptest.WithJobTiming(time.Minute, time.Minute))
			sim.SetVariants(hostuptest.Variants{QueuedScheduleWrites: true})
			id := vpsWithDaily(sim)
			c.arm(sim)
			e := newEnv(t, sim, withJobTiming(10*time.Millisecond, 100*time.Millisecond))
			args := map[string]any{"vps_id": id, "frequency": "daily", "hour": 5, "retention_count": 3}
			var text string
			if c.failed {
				text = e.fails("upsert_backup_schedule", args)
			} else {
				var out tools.UpsertBackupScheduleOutput
				text = e.ok("upsert_backup_schedule", args, &out)
				if out.Outcome != "accepted_not_visible" {
					t.Fatalf("outcome %q:\n%s", out.Outcome, text)
				}
			}
			contains(t, text, c.wants...)
			lacks(t, text, "Done.")
			if m := e.mutations(); len(m) != 1 {
				t.Errorf("sent %s", describeRequests(m))
			}
		})
	}
}
