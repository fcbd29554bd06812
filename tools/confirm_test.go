package tools_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// The destructive calls used by the confirmation tests: each one deletes
// something in the sandbox account.
func deleteScheduleArgs() map[string]any {
	return map[string]any{"vps_id": "vps_sandbox02", "schedule_id": "bks_sandbox02"}
}

// planToken calls a destructive tool without a token and returns the token the
// confirmation_required result carries. Nothing may be sent yet.
func planToken(t *testing.T, e *env, tool string, args map[string]any) string {
	t.Helper()
	var out tools.MutationOutput
	text := e.ok(tool, args, &out)
	if out.Outcome != "confirmation_required" || out.ConfirmToken == "" {
		t.Fatalf("%s: outcome %q, want confirmation_required with a token:\n%s", tool, out.Outcome, text)
	}
	contains(t, text, "Needs the user's confirmation", "confirm_token=")
	e.noMutations()
	return out.ConfirmToken
}

func with(args map[string]any, extra ...any) map[string]any {
	out := map[string]any{}
	for k, v := range args {
		out[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		out[extra[i].(string)] = extra[i+1]
	}
	return out
}

func TestConfirmTokenAppliesTheConfirmedPlan(t *testing.T) {
	e := sandboxEnv(t)
	token := planToken(t, e, "delete_backup_schedule", deleteScheduleArgs())
	var out tools.DeleteBackupScheduleOutput
	text := e.ok("delete_backup_schedule", with(deleteScheduleArgs(), "confirm_token", token), &out)
	if out.Outcome != "applied" || out.Schedules == nil || len((*out.Schedules)) != 0 {
		t.Fatalf("outcome %q, state %+v:\n%s", out.Outcome, out.Schedules, text)
	}
	m := e.mutations()
	if len(m) != 1 || m[0].Method != "DELETE" || m[0].Path != "/api/v2/vps/vps_sandbox02/backup-schedules/bks_sandbox02" {
		t.Fatalf("mutations: %s", describeRequests(m))
	}
	contains(t, text, "Deleted schedule bks_sandbox02", "no schedule")
}

func TestConfirmTokenRefusals(t *testing.T) {
	cases := []struct {
		name string
		// token returns the token to present, after changing whatever the case needs.
		token func(t *testing.T, e *env) string
		args  map[string]any
		wants []string
	}{
		{
			name:  "forged",
			token: func(*testing.T, *env) string { return "hu1.eyJ0IjoiZGVsZXRlIn0.c2lnbmF0dXJl" },
			wants: []string{"not a token this server issued", "invalid_confirm_token", "without confirm_token"},
		},
		{
			name:  "made up",
			token: func(*testing.T, *env) string { return "yes-the-user-agreed" },
			wants: []string{"not a token this server issued", "invalid_confirm_token"},
		},
		{
			name: "signed by another server",
			token: func(t *testing.T, e *env) string {
				other := tools.NewConfirmer([]byte("another-secret"))
				tok, _, _ := other.Issue(context.Background(), "confirm", "delete_backup_schedule", "", nil, "", e.clock.Now())
				return tok
			},
			wants: []string{"not a token this server issued"},
		},
		{
			name: "expired",
			token: func(t *testing.T, e *env) string {
				tok := planToken(t, e, "delete_backup_schedule", deleteScheduleArgs())
				e.clock.Advance(10*time.Minute + 2*time.Second)
				return tok
			},
			wants: []string{"expired", "expired_confirm_token", "10 minutes", "fresh plan"},
		},
		{
			name: "stale: the state changed between plan and confirm",
			token: func(t *testing.T, e *env) string {
				tok := planToken(t, e, "delete_backup_schedule", deleteScheduleArgs())
				e.ok("update_backup_settings", map[string]any{"vps_id": "vps_sandbox02", "max_total_backups": 6}, nil)
				e.sim.ResetLog()
				return tok
			},
			wants: []string{"state changed since this plan was made", "stale_confirm_token"},
		},
		{
			name: "mismatched: issued for another tool",
			token: func(t *testing.T, e *env) string {
				return planToken(t, e, "delete_backup", map[string]any{"vps_id": "vps_sandbox02", "backup_id": firstBackup(t, e, "vps_sandbox02")})
			},
			wants: []string{"issued for a different change", "mismatched_confirm_token"},
		},
		{
			name: "mismatched: issued for other arguments",
			token: func(t *testing.T, e *env) string {
				return planToken(t, e, "upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox02", "frequency": "weekly", "day_of_week": 3, "hour": 4, "retention_count": 3, "replace_existing": true})
			},
			args:  map[string]any{"vps_id": "vps_sandbox02", "frequency": "weekly", "day_of_week": 5, "hour": 4, "retention_count": 3, "replace_existing": true},
			wants: []string{"issued for a different change", "mismatched_confirm_token"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := sandboxEnv(t)
			tok := c.token(t, e)
			args := c.args
			if args == nil {
				args = deleteScheduleArgs()
			}
			tool := "delete_backup_schedule"
			if _, ok := args["frequency"]; ok {
				tool = "upsert_backup_schedule"
			}
			text := e.fails(tool, with(args, "confirm_token", tok))
			contains(t, text, append([]string{"Refused: nothing was sent to HostUp"}, c.wants...)...)
			e.noMutations()
		})
	}
}

