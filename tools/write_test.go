package tools_test

import (
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

func TestUpdateSettingsPatchesOnlyChangedFields(t *testing.T) {
	cases := []struct {
		name     string
		args     map[string]any
		wantBody map[string]any
		confirm  bool
	}{
		{"raise the limit", map[string]any{"max_total_backups": 9}, map[string]any{"maxTotalBackups": 9.0}, false},
		{"unchanged field left out", map[string]any{"max_total_backups": 9, "auto_delete_oldest": true}, map[string]any{"maxTotalBackups": 9.0}, false},
		{"turn auto delete off", map[string]any{"auto_delete_oldest": false}, map[string]any{"autoDeleteOldest": false}, false},
		{"lower below the stored backups deletes the oldest", map[string]any{"max_total_backups": 2}, map[string]any{"maxTotalBackups": 2.0}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := sandboxEnv(t) // db-01: limit 5, 4 backups, auto delete on
			args := with(c.args, "vps_id", "vps_sandbox02")
			var out tools.UpdateBackupSettingsOutput
			if c.confirm {
				args["confirm_token"] = planToken(t, e, "update_backup_settings", args)
			}
			text := e.ok("update_backup_settings", args, &out)
			m := e.mutations()
			if len(m) != 1 || m[0].Method != http.MethodPatch || m[0].Path != "/api/v2/vps/vps_sandbox02/backup-schedules" {
				t.Fatalf("mutations: %s", describeRequests(m))
			}
			if got := bodyOf(t, m[0]); !reflect.DeepEqual(got, c.wantBody) {
				t.Errorf("body %v, want %v", got, c.wantBody)
			}
			if out.Outcome != "applied" || out.Settings == nil {
				t.Fatalf("outcome %q settings %v:\n%s", out.Outcome, out.Settings, text)
			}
			if v, ok := c.wantBody["maxTotalBackups"]; ok && float64(out.Settings.TotalBackupLimit) != v {
				t.Errorf("read back limit %d, want %v", out.Settings.TotalBackupLimit, v)
			}
			contains(t, text, "Done. HostUp now reports: limit")
		})
	}
}

func TestUpdateSettingsTurningAutoDeleteOnNeedsConfirmationByElicitation(t *testing.T) {
	h := accepting()
	e := sandboxEnv(t, withElicitation(h))
	var out tools.UpdateBackupSettingsOutput
	e.ok("update_backup_settings", map[string]any{"vps_id": "vps_sandbox04", "auto_delete_oldest": true}, &out)
	if len(h.asked()) != 1 || out.Outcome != "applied" || !out.Settings.AutoDeleteOldest {
		t.Fatalf("asked %v, outcome %q, settings %+v", h.asked(), out.Outcome, out.Settings)
	}
	contains(t, h.asked()[0], "deletes the oldest backups")
}

func TestDeleteBackupRemovesOnlyThatBackup(t *testing.T) {
	run := func(t *testing.T, e *env, confirm bool) {
		t.Helper()
		id := firstBackup(t, e, "vps_sandbox04")
		args := map[string]any{"vps_id": "vps_sandbox04", "backup_id": id}
		if confirm {
			args["confirm_token"] = planToken(t, e, "delete_backup", args)
		}
		var out tools.DeleteBackupOutput
		text := e.ok("delete_backup", args, &out)
		m := e.mutations()
		if len(m) != 1 || m[0].Method != http.MethodDelete || m[0].Path != "/api/v2/vps/vps_sandbox04/backups/"+id || len(m[0].Body) != 0 {
			t.Fatalf("mutations: %s", describeRequests(m))
		}
		if out.Outcome != "applied" || out.BackupsLeft == nil || *out.BackupsLeft != 2 || out.Quota == nil || out.Quota.Used != 2 {
			t.Fatalf("outcome %q, read back %v backups left, quota %+v", out.Outcome, out.BackupsLeft, out.Quota)
		}
		var list tools.ListBackupsOutput
		e.ok("list_backups", map[string]any{"vps_id": "vps_sandbox04"}, &list)
		for _, b := range list.Backups {
			if b.ID == id {
				t.Errorf("backup %s still listed after the delete", id)
			}
		}
		contains(t, text, "Deleted backup "+id, "now has 2 backups")
	}
	t.Run("confirm_token", func(t *testing.T) { run(t, sandboxEnv(t), true) })
	t.Run("elicitation", func(t *testing.T) {
		h := accepting()
		run(t, sandboxEnv(t, withElicitation(h)), false)
		if len(h.asked()) != 1 {
			t.Errorf("asked %d times", len(h.asked()))
		}
		contains(t, h.asked()[0], "cannot be restored")
	})
}

