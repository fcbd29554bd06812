package callcmd

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

// call runs the call command with o and positional on srv, with no input.
func call(t *testing.T, srv *server.MCPServer, o Options, positional ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), srv, o, positional, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// The fleet's result has a row per VPS, not one plan: --yes must still show
// what it applies, and only that.
func TestCallYesShowsTheFleetPlanItApplies(t *testing.T) {
	srv, _ := sandbox(t, false)
	code, stdout, stderr := call(t, srv, Options{Yes: true}, "apply_backup_policy", `{"frequency":"daily","hour":2,"retention_count":3,"cap_retention":true}`)
	if code != ExitDone || !strings.Contains(stdout, "3 applied, 0 failed") {
		t.Fatalf("with --yes: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"Applying with --yes:", "Policy: daily at 02:00 UTC, keep 3.", "vps_sandbox05 api-01: update: time_utc 01:00 -> 02:00"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("--yes must show the plan it applies (%q); stderr:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "confirm_token") || strings.Contains(stderr, "Needs the user's confirmation") {
		t.Errorf("--yes shows the model's instructions instead of the plan only; stderr:\n%s", stderr)
	}
}

// A change HostUp accepted but does not show is no success for a script: call
// exits 4, and its text says the change is not confirmed done.
func TestCallExitsNotShownWhenHostUpDoesNotShowTheChange(t *testing.T) {
	sim := hostuptest.New()
	sim.SetVariants(hostuptest.Variants{KeepsScheduleTime: true})
	sim.AddKey("hu_test_key", "acct")
	id := sim.AddVPS("acct", hostuptest.VPSSpec{Name: "web", TotalBackupLimit: 7, Schedule: &hostuptest.ScheduleSpec{Frequency: "daily", Hour: 2, RetentionCount: 3}})
	srv := serverOver(t, sim, "hu_test_key", false)
	code, stdout, stderr := call(t, srv, Options{}, "upsert_backup_schedule", `{"vps_id":"`+id+`","frequency":"daily","hour":5,"retention_count":3}`)
	if code != ExitNotShown || !strings.Contains(stdout, "NOT CONFIRMED DONE") || strings.Contains(stdout, "Done.") {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, ExitNotShown, stdout, stderr)
	}

	sim.SetVariants(hostuptest.Variants{})
	srv = serverOver(t, sim, "hu_test_key", false) // call starts a server of its own on every run
	code, stdout, stderr = call(t, srv, Options{}, "upsert_backup_schedule", `{"vps_id":"`+id+`","frequency":"daily","hour":5,"retention_count":3}`)
	if code != ExitDone || !strings.Contains(stdout, "Done. HostUp now reports: daily at 05:00 UTC") {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, ExitDone, stdout, stderr)
	}
}
