package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

// ------------------------------------------------------ 7. fleet policy

// policyCall is one apply_backup_policy call of the fleet-policy row.
type policyCall struct {
	timed
	out struct {
		Outcome      string `json:"outcome"`
		ConfirmToken string `json:"confirm_token"`
		Totals       struct {
			VPS       int            `json:"vps"`
			ByAction  map[string]int `json:"by_action"`
			ByOutcome map[string]int `json:"by_outcome"`
		} `json:"totals"`
		Groups []struct {
			VPSIDs  []string `json:"vps_ids"`
			Action  string   `json:"action"`
			Outcome string   `json:"outcome"`
			Error   string   `json:"error"`
			Notes   []string `json:"notes"`
		} `json:"groups"`
	}
}

func callPolicy(p *mcpProc, args map[string]any) (policyCall, error) {
	var c policyCall
	var err error
	if c.timed, err = timedCall(p, "apply_backup_policy", args, "bench-policy"); err != nil {
		return c, err
	}
	_ = json.Unmarshal(c.res.StructuredContent, &c.out)
	return c, nil
}

// benchPolicy plans a backup policy over a large simulated fleet and applies it
// (the client has no dialog, so through the confirm_token round trip), against
// the requests that path needs at HostUp's latency and rate limit: the plan
// reads every VPS (list pages + N), the apply plans again (the same), then per
// changed row reads it again under its lock, sends the POST and reads it back
// (3·C): R = 2·(pages + N) + 3·C, bound = max(R·latency/concurrency, R/rate).
func benchPolicy(s settings, bin string) ([]row, string, error) {
	sim := hostuptest.Fleet(s.fleet, 13)
	sim.SetLatency(s.latency)
	sim.SetRateLimit(s.rate)
	f, err := serveFleet(sim, bin)
	if err != nil {
		return nil, "", err
	}
	defer f.close()

	logf("fleet policy: %d VPSes, %s latency, %d requests/s", s.fleet, s.latency, s.rate)
	args := map[string]any{"frequency": "daily", "hour": 1, "spread_hours": 3, "retention_count": 3, "cap_retention": true}
	plan, err := callPolicy(f.p, args)
	if err != nil {
		return nil, "", err
	}
	if plan.res.IsError || plan.out.ConfirmToken == "" {
		return nil, "", fmt.Errorf("the plan gave no confirm_token (outcome %q): %s", plan.out.Outcome, firstLine(plan.res.text()))
	}
	args["confirm_token"] = plan.out.ConfirmToken
	apply, err := callPolicy(f.p, args)
	if err != nil {
		return nil, "", err
	}

	n, a, o := s.fleet, apply.out.Totals.ByAction, apply.out.Totals.ByOutcome
	changed := a["create"] + a["update"]
	pages := (n + 99) / 100
	requests := 2*(pages+n) + 3*changed
	bound := s.bound(requests)
	// A row skipped in the plan (unreadable, e.g. its 429s outlasted the
	// retries) counts too: it ends changed_since_plan in the apply.
	errorRows := plan.out.Totals.ByAction["skipped"] + a["skipped"] + o["failed"] + o["outcome_unknown"] + o["changed_since_plan"]
	ok := !apply.res.IsError && apply.out.Outcome == "applied" && apply.out.Totals.VPS == n && errorRows == 0 && o["applied"] == changed
	r := fleetRow("7", fmt.Sprintf("fleet policy plan+apply: %d VPSes, %s latency, %d req/s", n, s.latency, s.rate),
		plan.took+apply.took, bound, errorRows, ok, apply.res)
	c := f.counter.summary()
	detail := fmt.Sprintf("7. fleet policy over %d VPSes: plan %s, apply %s; rows %v, outcomes %v\n"+
		"   bound = max(R·latency/concurrency, R/rate) with R = 2·(%d pages + %d VPS) + 3·%d changed = %d requests: max(%d·%s/%d, %d/(%d/s)) = %s\n"+
		"   %d requests reached the simulator (status×count: %s): %d answers 429 absorbed by the client's retries; %d progress notifications\n",
		n, secs(plan.took), secs(apply.took), a, o,
		pages, n, changed, requests, requests, s.latency, s.concurrency, requests, s.rate, secs(bound),
		c.total, c.statuses, c.limited, plan.notes+apply.notes)
	for _, g := range apply.out.Groups {
		if g.Action == "skipped" || (g.Outcome != "applied" && g.Outcome != "planned") {
			detail += fmt.Sprintf("   error rows %s: %s %s: %s %s\n", strings.Join(g.VPSIDs, " "), g.Action, g.Outcome, firstLine(g.Error), strings.Join(g.Notes, " "))
		}
	}
	return []row{r}, detail, nil
}
