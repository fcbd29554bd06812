package tools

import (
	"strings"
	"testing"
)

// The backup HostUp deletes first is the one created first, by time: ordering
// the creation times as text named the wrong one when they carry fractions or
// another offset, and a plan would ask the user to lose the wrong backup.
func TestOldestBackupIsOrderedByTimeNotText(t *testing.T) {
	cases := []struct {
		name  string
		views []BackupView
		want  string
	}{
		{"fraction", []BackupView{
			{ID: "bkp_later", Type: "manual", CreatedAt: "2026-11-01T10:00:00.5Z"},
			{ID: "bkp_first", Type: "manual", CreatedAt: "2026-11-01T10:00:00Z"},
		}, "bkp_first (manual, created 2026-11-01T10:00:00Z"},
		{"offset", []BackupView{
			{ID: "bkp_first", Type: "scheduled", CreatedAt: "2026-11-01T11:00:00+02:00"},
			{ID: "bkp_later", Type: "manual", CreatedAt: "2026-11-01T10:00:00Z"},
		}, "bkp_first (scheduled, created 2026-11-01T09:00:00Z"},
		{"unreadable time", []BackupView{
			{ID: "bkp_a", CreatedAt: "2026-11-01T10:00:00Z"},
			{ID: "bkp_b", CreatedAt: "yesterday"},
		}, "(which one is not known: HostUp gave no readable creation time for bkp_b)"},
		{"note", []BackupView{{ID: "bkp_kept", Type: "manual", CreatedAt: "2026-11-01T10:00:00Z", Note: "Before the migration"}},
			`bkp_kept (manual, created 2026-11-01T10:00:00Z, note "Before the migration")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := oldestBackup(tc.views); !strings.HasPrefix(got, tc.want) {
				t.Errorf("oldestBackup = %q, want it to start %q", got, tc.want)
			}
		})
	}
}
