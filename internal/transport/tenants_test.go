package transport

// With per-request keys, one tenant cannot stall another.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// slowTenant serves the simulator, holding every request made with key slowKey
// for delay first, as HostUp does for a key it rate-limits. inFlight counts the
// slow requests being held.
func slowTenant(t *testing.T, sim *hostuptest.Simulator, slowKey string, delay time.Duration, inFlight *atomic.Int32) *running {
	t.Helper()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+slowKey {
			inFlight.Add(1)
			time.Sleep(delay)
			inFlight.Add(-1)
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	c, err := hostup.New(hostup.Options{BaseURL: api.URL, HTTPClient: api.Client()})
	if err != nil {
		t.Fatal(err)
	}
	srv := tools.NewServer(&tools.Deps{Client: c, Confirm: tools.NewConfirmer(nil)}, tools.ServerOptions{Name: "hostup-mcp", Version: "test"})
	return serve(t, srv, Options{Kind: StreamableHTTP, PerRequestKeys: true, MaxConcurrentCalls: 8})
}

// A tenant naming another tenant's VPS never holds that VPS's lock: its own
// read has to succeed first. The owner's dry run and change do not wait for it.
func TestACallerWhoCannotSeeAVPSNeverHoldsIt(t *testing.T) {
	sim := twoAccounts()
	var held atomic.Int32
	r := slowTenant(t, sim, keyB, 2*time.Second, &held)
	intruder := connect(t, StreamableHTTP, r.url, keyB)
	owner := connect(t, StreamableHTTP, r.url, keyA)
	args := map[string]any{"vps_id": "vps_a1", "frequency": "daily", "hour": 3, "retention_count": 1}

	done := make(chan *mcp.CallToolResult, 1)
	go func() {
		res, _ := intruder.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "upsert_backup_schedule", Arguments: args}})
		done <- res
	}()
	waitFor(t, func() bool { return held.Load() > 0 })
	for _, a := range []map[string]any{{"dry_run": true}, {}} {
		start := time.Now()
		call := map[string]any{}
		for k, v := range args {
			call[k] = v
		}
		for k, v := range a {
			call[k] = v
		}
		res := callTool(t, owner, "upsert_backup_schedule", call)
		if res.IsError {
			t.Fatalf("owner's call %v: %s", a, text(res))
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("the owner's call %v took %s behind another tenant's call", a, took)
		}
	}
	if res := <-done; res == nil || !res.IsError || len(sim.Mutations()) != 1 {
		t.Fatalf("the other tenant's call: %v; mutations %+v (want the owner's one POST)", res, sim.Mutations())
	}
}

// One tenant's slow calls take at most a quarter of the slots: another tenant
// still gets through, and the busy tenant is told it is its own calls.
func TestOneTenantsSlowCallsDoNotTurnOthersAway(t *testing.T) {
	sim := twoAccounts()
	var held atomic.Int32
	r := slowTenant(t, sim, keyB, time.Second, &held)
	busy := connect(t, StreamableHTTP, r.url, keyB)
	other := connect(t, StreamableHTTP, r.url, keyA)

	var wg sync.WaitGroup
	var mu sync.Mutex
	var texts []string
	for range 8 {
		wg.Go(func() {
			res, err := busy.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "list_vps"}})
			if err == nil {
				mu.Lock()
				texts = append(texts, text(res))
				mu.Unlock()
			}
		})
	}
	waitFor(t, func() bool { return held.Load() >= 2 })
	if res := callTool(t, other, "list_vps", nil); res.IsError || !strings.Contains(text(res), "alpha") {
		t.Errorf("another tenant's call while one tenant is busy: %s", text(res))
	}
	wg.Wait()
	refused := 0
	for _, s := range texts {
		if strings.Contains(s, "made with your HostUp API key") {
			refused++
		}
	}
	if refused != 6 {
		t.Errorf("%d of the busy tenant's 8 calls were turned away, want 6 (it may run 2 of 8 slots): %q", refused, texts)
	}
}
