package tools_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// restoreSim is a simulator on a manual clock at winter, whose jobs end at once,
// and a VPS "web" whose two backups are 51 hours and 4 days old.
func restoreSim(t *testing.T, opts ...hostuptest.Option) (*hostuptest.Simulator, string) {
	t.Helper()
	clock := hostuptest.NewManualClock(winter)
	sim := newSim(append([]hostuptest.Option{hostuptest.WithClock(clock.Now), hostuptest.WithJobTiming(0, 0)}, opts...)...)
	id := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "web", TotalBackupLimit: 5, Backups: []hostuptest.BackupSpec{
		{Type: "scheduled", SizeGB: 12.4, Age: 51 * time.Hour},
		{Note: "Before upgrade", SizeGB: 9.5, Age: 4 * 24 * time.Hour},
	}})
	return sim, id
}

// backupIDs returns the VPS's backup ids, newest first.
func backupIDs(t *testing.T, e *env, vpsID string) []string {
	t.Helper()
	var out tools.ListBackupsOutput
	e.ok("list_backups", map[string]any{"vps_id": vpsID}, &out)
	var ids []string
	for _, b := range out.Backups {
		ids = append(ids, b.ID)
	}
	return ids
}

func TestRestorePlanNamesTheVPSTheBackupAndTheTimeLost(t *testing.T) {
	sim, id := restoreSim(t)
	e := newEnv(t, sim)
	older := backupIDs(t, e, id)[1]
	var out tools.RestoreBackupOutput
	text := e.ok("restore_backup", map[string]any{"vps_id": id, "backup_id": older, "dry_run": true}, &out)
	// Times a person reads are in the display zone (UTC here), not HostUp's raw form.
	created := winter.Add(-4 * 24 * time.Hour).Format("2006-01-02 15:04 MST")
	contains(t, text, "Dry run, nothing was sent.",
		"Restore VPS "+id+` ("web") in place from backup `+older+" (taken "+created+", manual, 9.5 GB)",
		"the last 4 days of changes are lost",
		`deletes: everything written to the disk of "web" since `+created,
		"a restore cannot be undone",
		"This is not the newest backup: 1 backup taken after it would be passed over.")
	if !out.Plan.Destructive || out.Plan.Requests[0].Endpoint != "/api/v2/vps/"+id+"/backups/"+older+"/actions/restore" || out.VPSName != "web" {
		t.Errorf("plan %+v", out)
	}
	newest := backupIDs(t, e, id)[0]
	text = e.ok("restore_backup", map[string]any{"vps_id": id, "backup_id": newest, "dry_run": true}, nil)
	contains(t, text, "scheduled, 12.4 GB", "the last 2 days 3 hours of changes are lost")
	lacks(t, text, "not the newest backup")
	e.noMutations()
}

func TestRestoreRefusalsSendNoMutation(t *testing.T) {
	sim, id := restoreSim(t)
	busy := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "busy", Backups: []hostuptest.BackupSpec{{Age: time.Hour}}, RunningBackup: time.Hour})
	empty := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "empty"})
	ordered := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "ordered", Backups: []hostuptest.BackupSpec{{Age: time.Hour}},
		ClosedGates: map[string]hostup.Gate{hostuptest.GateCanRestore: {Reason: new("An upgrade order is pending payment."), Code: new("pending_order")}}})
	other := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "other", Backups: []hostuptest.BackupSpec{{Age: time.Hour}}})
	e := newEnv(t, sim)
	for _, c := range []struct {
		name  string
		args  map[string]any
		wants []string
	}{
		{"a numeric vmid", map[string]any{"vps_id": "10000", "backup_id": "bkp_abc"}, []string{"v1 has no endpoint to restore a backup", "no_v1_endpoint"}},
		{"a job running", map[string]any{"vps_id": busy, "backup_id": backupIDs(t, e, busy)[0]}, []string{"HostUp does not let you restore a backup of " + busy + " now: A backup job is already running", "backup_in_progress", "a running backup or restore job ends by itself"}},
		{"no backups", map[string]any{"vps_id": empty, "backup_id": "bkp_abc"}, []string{"There is no backup to restore", "create one first (create_backup)"}},
		{"a pending order", map[string]any{"vps_id": ordered, "backup_id": backupIDs(t, e, ordered)[0]}, []string{"pending payment", "pending_order", "finish or cancel the VPS's pending order"}},
		{"another VPS's backup", map[string]any{"vps_id": id, "backup_id": backupIDs(t, e, other)[0]}, []string{"VPS " + id + " has no backup with id", "backup_not_found", "a backup of another VPS cannot be restored in place"}},
		{"a made-up backup id", map[string]any{"vps_id": id, "backup_id": "bkp_nosuch"}, []string{"backup_not_found"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.refused("restore_backup", c.args, c.wants...)
			// Confirming changes nothing about a refusal.
			e.refused("restore_backup", with(c.args, "confirm_token", "hu1.x.y", "confirm_vps_name", "web"), c.wants...)
		})
	}
	if r := sim.Restored(id); len(r) != 0 {
		t.Errorf("restored %v", r)
	}
}

