package tools_test

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// TestUpsertSendsTheDocumentedBody: hostup-api.md says weekly sends dayOfWeek
// only, monthly dayOfMonth only, daily neither; the result is the state read back.
func TestUpsertSendsTheDocumentedBody(t *testing.T) {
	cases := []struct {
		name     string
		args     map[string]any
		wantBody map[string]any
		describe string
	}{
		{"daily", map[string]any{"frequency": "daily", "hour": 3, "retention_count": 5},
			map[string]any{"frequency": "daily", "hour": 3.0, "retentionCount": 5.0, "enabled": true, "name": "Daily backup"},
			"daily at 03:00 UTC, keep 5"},
		{"weekly", map[string]any{"frequency": "weekly", "day_of_week": 1, "hour": 2, "retention_count": 3, "name": "Weekly backup"},
			map[string]any{"frequency": "weekly", "hour": 2.0, "dayOfWeek": 1.0, "retentionCount": 3.0, "enabled": true, "name": "Weekly backup"},
			"weekly on Monday at 02:00 UTC, keep 3"},
		{"monthly disabled", map[string]any{"frequency": "monthly", "day_of_month": 15, "hour": 23, "retention_count": 2, "enabled": false},
			map[string]any{"frequency": "monthly", "hour": 23.0, "dayOfMonth": 15.0, "retentionCount": 2.0, "enabled": false, "name": "Monthly backup"},
			"monthly on day 15 at 23:00 UTC, keep 2, DISABLED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim()
			id := vpsWithoutSchedule(sim)
			e := newEnv(t, sim)
			var out tools.UpsertBackupScheduleOutput
			text := e.ok("upsert_backup_schedule", with(c.args, "vps_id", id), &out)
			m := e.mutations()
			if len(m) != 1 || m[0].Method != http.MethodPost || m[0].Path != "/api/v2/vps/"+id+"/backup-schedules" {
				t.Fatalf("mutations: %s", describeRequests(m))
			}
			if got := bodyOf(t, m[0]); !reflect.DeepEqual(got, c.wantBody) {
				t.Errorf("body %v, want %v", got, c.wantBody)
			}
			if out.Outcome != "applied" || out.Schedules == nil || len((*out.Schedules)) != 1 {
				t.Fatalf("outcome %q state %+v", out.Outcome, out.Schedules)
			}
			if (*out.Schedules)[0].ID == "" || (*out.Schedules)[0].Frequency != c.args["frequency"] {
				t.Errorf("state read back: %+v", (*out.Schedules)[0])
			}
			contains(t, text, "Done. HostUp now reports: "+c.describe)
		})
	}
}

