package tools_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// A client may hand structuredContent to the model instead of the text, so a
// fleet's result must fit a model's context: at most 64 KB at 1,000 VPSes
// (the accounts .ci/bench measures), with every VPS still in it.
const fleetResultBudget = 64 << 10

func structuredSize(t *testing.T, res *mcp.CallToolResult) int {
	t.Helper()
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

// TestAuditOfAThousandVPSesFitsAModelsContext: the VPSes that need nothing are
// only named, the first rows needing attention are whole, and the others are
// grouped by their problems; every VPS is in the result once, with the
// problems its whole row would show.
func TestAuditOfAThousandVPSesFitsAModelsContext(t *testing.T) {
	e := newEnv(t, hostuptest.Fleet(1000, 11), withKey(hostuptest.FleetAPIKey))
	res := e.call("audit_backup_coverage", map[string]any{})
	if size := structuredSize(t, res); size > fleetResultBudget {
		t.Errorf("structuredContent is %d bytes, want at most %d", size, fleetResultBudget)
	}
	var out tools.AuditBackupCoverageOutput
	decodeStructured(t, res, &out)
	rows := auditRows(t, out)
	if len(rows) != 1000 || len(out.Covered) != out.Totals.Covered || len(out.VPS) == 0 || len(out.Groups) == 0 {
		t.Fatalf("%d VPSes, %d covered of %d, %d whole rows, %d groups", len(rows), len(out.Covered), out.Totals.Covered, len(out.VPS), len(out.Groups))
	}
	problems := map[string]int{}
	for _, r := range rows {
		for _, p := range r.Problems {
			problems[p]++
		}
	}
	for p, n := range out.Totals.ByProblem {
		if problems[p] != n {
			t.Errorf("%s: %d VPSes in the result, %d in the totals", p, problems[p], n)
		}
	}
	// A grouped VPS is whole when audited alone.
	g := out.Groups[len(out.Groups)-1]
	var one tools.AuditBackupCoverageOutput
	e.ok("audit_backup_coverage", map[string]any{"vps_ids": g.VPSIDs[:1]}, &one)
	if len(one.VPS) != 1 || !slices.Equal(one.VPS[0].Problems, g.Problems) {
		t.Errorf("%s alone: %+v, its group says %v", g.VPSIDs[0], one.VPS, g.Problems)
	}
}

// TestApplyBackupPolicyOfAThousandVPSesFitsAModelsContext: rows alike share a
// group and the VPSes already as asked are only named, so the plan of 1,000
// VPSes, its token included, fits; each VPS's change is the one
// upsert_backup_schedule plans for it alone; the token confirms exactly this
// set of VPSes, the named ones included, and applies every row it covers.
func TestApplyBackupPolicyOfAThousandVPSesFitsAModelsContext(t *testing.T) {
	e := newEnv(t, hostuptest.Fleet(1000, 13), withKey(hostuptest.FleetAPIKey))
	args := map[string]any{"frequency": "daily", "hour": 1, "spread_hours": 3, "retention_count": 3, "cap_retention": true}
	res := e.call("apply_backup_policy", args)
	if size := structuredSize(t, res); size > fleetResultBudget {
		t.Errorf("structuredContent is %d bytes, want at most %d", size, fleetResultBudget)
	}
	var plan tools.ApplyBackupPolicyOutput
	decodeStructured(t, res, &plan)
	rows := policyRows(t, plan)
	a := plan.Totals.ByAction
	if len(rows) != 1000 || len(plan.NoChange) != a["no_change"] || plan.ConfirmToken == "" || len(plan.Groups) >= 1000-a["no_change"] {
		t.Fatalf("%d VPSes, no_change %d of %d, %d groups, token %d bytes", len(rows), len(plan.NoChange), a["no_change"], len(plan.Groups), len(plan.ConfirmToken))
	}
	for _, g := range plan.Groups {
		if g.Action != "update" {
			continue
		}
		id := g.VPSIDs[len(g.VPSIDs)-1]
		var alone tools.UpsertBackupScheduleOutput
		e.ok("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": hourOf(g), "retention_count": 3, "dry_run": true}, &alone)
		if !slices.Equal(alone.Plan.Changes, g.Changes) {
			t.Errorf("%s: its group shows %v, planned alone %v", id, g.Changes, alone.Plan.Changes)
		}
		break
	}

	// Without the VPSes already as asked, the rows are not those confirmed.
	var changing []string
	for _, g := range plan.Groups {
		changing = append(changing, g.VPSIDs...)
	}
	e.refused("apply_backup_policy", with(args, "vps_ids", changing, "confirm_token", plan.ConfirmToken), "other_rows_confirm_token")
	var out tools.ApplyBackupPolicyOutput
	res = e.call("apply_backup_policy", with(args, "confirm_token", plan.ConfirmToken))
	decodeStructured(t, res, &out)
	if o := out.Totals.ByOutcome; out.Outcome != "applied" || o["applied"] != a["create"]+a["update"] {
		t.Errorf("outcome %q, outcomes %v, want every create and update applied", out.Outcome, o)
	}
	if size := structuredSize(t, res); size > fleetResultBudget {
		t.Errorf("the applied result is %d bytes, want at most %d", size, fleetResultBudget)
	}
}

// hourOf is the UTC hour a group's rows get.
func hourOf(g tools.PolicyGroup) int {
	for _, c := range g.Changes {
		if c.Field == "time_utc" {
			h := 0
			for _, d := range c.After[:2] {
				h = h*10 + int(d-'0')
			}
			return h
		}
	}
	return -1
}

// policyRows gives each VPS of the result the group its row is in; a VPS of
// no_change gets a group of its own with that action. A VPS named twice, or a
// count that does not match its list, is an error.
func policyRows(t *testing.T, out tools.ApplyBackupPolicyOutput) map[string]tools.PolicyGroup {
	t.Helper()
	m := map[string]tools.PolicyGroup{}
	add := func(id string, g tools.PolicyGroup) {
		if _, twice := m[id]; twice {
			t.Errorf("%s is in the result twice", id)
		}
		m[id] = g
	}
	for _, g := range out.Groups {
		if len(g.VPSIDs) == 0 {
			t.Errorf("a group names no VPS: %+v", g)
		}
		for _, id := range g.VPSIDs {
			add(id, g)
		}
	}
	if n := out.Totals.ByAction["no_change"]; n != len(out.NoChange) {
		t.Errorf("the totals count %d no_change, the list names %d", n, len(out.NoChange))
	}
	for _, id := range out.NoChange {
		add(id, tools.PolicyGroup{VPSIDs: []string{id}, Action: "no_change", Outcome: "planned"})
	}
	return m
}

// capped says whether the group's warnings say cap_retention gave its VPSes
// their max_retention, n.
func capped(g tools.PolicyGroup, n int) bool {
	return slices.Contains(g.Warnings, fmt.Sprintf("retention_count capped at %d, this VPS's max_retention (cap_retention).", n))
}

// onlyRow is the row of a plan of one VPS.
func onlyRow(t *testing.T, out tools.ApplyBackupPolicyOutput) tools.PolicyGroup {
	t.Helper()
	rows := policyRows(t, out)
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1: %+v", len(rows), out.Groups)
	}
	for _, r := range rows {
		return r
	}
	return tools.PolicyGroup{}
}