// The operator's setting (--restore-confirm token) opens the token path to a
// restore, with the typed name as an argument; the result then says how it
// was confirmed.
func TestRestoreTokenPathWhenTheOperatorAllowsItNeedsTheTypedName(t *testing.T) {
	sim, id := restoreSim(t)
	e := newEnv(t, sim, withJobTiming(time.Millisecond, 5*time.Second), withRestoreByToken())
	bkp := backupIDs(t, e, id)[0]
	args := map[string]any{"vps_id": id, "backup_id": bkp}
	var plan tools.RestoreBackupOutput
	text := e.ok("restore_backup", args, &plan)
	contains(t, text, "Needs the user's confirmation", "ask the user to type the VPS's name", "confirm_vps_name", "Never type it for them")
	e.noMutations()

	e.refused("restore_backup", with(args, "confirm_token", plan.ConfirmToken),
		"needs a typed confirmation: confirm_vps_name is missing", "typed_confirmation_missing")
	e.refused("restore_backup", with(args, "confirm_token", plan.ConfirmToken, "confirm_vps_name", "web-01"),
		`The text typed as confirm_vps_name ("web-01") is not the VPS's name ("web")`, "typed_confirmation_mismatch")
	e.refused("restore_backup", with(args, "confirm_token", "hu1.made.up", "confirm_vps_name", "web"), "invalid_confirm_token")

	var out tools.RestoreBackupOutput
	text = e.ok("restore_backup", with(args, "confirm_token", plan.ConfirmToken, "confirm_vps_name", "web"), &out)
	if out.Outcome != "applied" || out.Job == nil || out.Job.Status != hostup.JobCompleted {
		t.Fatalf("outcome %q, job %+v:\n%s", out.Outcome, out.Job, text)
	}
	if first, _, _ := strings.Cut(text, "\n"); !strings.HasSuffix(first, `"web" now runs from backup `+bkp+": restore done.") {
		t.Errorf("the text must start with the verdict:\n%s", text)
	}
	contains(t, text, "A restore was confirmed through a confirm_token with confirm_vps_name, not by the user in a dialog", "--restore-confirm token",
		"cannot tell whether the user typed the VPS's name or the model did")
	if m := e.mutations(); len(m) != 1 || m[0].Path != "/api/v2/vps/"+id+"/backups/"+bkp+"/actions/restore" || len(m[0].Body) != 0 {
		t.Errorf("mutations: %s", describeRequests(m))
	}
	if r := sim.Restored(id); len(r) != 1 || r[0] != bkp {
		t.Errorf("restored %v, want [%s]", r, bkp)
	}
}

// typist answers the confirmation dialog by typing, and records what it was asked.
type typist struct {
	action  mcp.ElicitationResponseAction
	content map[string]any

	mu      sync.Mutex
	schemas []any
	asked   []string
}

