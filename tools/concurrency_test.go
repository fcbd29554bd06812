package tools_test

// Concurrency (issue 6): 50 tool calls at once through the MCP client, reads
// and schedule changes mixed, several on the same VPS and others spread over
// different VPSes. Run with -race. Every VPS must end with one schedule that is
// one of those requested (the last one HostUp was sent), no call may fail at
// the protocol level, HostUp must refuse nothing (the per-VPS lock is what keeps
// two changes from planning from the same state), and once the client is
// closed no goroutine may be left behind.
//
// The test is deliberately not parallel: a top-level test without t.Parallel
// runs while every parallel test of the package is still paused, so the
// goroutine count it compares is its own.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/leakcheck"
	"github.com/hostup/hostup-mcp/tools"
)

// schedSpec is a schedule in the terms both a request and a read-back share.
type schedSpec struct {
	Frequency string
	Hour      int
	Day       int // day of week (weekly) or of month (monthly); -1 for daily
	Retention int
}

func (s schedSpec) String() string {
	return fmt.Sprintf("%s h%02d d%d keep %d", s.Frequency, s.Hour, s.Day, s.Retention)
}

// args are the upsert_backup_schedule arguments that request s.
func (s schedSpec) args(vpsID string, replace bool) map[string]any {
	a := map[string]any{"vps_id": vpsID, "frequency": s.Frequency, "hour": s.Hour, "retention_count": s.Retention}
	switch s.Frequency {
	case hostup.FrequencyWeekly:
		a["day_of_week"] = s.Day
	case hostup.FrequencyMonthly:
		a["day_of_month"] = s.Day
	}
	if replace {
		a["replace_existing"] = true
	}
	return a
}

// specOfView is the schedule as list_backup_schedules shows it.
func specOfView(t *testing.T, v tools.ScheduleView) schedSpec {
	t.Helper()
	s := schedSpec{Frequency: v.Frequency, Day: -1, Retention: v.RetentionCount}
	if _, err := fmt.Sscanf(v.TimeUTC, "%d:", &s.Hour); err != nil {
		t.Fatalf("schedule %s: time_utc %q: %v", v.ID, v.TimeUTC, err)
	}
	switch {
	case v.DayOfWeek != nil:
		s.Day = *v.DayOfWeek
	case v.DayOfMonth != nil:
		s.Day = *v.DayOfMonth
	}
	return s
}

