package hostuptest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

type jobResponse struct {
	Success   bool   `json:"success"`
	Timestamp string `json:"timestamp"`
	RequestID string `json:"requestId"`
	Data      struct {
		JobID           string         `json:"jobId"`
		QueueType       string         `json:"queueType"`
		Type            string         `json:"type"`
		JobName         string         `json:"jobName"`
		State           string         `json:"state"`
		Status          string         `json:"status"`
		Progress        float64        `json:"progress"`
		ProgressMessage string         `json:"progressMessage"`
		IsCompleted     bool           `json:"isCompleted"`
		IsFailed        bool           `json:"isFailed"`
		IsRunning       bool           `json:"isRunning"`
		IsWaiting       bool           `json:"isWaiting"`
		IsScheduled     bool           `json:"isScheduled"`
		FailedReason    *string        `json:"failedReason"`
		Result          map[string]any `json:"result"`
		CreatedAt       string         `json:"createdAt"`
		FinishedAt      *string        `json:"finishedAt"`
		VMID            string         `json:"vmId"`
	} `json:"data"`
}

func (e *env) createBackup(vpsID, body string) hostup.Operation {
	e.t.Helper()
	var env hostup.OperationEnvelope
	e.want(http.StatusAccepted, "POST", "/api/v2/vps/"+vpsID+"/backups", keyAcme, body, &env)
	op := env.Operation
	if op == nil || op.Status != "queued" || !strings.HasPrefix(op.JobID, "job_") || op.PollURL != "/api/jobs/"+op.JobID {
		e.t.Fatalf("operation = %+v", op)
	}
	return *op
}

func (e *env) job(pollURL string) jobResponse {
	e.t.Helper()
	var j jobResponse
	e.want(http.StatusOK, "GET", pollURL, keyAcme, "", &j)
	return j
}

func TestBackupJobGoesQueuedRunningCompleted(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 3})
	op := e.createBackup(id, `{"note":"Before upgrade"}`)

	j := e.job(op.PollURL)
	if !j.Success || j.Data.Status != "queued" || !j.Data.IsWaiting || j.Data.FinishedAt != nil || j.Data.Result != nil {
		t.Errorf("at start: %+v", j.Data)
	}
	var backups hostup.Backups
	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &backups)
	if backups.Actions.CanCreateBackup.Allowed || backups.Actions.CanCreateBackup.CodeText() != CodeBackupInProgress {
		t.Errorf("canCreateBackup while a job runs = %+v", backups.Actions.CanCreateBackup)
	}
	e.wantProblem(http.StatusConflict, CodeBackupInProgress, "POST", "/api/v2/vps/"+id+"/backups", keyAcme, "")

	e.clock.Advance(DefaultQueuedFor + time.Second)
	first := e.job(op.PollURL)
	e.clock.Advance(3 * time.Second)
	second := e.job(op.PollURL)
	for _, r := range []jobResponse{first, second} {
		if r.Data.Status != "in_progress" || !r.Data.IsRunning || r.Data.State != "active" {
			t.Errorf("while running: %+v", r.Data)
		}
	}
	if !(0 < first.Data.Progress && first.Data.Progress < second.Data.Progress && second.Data.Progress < 100) {
		t.Errorf("progress %v then %v, want rising within (0,100)", first.Data.Progress, second.Data.Progress)
	}

	e.clock.Advance(DefaultRunningFor)
	done := e.job(op.PollURL)
	if done.Data.Status != "completed" || !done.Data.IsCompleted || done.Data.Progress != 100 || done.Data.FinishedAt == nil {
		t.Fatalf("at the end: %+v", done.Data)
	}
	backupID := done.Data.Result["result"].(map[string]any)["backupId"]

	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &backups)
	if len(backups.Backups) != 1 || backups.Backups[0].ID != backupID || backups.Backups[0].BackupType != "manual" ||
		deref(backups.Backups[0].Note) != "Before upgrade" || backups.QuotaInfo.Used != 1 || *backups.QuotaInfo.Remaining != 2 {
		t.Errorf("backups after the job: %+v", backups)
	}
	var sched hostup.BackupSchedules
	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backup-schedules", keyAcme, "", &sched)
	if len(sched.History) != 1 || sched.History[0].Status != "completed" || deref(sched.History[0].BackupType) != "manual" {
		t.Errorf("history = %+v", sched.History)
	}
}