func (h *typist) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.schemas = append(h.schemas, req.Params.RequestedSchema)
	h.asked = append(h.asked, req.Params.Message)
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: h.action, Content: h.content}}, nil
}

func TestRestoreDialogAsksToTypeTheVPSName(t *testing.T) {
	accept := mcp.ElicitationResponseActionAccept
	for _, c := range []struct {
		name    string
		action  mcp.ElicitationResponseAction
		content map[string]any
		outcome string // "" when refused
		wants   []string
	}{
		{"typed right", accept, map[string]any{"typed_name": "web"}, "applied", []string{"restore done."}},
		{"typed with spaces around", accept, map[string]any{"typed_name": " web "}, "applied", []string{"restore done."}},
		{"typed wrong", accept, map[string]any{"typed_name": "db"}, "", []string{`The text typed in the dialog ("db") is not the VPS's name ("web")`, "typed_confirmation_mismatch"}},
		{"nothing typed", accept, map[string]any{}, "", []string{`The text typed in the dialog ("") is not the VPS's name`}},
		{"a ticked box is not a typed name", accept, map[string]any{"confirm": true}, "", []string{"typed_confirmation_mismatch"}},
		{"declined", mcp.ElicitationResponseActionDecline, nil, "declined", []string{"nothing was sent to HostUp"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim, id := restoreSim(t)
			h := &typist{action: c.action, content: c.content}
			e := newEnv(t, sim, withElicitation(h), withJobTiming(time.Millisecond, 5*time.Second))
			args := map[string]any{"vps_id": id, "backup_id": backupIDs(t, e, id)[0]}
			if c.outcome == "" {
				e.refused("restore_backup", args, c.wants...)
			} else {
				var out tools.RestoreBackupOutput
				contains(t, e.ok("restore_backup", args, &out), c.wants...)
				if out.Outcome != c.outcome {
					t.Errorf("outcome %q, want %q", out.Outcome, c.outcome)
				}
			}
			if want := map[string]bool{"applied": true}[c.outcome]; (len(sim.Restored(id)) == 1) != want || (len(e.mutations()) == 1) != want {
				t.Errorf("restored %v with %d mutations", sim.Restored(id), len(e.mutations()))
			}
			if len(h.asked) != 1 {
				t.Fatalf("asked %d times", len(h.asked))
			}
			contains(t, h.asked[0], "Restore VPS "+id+` ("web")`, `To go ahead, type the VPS's name, without the quotes: "web"`)
			schema, _ := h.schemas[0].(map[string]any)
			props, _ := schema["properties"].(map[string]any)
			field, _ := props["typed_name"].(map[string]any)
			if field["type"] != "string" || len(props) != 1 || !strings.Contains(strings.Join(anyStrings(schema["required"]), ","), "typed_name") {
				t.Errorf("the dialog must ask for one required string, got %v", schema)
			}
		})
	}
}

func (h *typist) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.asked...)
}

func anyStrings(v any) []string {
	var out []string
	switch l := v.(type) {
	case []string:
		out = l
	case []any:
		for _, s := range l {
			str, _ := s.(string)
			out = append(out, str)
		}
	}
	return out
}

