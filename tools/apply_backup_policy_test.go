package tools_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/coord"
	"github.com/hostup/hostup-mcp/tools"
)

// The fleet tests run apply_backup_policy over a 44-VPS account whose VPSes come
// in seven kinds, each with a known row under nightlyPolicy.
var policyKinds = []string{"none", "compliant", "other_hour", "none", "compliant", "other_hour", "weekly", "pending", "full", "small", "compliant"}

// policyAction is what nightlyPolicy does to each kind, and the refusal's code.
var policyAction = map[string][2]string{
	"none":       {"create", ""},
	"compliant":  {"no_change", ""},
	"other_hour": {"update", ""},
	"weekly":     {"refused", "schedule_exists"},
	"pending":    {"refused", "pending_order"},
	"full":       {"refused", "no_free_slot"},
	"small":      {"refused", "retention_above_limit"},
}

func nightlyPolicy(extra ...any) map[string]any {
	return with(map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3}, extra...)
}

type policyVPS struct{ id, kind, name string }

// policyAccount adds n VPSes to the test account, listed 10 a page.
func policyAccount(sim *hostuptest.Simulator, n int) []policyVPS {
	pending := hostup.Gate{Allowed: false, Reason: ptr("An upgrade order is pending payment."), Code: ptr("pending_order")}
	var out []policyVPS
	for i := range n {
		kind := policyKinds[i%len(policyKinds)]
		spec := hostuptest.VPSSpec{Name: fmt.Sprintf("%s-%02d", kind, i), TotalBackupLimit: 7, AutoDeleteOldest: true}
		switch kind {
		case "compliant":
			spec.Schedule = &hostuptest.ScheduleSpec{Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 3, Since: 30 * 24 * time.Hour}
		case "other_hour":
			spec.Schedule = &hostuptest.ScheduleSpec{Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 5, RetentionCount: 2, Since: 30 * 24 * time.Hour}
		case "weekly":
			spec.Schedule = &hostuptest.ScheduleSpec{Name: "Weekly backup", Frequency: hostup.FrequencyWeekly, Hour: 3, Day: 1, RetentionCount: 2, Since: 30 * 24 * time.Hour}
		case "pending":
			spec.Schedule = &hostuptest.ScheduleSpec{Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 4, RetentionCount: 2, Since: 30 * 24 * time.Hour}
			spec.ClosedGates = map[string]hostup.Gate{hostuptest.GateCanCreate: pending, hostuptest.GateCanUpdateSettings: pending, hostuptest.GateCanDelete: pending}
		case "full":
			spec.TotalBackupLimit, spec.AutoDeleteOldest = 3, false
			spec.Backups = []hostuptest.BackupSpec{{Note: "a", Age: 72 * time.Hour}, {Note: "b", Age: 48 * time.Hour}, {Note: "c", Age: 24 * time.Hour}}
		case "small":
			spec.TotalBackupLimit = 2
		}
		out = append(out, policyVPS{id: sim.AddVPS(testAccount, spec), kind: kind, name: spec.Name})
	}
	sim.SetMaxPageSize(10)
	return out
}

func ptr(s string) *string { return &s }

// sending returns the ids of the VPSes whose rows send a change.
func sending(vpses []policyVPS) []string {
	var out []string
	for _, v := range vpses {
		if a := policyAction[v.kind][0]; a == "create" || a == "update" {
			out = append(out, v.id)
		}
	}
	return out
}

// schedulePOSTs returns, per VPS, how many requests HostUp got on its schedule
// collection, and fails on any other mutating request.
func schedulePOSTs(t *testing.T, e *env) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range e.mutations() {
		id, ok := strings.CutPrefix(r.Path, "/api/v2/vps/")
		id, rest, _ := strings.Cut(id, "/")
		if !ok || r.Method != http.MethodPost || rest != "backup-schedules" {
			t.Errorf("unexpected mutating request %s %s", r.Method, r.Path)
			continue
		}
		out[id]++
	}
	return out
}

// wantOnePOSTEach asserts that HostUp got exactly one POST for each of ids and
// no other mutating request.
func wantOnePOSTEach(t *testing.T, e *env, ids []string) {
	t.Helper()
	got := schedulePOSTs(t, e)
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("%s: %d POSTs, want exactly 1", id, got[id])
		}
		delete(got, id)
	}
	if len(got) > 0 {
		t.Errorf("POSTs to VPSes whose rows send nothing: %v", got)
	}
}