// TestElicitationConfirmsDestructiveChanges: a client that can elicit is asked
// directly, on both protocol generations (server-initiated elicitation and the
// 2026 multi round-trip).
func TestElicitationConfirmsDestructiveChanges(t *testing.T) {
	for _, proto := range []string{mcp.LATEST_PROTOCOL_VERSION, mcp.LATEST_LEGACY_PROTOCOL_VERSION} {
		t.Run(proto, func(t *testing.T) {
			cases := []struct {
				name    string
				answer  *elicitor
				applied bool
			}{
				{"accept", accepting(), true},
				{"accept with confirm false", &elicitor{action: mcp.ElicitationResponseActionAccept, content: map[string]any{"confirm": false}}, false},
				{"accept without content", &elicitor{action: mcp.ElicitationResponseActionAccept}, false},
				{"decline", &elicitor{action: mcp.ElicitationResponseActionDecline}, false},
				{"cancel", &elicitor{action: mcp.ElicitationResponseActionCancel}, false},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					e := sandboxEnv(t, withElicitation(c.answer), withProtocol(proto))
					var out tools.DeleteBackupScheduleOutput
					text := e.ok("delete_backup_schedule", deleteScheduleArgs(), &out)
					asked := c.answer.asked()
					if len(asked) != 1 {
						t.Fatalf("the user was asked %d times, want once", len(asked))
					}
					contains(t, asked[0], "Delete the backup schedule bks_sandbox02", "existing backups stay")
					if out.ConfirmToken != "" {
						t.Error("an eliciting client gets no confirm_token")
					}
					if !c.applied {
						if out.Outcome != "declined" {
							t.Errorf("outcome %q, want declined", out.Outcome)
						}
						contains(t, text, "Not confirmed: nothing was changed")
						e.noMutations()
						return
					}
					if out.Outcome != "applied" || out.Schedules == nil || len((*out.Schedules)) != 0 {
						t.Fatalf("outcome %q state %+v:\n%s", out.Outcome, out.Schedules, text)
					}
					if m := e.mutations(); len(m) != 1 || m[0].Method != "DELETE" {
						t.Fatalf("mutations: %s", describeRequests(m))
					}
				})
			}
		})
	}
}

// TestElicitationIsNotUsedForNonDestructiveChanges: creating a schedule needs no
// confirmation, so the user is not interrupted.
func TestElicitationIsNotUsedForNonDestructiveChanges(t *testing.T) {
	h := accepting()
	e := sandboxEnv(t, withElicitation(h))
	var out tools.UpsertBackupScheduleOutput
	e.ok("upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox01", "frequency": "daily", "hour": 3, "retention_count": 2}, &out)
	if out.Outcome != "applied" || len(h.asked()) != 0 {
		t.Fatalf("outcome %q, asked %v", out.Outcome, h.asked())
	}
}