func TestBackupJobFailsOnFailingVPS(t *testing.T) {
	e := newEnv(t, WithJobTiming(time.Second, time.Second))
	id := e.sim.AddVPS("acme", VPSSpec{FailBackups: true})
	op := e.createBackup(id, "")
	e.clock.Advance(3 * time.Second)

	j := e.job(op.PollURL)
	if j.Data.Status != "failed" || !j.Data.IsFailed || j.Data.IsCompleted || j.Data.FailedReason == nil || j.Data.Result["success"] != false {
		t.Errorf("failed job: %+v", j.Data)
	}
	var backups hostup.Backups
	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &backups)
	if len(backups.Backups) != 0 || !backups.Actions.CanCreateBackup.Allowed {
		t.Errorf("after a failed job: %+v", backups)
	}
	var sched hostup.BackupSchedules
	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backup-schedules", keyAcme, "", &sched)
	if sched.History[0].Status != "failed" {
		t.Errorf("history = %+v", sched.History)
	}
}

func TestCreateBackupWithFullQuota(t *testing.T) {
	t.Run("autoDeleteOldest replaces the oldest", func(t *testing.T) {
		e := newEnv(t)
		id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 2, AutoDeleteOldest: true,
			Backups: backupsAged("scheduled", 48*time.Hour, 24*time.Hour)})
		var before hostup.Backups
		e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &before)
		e.createBackup(id, "")
		e.clock.Advance(time.Minute)
		var after hostup.Backups
		e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &after)
		if len(after.Backups) != 2 || after.Backups[0].BackupType != "manual" || after.Backups[1].ID != before.Backups[0].ID {
			t.Errorf("after: %+v", after.Backups)
		}
	})
	t.Run("without autoDeleteOldest the gate is closed and POST refused", func(t *testing.T) {
		e := newEnv(t)
		id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 2, Backups: backupsAged("manual", 48*time.Hour, 24*time.Hour)})
		var got hostup.Backups
		e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &got)
		if got.Actions.CanCreateBackup.Allowed || got.Actions.CanCreateBackup.CodeText() != CodeQuotaFull || *got.QuotaInfo.Remaining != 0 {
			t.Errorf("gate = %+v quota = %+v", got.Actions.CanCreateBackup, got.QuotaInfo)
		}
		before := e.state(id)
		e.wantProblem(http.StatusConflict, CodeQuotaFull, "POST", "/api/v2/vps/"+id+"/backups", keyAcme, "")
		if e.state(id) != before {
			t.Error("refused backup changed the state")
		}
	})
}

func TestDeleteBackup(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{Backups: backupsAged("manual", time.Hour)})
	var got hostup.Backups
	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &got)
	path := "/api/v2/vps/" + id + "/backups/" + got.Backups[0].ID
	e.want(http.StatusNoContent, "DELETE", path, keyAcme, "", nil)
	e.wantProblem(http.StatusNotFound, "not_found", "DELETE", path, keyAcme, "")
	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", keyAcme, "", &got)
	if len(got.Backups) != 0 || got.Actions.CanRestore.Allowed {
		t.Errorf("after delete: %+v", got)
	}
}

func TestAdvanceMovesSimulatedTimeWithAnyClock(t *testing.T) {
	sim := New(WithJobTiming(time.Second, time.Second))
	sim.AddKey("k", "a")
	id := sim.AddVPS("a", VPSSpec{})
	srv := sim.Start()
	defer srv.Close()
	e := &env{t: t, sim: sim, url: srv.URL}

	var op hostup.OperationEnvelope
	r := e.do("POST", "/api/v2/vps/"+id+"/backups", "k", "")
	decodeStrict(t, r.body, &op)
	sim.Advance(time.Hour)
	var j jobResponse
	decodeStrict(t, e.do("GET", op.Operation.PollURL, "k", "").body, &j)
	if j.Data.Status != "completed" {
		t.Errorf("status after Advance = %s", j.Data.Status)
	}
}
