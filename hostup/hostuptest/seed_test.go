package hostuptest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

func sandboxEnv(t *testing.T) *env {
	clock := NewManualClock(t0)
	sim := Sandbox(WithClock(clock.Now))
	srv := sim.Start()
	t.Cleanup(srv.Close)
	return &env{t: t, sim: sim, clock: clock, url: srv.URL}
}

func (e *env) sandbox(id string) (hostup.BackupSchedules, hostup.Backups) {
	e.t.Helper()
	var s hostup.BackupSchedules
	var b hostup.Backups
	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backup-schedules", SandboxAPIKey, "", &s)
	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", SandboxAPIKey, "", &b)
	return s, b
}

func TestSandboxShowsEveryCase(t *testing.T) {
	e := sandboxEnv(t)

	t.Run("no schedule", func(t *testing.T) {
		s, _ := e.sandbox("vps_sandbox01")
		if len(s.Schedules) != 0 || !s.Actions.CanCreate.Allowed {
			t.Errorf("%+v", s)
		}
	})
	t.Run("daily with history", func(t *testing.T) {
		s, b := e.sandbox("vps_sandbox02")
		sc := s.Schedules[0]
		if sc.Frequency != "daily" || deref(sc.Time) != "02:00" || deref(sc.LastRun) != "2026-04-27T02:00:00.000Z" ||
			deref(sc.NextRun) != "2026-04-28T02:00:00.000Z" || deref(sc.Status) != "completed" {
			t.Errorf("schedule = %+v", sc)
		}
		if len(s.History) < 12 || s.History[0].Status != "completed" {
			t.Errorf("history has %d entries", len(s.History))
		}
		failed := 0
		for _, h := range s.History {
			if h.Status == "failed" {
				failed++
			}
		}
		if failed != 1 || len(b.Backups) != 4 || s.Settings.AvailableScheduledSlots != 1 {
			t.Errorf("failed runs %d, backups %d, settings %+v", failed, len(b.Backups), *s.Settings)
		}
	})
	t.Run("pending order closes every gate", func(t *testing.T) {
		s, b := e.sandbox("vps_sandbox03")
		for name, g := range map[string]hostup.Gate{"canCreate": s.Actions.CanCreate, "canUpdateSettings": s.Actions.CanUpdateSettings,
			"canDelete": s.Actions.CanDelete, "canCreateBackup": b.Actions.CanCreateBackup} {
			if g.Allowed || g.CodeText() != "pending_order" || g.ReasonText() == "" {
				t.Errorf("%s = %+v", name, g)
			}
		}
		if s.Schedules[0].Frequency != "weekly" || deref(s.Schedules[0].DaySpecifier) != "1" {
			t.Errorf("schedule = %+v", s.Schedules[0])
		}
		e.wantProblem(http.StatusConflict, "pending_orders", "POST", "/api/v2/vps/vps_sandbox03/backup-schedules", SandboxAPIKey,
			`{"frequency":"weekly","hour":3,"dayOfWeek":1,"retentionCount":2,"enabled":true}`)
	})
	t.Run("slots exhausted", func(t *testing.T) {
		s, b := e.sandbox("vps_sandbox04")
		if s.Settings.AvailableScheduledSlots != 0 || s.Settings.AutoDeleteOldest || b.Actions.CanCreateBackup.Allowed ||
			b.QuotaInfo.Used != 3 || *b.QuotaInfo.Remaining != 0 {
			t.Errorf("settings %+v quota %+v gate %+v", *s.Settings, b.QuotaInfo, b.Actions.CanCreateBackup)
		}
	})
	t.Run("last run failed", func(t *testing.T) {
		s, _ := e.sandbox("vps_sandbox05")
		if deref(s.Schedules[0].Status) != "failed" || s.History[0].Status != "failed" {
			t.Errorf("schedule %+v history[0] %+v", s.Schedules[0], s.History[0])
		}
	})
	t.Run("disabled with retention 1", func(t *testing.T) {
		s, _ := e.sandbox("vps_sandbox06")
		sc := s.Schedules[0]
		if sc.Enabled || sc.RetentionCount != 1 || sc.NextRun != nil || sc.LastRun == nil {
			t.Errorf("schedule = %+v", sc)
		}
	})
	t.Run("a running backup blocks a restore", func(t *testing.T) {
		_, b := e.sandbox("vps_sandbox07")
		if g := b.Actions.CanRestore; g.Allowed || g.CodeText() != CodeBackupInProgress || len(b.Backups) != 2 {
			t.Errorf("canRestore %+v with %d backups", g, len(b.Backups))
		}
		e.clock.Advance(2 * time.Hour) // still running: it takes 3 hours
		_, b = e.sandbox("vps_sandbox07")
		if b.Actions.CanRestore.Allowed {
			t.Error("the backup ended too soon for the sandbox to show the block")
		}
	})
	t.Run("snapshots", func(t *testing.T) {
		var s hostup.SnapshotSchedules
		e.want(http.StatusOK, "GET", "/api/v2/vps/vps_sandbox01/snapshot-schedules", SandboxAPIKey, "", &s)
		if s.Available || s.Limits.TotalSnapshots != 0 || s.Actions.CanEnable.Allowed {
			t.Errorf("web-01 has no snapshot capacity: %+v", s)
		}
		e.want(http.StatusOK, "GET", "/api/v2/vps/vps_sandbox02/snapshot-schedules", SandboxAPIKey, "", &s)
		if s.Schedule == nil || !s.Schedule.Enabled || s.Schedule.IntervalHours != 6 {
			t.Errorf("db-01 snapshots every 6 h: %+v", s.Schedule)
		}
		e.want(http.StatusOK, "GET", "/api/v2/vps/vps_sandbox03/snapshot-schedules", SandboxAPIKey, "", &s)
		if g := s.Actions.CanEnable; g.Allowed || g.CodeText() != "pending_order" {
			t.Errorf("mail-01's pending order closes canEnable: %+v", g)
		}
	})
	if n := len(e.sim.Mutations()); n != 1 {
		t.Errorf("mutations = %d, want only the refused POST", n)
	}
}