// TestDryRunSendsNoMutation: every write tool, including destructive plans and
// plans that would need confirmation, returns the plan and sends nothing.
func TestDryRunSendsNoMutation(t *testing.T) {
	cases := []struct {
		tool     string
		args     map[string]any
		requests []string // "METHOD endpoint" of the plan
	}{
		{"upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox01", "frequency": "daily", "hour": 3, "retention_count": 2},
			[]string{"POST /api/v2/vps/vps_sandbox01/backup-schedules"}},
		{"upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox02", "frequency": "monthly", "day_of_month": 5, "hour": 3, "retention_count": 2, "replace_existing": true},
			[]string{"DELETE /api/v2/vps/vps_sandbox02/backup-schedules/bks_sandbox02", "POST /api/v2/vps/vps_sandbox02/backup-schedules"}},
		{"update_backup_settings", map[string]any{"vps_id": "vps_sandbox02", "max_total_backups": 2},
			[]string{"PATCH /api/v2/vps/vps_sandbox02/backup-schedules"}},
		{"delete_backup_schedule", map[string]any{"vps_id": "vps_sandbox02", "schedule_id": "bks_sandbox02"},
			[]string{"DELETE /api/v2/vps/vps_sandbox02/backup-schedules/bks_sandbox02"}},
		{"create_backup", map[string]any{"vps_id": "vps_sandbox02", "note": "before upgrade"},
			[]string{"POST /api/v2/vps/vps_sandbox02/backups"}},
		{"delete_backup", map[string]any{"vps_id": "vps_sandbox02"}, nil},
	}
	for _, c := range cases {
		t.Run(c.tool, func(t *testing.T) {
			for _, elicit := range []bool{false, true} {
				var opts []envOption
				h := accepting()
				if elicit {
					opts = append(opts, withElicitation(h))
				}
				e := sandboxEnv(t, opts...)
				args := with(c.args, "dry_run", true)
				if c.tool == "delete_backup" {
					id := firstBackup(t, e, "vps_sandbox02")
					args["backup_id"] = id
					c.requests = []string{"DELETE /api/v2/vps/vps_sandbox02/backups/" + id}
				}
				var out tools.MutationOutput
				text := e.ok(c.tool, args, &out)
				e.noMutations()
				if len(h.asked()) != 0 {
					t.Error("a dry run must not ask the user")
				}
				if out.Outcome != "dry_run" || out.ConfirmToken != "" {
					t.Errorf("outcome %q token %q, want dry_run without token", out.Outcome, out.ConfirmToken)
				}
				var got []string
				for _, r := range out.Plan.Requests {
					got = append(got, r.Method+" "+r.Endpoint)
				}
				if strings.Join(got, "\n") != strings.Join(c.requests, "\n") {
					t.Errorf("plan requests %v, want %v", got, c.requests)
				}
				contains(t, text, "Dry run, nothing was sent")
			}
		})
	}
}

// A scheduled backup that runs between the plan and the user's confirmation
// changes the run history, run times and usage counters, none of which decided
// the plan: the token still applies (issue 14). A changed setting still voids it.
func TestConfirmTokenSurvivesAScheduledRun(t *testing.T) {
	sim := newSim()
	vps := sim.AddVPS(testAccount, hostuptest.VPSSpec{
		Name: "db", TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{ID: "bks_daily1", Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 5, Since: 30 * 24 * time.Hour},
		Backups:  []hostuptest.BackupSpec{{Type: "scheduled", Age: 72 * time.Hour}, {Type: "scheduled", Age: 48 * time.Hour}, {Type: "scheduled", Age: 24 * time.Hour}},
	})
	e := newEnv(t, sim)
	cut := map[string]any{"vps_id": vps, "frequency": "daily", "hour": 2, "retention_count": 1}
	tok := planToken(t, e, "upsert_backup_schedule", cut)
	sim.RunScheduledBackup(vps)
	sim.Advance(time.Hour)

	var out tools.UpsertBackupScheduleOutput
	text := e.ok("upsert_backup_schedule", with(cut, "confirm_token", tok), &out)
	if out.Outcome != "applied" {
		t.Fatalf("outcome %q after a scheduled run, want applied:\n%s", out.Outcome, text)
	}
	if m := e.mutations(); len(m) != 1 || m[0].Method != http.MethodPost {
		t.Errorf("want the one POST, got:%s", describeRequests(m))
	}

	// A setting that decides the plan did change: the token is refused.
	deleteArgs := map[string]any{"vps_id": vps, "schedule_id": "bks_daily1"}
	e.sim.ResetLog()
	tok = planToken(t, e, "delete_backup_schedule", deleteArgs)
	e.ok("update_backup_settings", map[string]any{"vps_id": vps, "max_total_backups": 6}, nil)
	e.sim.ResetLog()
	e.refused("delete_backup_schedule", with(deleteArgs, "confirm_token", tok), "stale_confirm_token")
	e.noMutations()
}