// applyWithToken plans (confirmation_required, nothing sent) and applies with
// the token; between does what happens while the user reads the plan.
func applyWithToken(t *testing.T, e *env, args map[string]any, between func()) (tools.ApplyBackupPolicyOutput, string) {
	t.Helper()
	var plan tools.ApplyBackupPolicyOutput
	text := e.ok("apply_backup_policy", args, &plan)
	if plan.Outcome != "confirmation_required" || plan.ConfirmToken == "" {
		t.Fatalf("outcome %q, want confirmation_required with a token:\n%s", plan.Outcome, text)
	}
	contains(t, text, "Needs the user's confirmation", "confirm_token=")
	e.noMutations()
	if between != nil {
		between()
	}
	var out tools.ApplyBackupPolicyOutput
	text = e.ok("apply_backup_policy", with(args, "confirm_token", plan.ConfirmToken), &out)
	if out.Outcome != "applied" {
		t.Fatalf("outcome %q, want applied:\n%s", out.Outcome, text)
	}
	return out, text
}

func TestApplyBackupPolicyDryRunPlansEveryVPSOfAPagedAccountAndSendsNothing(t *testing.T) {
	sim := newSim()
	vpses := policyAccount(sim, 44)
	e := newEnv(t, sim)
	var out tools.ApplyBackupPolicyOutput
	text := e.ok("apply_backup_policy", nightlyPolicy("dry_run", true), &out)
	e.noMutations()
	if out.Outcome != "dry_run" || out.ConfirmToken != "" {
		t.Errorf("outcome %q, token %q: a dry run plans only", out.Outcome, out.ConfirmToken)
	}
	lists := 0
	for _, r := range sim.Requests() {
		if r.Path == "/api/v2/vps" {
			lists++
		}
	}
	rows := policyRows(t, out)
	if lists != 5 || len(rows) != 44 {
		t.Fatalf("%d list pages read, %d rows; want all 5 pages and 44 rows", lists, len(rows))
	}
	for _, v := range vpses {
		r := rows[v.id]
		want := policyAction[v.kind]
		if r.Action != want[0] || r.Code != want[1] || r.Outcome != "planned" {
			t.Errorf("%s (%s): action %q code %q outcome %q, want %q %q planned", v.id, v.kind, r.Action, r.Code, r.Outcome, want[0], want[1])
		}
	}
	// Alike rows share a group: the 8 creates are one, the 8 updates another.
	if n := len(out.Groups); n != 6 {
		t.Errorf("%d groups, want 6 (create, update, and one per refusal's code): %+v", n, out.Groups)
	}
	if r := rows[vpses[2].id]; !slices.Contains(r.Changes, tools.FieldChange{Field: "time_utc", Before: "05:00", After: "02:00"}) {
		t.Errorf("an update row shows before and after: %+v", r.Changes)
	}
	wantTotals := map[string]int{"create": 8, "update": 8, "no_change": 12, "refused": 16, "skipped": 0}
	for action, n := range wantTotals {
		if out.Totals.ByAction[action] != n {
			t.Errorf("totals %v, want %v", out.Totals.ByAction, wantTotals)
			break
		}
	}
	if out.Totals.Requests != 16 {
		t.Errorf("%d requests planned, want 16", out.Totals.Requests)
	}
	// Totals first; no_change rows are left out of the text.
	first, _, _ := strings.Cut(text, "\n- ")
	contains(t, first, "Dry run, nothing was sent.", "44 VPS: 8 create, 8 update, 12 no_change, 16 refused, 0 skipped; 16 mutating requests planned.")
	lacks(t, text, "compliant-")
	contains(t, text, "pending_order", "no_free_slot", "retention_above_limit", "schedule_exists")
}

func TestApplyBackupPolicyNeedsConfirmationThenAppliesExactlyThePlannedRowsAndReadsThemBack(t *testing.T) {
	sim := newSim()
	vpses := policyAccount(sim, 44)
	e := newEnv(t, sim)
	out, text := applyWithToken(t, e, nightlyPolicy(), nil)
	wantOnePOSTEach(t, e, sending(vpses))
	rows := policyRows(t, out)
	for _, v := range vpses {
		r := rows[v.id]
		switch r.Action {
		case "create", "update":
			// The result says applied; the schedule itself is HostUp's to show.
			got := e.schedules(v.id).Schedules
			if r.Outcome != "applied" || len(got) != 1 || got[0].TimeUTC != "02:00" || got[0].RetentionCount != 3 || !got[0].Enabled {
				t.Errorf("%s: outcome %q, HostUp shows %+v; want applied, daily 02:00 keep 3", v.id, r.Outcome, got)
			}
		default:
			if r.Outcome != "planned" {
				t.Errorf("%s (%s): outcome %q, want planned", v.id, r.Action, r.Outcome)
			}
		}
	}
	contains(t, text, "Applied: 16 applied, 0 failed, 0 outcome_unknown, 0 changed since plan")
	if got := e.schedules(vpses[0].id); len(got.Schedules) != 1 || got.Schedules[0].TimeUTC != "02:00" {
		t.Errorf("HostUp now has %+v", got.Schedules)
	}

	// The same policy again: no_change wherever it was applied, nothing sent,
	// and nothing to confirm.
	before := len(e.mutations())
	var again tools.ApplyBackupPolicyOutput
	text = e.ok("apply_backup_policy", nightlyPolicy(), &again)
	if again.Outcome != "no_change" || again.ConfirmToken != "" || len(e.mutations()) != before {
		t.Fatalf("re-apply: outcome %q, %d more mutations:\n%s", again.Outcome, len(e.mutations())-before, text)
	}
	if a := again.Totals.ByAction; a["no_change"] != 28 || a["create"]+a["update"] != 0 {
		t.Errorf("re-apply totals %v, want 28 no_change and the 16 refused", a)
	}
	contains(t, text, "Nothing to change: nothing was sent.")
}

