package tools_test

import "testing"

// HostUp's gate reasons name its camelCase fields; beside our own snake_case
// advice ("turn on auto_delete_oldest") the same setting read as two.
func TestGateReasonsUseOurFieldNames(t *testing.T) {
	e := sandboxEnv(t)
	texts := []string{
		e.ok("list_backups", map[string]any{"vps_id": "vps_sandbox04"}, nil),
		e.refused("create_backup", map[string]any{"vps_id": "vps_sandbox04", "dry_run": true}),
		e.ok("audit_backup_coverage", map[string]any{}, nil),
	}
	for _, text := range texts {
		lacks(t, text, "autoDeleteOldest", "maxTotalBackups", "retentionCount")
	}
	contains(t, texts[0], "turn on auto_delete_oldest")
}