func TestUpsertSameFrequencyUpdatesInPlace(t *testing.T) {
	sim := newSim()
	id := vpsWithDaily(sim)
	e := newEnv(t, sim)
	var out tools.UpsertBackupScheduleOutput
	text := e.ok("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 4, "retention_count": 5}, &out)
	m := e.mutations()
	if len(m) != 1 || m[0].Method != http.MethodPost {
		t.Fatalf("mutations: %s", describeRequests(m))
	}
	// The name is kept: HostUp's POST replaces every field it is given.
	want := map[string]any{"frequency": "daily", "hour": 4.0, "retentionCount": 5.0, "enabled": true, "name": "Nightly backup"}
	if got := bodyOf(t, m[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("body %v, want %v", got, want)
	}
	if out.Outcome != "applied" || (*out.Schedules)[0].ID != "bks_daily1" || (*out.Schedules)[0].TimeUTC != "04:00" {
		t.Errorf("outcome %q, state %+v", out.Outcome, (*out.Schedules))
	}
	contains(t, text, "time_utc: 02:00 -> 04:00", "retention_count: 3 -> 5")
}

func TestUpsertUnchangedScheduleSendsNothing(t *testing.T) {
	sim := newSim()
	id := vpsWithDaily(sim)
	e := newEnv(t, sim)
	var out tools.UpsertBackupScheduleOutput
	text := e.ok("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 2, "retention_count": 3}, &out)
	e.noMutations()
	if out.Outcome != "no_change" {
		t.Errorf("outcome %q", out.Outcome)
	}
	contains(t, text, "nothing to change")
}

// TestUpsertLoweringRetentionBelowKeptBackupsNeedsConfirmation: HostUp deletes
// the oldest scheduled backups at the next run, so the user must agree.
func TestUpsertLoweringRetentionBelowKeptBackupsNeedsConfirmation(t *testing.T) {
	e := sandboxEnv(t)
	args := map[string]any{"vps_id": "vps_sandbox02", "frequency": "daily", "hour": 2, "retention_count": 1}
	var out tools.UpsertBackupScheduleOutput
	text := e.ok("upsert_backup_schedule", args, &out)
	e.noMutations()
	if out.Outcome != "confirmation_required" || !out.Plan.Destructive {
		t.Fatalf("outcome %q destructive %v", out.Outcome, out.Plan.Destructive)
	}
	contains(t, text, "up to 2 of the oldest scheduled backups")
	e.ok("upsert_backup_schedule", with(args, "confirm_token", out.ConfirmToken), &out)
	if out.Outcome != "applied" || (*out.Schedules)[0].RetentionCount != 1 {
		t.Errorf("outcome %q state %+v", out.Outcome, (*out.Schedules))
	}
}

// TestReplaceExistingDeletesThenCreates, confirmed either way SPEC allows.
func TestReplaceExistingDeletesThenCreates(t *testing.T) {
	args := map[string]any{"vps_id": "vps_sandbox02", "frequency": "weekly", "day_of_week": 0, "hour": 5, "retention_count": 4, "replace_existing": true}
	check := func(t *testing.T, e *env, out tools.UpsertBackupScheduleOutput, text string) {
		t.Helper()
		m := e.mutations()
		if len(m) != 2 || m[0].Method != http.MethodDelete || m[0].Path != "/api/v2/vps/vps_sandbox02/backup-schedules/bks_sandbox02" || m[1].Method != http.MethodPost {
			t.Fatalf("want DELETE then POST, got %s", describeRequests(m))
		}
		want := map[string]any{"frequency": "weekly", "hour": 5.0, "dayOfWeek": 0.0, "retentionCount": 4.0, "enabled": true, "name": "Nightly backup"}
		if got := bodyOf(t, m[1]); !reflect.DeepEqual(got, want) {
			t.Errorf("POST body %v, want %v", got, want)
		}
		if out.Outcome != "applied" || len((*out.Schedules)) != 1 || (*out.Schedules)[0].Frequency != "weekly" {
			t.Fatalf("outcome %q, state %+v:\n%s", out.Outcome, out.Schedules, text)
		}
		contains(t, text, "weekly on Sunday at 05:00 UTC")
	}
	t.Run("confirm_token", func(t *testing.T) {
		e := sandboxEnv(t)
		token := planToken(t, e, "upsert_backup_schedule", args)
		var out tools.UpsertBackupScheduleOutput
		text := e.ok("upsert_backup_schedule", with(args, "confirm_token", token), &out)
		check(t, e, out, text)
	})
	t.Run("elicitation", func(t *testing.T) {
		h := accepting()
		e := sandboxEnv(t, withElicitation(h))
		var out tools.UpsertBackupScheduleOutput
		text := e.ok("upsert_backup_schedule", args, &out)
		check(t, e, out, text)
		if len(h.asked()) != 1 {
			t.Fatalf("asked %d times", len(h.asked()))
		}
		contains(t, h.asked()[0], "Replace the daily schedule bks_sandbox02", "deletes: schedule bks_sandbox02")
	})
}

// TestReplaceRestoresOldScheduleWhenCreateFails: HostUp refuses the new schedule
// after the old one was deleted; the old one is put back and the result says so.
func TestReplaceRestoresOldScheduleWhenCreateFails(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusConflict} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			sim := newSim()
			id := vpsWithWeekly(sim)
			e := newEnv(t, sim)
			args := map[string]any{"vps_id": id, "frequency": "daily", "hour": 1, "retention_count": 2, "replace_existing": true}
			token := planToken(t, e, "upsert_backup_schedule", args)
			sim.SetFault(http.MethodPost, "/api/v2/vps/*/backup-schedules", hostuptest.Fault{Status: status, Times: 1})
			text := e.fails("upsert_backup_schedule", with(args, "confirm_token", token))
			contains(t, text, "refused", "put back", fmt.Sprint(status))
			m := e.mutations()
			if len(m) != 3 || m[0].Method != http.MethodDelete || m[1].Method != http.MethodPost || m[2].Method != http.MethodPost {
				t.Fatalf("want DELETE, POST (refused), POST (restore); got %s", describeRequests(m))
			}
			want := map[string]any{"frequency": "weekly", "hour": 3.0, "dayOfWeek": 1.0, "retentionCount": 4.0, "enabled": true, "name": "Weekly backup"}
			if got := bodyOf(t, m[2]); !reflect.DeepEqual(got, want) {
				t.Errorf("restore body %v, want %v", got, want)
			}
			st := e.schedules(id)
			if len(st.Schedules) != 1 {
				t.Fatalf("schedules after restore: %+v", st.Schedules)
			}
			s := st.Schedules[0]
			if s.Frequency != "weekly" || s.TimeUTC != "03:00" || *s.DayOfWeek != 1 || s.RetentionCount != 4 || s.Name != "Weekly backup" || !s.Enabled {
				t.Errorf("restored schedule differs from the old one: %+v", s)
			}
		})
	}
}