func TestApplyBackupPolicyAsksTheUserOnceForTheWholePlan(t *testing.T) {
	for _, c := range []struct {
		name    string
		answer  *elicitor
		outcome string
	}{
		{"accept", accepting(), "applied"},
		{"decline", &elicitor{action: mcp.ElicitationResponseActionDecline}, "declined"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim()
			vpses := policyAccount(sim, 22)
			e := newEnv(t, sim, withElicitation(c.answer))
			var out tools.ApplyBackupPolicyOutput
			e.ok("apply_backup_policy", nightlyPolicy(), &out)
			asked := c.answer.asked()
			if len(asked) != 1 {
				t.Fatalf("the user was asked %d times, want once for the whole fleet", len(asked))
			}
			contains(t, asked[0], "Apply this plan?", "22 VPS: 4 create, 4 update, 6 no_change, 8 refused")
			if out.Outcome != c.outcome || out.ConfirmToken != "" {
				t.Fatalf("outcome %q token %q, want %s and no token", out.Outcome, out.ConfirmToken, c.outcome)
			}
			if c.outcome == "declined" {
				e.noMutations()
				return
			}
			wantOnePOSTEach(t, e, sending(vpses))
		})
	}
}

// TestApplyBackupPolicyDoesNotTouchAVPSChangedSincePlan: a VPS whose settings
// changed after the plan is not touched and says why; a scheduled backup that
// ran in between changes nothing that decided the plan; the others apply.
func TestApplyBackupPolicyDoesNotTouchAVPSChangedSincePlan(t *testing.T) {
	sim := newSim()
	vpses := policyAccount(sim, 44)
	e := newEnv(t, sim)
	changed, ran := vpses[2].id, vpses[5].id // both update rows
	out, text := applyWithToken(t, e, nightlyPolicy(), func() {
		e.ok("update_backup_settings", map[string]any{"vps_id": changed, "max_total_backups": 9}, nil)
		sim.RunScheduledBackup(ran)
		sim.ResetLog() // from here on, only what the apply sends
	})
	var want []string
	for _, id := range sending(vpses) {
		if id != changed {
			want = append(want, id)
		}
	}
	got := schedulePOSTs(t, e)
	if got[changed] != 0 {
		t.Errorf("the changed VPS got %d POSTs", got[changed])
	}
	for _, id := range want {
		if got[id] != 1 {
			t.Errorf("%s: %d POSTs, want 1", id, got[id])
		}
	}
	rows := policyRows(t, out)
	if r := rows[changed]; r.Outcome != "changed_since_plan" || !strings.Contains(r.Error, "changed since the plan") {
		t.Errorf("changed VPS: outcome %q error %q", r.Outcome, r.Error)
	}
	if r := rows[ran]; r.Outcome != "applied" {
		t.Errorf("a backup run between plan and apply voided the row: %q %s", r.Outcome, r.Error)
	}
	contains(t, text, "Applied: 15 applied, 0 failed, 0 outcome_unknown, 1 changed since plan", changed)
}

// TestApplyBackupPolicyReportsAFailedPOSTWithoutRepeatingIt: a 500 leaves the
// outcome open, so the VPS is read back and the row says what that shows; a
// 409 is HostUp refusing, so the row failed. Neither POST is sent again, and
// every other row applies.
func TestApplyBackupPolicyReportsAFailedPOSTWithoutRepeatingIt(t *testing.T) {
	sim := newSim()
	vpses := policyAccount(sim, 44)
	e := newEnv(t, sim)
	broken, refusing := vpses[0].id, vpses[2].id
	out, text := applyWithToken(t, e, nightlyPolicy(), func() {
		sim.SetFault(http.MethodPost, "/api/v2/vps/"+broken+"/backup-schedules", hostuptest.Fault{Status: http.StatusInternalServerError})
		sim.SetFault(http.MethodPost, "/api/v2/vps/"+refusing+"/backup-schedules", hostuptest.Fault{Status: http.StatusConflict})
	})
	wantOnePOSTEach(t, e, sending(vpses))
	rows := policyRows(t, out)
	if r := rows[broken]; r.Outcome != "outcome_unknown" || !strings.Contains(strings.Join(r.Notes, " "), "does NOT show the change") || !strings.Contains(strings.Join(r.Notes, " "), "500") {
		t.Errorf("500: outcome %q notes %q", r.Outcome, r.Notes)
	}
	if r := rows[refusing]; r.Outcome != "failed" || !strings.Contains(r.Error, "409 vps_not_ready") {
		t.Errorf("409: outcome %q error %q", r.Outcome, r.Error)
	}
	contains(t, text, "Applied: 14 applied, 1 failed, 1 outcome_unknown, 0 changed since plan", "FAILED: HostUp answered 409", "OUTCOME UNKNOWN")
}