func TestDeleteScheduleViaElicitationReadsStateBack(t *testing.T) {
	h := accepting()
	e := sandboxEnv(t, withElicitation(h))
	var out tools.DeleteBackupScheduleOutput
	e.ok("delete_backup_schedule", deleteScheduleArgs(), &out)
	if out.Outcome != "applied" || out.Schedules == nil || len((*out.Schedules)) != 0 {
		t.Fatalf("outcome %q state %+v", out.Outcome, out.Schedules)
	}
}

func TestCreateBackupQueuesAJob(t *testing.T) {
	e := sandboxEnv(t)
	var out tools.CreateBackupOutput
	text := e.ok("create_backup", map[string]any{"vps_id": "vps_sandbox02", "note": "Before upgrade"}, &out)
	m := e.mutations()
	if len(m) != 1 || m[0].Method != http.MethodPost || m[0].Path != "/api/v2/vps/vps_sandbox02/backups" {
		t.Fatalf("mutations: %s", describeRequests(m))
	}
	if got := bodyOf(t, m[0]); !reflect.DeepEqual(got, map[string]any{"note": "Before upgrade"}) {
		t.Errorf("body %v", got)
	}
	if out.Outcome != "applied" || out.Job == nil || out.Job.ID == "" || out.Job.Status != "queued" {
		t.Fatalf("outcome %q job %+v", out.Outcome, out.Job)
	}
	contains(t, text, "Backup queued", "get_job job_id="+out.Job.ID)

	var job tools.GetJobOutput
	e.ok("get_job", map[string]any{"job_id": out.Job.ID}, &job)
	if job.Job.ID != out.Job.ID {
		t.Errorf("get_job: %+v", job.Job)
	}
}

// TestCreateBackupWithFullQuotaAndAutoDeleteNeedsConfirmation: HostUp makes room
// by deleting the oldest backup, so the user must agree.
func TestCreateBackupWithFullQuotaAndAutoDeleteNeedsConfirmation(t *testing.T) {
	sim := newSim()
	id := sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 1, AutoDeleteOldest: true, Backups: []hostuptest.BackupSpec{{Note: "old", Age: time.Hour}}})
	e := newEnv(t, sim)
	var out tools.CreateBackupOutput
	text := e.ok("create_backup", map[string]any{"vps_id": id}, &out)
	e.noMutations()
	if out.Outcome != "confirmation_required" || len(out.Plan.Deletes) != 1 {
		t.Fatalf("outcome %q plan %+v", out.Outcome, out.Plan)
	}
	contains(t, text, "the oldest backup bkp_", "quota is full")
}

// progressRecorder collects progress notifications; they arrive on the client's
// goroutine.
type progressRecorder struct {
	mu    sync.Mutex
	token string
	seen  []float64
	texts []string
}

func (p *progressRecorder) handle(n mcp.JSONRPCNotification) {
	if n.Method != string(mcp.MethodNotificationProgress) {
		return
	}
	f := n.Params.AdditionalFields
	if f["progressToken"] != p.token {
		return
	}
	v, _ := f["progress"].(float64)
	msg, _ := f["message"].(string)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, v)
	p.texts = append(p.texts, msg)
}