func TestRestoreFaultDuringThePOSTIsNeverResentAndReadBack(t *testing.T) {
	for _, c := range []struct {
		name    string
		arm     func(e *env)
		verdict []string
	}{
		{"answer lost after HostUp queued it", func(e *env) { e.http.loseAnswer(http.MethodPost) }, []string{
			"shows a job running on vps_sim000001 (HostUp blocks restores: A restore is running on this VPS): most likely this restore; do not send it again."}},
		{"503 before HostUp did anything", func(e *env) {
			e.sim.SetFault(http.MethodPost, "/api/v2/vps/*/backups/*/actions/restore", hostuptest.Fault{Status: 503, Times: 1})
		}, []string{"cannot tell whether the restore happened", "Check the VPS (its files, or HostUp's control panel) with the user before restoring again."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The job stays queued: the simulated clock does not move.
			sim, id := restoreSim(t, hostuptest.WithJobTiming(time.Minute, time.Minute))
			e := newEnv(t, sim, withRealHTTP(), withElicitation(&typist{action: mcp.ElicitationResponseActionAccept, content: map[string]any{"typed_name": "web"}}))
			c.arm(e)
			var out tools.RestoreBackupOutput
			text := e.ok("restore_backup", map[string]any{"vps_id": id, "backup_id": backupIDs(t, e, id)[0]}, &out)
			if out.Outcome != "outcome_unknown" {
				t.Fatalf("outcome %q:\n%s", out.Outcome, text)
			}
			contains(t, text, append(c.verdict, "was not sent again")...)
			lacks(t, text, "safe to try again")
			if m := e.mutations(); len(m) != 1 {
				t.Errorf("the restore was sent %d times: %s", len(m), describeRequests(m))
			}
			reads := 0
			for _, r := range sim.Requests() {
				if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/backups") && r.At.Equal(winter) {
					reads++
				}
			}
			if reads < 3 { // two plans (dialog and answer), then the read-back
				t.Errorf("the state was not read back after the POST (%d reads)", reads)
			}
		})
	}
}

// By default a restore is the user's to confirm, in person: a client without a
// dialog gets no token, and a token (here one a server in token mode issued,
// signed with the same secret) with the typed name is refused, naming every
// way the user can confirm.
func TestRestoreWithATokenAndTheTypedNameIsRefusedByDefault(t *testing.T) {
	sim, id := restoreSim(t)
	lenient := newEnv(t, sim, withRestoreByToken())
	args := map[string]any{"vps_id": id, "backup_id": backupIDs(t, lenient, id)[0]}
	var plan tools.RestoreBackupOutput
	lenient.ok("restore_backup", args, &plan)
	if plan.ConfirmToken == "" {
		t.Fatalf("the server in token mode issued no token: %+v", plan)
	}

	e := newEnv(t, sim)
	wants := []string{"A restore is confirmed by the user in person", "a confirm_token, which the model passes, cannot confirm it",
		"(code user_confirmation_unavailable)", "confirmation dialog (elicitation)",
		`hostup-mcp call restore_backup '{"vps_id":"` + id + `","backup_id":"` + args["backup_id"].(string) + `"}' --yes`,
		"--restore-confirm token (HOSTUP_RESTORE_CONFIRM=token)"}
	text := e.refused("restore_backup", args, wants...)
	lacks(t, text, "confirm_token=")
	e.refused("restore_backup", with(args, "confirm_token", plan.ConfirmToken, "confirm_vps_name", "web"), wants...)
	if r := sim.Restored(id); len(r) != 0 {
		t.Errorf("restored %v", r)
	}
	// A dry run needs no confirmation.
	e.ok("restore_backup", with(args, "dry_run", true), nil)
}

// fastJobs follows a restore's job, which the simulator ends at once, without
// waiting for the default poll interval.
var fastJobs = withJobTiming(time.Millisecond, 5*time.Second)

// The typed name and the VPS's name are compared as a person reads them:
// without surrounding spaces, and in one Unicode form (NFC), whichever form
// HostUp stored or the keyboard sent.
func TestRestoreTypedNameMatchesTrimmedAndNFC(t *testing.T) {
	const composed, decomposed = "caf\u00e9-01", "cafe\u0301-01"
	for _, c := range []struct {
		name, stored, typed string
		token               bool
	}{
		{"stored decomposed, typed composed, in the dialog", decomposed, " " + composed + "\t", false},
		{"stored composed, typed decomposed, in the dialog", composed, decomposed, false},
		{"stored with spaces, typed without, as confirm_vps_name", " " + composed + " ", composed, true},
		{"stored composed, typed decomposed, as confirm_vps_name", composed, decomposed + " ", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim(hostuptest.WithJobTiming(0, 0))
			id := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: c.stored, TotalBackupLimit: 5, Backups: []hostuptest.BackupSpec{{Age: time.Hour}}})
			args := map[string]any{"vps_id": id}
			var out tools.RestoreBackupOutput
			if c.token {
				e := newEnv(t, sim, withRestoreByToken(), fastJobs)
				args["backup_id"] = backupIDs(t, e, id)[0]
				var plan tools.RestoreBackupOutput
				e.ok("restore_backup", args, &plan)
				e.ok("restore_backup", with(args, "confirm_token", plan.ConfirmToken, "confirm_vps_name", c.typed), &out)
			} else {
				e := newEnv(t, sim, withElicitation(&typist{action: mcp.ElicitationResponseActionAccept, content: map[string]any{"typed_name": c.typed}}), fastJobs)
				args["backup_id"] = backupIDs(t, e, id)[0]
				e.ok("restore_backup", args, &out)
			}
			if out.Outcome != "applied" || len(sim.Restored(id)) != 1 {
				t.Errorf("outcome %q, restored %v", out.Outcome, sim.Restored(id))
			}
		})
	}
}

