package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

// goalFleetStructured is rows 4c and 4d's goal: a fleet's structuredContent,
// which some clients hand to the model instead of the text, fits its context.
const goalFleetStructured = 64 * kib

// sizeFleet is how many VPSes rows 4c and 4d hold: a whole audit's worth.
const sizeFleet = 1000

// benchFleetSizes weighs audit_backup_coverage's and apply_backup_policy's
// plan's results over accounts of sizeFleet VPSes, the accounts of rows 5 and
// 7 (the same seeds), without latency or a rate limit: the size does not
// depend on timing. The plan is the one row 7 applies, before its confirmation.
func benchFleetSizes(s settings, bin string) ([]row, string, error) {
	n := sizeFleet
	if s.short {
		n = s.fleet
	}
	audit, err := fleetResult(bin, n, 11, "audit_backup_coverage", map[string]any{})
	if err != nil {
		return nil, "", fmt.Errorf("audit: %w", err)
	}
	plan, err := fleetResult(bin, n, 13, "apply_backup_policy",
		map[string]any{"frequency": "daily", "hour": 1, "spread_hours": 3, "retention_count": 3, "cap_retention": true})
	if err != nil {
		return nil, "", fmt.Errorf("policy plan: %w", err)
	}
	var a struct {
		VPS    []json.RawMessage `json:"vps"`
		Groups []json.RawMessage `json:"groups"`
	}
	var p struct {
		Outcome      string            `json:"outcome"`
		Groups       []json.RawMessage `json:"groups"`
		ConfirmToken string            `json:"confirm_token"`
	}
	_ = json.Unmarshal(audit.StructuredContent, &a)
	_ = json.Unmarshal(plan.StructuredContent, &p)
	rows := []row{
		sizeRow("4c", fmt.Sprintf("result size: audit_backup_coverage structuredContent, %d VPSes", n), audit),
		sizeRow("4d", fmt.Sprintf("result size: apply_backup_policy plan's structuredContent, %d VPSes", n), plan),
	}
	detail := fmt.Sprintf("4c, 4d. structuredContent at %d VPSes (the accounts of rows 5 and 7, no latency):\n"+
		"   audit_backup_coverage: %d B, text %d B; %d whole rows, %d groups of the other rows needing attention, the covered VPSes by id\n"+
		"   apply_backup_policy (%s): %d B, text %d B; %d groups of alike rows, the no_change VPSes by id, confirm_token %d B\n",
		n, len(audit.StructuredContent), len(audit.text()), len(a.VPS), len(a.Groups),
		p.Outcome, len(plan.StructuredContent), len(plan.text()), len(p.Groups), len(p.ConfirmToken))
	return rows, detail, nil
}

func sizeRow(num, figure string, res toolResult) row {
	b := len(res.StructuredContent)
	return row{
		num: num, figure: figure,
		measured:  fmt.Sprintf("%d B ≈ %d tok", b, b/4),
		reference: fmt.Sprintf("text %d B", len(res.text())),
		goal:      fmt.Sprintf("≤ %d B", goalFleetStructured),
		judged:    true, pass: !res.IsError && b <= goalFleetStructured,
	}
}

// fleetResult calls tool once on a fresh server over a simulated account of n
// VPSes.
func fleetResult(bin string, n int, seed int64, tool string, args map[string]any) (toolResult, error) {
	logf("fleet result size: %s over %d VPSes", tool, n)
	srv := httptest.NewServer(hostuptest.Fleet(n, seed))
	defer srv.Close()
	p, err := startServer(bin, srv.URL)
	if err != nil {
		return toolResult{}, err
	}
	defer p.close(3 * time.Second)
	res, err := p.callTool(tool, args)
	if err == nil && res.IsError {
		err = fmt.Errorf("%s failed: %s", tool, firstLine(res.text()))
	}
	return res, err
}
