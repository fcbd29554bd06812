package tools_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// A failed result carries its failure for programs too: kind, code, fix and
// whether to retry, in structuredContent, valid against the tool's output
// schema (a strict client validates it whether or not the result is an error),
// and with the same code the text names.
func TestFailuresCarryTheirCodeInStructuredContent(t *testing.T) {
	e := sandboxEnv(t)
	schemas := map[string]*jsonschema.Schema{}
	for name, tool := range listTools(t, e) {
		schemas[name] = compileSchema(t, name, tool["outputSchema"])
	}
	for _, c := range []struct {
		name, tool string
		args       map[string]any
		want       tools.ToolError
	}{
		{"a closed gate", "delete_backup_schedule", map[string]any{"vps_id": "vps_sandbox03", "schedule_id": "bks_sandbox03"},
			tools.ToolError{Kind: "refused", Code: "pending_order", Fix: "finish or cancel the VPS's pending order in HostUp's control panel, then try again."}},
		{"an id that does not exist", "delete_backup_schedule", map[string]any{"vps_id": "vps_sandbox02", "schedule_id": "bks_nosuch"},
			tools.ToolError{Kind: "refused", Code: "schedule_not_found", Fix: "the schedule of vps_sandbox02 is bks_sandbox02; list_backup_schedules shows it."}},
		{"arguments that do not fit", "upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox01", "frequency": "weekly", "hour": 2, "retention_count": 2},
			tools.ToolError{Kind: "invalid_input", Code: "invalid_arguments"}},
		{"a VPS HostUp does not know", "list_backups", map[string]any{"vps_id": "vps_nosuch"},
			tools.ToolError{Kind: "hostup_error", Code: "vps_not_found", Fix: "the VPS does not exist in this account: call list_vps for the real vps_… ids."}},
		{"a made-up token", "delete_backup_schedule", map[string]any{"vps_id": "vps_sandbox02", "schedule_id": "bks_sandbox02", "confirm_token": "hu2.made-up"},
			tools.ToolError{Kind: "refused", Code: "invalid_confirm_token", Fix: "Call the tool again without confirm_token to get a fresh plan and token, and show the plan to the user."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := e.call(c.tool, c.args)
			if !res.IsError {
				t.Fatalf("want a failure, got: %s", textOf(res))
			}
			b, _ := json.Marshal(res.StructuredContent)
			var got struct {
				Error *tools.ToolError `json:"error"`
			}
			if err := json.Unmarshal(b, &got); err != nil || got.Error == nil || *got.Error != c.want {
				t.Fatalf("structuredContent %s, want error %+v", b, c.want)
			}
			doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err := schemas[c.tool].Validate(doc); err != nil {
				t.Errorf("the failure does not fit %s's output schema: %v\n%s", c.tool, err, b)
			}
			if c.want.Kind == "refused" {
				contains(t, textOf(res), "(code "+c.want.Code+")")
			}
		})
	}
}

// A 429 HostUp answered past the wait a call may take is retryable, and says so.
func TestHostUpRateLimitIsRetryable(t *testing.T) {
	sim := newSim()
	id := vpsWithDaily(sim)
	sim.SetFault(http.MethodGet, "/api/v2/vps/*/backups", hostuptest.Fault{Status: 429, RetryAfter: 3600e9})
	e := newEnv(t, sim)
	res := e.call("list_backups", map[string]any{"vps_id": id})
	b, _ := json.Marshal(res.StructuredContent)
	var got struct{ Error tools.ToolError }
	if err := json.Unmarshal(b, &got); err != nil || !res.IsError || got.Error.Kind != "hostup_error" || got.Error.Code != "rate_limit_exceeded" || !got.Error.Retryable {
		t.Fatalf("structuredContent %s", b)
	}
}

// The fleet's rows that did not go through carry the same codes as a failed
// tool result: a VPS that could not be read, and a change HostUp refused.
func TestFleetRowsThatFailedCarryTheirCode(t *testing.T) {
	sim := newSim()
	id := vpsWithDaily(sim)
	sim.SetFault(http.MethodPost, "/api/v2/vps/*/backup-schedules", hostuptest.Fault{Status: http.StatusBadRequest})
	e := newEnv(t, sim, withElicitation(accepting()))
	var out tools.ApplyBackupPolicyOutput
	text := e.ok("apply_backup_policy", map[string]any{"frequency": "daily", "hour": 5, "retention_count": 3, "vps_ids": []string{id, "vps_nosuch1"}}, &out)
	rows := policyRows(t, out)
	if r := rows["vps_nosuch1"]; r.Action != "skipped" || r.Code != "vps_not_found" || r.Fix == "" {
		t.Errorf("the unknown VPS's row: %+v\n%s", r, text)
	}
	if r := rows[id]; r.Outcome != "failed" || r.Code == "" || r.Code == "hostup_unreachable" {
		t.Errorf("the refused change's row: %+v\n%s", r, text)
	}
}