// TestApplyBackupPolicyWaitsOutRateLimits: 429s on reads and on POSTs are
// waited out (HostUp refused them before acting, so resending is safe); every
// row applies and each VPS's change is accepted exactly once.
func TestApplyBackupPolicyWaitsOutRateLimits(t *testing.T) {
	sim := newSim()
	vpses := policyAccount(sim, 44)
	e := newEnv(t, sim)
	limited := hostuptest.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second, Times: 3}
	out, _ := applyWithToken(t, e, nightlyPolicy(), func() {
		sim.SetFault(http.MethodGet, "/api/v2/vps/*/backup-schedules", limited)
		sim.SetFault(http.MethodPost, "/api/v2/vps/*/backup-schedules", limited)
	})
	if n := out.Totals.ByOutcome["applied"]; n != 16 {
		t.Fatalf("%d rows applied, want 16: %v", n, out.Totals.ByOutcome)
	}
	accepted, limitedPOSTs := map[string]int{}, 0
	e.http.mu.Lock()
	for _, line := range e.http.got {
		f := strings.Fields(line) // METHOD path status
		if f[0] != http.MethodPost {
			continue
		}
		if f[2] == "429" {
			limitedPOSTs++
			continue
		}
		accepted[f[1]]++
	}
	e.http.mu.Unlock()
	if limitedPOSTs != 3 {
		t.Errorf("%d POSTs answered 429, want the 3 injected", limitedPOSTs)
	}
	for _, id := range sending(vpses) {
		if n := accepted["/api/v2/vps/"+id+"/backup-schedules"]; n != 1 {
			t.Errorf("%s: %d POSTs accepted, want exactly 1", id, n)
		}
	}
	if len(accepted) != 16 {
		t.Errorf("POSTs accepted for %d VPSes, want 16", len(accepted))
	}
}

func TestApplyBackupPolicyCapsRetentionOnlyWhenAsked(t *testing.T) {
	sim := newSim()
	small := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "small", TotalBackupLimit: 2, AutoDeleteOldest: true})
	e := newEnv(t, sim)
	var out tools.ApplyBackupPolicyOutput
	e.ok("apply_backup_policy", nightlyPolicy("dry_run", true), &out)
	if r := onlyRow(t, out); r.Action != "refused" || r.Code != "retention_above_limit" {
		t.Errorf("without cap_retention: %+v", r)
	}
	text := e.ok("apply_backup_policy", nightlyPolicy("dry_run", true, "cap_retention", true), &out)
	r := onlyRow(t, out)
	if r.Action != "create" || !capped(r, 2) || !slices.Contains(r.Changes, tools.FieldChange{Field: "retention_count", Before: "(none)", After: "2"}) {
		t.Errorf("with cap_retention: %+v", r)
	}
	contains(t, text, small, "retention capped at max_retention")
	e.noMutations()
}

func TestApplyBackupPolicySpreadsStartHoursEvenlyAndStably(t *testing.T) {
	sim := newSim()
	policyAccount(sim, 8)
	e := newEnv(t, sim)
	args := nightlyPolicy("dry_run", true, "spread_hours", 3, "vps_ids", nil)
	delete(args, "vps_ids")
	hours := func() map[string]string {
		var out tools.ApplyBackupPolicyOutput
		e.ok("apply_backup_policy", args, &out)
		m := map[string]string{}
		for id, r := range policyRows(t, out) {
			for _, c := range r.Changes {
				if c.Field == "time_utc" {
					m[id] = c.After
				}
			}
		}
		return m
	}
	first := hours()
	count := map[string]int{}
	for _, h := range first {
		count[h]++
	}
	// The window 02:00-05:00 moves most of the 8 VPSes off 02:00.
	if len(count) < 3 {
		t.Errorf("hours %v", first)
	}
	for _, h := range first {
		if h < "02:00" || h > "05:00" {
			t.Errorf("hour %s outside the window 02:00-05:00", h)
		}
	}
	if again := hours(); fmt.Sprint(again) != fmt.Sprint(first) {
		t.Errorf("hours moved between calls: %v then %v", first, again)
	}
	text := e.fails("apply_backup_policy", map[string]any{"frequency": "weekly", "day_of_week": 1, "hour": 22, "spread_hours": 3, "retention_count": 2})
	contains(t, text, "runs past midnight", "hour of at most 20")
	e.noMutations()
}