// wait returns the progress values once at least n arrived (or after a second).
func (p *progressRecorder) wait(n int) ([]float64, []string) {
	deadline := time.Now().Add(time.Second)
	for {
		p.mu.Lock()
		seen, texts := append([]float64(nil), p.seen...), append([]string(nil), p.texts...)
		p.mu.Unlock()
		if len(seen) >= n || time.Now().After(deadline) {
			return seen, texts
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func increasing(t *testing.T, values []float64) {
	t.Helper()
	for i := 1; i < len(values); i++ {
		if values[i] <= values[i-1] {
			t.Errorf("progress must increase with every notification: %v", values)
			return
		}
	}
}

func TestCreateBackupWaitReportsProgressUntilTheJobEnds(t *testing.T) {
	for _, proto := range []string{mcp.LATEST_PROTOCOL_VERSION, mcp.LATEST_LEGACY_PROTOCOL_VERSION} {
		t.Run(proto, func(t *testing.T) {
			sim := hostuptest.Sandbox(hostuptest.WithJobTiming(40*time.Millisecond, 150*time.Millisecond))
			e := newEnv(t, sim, withKey(hostuptest.SandboxAPIKey), withProtocol(proto), withJobTiming(15*time.Millisecond, 5*time.Second))
			rec := &progressRecorder{token: "backup-1"}
			e.client.OnNotification(rec.handle)
			res := e.callCtx(t.Context(), "create_backup", map[string]any{"vps_id": "vps_sandbox01", "wait": true}, &mcp.Meta{ProgressToken: "backup-1"})
			if res.IsError {
				t.Fatal(textOf(res))
			}
			var out tools.CreateBackupOutput
			decodeStructured(t, res, &out)
			if out.Job == nil || out.Job.Status != "completed" {
				t.Fatalf("job %+v:\n%s", out.Job, textOf(res))
			}
			if text := textOf(res); !strings.HasSuffix(text, "Backup done.") {
				t.Errorf("the text must end with the verdict \"Backup done.\":\n%s", text)
			}
			seen, texts := rec.wait(3)
			if len(seen) < 3 {
				t.Fatalf("%d progress notifications (%v), want one per poll", len(seen), texts)
			}
			increasing(t, seen)
		})
	}
}

func TestCreateBackupWaitReportsAFailedJob(t *testing.T) {
	sim := hostuptest.Sandbox(hostuptest.WithJobTiming(10*time.Millisecond, 30*time.Millisecond))
	e := newEnv(t, sim, withKey(hostuptest.SandboxAPIKey), withJobTiming(10*time.Millisecond, 5*time.Second))
	var out tools.CreateBackupOutput
	text := e.ok("create_backup", map[string]any{"vps_id": "vps_sandbox05", "wait": true}, &out)
	if out.Job == nil || out.Job.Status != "failed" {
		t.Fatalf("job %+v", out.Job)
	}
	if !strings.HasSuffix(text, "Backup failed: the backup storage did not respond.") {
		t.Errorf("the text must end with the verdict and HostUp's reason, once:\n%s", text)
	}
	// get_job shows HostUp's words once, though HostUp puts them in two fields.
	job := e.ok("get_job", map[string]any{"job_id": out.Job.ID}, nil)
	if n := strings.Count(job, "storage did not respond"); n != 1 || strings.Contains(job, "..") {
		t.Errorf("get_job text:\n%s", job)
	}
}

func TestCreateBackupWithoutProgressTokenSendsNoNotification(t *testing.T) {
	sim := hostuptest.Sandbox(hostuptest.WithJobTiming(10*time.Millisecond, 30*time.Millisecond))
	e := newEnv(t, sim, withKey(hostuptest.SandboxAPIKey), withJobTiming(10*time.Millisecond, 5*time.Second))
	var count int
	var mu sync.Mutex
	e.client.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == string(mcp.MethodNotificationProgress) {
			mu.Lock()
			count++
			mu.Unlock()
		}
	})
	e.ok("create_backup", map[string]any{"vps_id": "vps_sandbox01", "wait": true}, nil)
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if count != 0 {
		t.Errorf("%d progress notifications without a progress token", count)
	}
}

// TestTextsCountOneInTheSingular: "1 backup", "1 free backup slot".
func TestTextsCountOneInTheSingular(t *testing.T) {
	sim := newSim()
	id := sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 3, Backups: []hostuptest.BackupSpec{{Age: 2 * time.Hour}, {Age: time.Hour}}})
	e := newEnv(t, sim)
	contains(t, e.ok("list_backup_schedules", map[string]any{"vps_id": id}, nil), "Limits: 3 backups in all", "1 free backup slot.")

	args := map[string]any{"vps_id": id, "backup_id": firstBackup(t, e, id)}
	text := e.ok("delete_backup", with(args, "confirm_token", planToken(t, e, "delete_backup", args)), nil)
	contains(t, text, "now has 1 backup.")
	contains(t, e.ok("list_backups", map[string]any{"vps_id": id}, nil), id+" has 1 backup (limit 3, 2 free).")
	contains(t, e.ok("update_backup_settings", map[string]any{"vps_id": id, "max_total_backups": 1}, nil), "HostUp now reports: limit 1 backup,")
}