func TestFleetIsDeterministicPerSeed(t *testing.T) {
	snapshot := func(seed int64) string {
		clock := NewManualClock(t0)
		sim := Fleet(30, seed, WithClock(clock.Now))
		srv := sim.Start()
		defer srv.Close()
		e := &env{t: t, sim: sim, clock: clock, url: srv.URL}
		out := string(e.want(http.StatusOK, "GET", "/api/v2/vps?limit=100", FleetAPIKey, "", nil).body)
		for i := 1; i <= 30; i++ {
			id := fmt.Sprintf("vps_fleet%05d", i)
			out += string(e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backup-schedules", FleetAPIKey, "", &hostup.BackupSchedules{}).body)
			out += string(e.want(http.StatusOK, "GET", "/api/v2/vps/"+id+"/backups", FleetAPIKey, "", &hostup.Backups{}).body)
		}
		return out
	}
	if snapshot(7) != snapshot(7) {
		t.Error("the same seed built different fleets")
	}
	if snapshot(7) == snapshot(8) {
		t.Error("different seeds built the same fleet")
	}
}

func TestConcurrentUseIsSafe(t *testing.T) {
	e := sandboxEnv(t)
	e.sim.SetRateLimit(1000)
	e.sim.SetFault("GET", "/api/jobs/*", Fault{Status: 503, Times: 5})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			id := []string{"vps_sandbox01", "vps_sandbox02", "vps_sandbox05"}[i%3]
			for range 10 {
				r := e.do("POST", "/api/v2/vps/"+id+"/backups", SandboxAPIKey, "")
				e.do("GET", "/api/v2/vps/"+id+"/backup-schedules", SandboxAPIKey, "")
				e.do("PATCH", "/api/v2/vps/"+id+"/backup-schedules", SandboxAPIKey, `{"autoDeleteOldest":true}`)
				if r.status == http.StatusAccepted {
					e.do("GET", "/api/jobs/job_x", SandboxAPIKey, "")
				}
				e.sim.Advance(DefaultQueuedFor)
				_ = e.sim.Requests()
			}
		})
	}
	wg.Wait()
	if len(e.sim.Requests()) < 16*10*3 {
		t.Errorf("logged %d requests", len(e.sim.Requests()))
	}
}
