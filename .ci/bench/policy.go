package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

// ------------------------------------------------------ 7. fleet policy

// policyCall is one apply_backup_policy call of the fleet-policy row.
type policyCall struct {
	took  time.Duration
	notes int
	res   toolResult
	out   struct {
		Outcome      string `json:"outcome"`
		ConfirmToken string `json:"confirm_token"`
		Totals       struct {
			VPS       int            `json:"vps"`
			ByAction  map[string]int `json:"by_action"`
			ByOutcome map[string]int `json:"by_outcome"`
		} `json:"totals"`
		Rows []struct {
			VPSID   string   `json:"vps_id"`
			Action  string   `json:"action"`
			Outcome string   `json:"outcome"`
			Error   string   `json:"error"`
			Notes   []string `json:"notes"`
		} `json:"rows"`
	}
}

func callPolicy(p *mcpProc, args map[string]any) (policyCall, error) {
	var c policyCall
	start := time.Now()
	notesBefore := p.notes
	id, err := p.send("tools/call", map[string]any{
		"name": "apply_backup_policy", "arguments": args,
		"_meta": map[string]any{"progressToken": "bench-policy"},
	})
	if err != nil {
		return c, err
	}
	msg, _, at, err := p.readResponse(id)
	if err != nil {
		return c, err
	}
	c.took, c.notes = at.Sub(start), p.notes-notesBefore
	if err := json.Unmarshal(msg.Result, &c.res); err != nil {
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
func benchPolicy(s settings, bin string) (row, string, error) {
	sim := hostuptest.Fleet(s.fleet, 13)
	sim.SetLatency(s.latency)
	sim.SetRateLimit(s.rate)
	counter := &statusCounter{h: sim, by: map[int]int{}}
	srv := httptest.NewServer(counter)
	defer srv.Close()
	p, err := startServer(bin, srv.URL)
	if err != nil {
		return row{}, "", err
	}
	defer p.close(3 * time.Second)
	counter.mu.Lock()
	clear(counter.by)
	counter.mu.Unlock()

	logf("fleet policy: %d VPSes, %s latency, %d requests/s", s.fleet, s.latency, s.rate)
	args := map[string]any{"frequency": "daily", "hour": 1, "spread_hours": 3, "retention_count": 3, "cap_retention": true}
	plan, err := callPolicy(p, args)
	if err != nil {
		return row{}, "", err
	}
	if plan.res.IsError || plan.out.ConfirmToken == "" {
		return row{}, "", fmt.Errorf("the plan gave no confirm_token (outcome %q): %s", plan.out.Outcome, firstLine(plan.res.text()))
	}
	args["confirm_token"] = plan.out.ConfirmToken
	apply, err := callPolicy(p, args)
	if err != nil {
		return row{}, "", err
	}
	took := plan.took + apply.took

	n, a, o := s.fleet, apply.out.Totals.ByAction, apply.out.Totals.ByOutcome
	changed := a["create"] + a["update"]
	pages := (n + 99) / 100
	requests := 2*(pages+n) + 3*changed
	bound := time.Duration(max(float64(requests)*float64(s.latency)/float64(s.concurrency), float64(requests)/float64(s.rate)*float64(time.Second)))
	ratio := float64(took) / float64(bound)
	// A row skipped in the plan (unreadable, e.g. its 429s outlasted the
	// retries) counts too: it ends changed_since_plan in the apply.
	errorRows := plan.out.Totals.ByAction["skipped"] + a["skipped"] + o["failed"] + o["outcome_unknown"] + o["changed_since_plan"]
	counter.mu.Lock()
	statuses := statusCounts(counter.by)
	limited := counter.by[http.StatusTooManyRequests]
	total := 0
	for _, v := range counter.by {
		total += v
	}
	counter.mu.Unlock()

	ok := !apply.res.IsError && apply.out.Outcome == "applied" && apply.out.Totals.VPS == n && errorRows == 0 && o["applied"] == changed
	r := row{
		num:       "7",
		figure:    fmt.Sprintf("fleet policy plan+apply: %d VPSes, %s latency, %d req/s", n, s.latency, s.rate),
		measured:  fmt.Sprintf("%s = %.2f× bound, %d error rows", secs(took), ratio, errorRows),
		reference: fmt.Sprintf("bound %s", secs(bound)),
		goal:      fmt.Sprintf("≤ %.1f× bound, 0 errors", goalFleetOverBand),
		judged:    true, pass: ok && ratio <= goalFleetOverBand,
	}
	if apply.res.IsError {
		r.measured = "isError: " + firstLine(apply.res.text())
	}
	detail := fmt.Sprintf("7. fleet policy over %d VPSes: plan %s, apply %s; rows %v, outcomes %v\n"+
		"   bound = max(R·latency/concurrency, R/rate) with R = 2·(%d pages + %d VPS) + 3·%d changed = %d requests: max(%d·%s/%d, %d/(%d/s)) = %s\n"+
		"   %d requests reached the simulator (status×count: %s): %d answers 429 absorbed by the client's retries; %d progress notifications\n",
		n, secs(plan.took), secs(apply.took), a, o,
		pages, n, changed, requests, requests, s.latency, s.concurrency, requests, s.rate, secs(bound),
		total, statuses, limited, plan.notes+apply.notes)
	for _, row := range apply.out.Rows {
		if row.Action == "skipped" || (row.Outcome != "applied" && row.Outcome != "planned") {
			detail += fmt.Sprintf("   error row %s: %s %s: %s %s\n", row.VPSID, row.Action, row.Outcome, firstLine(row.Error), strings.Join(row.Notes, " "))
		}
	}
	return r, detail, nil
}