// TestApplyBackupPolicyTakesNumericVMIDsAsTheSingleToolsDo: a vmid row goes to
// v1 and says v1 reports no gates; replacing through a vmid is refused as
// upsert_backup_schedule refuses it; an unknown id is skipped with its error.
func TestApplyBackupPolicyTakesNumericVMIDsAsTheSingleToolsDo(t *testing.T) {
	sim := newSim()
	sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "web", VMID: 10000, TotalBackupLimit: 7, AutoDeleteOldest: true})
	sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "mail", VMID: 10001, TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{Frequency: hostup.FrequencyWeekly, Hour: 3, Day: 1, RetentionCount: 2}})
	e := newEnv(t, sim)
	args := nightlyPolicy("vps_ids", []string{"10000", "10001", "10999"}, "replace_existing", true)
	out, _ := applyWithToken(t, e, args, nil)
	rows := policyRows(t, out)
	if r := rows["10000"]; r.Action != "create" || r.Outcome != "applied" || !strings.Contains(strings.Join(r.Warnings, " "), "reports no action gates") {
		t.Errorf("vmid create: %+v", r)
	}
	if r := rows["10001"]; r.Action != "refused" || r.Code != "schedule_exists" {
		t.Errorf("vmid replace: %+v", r)
	}
	if r := rows["10999"]; r.Action != "skipped" || !strings.Contains(r.Error, "404") {
		t.Errorf("unknown vmid: %+v", r)
	}
	m := e.mutations()
	if len(m) != 1 || m[0].Method != http.MethodPost || m[0].Path != "/api/vm/10000/backup-schedules" {
		t.Errorf("mutations: %s", describeRequests(m))
	}
}

func TestApplyBackupPolicyTextOfAThousandVPSesIsBounded(t *testing.T) {
	e := newEnv(t, hostuptest.Fleet(1000, 7), withKey(hostuptest.FleetAPIKey))
	var out tools.ApplyBackupPolicyOutput
	text := e.ok("apply_backup_policy", nightlyPolicy("dry_run", true, "cap_retention", true), &out)
	if n := len(policyRows(t, out)); n != 1000 {
		t.Fatalf("%d rows", n)
	}
	if len(text) > 10_000 || len(strings.Split(text, "\n")) > 40 {
		t.Errorf("the text of 1,000 VPSes is %d bytes in %d lines", len(text), len(strings.Split(text, "\n")))
	}
	contains(t, text, "1000 VPS:", "more rows that are not no_change")
}

func TestApplyBackupPolicyReportsProgressPerVPS(t *testing.T) {
	sim := newSim()
	policyAccount(sim, 22)
	e := newEnv(t, sim)
	var plan tools.ApplyBackupPolicyOutput
	e.ok("apply_backup_policy", nightlyPolicy(), &plan)
	rec := &progressRecorder{token: "fleet-1"}
	e.client.OnNotification(rec.handle)
	res := e.callCtx(t.Context(), "apply_backup_policy", nightlyPolicy("confirm_token", plan.ConfirmToken), &mcp.Meta{ProgressToken: "fleet-1"})
	if res.IsError {
		t.Fatal(textOf(res))
	}
	// Each of the 22 VPSes planned, then the 8 create and update rows applied.
	seen, texts := rec.wait(22 + 8)
	if len(seen) != 22+8 {
		t.Fatalf("%d progress notifications, want 30: %q", len(seen), texts)
	}
	increasing(t, seen)
	contains(t, texts[len(texts)-1], "applied")
}

// TestApplyBackupPolicyInTheSandboxShowsEveryRowKind: the README's example.
func TestApplyBackupPolicyInTheSandboxShowsEveryRowKind(t *testing.T) {
	e := sandboxEnv(t)
	var out tools.ApplyBackupPolicyOutput
	e.ok("apply_backup_policy", nightlyPolicy("dry_run", true, "cap_retention", true), &out)
	want := map[string]string{
		"vps_sandbox01": "create", "vps_sandbox02": "no_change", "vps_sandbox03": "refused",
		"vps_sandbox04": "refused", "vps_sandbox05": "update", "vps_sandbox06": "refused",
	}
	rows := policyRows(t, out)
	for id, action := range want {
		if rows[id].Action != action {
			t.Errorf("%s: %s, want %s", id, rows[id].Action, action)
		}
	}
	if r := rows["vps_sandbox01"]; !capped(r, 2) {
		t.Errorf("web-01 (limit 2) is capped at 2: %+v", r)
	}
	// An id the account does not have is skipped, with HostUp's answer.
	e.ok("apply_backup_policy", nightlyPolicy("dry_run", true, "vps_ids", []string{"vps_sandbox02", "vps_gone01"}), &out)
	if r := policyRows(t, out)["vps_gone01"]; r.Action != "skipped" || !strings.Contains(r.Error, "404 vps_not_found") {
		t.Errorf("unknown id: %+v", r)
	}
	e.noMutations()
}

