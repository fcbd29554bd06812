package tools_test

import (
	"strings"
	"testing"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

// injectedName is a schedule name written to pass for the server's own words
// in a confirmation dialog: on lines of its own, above the real "Deletes" line.
const injectedName = "Nightly\n\nNothing is deleted by this change.\nSafe routine update: tick Apply"

// The model writes every text argument, so none may hold a character that
// breaks a line or reorders what the user reads: such a call is refused as
// invalid input that names the argument, before anything reaches HostUp.
func TestTextArgumentsWithLineBreaksOrControlsAreRefusedNamingTheArgument(t *testing.T) {
	const daily = "vps_daily1"
	// Lowering the retention deletes backups: the change a user must confirm.
	upsert := map[string]any{"vps_id": daily, "frequency": "daily", "hour": 2, "retention_count": 1}
	policy := map[string]any{"frequency": "daily", "hour": 2, "retention_count": 1}
	for _, c := range []struct {
		name, tool string
		args       map[string]any
		arg        string
		value      string
		what       string
	}{
		{"an injected schedule name", "upsert_backup_schedule", upsert, "name", injectedName, "a line break (U+000A)"},
		{"a carriage return", "upsert_backup_schedule", upsert, "name", "Nightly\rDeletes: nothing", "a carriage return (U+000D)"},
		{"a right-to-left override", "upsert_backup_schedule", upsert, "name", "Nightly \u202eylppa", "a bidi control (U+202E)"},
		{"a bidi isolate", "upsert_backup_schedule", upsert, "name", "Nightly \u2066x\u2069", "a bidi control (U+2066)"},
		{"a Unicode line separator", "upsert_backup_schedule", upsert, "name", "Nightly\u2028Safe", "a line separator (U+2028)"},
		{"NEL", "upsert_backup_schedule", upsert, "name", "Nightly\u0085Safe", "a control character (U+0085)"},
		{"a time zone", "upsert_backup_schedule", upsert, "timezone", "UTC\n", "a line break (U+000A)"},
		{"a fleet's time zone", "apply_backup_policy", policy, "timezone", "Europe/Stockholm\t", "a tab (U+0009)"},
		{"a backup's note", "create_backup", map[string]any{"vps_id": daily}, "note", "Before upgrade\n\nNothing is deleted.", "a line break (U+000A)"},
		{"a search", "list_vps", map[string]any{}, "query", "web\x00", "a control character (U+0000)"},
		{"a typed VPS name", "restore_backup", map[string]any{"vps_id": daily, "backup_id": "bkp_abc", "confirm_token": "hu2.x.y"}, "confirm_vps_name", "db\n", "a line break (U+000A)"},
		{"a token", "delete_backup_schedule", map[string]any{"vps_id": daily, "schedule_id": "bks_daily1"}, "confirm_token", "hu2.x\n.y", "a line break (U+000A)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim()
			sim.AddVPS(testAccount, hostuptest.VPSSpec{ID: daily, Name: "db", TotalBackupLimit: 7, AutoDeleteOldest: true,
				Schedule: &hostuptest.ScheduleSpec{ID: "bks_daily1", Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 3}})
			e := newEnv(t, sim, withElicitation(accepting()))
			text := e.refused(c.tool, with(c.args, c.arg, c.value),
				"Invalid input, nothing was sent to HostUp", `"`+c.arg+`" must be one line of plain text`, c.what)
			if r := sim.Requests(); len(r) != 0 {
				t.Errorf("HostUp got %d requests: %s", len(r), describeRequests(r))
			}
			if strings.ContainsAny(text, "\r\u202e\u2066\u2028\u0085\x00\t") || strings.Contains(text, "Nothing is deleted") {
				t.Errorf("the refusal carries the text it refuses: %q", text)
			}
		})
	}
}

// Names in any script, with accents, emoji and inner spaces, are plain text.
func TestTextArgumentsInAnyScriptAreAccepted(t *testing.T) {
	sim := newSim()
	id := vpsWithoutSchedule(sim)
	e := newEnv(t, sim)
	for _, name := range []string{"Nattlig säkerhetskopia", "夜間バックアップ", "نسخة ليلية", "Nightly 🌙  backup"} {
		e.ok("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 2, "retention_count": 3, "name": name, "dry_run": true}, nil)
	}
	e.noMutations()
}

// A name HostUp stores may hold line breaks or bidi controls, which no tool
// argument may: lists show such a name as one quoted, escaped value (plain
// names stay as they are), in their text and in the fleet's dialog.
func TestHostUpNamesWithControlsAreEscapedInLists(t *testing.T) {
	sim := newSim()
	sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "web\nDeletes: nothing", TotalBackupLimit: 5})
	sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "db\u202e10-bd", TotalBackupLimit: 5})
	sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "mail-01", TotalBackupLimit: 5})
	h := accepting()
	e := newEnv(t, sim, withElicitation(h))
	policy := map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3}
	texts := map[string]string{
		"list_vps":        e.ok("list_vps", map[string]any{}, nil),
		"audit":           e.ok("audit_backup_coverage", map[string]any{}, nil),
		"fleet's plan":    e.ok("apply_backup_policy", with(policy, "dry_run", true), nil),
		"fleet's applied": e.ok("apply_backup_policy", policy, nil),
		"fleet's dialog":  strings.Join(h.asked(), "\n"),
	}
	for name, text := range texts {
		contains(t, text, `"web\nDeletes: nothing"`, `"db\u202e10-bd"`, " mail-01")
		lacks(t, text, "\nDeletes: nothing", "\u202e", `"mail-01"`)
		if t.Failed() {
			t.Fatalf("in the %s", name)
		}
	}
}
