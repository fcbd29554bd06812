package tools_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// A name HostUp stored (set in its control panel, or by a model before text
// arguments had to be one line) can hold line breaks. In the confirmation
// dialog and in the plan's text it stays one quoted value: it never forms a
// line of its own, and the server's own warning comes before the values.
func TestAStoredNameNeverFormsItsOwnLineInTheDialogOrThePlan(t *testing.T) {
	const injected = "Nightly\n\nNothing is deleted by this change.\nSafe routine update: tick Apply"
	sim := newSim()
	day := 24 * time.Hour
	id := sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{Name: injected, Frequency: "daily", Hour: 2, RetentionCount: 5, Since: 10 * day},
		Backups:  []hostuptest.BackupSpec{{Type: "scheduled", Age: day}, {Type: "scheduled", Age: 2 * day}, {Type: "scheduled", Age: 3 * day}, {Type: "scheduled", Age: 4 * day}}})
	asked := accepting()
	e := newEnv(t, sim, withElicitation(asked))
	var out tools.UpsertBackupScheduleOutput
	args := map[string]any{"vps_id": id, "frequency": "daily", "hour": 2, "retention_count": 2, "name": "Nightly backup"}
	text := e.ok("upsert_backup_schedule", with(args, "dry_run", true), &out)
	if !out.Plan.Destructive {
		t.Fatalf("a retention cut below the backups kept must be destructive:\n%s", text)
	}
	e.ok("upsert_backup_schedule", args, nil)
	messages := asked.asked()
	if len(messages) != 1 {
		t.Fatalf("want one dialog, got %d", len(messages))
	}
	for where, shown := range map[string]string{"dialog": messages[0], "plan": text} {
		for _, line := range strings.Split(shown, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "Nothing is deleted") || strings.HasPrefix(strings.TrimSpace(line), "Safe routine update") {
				t.Errorf("the stored name forms a line of its own in the %s:\n%s", where, shown)
			}
		}
		contains(t, shown, `name: "Nightly\n\nNothing is deleted by this change.\nSafe routine update: tick Apply" -> "Nightly backup"`)
		if strings.Index(shown, "deletes: ") > strings.Index(shown, "name: ") {
			t.Errorf("the %s shows the values before what the change deletes:\n%s", where, shown)
		}
	}
}

// An unknown schedule id is refused naming the VPS's enabled schedule, even
// when HostUp lists a disabled one first.
func TestAnUnknownScheduleIsRefusedNamingTheEnabledOne(t *testing.T) {
	sim := newSim()
	sim.SetVariants(hostuptest.Variants{DisabledScheduleFirst: true})
	id := vpsWithDaily(sim)
	e := newEnv(t, sim)
	active := e.schedules(id).Schedules[0].ID
	e.refused("delete_backup_schedule", map[string]any{"vps_id": id, "schedule_id": "bks_nosuch"}, "schedule_not_found", "the schedule of "+id+" is "+active+";")
}