// TestApplyBackupPolicyStaysWithinHostUpsRateLimit: HostUp allows 40 requests
// a second and the fleet's workers offer far more. Every VPS is still read,
// planned and applied, with no row lost to 429s, and each change accepted once.
func TestApplyBackupPolicyStaysWithinHostUpsRateLimit(t *testing.T) {
	sim := newSim()
	vpses := policyAccount(sim, 44)
	sim.SetRateLimit(40)
	e := newEnv(t, sim)
	out, _ := applyWithToken(t, e, nightlyPolicy(), nil)
	a, o := out.Totals.ByAction, out.Totals.ByOutcome
	if a["skipped"] != 0 || o["applied"] != 16 || o["failed"]+o["outcome_unknown"]+o["changed_since_plan"] != 0 {
		t.Fatalf("actions %v, outcomes %v", a, o)
	}
	accepted := map[string]int{}
	limited := 0
	e.http.mu.Lock()
	for _, line := range e.http.got {
		f := strings.Fields(line)
		switch {
		case f[2] == "429":
			limited++
		case f[0] == http.MethodPost:
			accepted[f[1]]++
		}
	}
	e.http.mu.Unlock()
	if limited == 0 {
		t.Error("no request was answered 429: the test proves nothing")
	}
	for _, id := range sending(vpses) {
		if n := accepted["/api/v2/vps/"+id+"/backup-schedules"]; n != 1 {
			t.Errorf("%s: %d POSTs accepted, want 1", id, n)
		}
	}
}

// TestApplyBackupPolicyNamesBothDaysWhenTheSpreadCrossesMidnightUTC: weekly
// Monday 00:00 in Stockholm (winter, UTC+1) spread over three hours starts on
// Sunday 23:00 UTC for some VPSes and on Monday for the others; the policy and
// its notes must say so, not Sunday for all.
func TestApplyBackupPolicyNamesBothDaysWhenTheSpreadCrossesMidnightUTC(t *testing.T) {
	sim := newSim()
	for i := range 6 {
		sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: fmt.Sprintf("web-%d", i), TotalBackupLimit: 7, AutoDeleteOldest: true})
	}
	e := newEnv(t, sim, withNow(time.Date(2026, 1, 14, 12, 0, 0, 0, time.UTC)))
	var out tools.ApplyBackupPolicyOutput
	text := e.ok("apply_backup_policy", map[string]any{"frequency": "weekly", "day_of_week": 1, "hour": 0, "retention_count": 3,
		"timezone": "Europe/Stockholm", "spread_hours": 2, "dry_run": true}, &out)
	days := map[string]string{} // time_utc -> day_of_week of the rows
	for _, r := range out.Groups {
		var at, day string
		for _, c := range r.Changes {
			switch c.Field {
			case "time_utc":
				at = c.After
			case "day_of_week":
				day = c.After
			}
		}
		days[at] = day
	}
	if days["23:00"] != "Sunday" || days["00:00"] != "Monday" || days["01:00"] != "Monday" {
		t.Fatalf("rows' UTC days by start time: %v, want Sunday 23:00, Monday 00:00 and 01:00", days)
	}
	contains(t, out.Policy, "Sunday 23:00 to Monday 01:00 UTC")
	contains(t, strings.Join(out.Notes, "\n"), "Monday 00:00 in Europe/Stockholm is Sunday 23:00 UTC", "01:00 in Europe/Stockholm is 00:00 UTC")
	contains(t, text, "Sunday 23:00 to Monday 01:00 UTC")
}

// TestApplyBackupPolicyDialogShowsEveryRowTheYesSends: the user's one "yes"
// grants every create and update row, so the dialog lists each of them whole,
// however many there are (here 40, more than the text's 30 rows).
func TestApplyBackupPolicyDialogShowsEveryRowTheYesSends(t *testing.T) {
	sim := newSim()
	vpses := policyAccount(sim, 110)
	answer := accepting()
	e := newEnv(t, sim, withElicitation(answer))
	var out tools.ApplyBackupPolicyOutput
	e.ok("apply_backup_policy", nightlyPolicy(), &out)
	asked := answer.asked()
	if len(asked) != 1 {
		t.Fatalf("the user was asked %d times, want once", len(asked))
	}
	dialog := asked[0]
	lines := strings.Split(dialog, "\n- ")
	granted := sending(vpses)
	if len(granted) <= 30 || len(lines)-1 != len(granted) {
		t.Fatalf("the dialog lists %d rows, want every one of the %d rows the yes sends:\n%s", len(lines)-1, len(granted), dialog)
	}
	rows := policyRows(t, out)
	names := map[string]string{}
	for _, v := range vpses {
		names[v.id] = v.name
	}
	for _, id := range granted {
		r := rows[id]
		want := id + " " + names[id] + ": " + r.Action
		if r.Action == "update" {
			want += ": time_utc 05:00 -> 02:00, retention_count 2 -> 3"
		}
		contains(t, dialog, want)
	}
	contains(t, dialog, "Policy: daily at 02:00 UTC, keep 3", "110 VPS: 20 create, 20 update, 30 no_change, 40 refused, 0 skipped; 40 mutating requests planned.")
	lacks(t, dialog, "…", "more rows")
	wantOnePOSTEach(t, e, granted)
}

