package transport

// Goroutine leaks over the network transports: a server that has
// served concurrent calls and was shut down, with its client closed, leaves no
// goroutine behind. Not parallel on purpose: a top-level test without
// t.Parallel runs while the package's parallel tests are still paused, so the
// goroutine count it compares is its own.

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcptransport "github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/internal/leakcheck"
	"github.com/hostup/hostup-mcp/tools"
)

func TestNoGoroutineLeftAfterServingConcurrentCallsAndShutdown(t *testing.T) {
	for _, kind := range []Kind{StreamableHTTP, SSE} {
		t.Run(string(kind), func(t *testing.T) {
			before := runtime.NumGoroutine()

			// Everything is started and stopped here, not in t.Cleanup, so that
			// the count after shutdown sees it all gone.
			sim := twoAccounts()
			api := sim.Start()
			hc, err := hostup.New(hostup.Options{APIKey: keyA, BaseURL: api.URL, HTTPClient: api.Client()})
			if err != nil {
				t.Fatal(err)
			}
			srv := tools.NewServer(&tools.Deps{Client: hc, Confirm: tools.NewConfirmer([]byte("leak-test"))},
				tools.ServerOptions{Name: "hostup-mcp", Version: "test"})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(srv, Options{Kind: kind, Addr: ln.Addr().String(), ShutdownTimeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Serve(ctx, ln) }()
			url := "http://" + ln.Addr().String()

			// The client's own connection pool, closed with the client as a
			// well-behaved client does: a connection it dialled but never used
			// would otherwise hold the server's graceful shutdown for 5 s (net/http
			// counts a connection without a request as active that long).
			hcl := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
			var tr mcptransport.Interface
			if kind == SSE {
				tr, err = mcptransport.NewSSE(url+SSEPath, mcptransport.WithHTTPClient(hcl))
			} else {
				tr, err = mcptransport.NewStreamableHTTP(url+MCPPath, mcptransport.WithHTTPBasicClient(hcl))
			}
			if err != nil {
				t.Fatal(err)
			}
			c := client.NewClient(tr)
			if err := c.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			ictx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := c.Initialize(ictx, mcp.InitializeRequest{Params: mcp.InitializeParams{
				ClientInfo: mcp.Implementation{Name: "leak-test", Version: "1"},
			}}); err != nil {
				t.Fatal(err)
			}

			calls := []mcp.CallToolParams{
				{Name: "list_vps"},
				{Name: "list_backup_schedules", Arguments: map[string]any{"vps_id": "vps_a1"}},
				{Name: "list_backups", Arguments: map[string]any{"vps_id": "vps_a1"}},
				{Name: "audit_backup_coverage"},
				{Name: "upsert_backup_schedule", Arguments: map[string]any{"vps_id": "vps_a1", "frequency": "daily", "hour": 3, "retention_count": 2}},
				{Name: "list_backups", Arguments: map[string]any{"vps_id": "vps_b1"}}, // another account's: an error result
			}
			var wg sync.WaitGroup
			errs := make(chan string, 4*len(calls))
			for i := range 4 * len(calls) {
				p := calls[i%len(calls)]
				wg.Go(func() {
					res, err := c.CallTool(ictx, mcp.CallToolRequest{Params: p})
					switch {
					case err != nil:
						errs <- p.Name + ": protocol error: " + err.Error()
					case res.IsError != (p.Name == "list_backups" && strings.Contains(mustArg(p), "vps_b1")):
						errs <- p.Name + ": unexpected isError=" + map[bool]string{true: "true", false: "false"}[res.IsError] + ": " + text(res)
					}
				})
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}

			if err := c.Close(); err != nil {
				t.Errorf("closing the client: %v", err)
			}
			hcl.CloseIdleConnections()
			stopping := time.Now()
			stop()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Serve did not return after shutdown")
			}
			// Nothing was in flight and the client is gone: no reason to wait
			// for the shutdown limit.
			if took := time.Since(stopping); took > 3*time.Second {
				t.Errorf("shutdown with no call in flight and no client took %s", took)
			}
			api.Close()
			after := leakcheck.Wait(t, before)
			t.Logf("%s: %d concurrent calls; goroutines before %d, after shutdown %d", kind, 4*len(calls), before, after)
		})
	}
}

func mustArg(p mcp.CallToolParams) string {
	m, _ := p.Arguments.(map[string]any)
	id, _ := m["vps_id"].(string)
	return id
}