// specOfBody is the schedule a v2 POST asked HostUp for.
func specOfBody(t *testing.T, r hostuptest.Request) schedSpec {
	t.Helper()
	var b struct {
		Frequency      string `json:"frequency"`
		Hour           int    `json:"hour"`
		DayOfWeek      *int   `json:"dayOfWeek"`
		DayOfMonth     *int   `json:"dayOfMonth"`
		RetentionCount int    `json:"retentionCount"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatalf("%s %s: body %q: %v", r.Method, r.Path, r.Body, err)
	}
	s := schedSpec{Frequency: b.Frequency, Hour: b.Hour, Day: -1, Retention: b.RetentionCount}
	switch {
	case b.DayOfWeek != nil:
		s.Day = *b.DayOfWeek
	case b.DayOfMonth != nil:
		s.Day = *b.DayOfMonth
	}
	return s
}

// serialCheck sits between the HostUp client and HostUp and records every
// mutating request sent while another one to the same VPS was still in flight:
// SPEC says mutations on one VPS are serialized inside the process.
type serialCheck struct {
	next     http.RoundTripper
	mu       sync.Mutex
	inFlight map[string]int
	overlaps []string
}

func (s *serialCheck) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		return s.next.RoundTrip(r)
	}
	// The VPS is the path up to its id: /api/v2/vps/{id} or /api/vm/{vmid}.
	segs := strings.SplitN(r.URL.Path, "/", 6)
	vps := strings.Join(segs[:min(len(segs), 5)], "/")
	if len(segs) > 2 && segs[2] == "vm" {
		vps = strings.Join(segs[:min(len(segs), 4)], "/")
	}
	s.mu.Lock()
	s.inFlight[vps]++
	if s.inFlight[vps] > 1 {
		s.overlaps = append(s.overlaps, r.Method+" "+r.URL.Path)
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight[vps]--
		s.mu.Unlock()
	}()
	return s.next.RoundTrip(r)
}

// concurrentCall is one of the 50 calls.
type concurrentCall struct {
	tool string
	args map[string]any
	// vps and want are set for upserts: the VPS and the schedule requested.
	vps  string
	want schedSpec
	// mayGoStale: a destructive change confirmed by elicitation, which the
	// client answers in a second round. When another call changed the VPS in
	// between, the server must refuse the stale confirmation (nothing sent).
	mayGoStale bool
}

// TestConcurrentMixedCallsOnSharedAndSeparateVPSes: 50 calls at once.
func TestConcurrentMixedCallsOnSharedAndSeparateVPSes(t *testing.T) {
	before := runtime.NumGoroutine()

	sim := newSim()
	// shared: one VPS that 14 daily upserts race on (updates, never a refusal).
	shared := vpsWithoutSchedule(sim)
	// mixed: 8 upserts of every frequency race on one VPS; each replaces
	// whatever the others left (delete then create, confirmed by elicitation).
	mixed := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "mixed", TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{Name: "Weekly backup", Frequency: hostup.FrequencyWeekly, Hour: 3, Day: 1, RetentionCount: 4, Since: 60 * 24 * time.Hour}})
	// Four more VPSes with two upserts each, and a numeric vmid (HostUp's v1).
	separate := []struct {
		id   string
		reqs []schedSpec
	}{
		{vpsWithoutSchedule(sim), []schedSpec{{"daily", 1, -1, 2}, {"daily", 5, -1, 6}}},
		{vpsWithDaily(sim), []schedSpec{{"daily", 7, -1, 3}, {"daily", 8, -1, 4}}},
		{sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "weekly", TotalBackupLimit: 7,
			Schedule: &hostuptest.ScheduleSpec{Name: "Weekly", Frequency: hostup.FrequencyWeekly, Hour: 4, Day: 2, RetentionCount: 2}}),
			[]schedSpec{{"weekly", 4, 3, 2}, {"weekly", 6, 3, 3}}},
		{vpsWithoutSchedule(sim), []schedSpec{{"monthly", 2, 15, 3}, {"monthly", 2, 28, 3}}},
	}
	sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "legacy", VMID: 10777, TotalBackupLimit: 7})
	vmid := "10777"

	var calls []concurrentCall
	upsert := func(vps string, s schedSpec, replace bool) {
		calls = append(calls, concurrentCall{tool: "upsert_backup_schedule", args: s.args(vps, replace), vps: vps, want: s, mayGoStale: replace})
	}
	for i := range 14 {
		upsert(shared, schedSpec{"daily", i, -1, 1 + i%7}, false)
	}
	for _, s := range []schedSpec{
		{"daily", 1, -1, 2}, {"weekly", 2, 0, 3}, {"monthly", 3, 10, 4}, {"daily", 4, -1, 5},
		{"weekly", 5, 6, 6}, {"monthly", 6, 1, 7}, {"daily", 7, -1, 1}, {"weekly", 8, 3, 2},
	} {
		upsert(mixed, s, true)
	}
	for _, v := range separate {
		for _, s := range v.reqs {
			upsert(v.id, s, false)
		}
	}
	upsert(vmid, schedSpec{"daily", 9, -1, 2}, false)
	upsert(vmid, schedSpec{"daily", 10, -1, 3}, false)
	read := func(tool string, args map[string]any) {
		calls = append(calls, concurrentCall{tool: tool, args: args})
	}
	for _, id := range []string{shared, mixed, separate[0].id, separate[2].id, vmid} {
		read("list_backup_schedules", map[string]any{"vps_id": id, "history_limit": 5})
	}
	for _, id := range []string{shared, mixed, separate[1].id, separate[3].id, vmid} {
		read("list_backups", map[string]any{"vps_id": id})
	}
	for range 3 {
		read("list_vps", map[string]any{})
		read("audit_backup_coverage", map[string]any{})
	}
	read("audit_backup_coverage", map[string]any{"vps_ids": []string{shared, mixed, vmid}})
	read("list_vps", map[string]any{"query": "mixed"})
	if len(calls) != 50 {
		t.Fatalf("%d calls, want 50", len(calls))
	}

	e := newEnv(t, sim, withElicitation(accepting()))
	serial := &serialCheck{next: e.http.next, inFlight: map[string]int{}}
	e.http.next = serial // no call has started yet
	// A little latency on every HostUp answer widens the window between a
	// change's plan and its request, where an unserialized change would slip in.
	sim.SetLatency(5 * time.Millisecond)
	sim.SetFault(http.MethodDelete, "/api/v2/vps/"+mixed+"/backup-schedules/*", hostuptest.Fault{Latency: 20 * time.Millisecond})
	type outcome struct {
		call concurrentCall
		err  error // protocol error
		res  string
		isE  bool
		out  tools.UpsertBackupScheduleOutput
	}
	results := make([]outcome, len(calls))
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i, c := range calls {
		wg.Go(func() {
			<-start
			res, err := e.callRaw(c.tool, mustJSON(c.args))
			o := outcome{call: c, err: err}
			if err == nil {
				o.res, o.isE = textOf(res), res.IsError
				if c.vps != "" && !res.IsError && res.StructuredContent != nil {
					b, _ := json.Marshal(res.StructuredContent)
					_ = json.Unmarshal(b, &o.out)
				}
			}
			results[i] = o
		})
	}
	close(start)
	wg.Wait()

	var stale int
	for _, o := range results {
		c := o.call
		switch {
		case o.err != nil:
			t.Errorf("%s %v: protocol error: %v", c.tool, c.args, o.err)
		case o.isE && c.mayGoStale && (strings.Contains(o.res, "stale_confirm_token") || strings.Contains(o.res, "mismatched_confirm_token")):
			// Correct: another call changed the VPS between the plan the user
			// confirmed and its execution, so the server sent nothing.
			stale++
			contains(t, o.res, "nothing was sent to HostUp")
		case o.isE && c.vps != "" && strings.Contains(o.res, "(code state_changed)"):
			// Correct too: planned as a plain update, the call waited for the VPS
			// while another one changed its schedule, and the change it would now
			// make needs a confirmation it does not have.
			stale++
			contains(t, o.res, "nothing was sent to HostUp")
		case o.isE:
			t.Errorf("%s %v: error result:\n%s", c.tool, c.args, o.res)
		case c.vps != "" && o.out.Outcome != "applied" && o.out.Outcome != "no_change":
			t.Errorf("%s %v: outcome %q, want applied or no_change:\n%s", c.tool, c.args, o.out.Outcome, o.res)
		}
	}
	if bad := e.http.refused(); len(bad) != 0 {
		t.Errorf("HostUp refused %d requests: %v", len(bad), bad)
	}
	if len(serial.overlaps) != 0 {
		t.Errorf("%d changes reached HostUp while another change to the same VPS was in flight (mutations are not serialized): %v", len(serial.overlaps), serial.overlaps)
	}

	// Each VPS ends with exactly one schedule, one of those requested, and the
	// last one HostUp was sent (for v2 ids, whose POST body says so).
	mutations := sim.Mutations()
	requested := map[string][]schedSpec{}
	for _, c := range calls {
		if c.vps != "" {
			requested[c.vps] = append(requested[c.vps], c.want)
		}
	}
	for vps, wants := range requested {
		st := e.schedules(vps)
		if len(st.Schedules) != 1 {
			t.Errorf("%s: %d schedules after the race, want exactly 1: %+v", vps, len(st.Schedules), st.Schedules)
			continue
		}
		got := specOfView(t, st.Schedules[0])
		if !slices.Contains(wants, got) {
			t.Errorf("%s: the schedule %v is none of those requested %v", vps, got, wants)
		}
		var last *hostuptest.Request
		for i, m := range mutations {
			if m.Method == http.MethodPost && m.Path == "/api/v2/vps/"+vps+"/backup-schedules" {
				last = &mutations[i]
			}
		}
		if strings.HasPrefix(vps, "vps_") && last != nil {
			if sent := specOfBody(t, *last); sent != got {
				t.Errorf("%s: the schedule %v is not the last one sent to HostUp (%v)", vps, got, sent)
			}
		}
	}
	// Only the mixed VPS had schedules to replace.
	for _, m := range mutations {
		if m.Method == http.MethodDelete && !strings.Contains(m.Path, "/"+mixed+"/") {
			t.Errorf("unexpected %s %s", m.Method, m.Path)
		}
		if m.Method == http.MethodPatch {
			t.Errorf("unexpected %s %s", m.Method, m.Path)
		}
	}

	sim.SetLatency(0)
	sim.ClearFaults()
	// The server keeps serving after the storm.
	e.ok("list_vps", map[string]any{}, nil)

	if err := e.client.Close(); err != nil {
		t.Errorf("closing the client: %v", err)
	}
	after := leakcheck.Wait(t, before)
	t.Logf("50 concurrent calls: %d changes sent to HostUp, %d stale confirmations refused; goroutines before %d, after close %d",
		len(mutations), stale, before, after)
}