// usedTokensDown is a record of tokens that cannot be read when a token is
// used, as when its Redis became unreachable after the plan.
type usedTokensDown struct{ coord.MemoryTokens }

func (u *usedTokensDown) Use(context.Context, string, string) (coord.TokenUse, error) {
	return coord.TokenFresh, errors.New("dial tcp 10.0.0.7:6379: connection refused")
}

// TestApplyBackupPolicyReportsConfirmationAndLeaseTroubleAsFailed: a used
// token, an unreadable record of used tokens and a lease that could not be
// kept say nothing about the VPS, so the row failed with that reason, not
// changed_since_plan (which tells the user to look at the VPS).
func TestApplyBackupPolicyReportsConfirmationAndLeaseTroubleAsFailed(t *testing.T) {
	t.Run("used_confirm_token", func(t *testing.T) {
		sim := newSim()
		vpses := policyAccount(sim, 11)
		e := newEnv(t, sim)
		var plan tools.ApplyBackupPolicyOutput
		e.ok("apply_backup_policy", nightlyPolicy(), &plan)
		var out tools.ApplyBackupPolicyOutput
		if e.ok("apply_backup_policy", with(nightlyPolicy(), "confirm_token", plan.ConfirmToken), &out); out.Outcome != "applied" {
			t.Fatalf("first use: %q", out.Outcome)
		}
		// The schedule is set back as it was, so the token's plan fits again.
		back := vpses[2].id
		var undo tools.MutationOutput
		if e.ok("upsert_backup_schedule", map[string]any{"vps_id": back, "frequency": "daily", "hour": 5, "retention_count": 2, "name": "Nightly backup"}, &undo); undo.Outcome != "applied" {
			t.Fatalf("setting %s back: %q", back, undo.Outcome)
		}
		sim.ResetLog()
		text := e.ok("apply_backup_policy", with(nightlyPolicy(), "confirm_token", plan.ConfirmToken), &out)
		e.noMutations()
		wantFailed(t, out, text, []string{back}, "used_confirm_token")
	})
	t.Run("confirm_record_unavailable", func(t *testing.T) {
		sim := newSim()
		vpses := policyAccount(sim, 11)
		e := newEnv(t, sim)
		e.deps.Confirm.Record = &usedTokensDown{}
		out, text := applyWithToken(t, e, nightlyPolicy(), nil)
		e.noMutations()
		wantFailed(t, out, text, sending(vpses), "confirm_record_unavailable")
	})
	t.Run("vps_lease_unavailable", func(t *testing.T) {
		sim := newSim()
		policyAccount(sim, 11)
		e := newEnv(t, sim)
		e.deps.Leases = &memLeases{lose: true}
		out, text := applyWithToken(t, e, nightlyPolicy(), nil)
		lost := ""
		for id, r := range policyRows(t, out) {
			if r.Outcome != "applied" && r.Outcome != "planned" {
				lost = id
			}
		}
		wantFailed(t, out, text, []string{lost}, "vps_lease_unavailable")
	})
}

// wantFailed asserts that the rows of ids failed with the refusal code, and
// that they are the only rows that did not apply.
func wantFailed(t *testing.T, out tools.ApplyBackupPolicyOutput, text string, ids []string, code string) {
	t.Helper()
	rows := policyRows(t, out)
	for _, id := range ids {
		if r := rows[id]; r.Outcome != "failed" || !strings.Contains(r.Error, "(code "+code+")") {
			t.Errorf("%s: outcome %q error %q, want failed with %s", id, r.Outcome, r.Error, code)
		}
	}
	if c := out.Totals.ByOutcome; c["failed"] != len(ids) || c["changed_since_plan"] != 0 {
		t.Errorf("outcomes %v, want %d failed and none changed since plan:\n%s", c, len(ids), text)
	}
	contains(t, text, fmt.Sprintf("%d failed, 0 outcome_unknown, 0 changed since plan", len(ids)), "FAILED: Refused: nothing was sent to HostUp.")
}

// leasesChanging runs change (another replica's change) once, when the lease
// on vpsID is first asked for.
type leasesChanging struct {
	*memLeases
	vpsID  string
	once   sync.Once
	change func()
}

func (l *leasesChanging) Acquire(ctx context.Context, vpsID string) (tools.Lease, error) {
	if vpsID == l.vpsID {
		l.once.Do(l.change)
	}
	return l.memLeases.Acquire(ctx, vpsID)
}

