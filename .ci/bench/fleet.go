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

func benchFleet(s settings, bin string) ([]row, string, error) {
	sim := hostuptest.Fleet(s.fleet, 11)
	sim.SetLatency(s.latency)
	// A token bucket: the kind of limit whose whole-second Retry-After made
	// workers that retried on their own lose rows.
	sim.SetTokenBucket(float64(s.rate), s.burst)
	f, err := serveFleet(sim, bin)
	if err != nil {
		return nil, "", err
	}
	defer f.close()

	logf("fleet audit: %d VPSes, %s latency, token bucket %d requests/s (burst %d)", s.fleet, s.latency, s.rate, s.burst)
	call, err := timedCall(f.p, "audit_backup_coverage", map[string]any{}, "bench")
	if err != nil {
		return nil, "", err
	}
	var out struct {
		Totals struct {
			VPS, Errors int
		} `json:"totals"`
	}
	_ = json.Unmarshal(call.res.StructuredContent, &out)

	// The audit reads each VPS's backup schedules and its snapshot schedule,
	// after the list's pages: R = pages + 2·N requests.
	pages := (s.fleet + 99) / 100
	requests := pages + 2*s.fleet
	bound := s.bound(requests)
	ok := !call.res.IsError && out.Totals.VPS == s.fleet && out.Totals.Errors == 0
	r := fleetRow("5", fmt.Sprintf("fleet audit: %d VPSes, %s latency, token bucket %d req/s", s.fleet, s.latency, s.rate),
		call.took, bound, out.Totals.Errors, ok, call.res)
	c := f.counter.summary()
	detail := fmt.Sprintf("5. fleet audit of %d VPSes (%d rows, %d with errors): %s; bound = max(R·latency/concurrency, R/rate) with R = %d pages + 2·%d VPS = %d requests: max(%d·%s/%d, %d/(%d/s)) = %s\n"+
		"   %d requests reached the simulator (status×count: %s): %d answers 429 absorbed by the client's retries; %d progress notifications\n",
		s.fleet, out.Totals.VPS, out.Totals.Errors, secs(call.took), pages, s.fleet, requests, requests, s.latency, s.concurrency, requests, s.rate, secs(bound),
		c.total, c.statuses, c.limited, call.notes)
	return []row{r}, detail, nil
}

// bound is the least time requests can take at the simulated latency and
// rate limit, with the fleet tools' concurrency: max(R·latency/concurrency, R/rate).
func (s settings) bound(requests int) time.Duration {
	n := float64(requests)
	return time.Duration(max(n*float64(s.latency)/float64(s.concurrency), n/float64(s.rate)*float64(time.Second)))
}

// fleetRow judges a fleet figure: its time against the bound, and no error rows.
func fleetRow(num, figure string, took, bound time.Duration, errorRows int, ok bool, res toolResult) row {
	ratio := float64(took) / float64(bound)
	r := row{
		num:       num,
		figure:    figure,
		measured:  fmt.Sprintf("%s = %.2f× bound, %d error rows", secs(took), ratio, errorRows),
		reference: fmt.Sprintf("bound %s", secs(bound)),
		goal:      fmt.Sprintf("≤ %.1f× bound, 0 errors", goalFleetOverBand),
		judged:    true, pass: ok && ratio <= goalFleetOverBand,
	}
	if res.IsError {
		r.measured = "isError: " + firstLine(res.text())
	}
	return r
}

// fleetServer is the built server in front of a simulated fleet whose answers
// are counted by status.
type fleetServer struct {
	srv     *httptest.Server
	p       *mcpProc
	counter *statusCounter
}

// serveFleet serves sim as sim.Start does, plus counting statuses, and starts
// the server against it; the start-up's requests are not counted.
func serveFleet(sim *hostuptest.Simulator, bin string) (*fleetServer, error) {
	counter := &statusCounter{h: sim, by: map[int]int{}}
	srv := httptest.NewServer(counter)
	p, err := startServer(bin, srv.URL)
	if err != nil {
		srv.Close()
		return nil, err
	}
	counter.mu.Lock()
	clear(counter.by)
	counter.mu.Unlock()
	return &fleetServer{srv: srv, p: p, counter: counter}, nil
}

func (f *fleetServer) close() {
	f.p.close(3 * time.Second)
	f.srv.Close()
}

// timed is one tool call with the time until its answer and the progress
// notifications sent meanwhile.
type timed struct {
	took  time.Duration
	notes int
	res   toolResult
}

// timedCall calls tool with a progress token, so that the server reports its
// progress as a client would see it.
func timedCall(p *mcpProc, tool string, args map[string]any, progressToken string) (timed, error) {
	var c timed
	start := time.Now()
	notesBefore := p.notes
	id, err := p.send("tools/call", map[string]any{
		"name": tool, "arguments": args,
		"_meta": map[string]any{"progressToken": progressToken},
	})
	if err != nil {
		return c, err
	}
	msg, _, at, err := p.readResponse(id)
	if err != nil {
		return c, err
	}
	c.took, c.notes = at.Sub(start), p.notes-notesBefore
	err = json.Unmarshal(msg.Result, &c.res)
	return c, err
}

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

// counted is what the simulator answered: every status with its count, the
// 429s among them, and the total.
type counted struct {
	statuses       string
	limited, total int
}

func (c *statusCounter) summary() counted {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := counted{statuses: statusCounts(c.by), limited: c.by[http.StatusTooManyRequests]}
	for _, v := range c.by {
		s.total += v
	}
	return s
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
