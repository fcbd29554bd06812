package hostuptest

import (
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

func TestRestoreQueuesAJobThatClosesTheGatesUntilItEnds(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{Name: "web", TotalBackupLimit: 3, Backups: backupsAged("manual", 2*day)})
	var list hostup.Backups
	e.want(200, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &list)
	bkp := list.Backups[0].ID

	var op operationBody
	e.want(202, "POST", "/api/v2/vps/"+id+"/backups/"+bkp+"/actions/restore", keyAcme, "", &op)
	if op.Operation.Status != "queued" || op.Operation.PollURL != "/api/jobs/"+op.Operation.JobID {
		t.Fatalf("operation %+v", op.Operation)
	}
	e.want(200, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &list)
	if g := list.Actions.CanRestore; g.Allowed || g.CodeText() != CodeRestoreInProgress {
		t.Errorf("canRestore while restoring: %+v", g)
	}
	if g := list.Actions.CanCreateBackup; g.Allowed || g.CodeText() != CodeRestoreInProgress {
		t.Errorf("canCreateBackup while restoring: %+v", g)
	}
	e.wantProblem(409, CodeRestoreInProgress, "POST", "/api/v2/vps/"+id+"/backups/"+bkp+"/actions/restore", keyAcme, "{}")
	if got := e.sim.Restored(id); len(got) != 0 {
		t.Fatalf("restored before the job ended: %v", got)
	}

	e.clock.Advance(DefaultQueuedFor + DefaultRunningFor)
	var job jobEnvelope
	e.want(200, "GET", op.Operation.PollURL, keyAcme, "", &job)
	if !job.Data.IsCompleted || job.Data.Type != "restore" || job.Data.ProgressMessage != "Restore completed." {
		t.Errorf("job after the run: %+v", job.Data)
	}
	if got := e.sim.Restored(id); len(got) != 1 || got[0] != bkp {
		t.Errorf("Restored = %v, want [%s]", got, bkp)
	}
	e.want(200, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &list)
	if !list.Actions.CanRestore.Allowed || len(list.Backups) != 1 {
		t.Errorf("after the restore: gate %+v, %d backups (a restore keeps them)", list.Actions.CanRestore, len(list.Backups))
	}
}

func TestRestoreRefusals(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{Name: "web", Backups: backupsAged("manual", day)})
	empty := e.sim.AddVPS("acme", VPSSpec{Name: "empty"})
	busy := e.sim.AddVPS("acme", VPSSpec{Name: "busy", Backups: backupsAged("manual", day), RunningBackup: 2 * time.Hour})
	var list hostup.Backups
	e.want(200, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &list)
	e.want(200, "GET", "/api/v2/vps/"+busy+"/backups", keyAcme, "", &list)
	busyBkp := list.Backups[0].ID

	e.wantProblem(404, "not_found", "POST", "/api/v2/vps/"+id+"/backups/bkp_nosuch/actions/restore", keyAcme, "")
	e.wantProblem(404, "not_found", "POST", "/api/v2/vps/"+empty+"/backups/bkp_nosuch/actions/restore", keyAcme, "")
	e.wantProblem(409, CodeBackupInProgress, "POST", "/api/v2/vps/"+busy+"/backups/"+busyBkp+"/actions/restore", keyAcme, "")
	e.wantProblem(403, "forbidden", "POST", "/api/v2/vps/"+busy+"/backups/"+busyBkp+"/actions/restore", keyRead, "")
	e.wantProblem(400, "invalid_request", "POST", "/api/v2/vps/"+busy+"/backups/"+busyBkp+"/actions/restore", keyAcme, `{"mode":"stop"}`)
	// A long backup keeps the gate closed past the default job time.
	e.clock.Advance(time.Hour)
	e.wantProblem(409, CodeBackupInProgress, "POST", "/api/v2/vps/"+busy+"/backups/"+busyBkp+"/actions/restore", keyAcme, "")
	if got := e.sim.Restored(busy); len(got) != 0 {
		t.Errorf("a refused restore ran: %v", got)
	}
}
