package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

// ------------------------------------------------------- 5. fleet audit

// statusCounter counts the simulator's answers by status.
type statusCounter struct {
	h  http.Handler
	mu sync.Mutex
	by map[int]int
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (c *statusCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	c.h.ServeHTTP(sw, r)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	c.mu.Lock()
	c.by[sw.status]++
	c.mu.Unlock()
}

func benchFleet(s settings, bin string) (row, string, error) {
	sim := hostuptest.Fleet(s.fleet, 11)
	sim.SetLatency(s.latency)
	// A token bucket, the kind of limit whose whole-second Retry-After made
	// workers that retried on their own lose rows (issue 19).
	sim.SetTokenBucket(float64(s.rate), s.burst)
	counter := &statusCounter{h: sim, by: map[int]int{}}
	srv := httptest.NewServer(counter) // what sim.Start does, plus counting statuses
	defer srv.Close()
	p, err := startServer(bin, srv.URL)
	if err != nil {
		return row{}, "", err
	}
	defer p.close(3 * time.Second)
	counter.mu.Lock()
	clear(counter.by)
	counter.mu.Unlock()

	logf("fleet audit: %d VPSes, %s latency, token bucket %d requests/s (burst %d)", s.fleet, s.latency, s.rate, s.burst)
	start := time.Now()
	id, err := p.send("tools/call", map[string]any{
		"name": "audit_backup_coverage", "arguments": map[string]any{},
		"_meta": map[string]any{"progressToken": "bench"},
	})
	if err != nil {
		return row{}, "", err
	}
	notesBefore := p.notes
	msg, _, at, err := p.readResponse(id)
	if err != nil {
		return row{}, "", err
	}
	took := at.Sub(start)
	var res toolResult
	if err := json.Unmarshal(msg.Result, &res); err != nil {
		return row{}, "", err
	}
	var out struct {
		Totals struct {
			VPS, Errors int
		} `json:"totals"`
	}
	_ = json.Unmarshal(res.StructuredContent, &out)

	// The audit reads each VPS's backup schedules and its snapshot schedule
	// (issue 17's column), after the list's pages: R = pages + 2·N requests.
	pages := (s.fleet + 99) / 100
	requests := pages + 2*s.fleet
	n := float64(requests)
	bound := time.Duration(max(n*float64(s.latency)/float64(s.concurrency), n/float64(s.rate)*float64(time.Second)))
	ratio := float64(took) / float64(bound)
	counter.mu.Lock()
	statuses := statusCounts(counter.by)
	limited := counter.by[http.StatusTooManyRequests]
	total := 0
	for _, v := range counter.by {
		total += v
	}
	counter.mu.Unlock()

	ok := !res.IsError && out.Totals.VPS == s.fleet && out.Totals.Errors == 0
	r := row{
		num:       "5",
		figure:    fmt.Sprintf("fleet audit: %d VPSes, %s latency, token bucket %d req/s", s.fleet, s.latency, s.rate),
		measured:  fmt.Sprintf("%s = %.2f× bound, %d error rows", secs(took), ratio, out.Totals.Errors),
		reference: fmt.Sprintf("bound %s", secs(bound)),
		goal:      fmt.Sprintf("≤ %.1f× bound, 0 errors", goalFleetOverBand),
		judged:    true, pass: ok && ratio <= goalFleetOverBand,
	}
	if res.IsError {
		r.measured = "isError: " + firstLine(res.text())
	}
	detail := fmt.Sprintf("5. fleet audit of %d VPSes (%d rows, %d with errors): %s; bound = max(R·latency/concurrency, R/rate) with R = %d pages + 2·%d VPS = %d requests: max(%d·%s/%d, %d/(%d/s)) = %s\n"+
		"   %d requests reached the simulator (status×count: %s): %d answers 429 absorbed by the client's retries; %d progress notifications\n",
		s.fleet, out.Totals.VPS, out.Totals.Errors, secs(took), pages, s.fleet, requests, requests, s.latency, s.concurrency, requests, s.rate, secs(bound),
		total, statuses, limited, p.notes-notesBefore)
	return r, detail, nil
}

func statusCounts(m map[int]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d×%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