// TestConcurrentUpsertsOnOneVPSAreSerialized: 20 calls at once end with one
// schedule, and HostUp refuses none of them.
func TestConcurrentUpsertsOnOneVPSAreSerialized(t *testing.T) {
	sim := newSim()
	id := vpsWithoutSchedule(sim)
	e := newEnv(t, sim)
	var wg sync.WaitGroup
	errs := make(chan string, 20)
	for i := range 20 {
		wg.Go(func() {
			res := e.call("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": i, "retention_count": 1 + i%7})
			if res.IsError {
				errs <- textOf(res)
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Errorf("a concurrent upsert failed: %s", msg)
	}
	for _, r := range sim.Requests() {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			t.Errorf("unexpected %s %s", r.Method, r.Path)
		}
	}
	if st := e.schedules(id); len(st.Schedules) != 1 {
		t.Errorf("%d schedules, want 1", len(st.Schedules))
	}
	if bad := e.http.refused(); len(bad) != 0 {
		t.Errorf("HostUp refused %d requests: %v", len(bad), bad)
	}
}

// TestUpsertTimezoneConvertsToUTC: HostUp runs schedules in UTC; the user's
// local hour is converted with the offset in force now (Deps.Now).
func TestUpsertTimezoneConvertsToUTC(t *testing.T) {
	summer := time.Date(2026, time.July, 8, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		now      time.Time
		args     map[string]any
		wantBody map[string]any
		notes    []string
	}{
		{"daily in winter (CET)", winter,
			map[string]any{"frequency": "daily", "hour": 2},
			map[string]any{"hour": 1.0},
			[]string{"02:00 in Europe/Stockholm is 01:00 UTC", "02:00 CET in winter and 03:00 CEST in summer"}},
		{"daily in summer (CEST)", summer,
			map[string]any{"frequency": "daily", "hour": 2},
			map[string]any{"hour": 0.0},
			[]string{"02:00 in Europe/Stockholm is 00:00 UTC", "01:00 CET in winter and 02:00 CEST in summer"}},
		{"weekly Monday 00:00 is Sunday 23:00 UTC", winter,
			map[string]any{"frequency": "weekly", "day_of_week": 1, "hour": 0},
			map[string]any{"hour": 23.0, "dayOfWeek": 0.0},
			[]string{"Monday 00:00 in Europe/Stockholm is Sunday 23:00 UTC"}},
		{"weekly Saturday 00:00 wraps to Friday", winter,
			map[string]any{"frequency": "weekly", "day_of_week": 6, "hour": 0},
			map[string]any{"hour": 23.0, "dayOfWeek": 5.0},
			nil},
		{"weekly Sunday 00:00 wraps to Saturday", winter,
			map[string]any{"frequency": "weekly", "day_of_week": 0, "hour": 0},
			map[string]any{"hour": 23.0, "dayOfWeek": 6.0},
			nil},
		{"monthly day 10 at 00:00 is day 9 in UTC", winter,
			map[string]any{"frequency": "monthly", "day_of_month": 10, "hour": 0},
			map[string]any{"hour": 23.0, "dayOfMonth": 9.0},
			[]string{"day 10 00:00 in Europe/Stockholm is day 9 23:00 UTC"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim()
			id := vpsWithoutSchedule(sim)
			e := newEnv(t, sim, withNow(c.now))
			var out tools.UpsertBackupScheduleOutput
			text := e.ok("upsert_backup_schedule", with(c.args, "vps_id", id, "retention_count", 2, "timezone", "Europe/Stockholm"), &out)
			m := e.mutations()
			if len(m) != 1 {
				t.Fatalf("mutations: %s", describeRequests(m))
			}
			body := bodyOf(t, m[0])
			for k, v := range c.wantBody {
				if body[k] != v {
					t.Errorf("body[%s] = %v, want %v (body %v)", k, body[k], v, body)
				}
			}
			contains(t, text, c.notes...)
		})
	}
}

func TestUpsertTimezoneRefusesMonthlyAcrossMonthBoundary(t *testing.T) {
	cases := []struct {
		name  string
		zone  string
		day   int
		hour  int
		wants []string
	}{
		{"day 1 at 00:00 Stockholm is the last day of the previous month in UTC", "Europe/Stockholm", 1, 0, []string{"day_of_month 1 at 00:00 in Europe/Stockholm", "choose day_of_month 2-28"}},
		{"day 28 at 20:00 New York is day 29 in UTC", "America/New_York", 28, 20, []string{"day_of_month 28 at 20:00 in America/New_York", "choose day_of_month 1-27"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim()
			id := vpsWithoutSchedule(sim)
			e := newEnv(t, sim)
			text := e.fails("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "monthly", "day_of_month": c.day, "hour": c.hour, "retention_count": 2, "timezone": c.zone})
			contains(t, text, append([]string{"nothing was sent", "HostUp cannot express"}, c.wants...)...)
			e.noMutations()
		})
	}
}

func TestUpsertTimezoneWithoutDSTHasNoWarning(t *testing.T) {
	sim := newSim()
	id := vpsWithoutSchedule(sim)
	e := newEnv(t, sim)
	text := e.ok("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 9, "retention_count": 2, "timezone": "Asia/Tokyo"}, nil)
	contains(t, text, "09:00 in Asia/Tokyo is 00:00 UTC")
	lacks(t, text, "daylight saving")
}

// TestUpsertKeepsAPausedScheduleDisabled: enabled omitted on an update keeps
// the schedule's state; moving a paused schedule must not restart it.
func TestUpsertKeepsAPausedScheduleDisabled(t *testing.T) {
	e := sandboxEnv(t)
	var out tools.UpsertBackupScheduleOutput
	e.ok("upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox06", "frequency": "monthly", "day_of_month": 2, "hour": 4, "retention_count": 1}, &out)
	m := e.mutations()
	if len(m) != 1 || bodyOf(t, m[0])["enabled"] != false {
		t.Fatalf("mutations: %s", describeRequests(m))
	}
	if (*out.Schedules)[0].Enabled {
		t.Error("the paused schedule was re-enabled")
	}
}

// TestReplaceWhoseDeleteAnswerIsLostLooksBeforeCreating: the DELETE of the old
// schedule left, its answer did not come back. The POST is not sent blindly:
// the state decides, and the result says what it showed.
func TestReplaceWhoseDeleteAnswerIsLostLooksBeforeCreating(t *testing.T) {
	args := func(id string) map[string]any {
		return map[string]any{"vps_id": id, "frequency": "weekly", "day_of_week": 1, "hour": 5, "retention_count": 3, "replace_existing": true}
	}
	t.Run("the old schedule is gone: the new one is created", func(t *testing.T) {
		sim := newSim()
		id := vpsWithDaily(sim)
		e := newEnv(t, sim, withRealHTTP())
		token := planToken(t, e, "upsert_backup_schedule", args(id))
		e.http.loseAnswer(http.MethodDelete)
		var out tools.UpsertBackupScheduleOutput
		text := e.ok("upsert_backup_schedule", with(args(id), "confirm_token", token), &out)
		m := e.mutations()
		if len(m) != 2 || m[0].Method != http.MethodDelete || m[1].Method != http.MethodPost {
			t.Fatalf("want the DELETE once, then the POST: %s", describeRequests(m))
		}
		if !readBetween(sim.Requests(), m[0], m[1]) {
			t.Errorf("the state must be read between the DELETE whose answer was lost and the POST: %s", describeRequests(sim.Requests()))
		}
		if out.Outcome != "applied" || out.Schedules == nil || len((*out.Schedules)) != 1 || (*out.Schedules)[0].Frequency != "weekly" {
			t.Fatalf("outcome %q state %+v:\n%s", out.Outcome, out.Schedules, text)
		}
		contains(t, text, "answer to deleting the old schedule bks_daily1 was lost", "showed it gone, so the new schedule was sent", "weekly on Monday at 05:00 UTC")
	})
	t.Run("the old schedule is still there: nothing more is sent", func(t *testing.T) {
		sim := newSim()
		id := vpsWithDaily(sim)
		e := newEnv(t, sim, withRealHTTP())
		token := planToken(t, e, "upsert_backup_schedule", args(id))
		// A 500 to a DELETE leaves its outcome unknown; this one did not happen.
		sim.SetFault(http.MethodDelete, "/api/v2/vps/*/backup-schedules/*", hostuptest.Fault{Status: http.StatusInternalServerError, Times: 1})
		var out tools.UpsertBackupScheduleOutput
		text := e.ok("upsert_backup_schedule", with(args(id), "confirm_token", token), &out)
		if m := e.mutations(); len(m) != 1 || m[0].Method != http.MethodDelete {
			t.Fatalf("want the DELETE only, no POST: %s", describeRequests(m))
		}
		if out.Outcome != "outcome_unknown" || out.Schedules == nil || len((*out.Schedules)) != 1 || (*out.Schedules)[0].ID != "bks_daily1" {
			t.Fatalf("outcome %q state %+v:\n%s", out.Outcome, out.Schedules, text)
		}
		contains(t, text, "Outcome unknown", "so the new schedule was not sent", "does NOT show the change",
			"the old schedule bks_daily1 is still there: daily at 02:00 UTC, keep 3")
	})
}

// When the state cannot be read after a lost answer, a replace sends nothing
// more, and the result says what the state read back at the end shows.
func TestReplaceWithAnUnreadableStateSendsNothingMore(t *testing.T) {
	args := func(id string) map[string]any {
		return map[string]any{"vps_id": id, "frequency": "weekly", "day_of_week": 1, "hour": 5, "retention_count": 3, "replace_existing": true}
	}
	// The client tries a GET 4 times (3 retries): all of the check's attempts fail,
	// the read-back at the end succeeds.
	const checkAttempts = 4
	t.Run("the new schedule's answer is lost: the old one is not put back blind", func(t *testing.T) {
		sim := newSim()
		id := vpsWithDaily(sim)
		e := newEnv(t, sim, withRealHTTP())
		token := planToken(t, e, "upsert_backup_schedule", args(id))
		e.http.loseAnswer(http.MethodPost)
		e.http.failReadsAfter(http.MethodPost, checkAttempts)
		var out tools.UpsertBackupScheduleOutput
		text := e.ok("upsert_backup_schedule", with(args(id), "confirm_token", token), &out)
		if m := e.mutations(); len(m) != 2 || m[0].Method != http.MethodDelete || m[1].Method != http.MethodPost {
			t.Fatalf("want the DELETE and the new schedule's POST, no restore: %s", describeRequests(m))
		}
		if out.Outcome != "outcome_unknown" || out.Schedules == nil || len((*out.Schedules)) != 1 || (*out.Schedules)[0].Frequency != "weekly" {
			t.Fatalf("outcome %q state %+v:\n%s", out.Outcome, out.Schedules, text)
		}
		contains(t, text, "the old one was not put back", "shows the change: it happened; do not send it again")
		lacks(t, text, "refused", "NO backup schedule")
	})
	t.Run("the old schedule's DELETE answer is lost and it is gone: half done, said so", func(t *testing.T) {
		sim := newSim()
		id := vpsWithDaily(sim)
		e := newEnv(t, sim, withRealHTTP())
		token := planToken(t, e, "upsert_backup_schedule", args(id))
		e.http.loseAnswer(http.MethodDelete)
		e.http.failReadsAfter(http.MethodDelete, checkAttempts)
		var out tools.UpsertBackupScheduleOutput
		text := e.ok("upsert_backup_schedule", with(args(id), "confirm_token", token), &out)
		if m := e.mutations(); len(m) != 1 || m[0].Method != http.MethodDelete {
			t.Fatalf("want the DELETE only: %s", describeRequests(m))
		}
		if out.Outcome != "outcome_unknown" || out.Schedules == nil || len((*out.Schedules)) != 0 {
			t.Fatalf("outcome %q state %+v:\n%s", out.Outcome, out.Schedules, text)
		}
		contains(t, text, "so the new schedule was not sent", "Half done", "NO backup schedule on "+id, "Call upsert_backup_schedule again")
		lacks(t, text, "safe to try again", "did not happen")
	})
}

// readBetween reports whether a GET was logged after first and before second.
func readBetween(log []hostuptest.Request, first, second hostuptest.Request) bool {
	seen := false
	for _, r := range log {
		switch {
		case r.Method == first.Method && r.Path == first.Path:
			seen = true
		case r.Method == second.Method && r.Path == second.Path:
			return false
		case seen && r.Method == http.MethodGet:
			return true
		}
	}
	return false
}

// TestScheduleDaySpecifierIsANumberOrAWeekdayName: HostUp documents "1"; the
// shape is inferred, so a name is read as the same day rather than lost.
func TestScheduleDaySpecifierIsANumberOrAWeekdayName(t *testing.T) {
	for _, spec := range []string{`"1"`, `"Monday"`, `"monday"`} {
		t.Run(spec, func(t *testing.T) {
			sim := newSim()
			id := vpsWithoutSchedule(sim)
			sim.SetFault(http.MethodGet, "/api/v2/vps/*/backup-schedules", hostuptest.Fault{Status: 200, Body: `{
				"schedules": [{"id": "bks_w1", "name": "Weekly", "frequency": "weekly", "time": "03:00", "daySpecifier": ` + spec + `, "retentionCount": 2, "enabled": true}],
				"settings": {"totalBackupLimit": 7, "availableScheduledSlots": 5, "autoDeleteOldest": true}, "history": [],
				"limits": {"maxSchedules": 1, "currentSchedules": 1, "totalBackups": 7, "maxRetention": 7, "availableScheduledSlots": 5},
				"actions": {"canCreate": {"allowed": false, "reason": "A backup schedule already exists. Update or delete it before creating another."}, "canUpdateSettings": {"allowed": true}, "canDelete": {"allowed": true}}}`})
			e := newEnv(t, sim)
			st := e.schedules(id)
			if s := st.Schedules[0]; s.DayOfWeek == nil || *s.DayOfWeek != 1 {
				t.Fatalf("schedule %+v: want day_of_week 1", s)
			}
			// The update plan starts from the same day: only the hour changes.
			var out tools.UpsertBackupScheduleOutput
			e.ok("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "weekly", "day_of_week": 1, "hour": 4, "retention_count": 2, "dry_run": true}, &out)
			if c := out.Plan.Changes; len(c) != 1 || c[0].Field != "time_utc" {
				t.Errorf("changes %+v: want the time only", c)
			}
		})
	}
}

// TestUpdateDecidesFromWhatTheGateIsAbout: HostUp closes canCreate whenever a
// schedule exists and its docs leave that closure's code open. A coded
// canCreate alone is no block to updating the schedule (the update is sent, in
// the single tool and as a fleet row); a closure that also closes
// canUpdateSettings (a pending order) is, and nothing is sent.
func TestUpdateDecidesFromWhatTheGateIsAbout(t *testing.T) {
	state := func(id, updateGate string) string {
		return `{
			"schedules": [{"id": "bks_d1", "name": "Nightly backup", "frequency": "daily", "time": "02:00", "daySpecifier": null, "retentionCount": 3, "enabled": true}],
			"settings": {"totalBackupLimit": 7, "manualBackupsActive": 0, "scheduledBackupsActive": 3, "availableScheduledSlots": 4, "autoDeleteOldest": true}, "history": [],
			"limits": {"maxSchedules": 1, "currentSchedules": 1, "totalBackups": 7, "maxRetention": 7, "availableScheduledSlots": 4},
			"actions": {"canCreate": {"allowed": false, "reason": "A backup schedule already exists. Update or delete it before creating another.", "code": "schedule_exists"},
				"canUpdateSettings": ` + updateGate + `, "canDelete": {"allowed": true, "reason": null}}}`
	}
	update := map[string]any{"frequency": "daily", "hour": 5, "retention_count": 3}

	t.Run("coded canCreate alone", func(t *testing.T) {
		sim := newSim()
		id := vpsWithDaily(sim)
		sim.SetFault(http.MethodGet, "/api/v2/vps/*/backup-schedules", hostuptest.Fault{Status: 200, Body: state(id, `{"allowed": true, "reason": null}`)})
		e := newEnv(t, sim)
		var fleet tools.ApplyBackupPolicyOutput
		e.ok("apply_backup_policy", with(update, "vps_ids", []string{id}, "dry_run", true), &fleet)
		if r := onlyRow(t, fleet); r.Action != "update" {
			t.Errorf("fleet row: %s %s %s", r.Action, r.Code, r.Summary)
		}
		var audit tools.AuditBackupCoverageOutput
		e.ok("audit_backup_coverage", map[string]any{"vps_ids": []string{id}}, &audit)
		if r := auditRows(t, audit)[id]; slices.Contains(r.Problems, "changes_blocked") {
			t.Errorf("the audit calls the schedule blocked: %+v", r)
		}
		// The GET fault keeps answering the state before the change, so the
		// read-back cannot show it: accepted, never called applied.
		var out tools.UpsertBackupScheduleOutput
		e.ok("upsert_backup_schedule", with(update, "vps_id", id), &out)
		if m := e.mutations(); out.Outcome != "accepted_not_visible" || len(m) != 1 || m[0].Method != http.MethodPost {
			t.Errorf("outcome %q, mutations %s", out.Outcome, describeRequests(m))
		}
	})
	t.Run("canCreate and canUpdateSettings closed", func(t *testing.T) {
		sim := newSim()
		id := vpsWithDaily(sim)
		sim.SetFault(http.MethodGet, "/api/v2/vps/*/backup-schedules", hostuptest.Fault{Status: 200,
			Body: state(id, `{"allowed": false, "reason": "An upgrade order is pending payment.", "code": "pending_order"}`)})
		e := newEnv(t, sim)
		e.refused("upsert_backup_schedule", with(update, "vps_id", id), "change the backup schedule", "pending payment", "pending_order")
		var fleet tools.ApplyBackupPolicyOutput
		e.ok("apply_backup_policy", with(update, "vps_ids", []string{id}), &fleet)
		if r := onlyRow(t, fleet); r.Action != "refused" || r.Code != "pending_order" {
			t.Errorf("fleet row: %s %s %s", r.Action, r.Code, r.Summary)
		}
		e.noMutations()
	})
}

// TestNewScheduleOnAFullQuotaWithAutoDeleteIsDestructive: the new schedule's
// first run makes HostUp delete the oldest backup, here a manual one, so the
// plan names it and needs the user's confirmation, on v2 and on v1.
func TestNewScheduleOnAFullQuotaWithAutoDeleteIsDestructive(t *testing.T) {
	for _, api := range []string{"v2", "v1"} {
		t.Run(api, func(t *testing.T) {
			sim := newSim()
			id := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "files", VMID: 10000, TotalBackupLimit: 2, AutoDeleteOldest: true,
				Backups: []hostuptest.BackupSpec{{Note: "Before the migration", Age: 90 * 24 * time.Hour}, {Note: "Last week", Age: 7 * 24 * time.Hour}}})
			if api == "v1" {
				id = "10000"
			}
			e := newEnv(t, sim)
			var backups tools.ListBackupsOutput
			e.ok("list_backups", map[string]any{"vps_id": id}, &backups)
			oldest := backups.Backups[len(backups.Backups)-1].ID
			args := map[string]any{"vps_id": id, "frequency": "daily", "hour": 2, "retention_count": 2}
			token := planToken(t, e, "upsert_backup_schedule", args)
			var plan tools.UpsertBackupScheduleOutput
			text := e.ok("upsert_backup_schedule", with(args, "dry_run", true), &plan)
			if !plan.Plan.Destructive || len(plan.Plan.Deletes) != 1 {
				t.Fatalf("plan %+v", plan.Plan)
			}
			contains(t, text, "deletes: the oldest backup "+oldest+" (manual", `"Before the migration"`, "first run")

			var fleet tools.ApplyBackupPolicyOutput
			e.ok("apply_backup_policy", map[string]any{"vps_ids": []string{id}, "frequency": "daily", "hour": 2, "retention_count": 2, "dry_run": true}, &fleet)
			if r := onlyRow(t, fleet); r.Action != "create" || !r.Destructive || !strings.Contains(strings.Join(r.Deletes, " "), oldest) {
				t.Errorf("fleet row %+v", r)
			}
			e.noMutations()
			var out tools.UpsertBackupScheduleOutput
			e.ok("upsert_backup_schedule", with(args, "confirm_token", token), &out)
			if out.Outcome != "applied" || len(e.mutations()) != 1 {
				t.Errorf("outcome %q, mutations %s", out.Outcome, describeRequests(e.mutations()))
			}
		})
	}
}
