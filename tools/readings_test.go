package tools_test

// Readings of HostUp answers that must never turn into a wrong action or a
// silent skip: what the user is told when an answer cannot be read, or leaves
// something unknown.

import (
	"net/http"
	"testing"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

func TestAnUnreadableAnswerNamesTheFieldAndTheValueAndAdvisesNoRetry(t *testing.T) {
	tests := []struct {
		tool, path, body string
		wants            []string
	}{
		{"list_backup_schedules", "/api/v2/vps/*/backup-schedules", `{"schedules":[{"id":"bks_1","frequency":"daily","retentionCount":3.5,"enabled":true}]}`,
			[]string{`schedules.retentionCount is "3.5" where a whole number was expected`}},
		{"list_backups", "/api/v2/vps/*/backups", `{"backups":[],"quotaInfo":{"used":"two"}}`,
			[]string{`quotaInfo.used is "\"two\"" where a whole number was expected`}},
		{"list_backup_schedules", "/api/v2/vps/*/backup-schedules", `<html>down for maintenance</html>`,
			[]string{`the answer is "<html>down for maintenance</html>" where JSON was expected`}},
	}
	for _, tt := range tests {
		t.Run(tt.tool+" "+tt.body, func(t *testing.T) {
			e := newEnv(t, newSim())
			id := vpsWithDaily(e.sim)
			e.sim.SetFault(http.MethodGet, tt.path, hostuptest.Fault{Status: http.StatusOK, Body: tt.body})
			text := e.fails(tt.tool, map[string]any{"vps_id": id})
			contains(t, text, append(tt.wants, "HostUp sent an answer that could not be read (GET", "report the field and the value to HostUp support")...)
			lacks(t, text, "try again", "retry", "may be down")
		})
	}
}

func TestTheAuditNamesAnUnreadableFieldInItsRow(t *testing.T) {
	e := newEnv(t, newSim())
	id := vpsWithDaily(e.sim)
	e.sim.SetFault(http.MethodGet, "/api/v2/vps/*/backup-schedules", hostuptest.Fault{Status: http.StatusOK, Body: `{"schedules":[],"limits":{"maxRetention":7.5}}`})
	var out tools.AuditBackupCoverageOutput
	text := e.ok("audit_backup_coverage", map[string]any{"vps_ids": []any{id}}, &out)
	if out.Totals.Errors != 1 || out.Totals.Covered != 0 {
		t.Fatalf("totals %+v, want the row unread:\n%s", out.Totals, text)
	}
	contains(t, text, `limits.maxRetention is "7.5"`)
	lacks(t, text, "try again")
}
