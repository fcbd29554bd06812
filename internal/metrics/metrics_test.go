package metrics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcptransport "github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/metrics"
	"github.com/hostup/hostup-mcp/internal/transport"
	"github.com/hostup/hostup-mcp/tools"
)

const token = "metrics-test-token-0123456789"

// serve wires the real server as main does with --metrics: the tools, the
// HostUp client and the transport report to m, the transport serves m at
// /metrics, and HostUp is the sandbox account's simulator.
func serve(t *testing.T, sim *hostuptest.Simulator, m *metrics.Metrics) string {
	t.Helper()
	return serveWith(t, sim, m, transport.Options{})
}

// serveWith is serve with the transport's limits of opts.
func serveWith(t *testing.T, sim *hostuptest.Simulator, m *metrics.Metrics, opts transport.Options) string {
	t.Helper()
	api := sim.Start()
	t.Cleanup(api.Close)
	c, err := hostup.New(hostup.Options{APIKey: hostuptest.SandboxAPIKey, BaseURL: api.URL, HTTPClient: api.Client(), OnAttempt: m.HostUpAttempt})
	if err != nil {
		t.Fatal(err)
	}
	srv := tools.NewServer(&tools.Deps{Client: c, Confirm: tools.NewConfirmer(nil), Observer: m}, tools.ServerOptions{Name: "hostup-mcp", Version: "test"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts.Kind, opts.Addr, opts.Token, opts.Metrics, opts.Observer = transport.StreamableHTTP, ln.Addr().String(), token, m.Handler(), m
	hs, err := transport.New(srv, opts)
	if err != nil {
		t.Fatal(err)
	}
	m.WatchTransport(hs)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ctx, ln) }()
	t.Cleanup(func() { stop(); <-done })
	return "http://" + ln.Addr().String()
}

func connect(t *testing.T, url string) *client.Client {
	t.Helper()
	tr, err := mcptransport.NewStreamableHTTP(url+transport.MCPPath, mcptransport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{ClientInfo: mcp.Implementation{Name: "metrics-test", Version: "1"}}}); err != nil {
		t.Fatal(err)
	}
	return c
}

// call runs a tool and returns its structured result.
func call(t *testing.T, c *client.Client, tool string, args map[string]any) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: tool, Arguments: args}})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	var out map[string]any
	b, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(b, &out)
	return out
}

