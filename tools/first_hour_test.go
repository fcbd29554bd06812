package tools_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// rawUTC is a timestamp as HostUp writes it, which no person should have to
// convert: every time a text shows is in the display zone.
var rawUTC = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d`)

func TestSnapshotTimesAndRestorePlanAreInTheDisplayZone(t *testing.T) {
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, hostuptest.Sandbox(), withKey(hostuptest.SandboxAPIKey), withDisplay(stockholm))
	text := e.ok("list_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox02"}, nil)
	contains(t, text, "Last snapshot 20", " CET.")
	if rawUTC.MatchString(text) {
		t.Errorf("the snapshot schedule shows a raw UTC time:\n%s", text)
	}
	text = e.ok("restore_backup", map[string]any{"vps_id": "vps_sandbox02", "backup_id": "bkp_sim000001", "dry_run": true}, nil)
	contains(t, text, " CET, scheduled", "as it was at 20")
	if rawUTC.MatchString(text) {
		t.Errorf("the restore plan shows a raw UTC time:\n%s", text)
	}
}

// Once a restore is done, the text no longer tells the user what to do before
// restoring.
func TestADoneRestoreDoesNotAdviseWhatToDoBeforeIt(t *testing.T) {
	sim, id := restoreSim(t)
	e := newEnv(t, sim, withElicitation(&typist{action: mcp.ElicitationResponseActionAccept, content: map[string]any{"typed_name": "web"}}))
	older := backupIDs(t, e, id)[1]
	plan := e.ok("restore_backup", map[string]any{"vps_id": id, "backup_id": older, "dry_run": true}, nil)
	contains(t, plan, "create a backup first", "This is not the newest backup")
	var out tools.RestoreBackupOutput
	text := e.ok("restore_backup", map[string]any{"vps_id": id, "backup_id": older}, &out)
	if out.Outcome != "applied" {
		t.Fatalf("outcome %q:\n%s", out.Outcome, text)
	}
	lacks(t, text, "create a backup first", "This is not the newest backup")
}

// A snapshot schedule change lists what changes, not what stays.
func TestASnapshotChangeListsOnlyWhatChanges(t *testing.T) {
	e := newEnv(t, hostuptest.Sandbox(), withKey(hostuptest.SandboxAPIKey))
	var out tools.SnapshotScheduleChangeOutput
	text := e.ok("set_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox02", "interval_hours": 8, "dry_run": true}, &out)
	if len(out.Plan.Changes) != 1 || out.Plan.Changes[0].Field != "interval_hours" {
		t.Fatalf("changes %+v, want interval_hours alone:\n%s", out.Plan.Changes, text)
	}
	lacks(t, text, "enabled: true -> true")
}