// A name the user cannot type (longer than the typed field takes, or holding
// control or bidi characters) still lets the restore be confirmed: the user
// types the VPS's id instead. The name is shown escaped, as one quoted value,
// in the plan and in the dialog.
func TestRestoreOfAVPSWhoseNameCannotBeTypedIsConfirmedWithItsID(t *testing.T) {
	for _, c := range []struct {
		name, vpsName, shown string
	}{
		{"longer than the typed field", strings.Repeat("long-name-", 25), `"` + strings.Repeat("long-name-", 25) + `"`},
		{"decomposed beyond the limit", strings.Repeat("\u00e9", 150), `"` + strings.Repeat("\u00e9", 150) + `"`},
		{"a right-to-left override", "web\u202e10-bd", `"web\u202e10-bd"`},
		{"a line break", "web\nDeletes: nothing", `"web\nDeletes: nothing"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim(hostuptest.WithJobTiming(0, 0))
			id := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: c.vpsName, TotalBackupLimit: 5, Backups: []hostuptest.BackupSpec{{Age: time.Hour}}})
			h := &typist{action: mcp.ElicitationResponseActionAccept, content: map[string]any{"typed_name": id}}
			e := newEnv(t, sim, withElicitation(h), fastJobs)
			args := map[string]any{"vps_id": id, "backup_id": backupIDs(t, e, id)[0]}
			text := e.ok("restore_backup", with(args, "dry_run", true), nil)
			contains(t, text, "Restore VPS "+id+" ("+c.shown+") in place")
			var out tools.RestoreBackupOutput
			text = e.ok("restore_backup", args, &out)
			if out.Outcome != "applied" || len(sim.Restored(id)) != 1 {
				t.Fatalf("outcome %q, restored %v:\n%s", out.Outcome, sim.Restored(id), text)
			}
			contains(t, h.asked[0], "Restore VPS "+id+" ("+c.shown+")", `To go ahead, type the VPS's id, without the quotes: "`+id+`"`)
			for _, s := range append([]string{text}, h.asked...) {
				if strings.ContainsAny(s, "\u202e") || strings.Contains(s, "\nDeletes: nothing") {
					t.Errorf("a raw control character of the name reached a text: %q", s)
				}
			}
		})
	}
	// A name as long as the field takes is typed whole.
	sim := newSim(hostuptest.WithJobTiming(0, 0))
	name := strings.Repeat("n", 200)
	id := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: name, TotalBackupLimit: 5, Backups: []hostuptest.BackupSpec{{Age: time.Hour}}})
	e := newEnv(t, sim, withRestoreByToken(), fastJobs)
	args := map[string]any{"vps_id": id, "backup_id": backupIDs(t, e, id)[0]}
	var plan, out tools.RestoreBackupOutput
	contains(t, e.ok("restore_backup", args, &plan), "ask the user to type the VPS's name")
	e.ok("restore_backup", with(args, "confirm_token", plan.ConfirmToken, "confirm_vps_name", name), &out)
	if out.Outcome != "applied" {
		t.Errorf("a 200-character name: outcome %q", out.Outcome)
	}
}