func scrape(t *testing.T, url, bearer string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url+transport.MetricsPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestMetricsAfterAMixedRunMatchTheCallsMade(t *testing.T) {
	sim := hostuptest.Sandbox()
	m := metrics.New()
	url := serve(t, sim, m)
	c := connect(t, url)

	// One 429 from HostUp, which the client waits out and retries.
	sim.SetFault(http.MethodGet, "/api/v2/vps/*/backup-schedules", hostuptest.Fault{Status: http.StatusTooManyRequests, Times: 1})
	call(t, c, "list_vps", nil)
	schedules := call(t, c, "list_backup_schedules", map[string]any{"vps_id": "vps_sandbox02"})
	call(t, c, "list_backup_schedules", map[string]any{"vps_id": "../x"})
	call(t, c, "upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox01", "frequency": "daily", "hour": 2, "retention_count": 2, "dry_run": true})
	call(t, c, "upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox03", "frequency": "weekly", "hour": 2, "day_of_week": 1, "retention_count": 3})

	// A confirmed delete: asked, then accepted.
	scheduleID := schedules["schedules"].([]any)[0].(map[string]any)["id"]
	del := map[string]any{"vps_id": "vps_sandbox02", "schedule_id": scheduleID}
	plan := call(t, c, "delete_backup_schedule", del)
	del["confirm_token"] = plan["confirm_token"]
	if got := call(t, c, "delete_backup_schedule", del)["outcome"]; got != "applied" {
		t.Fatalf("the confirmed delete: outcome %v", got)
	}

	// A stale token: the settings changed between the plan and the confirmation.
	staleSchedule := call(t, c, "list_backup_schedules", map[string]any{"vps_id": "vps_sandbox06"})["schedules"].([]any)[0].(map[string]any)["id"]
	stale := map[string]any{"vps_id": "vps_sandbox06", "schedule_id": staleSchedule}
	stale["confirm_token"] = call(t, c, "delete_backup_schedule", stale)["confirm_token"]
	call(t, c, "update_backup_settings", map[string]any{"vps_id": "vps_sandbox06", "max_total_backups": 5})
	call(t, c, "delete_backup_schedule", stale)

	status, text := scrape(t, url, token)
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", status, text)
	}
	for _, want := range []string{
		`hostup_mcp_tool_calls_total{code="",outcome="ok",tool="list_vps"} 1`,
		`hostup_mcp_tool_calls_total{code="",outcome="ok",tool="list_backup_schedules"} 2`,
		`hostup_mcp_tool_calls_total{code="invalid_arguments",outcome="invalid_input",tool="list_backup_schedules"} 1`,
		`hostup_mcp_tool_calls_total{code="",outcome="dry_run",tool="upsert_backup_schedule"} 1`,
		`hostup_mcp_tool_calls_total{code="pending_order",outcome="refused",tool="upsert_backup_schedule"} 1`,
		`hostup_mcp_tool_calls_total{code="",outcome="confirmation_required",tool="delete_backup_schedule"} 2`,
		`hostup_mcp_tool_calls_total{code="",outcome="applied",tool="delete_backup_schedule"} 1`,
		`hostup_mcp_tool_calls_total{code="stale_confirm_token",outcome="refused",tool="delete_backup_schedule"} 1`,
		`hostup_mcp_tool_calls_total{code="",outcome="applied",tool="update_backup_settings"} 1`,
		`hostup_mcp_tool_call_duration_seconds_count{outcome="ok",tool="list_vps"} 1`,
		`hostup_mcp_confirmations_total{event="asked"} 2`,
		`hostup_mcp_confirmations_total{event="accepted"} 1`,
		`hostup_mcp_confirmations_total{event="stale"} 1`,
		`hostup_mcp_hostup_requests_total{method="GET",route="/api/v2/vps/{id}/backup-schedules",status="429"} 1`,
		`hostup_mcp_hostup_requests_total{method="DELETE",route="/api/v2/vps/{id}/backup-schedules/{id}",status="204"} 1`,
		`hostup_mcp_hostup_retries_total{method="GET",route="/api/v2/vps/{id}/backup-schedules"} 1`,
		`hostup_mcp_hostup_rate_limited_total{method="GET",route="/api/v2/vps/{id}/backup-schedules"} 1`,
		`hostup_mcp_hostup_request_duration_seconds_count{method="GET",route="/api/v2/vps"} 1`,
		`hostup_mcp_tool_calls_in_flight 0`,
		`hostup_mcp_sse_streams_open 0`,
	} {
		if !strings.Contains(text, "\n"+want+"\n") {
			t.Errorf("no line %s", want)
		}
	}
	if strings.Contains(text, `outcome="declined"`) || strings.Contains(text, `event="declined"`) {
		t.Error("a decline was counted, but nobody declined")
	}
	// Nothing that names a VPS, an account or a key.
	for _, secret := range []string{"vps_sandbox", "web-01", "db-01", "bks_", token, "Bearer"} {
		if strings.Contains(text, secret) {
			t.Errorf("the metrics name %q", secret)
		}
	}
}

