package transport

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

func TestAFullServerIsNotReadyButStaysLive(t *testing.T) {
	obs := &recorder{}
	sim := twoAccounts()
	r := serve(t, newMCPServer(t, sim, keyA, nil), Options{Kind: StreamableHTTP, MaxConcurrentCalls: 1, Observer: obs})
	if status, body := rawRequest(t, http.MethodGet, r.url+ReadyPath, nil, ""); status != http.StatusOK || !strings.Contains(body, `"ready"`) {
		t.Fatalf("an idle server: %s got %d %s", ReadyPath, status, body)
	}
	c := connect(t, StreamableHTTP, r.url, "")
	sim.SetLatency(time.Second)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "list_vps"}})
	}()
	waitFor(t, func() bool { return len(sim.Requests()) == 1 })

	if status, body := rawRequest(t, http.MethodGet, r.url+ReadyPath, nil, ""); status != http.StatusServiceUnavailable || !strings.Contains(body, `"tool_calls"`) {
		t.Fatalf("every call slot taken: %s got %d %s, want 503 naming tool_calls", ReadyPath, status, body)
	}
	if status, _ := rawRequest(t, http.MethodGet, r.url+HealthPath, nil, ""); status != http.StatusOK {
		t.Fatalf("every call slot taken: %s got %d, want 200: a full server must not be restarted", HealthPath, status)
	}
	if res := callTool(t, c, "list_vps", nil); !res.IsError || !strings.Contains(text(res), "busy") {
		t.Fatalf("a call over the limit: %s", text(res))
	}
	if obs.count("rejected "+rejectedBusy) != 1 {
		t.Fatalf("the observer heard %v", obs.all())
	}
	<-done
	if status, _ := rawRequest(t, http.MethodGet, r.url+ReadyPath, nil, ""); status != http.StatusOK {
		t.Fatalf("once the call ended, %s got %d", ReadyPath, status)
	}
	if status, _ := rawRequest(t, http.MethodPost, r.url+ReadyPath, nil, "{}"); status != http.StatusMethodNotAllowed {
		t.Fatalf("POST %s got %d, want 405", ReadyPath, status)
	}
}