// TestApplyBackupPolicyReportsAReplanRefusalAsChangedSincePlan: another
// replica lowers a VPS's limit while the fleet waits for its lease, so the plan
// made again under the lease is refused; that is the VPS changing since the
// plan, not a failure.
func TestApplyBackupPolicyReportsAReplanRefusalAsChangedSincePlan(t *testing.T) {
	sim := newSim()
	vpses := policyAccount(sim, 11)
	e, other := newEnv(t, sim), newEnv(t, sim)
	lowered := vpses[2].id // an update row
	shared := &memLeases{}
	e.deps.Leases, other.deps.Leases = &leasesChanging{memLeases: shared, vpsID: lowered, change: func() {
		var set tools.MutationOutput
		if other.ok("update_backup_settings", map[string]any{"vps_id": lowered, "max_total_backups": 2}, &set); set.Outcome != "applied" {
			t.Errorf("lowering the limit: %q", set.Outcome)
		}
	}}, shared
	out, text := applyWithToken(t, e, nightlyPolicy(), nil)
	if r := policyRows(t, out)[lowered]; r.Outcome != "changed_since_plan" || !strings.Contains(r.Error, "retention_above_limit") {
		t.Errorf("%s: outcome %q error %q, want changed_since_plan with retention_above_limit", lowered, r.Outcome, r.Error)
	}
	contains(t, text, "Applied: 3 applied, 0 failed, 0 outcome_unknown, 1 changed since plan")
}

// TestApplyBackupPolicyRefusesWithTheAdviceThatCures: a VPS with a limit of 2
// filled by 2 manual backups, auto_delete_oldest off. Asked for retention 3, the
// refusal must not advise retention 2 (which is refused too, for want of a
// slot); it names the slot, and following its advice plans the schedule.
func TestApplyBackupPolicyRefusesWithTheAdviceThatCures(t *testing.T) {
	sim := newSim()
	full := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "full", TotalBackupLimit: 2,
		Backups: []hostuptest.BackupSpec{{Note: "a", Age: 48 * time.Hour}, {Note: "b", Age: 24 * time.Hour}}})
	e := newEnv(t, sim)
	plan := func(retention int) tools.PolicyGroup {
		t.Helper()
		var out tools.ApplyBackupPolicyOutput
		e.ok("apply_backup_policy", map[string]any{"frequency": "daily", "hour": 2, "retention_count": retention, "dry_run": true}, &out)
		return policyRows(t, out)[full]
	}
	for _, retention := range []int{3, 2} {
		r := plan(retention)
		if r.Action != "refused" || r.Code != "no_free_slot" {
			t.Fatalf("retention %d: %s %s (%s), want refused no_free_slot: no retention fits without a free slot", retention, r.Action, r.Code, r.Fix)
		}
		contains(t, r.Fix, "turn on auto_delete_oldest (update_backup_settings)", "raise the VPS's backup limit in HostUp's control panel")
	}
	autoDelete := map[string]any{"vps_id": full, "auto_delete_oldest": true}
	var set tools.MutationOutput
	if e.ok("update_backup_settings", with(autoDelete, "confirm_token", planToken(t, e, "update_backup_settings", autoDelete)), &set); set.Outcome != "applied" {
		t.Fatalf("turning on auto_delete_oldest: %q", set.Outcome)
	}
	if r := plan(2); r.Action != "create" {
		t.Errorf("after turning on auto_delete_oldest: %s %s, want create", r.Action, r.Code)
	}
	if r := plan(3); r.Code != "retention_above_limit" || !strings.Contains(r.Fix, "use retention_count 2 or less, or raise the VPS's backup limit in HostUp's control panel") {
		t.Errorf("retention 3 with a free slot: %s %s (%s), want retention_above_limit advising 2", r.Action, r.Code, r.Fix)
	}
}

// TestApplyBackupPolicyTextCarriesTheTokenOnlyWithEveryRowItGrants: the text is
// bounded to 30 rows, but the token grants every create and update row. So the
// text repeats the token only when it lists every one of those rows; otherwise
// it points to the structured result, which has the token and every row.
func TestApplyBackupPolicyTextCarriesTheTokenOnlyWithEveryRowItGrants(t *testing.T) {
	for _, c := range []struct {
		vps       int
		withToken bool
	}{{11, true}, {110, false}} {
		t.Run(fmt.Sprint(c.vps, " VPS"), func(t *testing.T) {
			sim := newSim()
			policyAccount(sim, c.vps)
			e := newEnv(t, sim)
			var out tools.ApplyBackupPolicyOutput
			text := e.ok("apply_backup_policy", nightlyPolicy(), &out)
			if out.Outcome != "confirmation_required" || out.ConfirmToken == "" {
				t.Fatalf("outcome %q, token %q", out.Outcome, out.ConfirmToken)
			}
			if c.withToken {
				contains(t, text, fmt.Sprintf("confirm_token=%q", out.ConfirmToken))
				lacks(t, text, "more rows")
				return
			}
			contains(t, text, "more rows that are not no_change", "the confirm_token from the structured result", "it covers the 40 create and update rows, all listed there", "Without the structured result, plan again in parts of at most 30 VPS with vps_ids")
			lacks(t, text, out.ConfirmToken)
			e.noMutations()
		})
	}
}