func TestOverloadAndRefusalsShowInMetrics(t *testing.T) {
	sim := hostuptest.Sandbox()
	m := metrics.New()
	url := serveWith(t, sim, m, transport.Options{MaxConcurrentCalls: 1, MaxBodyBytes: 1024})
	c := connect(t, url)

	// One call runs (HostUp answers slowly) while another finds no slot.
	sim.SetFault(http.MethodGet, "/api/v2/vps/*/backups", hostuptest.Fault{Latency: 500 * time.Millisecond, Times: 1})
	slow := make(chan struct{})
	go func() {
		defer close(slow)
		call(t, c, "list_backups", map[string]any{"vps_id": "vps_sandbox01"})
	}()
	for deadline := time.Now().Add(5 * time.Second); len(sim.Requests()) == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	call(t, c, "list_vps", nil)
	<-slow
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "make_me_admin"}}); err == nil {
		t.Fatal("a tool the server does not offer was called")
	}
	for _, r := range []struct {
		header map[string]string
		body   string
		status int
	}{
		{nil, `{}`, http.StatusUnauthorized},
		{map[string]string{"Authorization": "Bearer " + token, "Origin": "https://evil.example"}, `{}`, http.StatusForbidden},
		{map[string]string{"Authorization": "Bearer " + token}, strings.Repeat(" ", 2048), http.StatusRequestEntityTooLarge},
		{map[string]string{"Authorization": "Bearer " + token}, `[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, http.StatusBadRequest},
	} {
		if status := post(t, url+transport.MCPPath, r.header, r.body); status != r.status {
			t.Fatalf("POST %s: %d, want %d", r.body, status, r.status)
		}
	}

	_, text := scrape(t, url, token)
	for _, want := range []string{
		`hostup_mcp_tool_calls_rejected_total{reason="busy"} 1`,
		`hostup_mcp_tool_calls_rejected_total{reason="key_busy"} 0`,
		`hostup_mcp_tool_calls_rejected_total{reason="shutting_down"} 0`,
		`hostup_mcp_unknown_tool_calls_total 1`,
		`hostup_mcp_http_refusals_total{code="missing_token",status="401"} 1`,
		`hostup_mcp_http_refusals_total{code="forbidden_origin",status="403"} 1`,
		`hostup_mcp_http_refusals_total{code="body_too_large",status="413"} 1`,
		`hostup_mcp_http_refusals_total{code="batch_not_supported",status="400"} 1`,
		`hostup_mcp_http_connections_closed_for_room_total{state="idle"} 0`,
		`hostup_mcp_http_bodies_reading 0`,
	} {
		if !strings.Contains(text, "\n"+want+"\n") {
			t.Errorf("no line %s", want)
		}
	}
	if !strings.Contains(text, "\nhostup_mcp_http_connections_open ") || strings.Contains(text, "\nhostup_mcp_http_connections_open 0\n") {
		t.Errorf("no count of the connections open (the scrape's own at least):\n%s", grepLines(text, "hostup_mcp_http_connections_open"))
	}
	if strings.Contains(text, "make_me_admin") {
		t.Error("a tool name a client made up became a label value")
	}
}

// post sends body to url and returns the status.
func post(t *testing.T, url string, header map[string]string, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func TestMetricsAreBehindTheSameAuthenticationAsMCP(t *testing.T) {
	url := serve(t, hostuptest.Sandbox(), metrics.New())
	for _, bearer := range []string{"", "wrong-token-0123456789"} {
		if status, body := scrape(t, url, bearer); status != http.StatusUnauthorized {
			t.Errorf("bearer %q: GET /metrics got %d %.100s, want 401", bearer, status, body)
		}
	}
}

func TestRefusalCodesThatAreNotCodesOrTooManyCountAsOther(t *testing.T) {
	m := metrics.New()
	m.ToolCall("t", "refused", "VPS web-01 is busy", time.Millisecond)
	for i := range 100 {
		m.ToolCall("t", "refused", fmt.Sprintf("code_%d", i), time.Millisecond)
	}
	srv := httptestServer(t, m.Handler())
	_, text := scrape(t, srv, "")
	if strings.Contains(text, "web-01") || strings.Contains(text, "code_99") {
		t.Fatal("an unbounded code became a label value")
	}
	if !strings.Contains(text, `hostup_mcp_tool_calls_total{code="other",outcome="refused",tool="t"} 37`) {
		t.Fatalf("want the malformed code and the 36 past the first 64 counted as other:\n%s", grepLines(text, "hostup_mcp_tool_calls_total"))
	}
}

// httptestServer serves h at /metrics on loopback.
func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(transport.MetricsPath, h)
	s := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { s.Close() })
	return "http://" + ln.Addr().String()
}

func grepLines(text, prefix string) string {
	var out []string
	for line := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
