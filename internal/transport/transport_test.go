package transport

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

func TestForeignOriginIsRefusedBeforeAnyToolRuns(t *testing.T) {
	for _, tc := range []struct {
		kind   Kind
		method string
		path   string
		body   string
	}{
		{StreamableHTTP, http.MethodPost, MCPPath, listVPSCall},
		{SSE, http.MethodGet, SSEPath, ""},
		{SSE, http.MethodPost, MessagePath + "?sessionId=x", listVPSCall},
	} {
		t.Run(string(tc.kind)+" "+tc.method+" "+tc.path, func(t *testing.T) {
			sim := twoAccounts()
			r := serveSim(t, tc.kind, sim, keyA, Options{})
			status, body := rawRequest(t, tc.method, r.url+tc.path, map[string]string{"Origin": "https://evil.example"}, tc.body)
			if status != http.StatusForbidden || !strings.Contains(body, "forbidden_origin") {
				t.Fatalf("got %d %s, want 403 forbidden_origin", status, body)
			}
			if got := sim.Requests(); len(got) != 0 {
				t.Fatalf("HostUp received %d requests; a refused request must run nothing", len(got))
			}
		})
	}
}

func TestAllowedOriginsReachTheServer(t *testing.T) {
	sim := twoAccounts()
	r := serveSim(t, StreamableHTTP, sim, keyA, Options{AllowedOrigins: []string{"https://app.example.com"}})
	port := r.url[strings.LastIndex(r.url, ":")+1:]
	for _, tc := range []struct{ name, origin, host string }{
		{"no origin", "", ""},
		{"allow-listed", "https://app.example.com", ""},
		{"allow-listed, other case", "HTTPS://App.Example.com", ""},
		{"same host", "http://localhost:" + port, "localhost:" + port},
		{"loopback page", "http://127.0.0.1:3000", ""},
		{"ipv6 loopback page", "http://[::1]:3000", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.origin != "" {
				h["Origin"] = tc.origin
			}
			if tc.host != "" {
				h["Host"] = tc.host
			}
			status, body := rawRequest(t, http.MethodPost, r.url+MCPPath, h, listVPSCall)
			if status != http.StatusOK || !strings.Contains(body, "vps_a1") {
				t.Fatalf("got %d %s, want 200 with the VPS list", status, body)
			}
		})
	}
	for _, origin := range []string{"null", "https://app.example.com.evil.example", "http://app.example.com", "file:///etc/passwd"} {
		t.Run("refused "+origin, func(t *testing.T) {
			if status, _ := rawRequest(t, http.MethodPost, r.url+MCPPath, map[string]string{"Origin": origin}, listVPSCall); status != http.StatusForbidden {
				t.Fatalf("Origin %s got %d, want 403", origin, status)
			}
		})
	}
}

func TestNonLoopbackHostOnLoopbackIsRefused(t *testing.T) {
	for _, kind := range []Kind{StreamableHTTP, SSE} {
		t.Run(string(kind), func(t *testing.T) {
			sim := twoAccounts()
			r := serveSim(t, kind, sim, keyA, Options{})
			path := MCPPath
			if kind == SSE {
				path = SSEPath
			}
			status, body := rawRequest(t, http.MethodPost, r.url+path, map[string]string{"Host": "rebind.evil.example:8765"}, listVPSCall)
			if status != http.StatusForbidden || !strings.Contains(body, "forbidden_host") {
				t.Fatalf("got %d %s, want 403 forbidden_host", status, body)
			}
			if len(sim.Requests()) != 0 {
				t.Fatal("HostUp was called")
			}
		})
	}
}

func TestSharedTokenIsRequired(t *testing.T) {
	for _, kind := range []Kind{StreamableHTTP, SSE} {
		sim := twoAccounts()
		r := serveSim(t, kind, sim, keyA, Options{Token: testToken})
		path := MCPPath
		if kind == SSE {
			path = SSEPath
		}
		for _, tc := range []struct {
			name, authorization, code string
		}{
			{"no token", "", "missing_token"},
			{"wrong token", "Bearer " + testToken + "x", "invalid_token"},
			{"empty bearer", "Bearer ", "missing_token"},
			{"basic auth", "Basic dXNlcjpwYXNz", "missing_token"},
			{"prefix of the token", "Bearer " + testToken[:len(testToken)-1], "invalid_token"},
		} {
			t.Run(string(kind)+" "+tc.name, func(t *testing.T) {
				h := map[string]string{}
				if tc.authorization != "" {
					h["Authorization"] = tc.authorization
				}
				status, body := rawRequest(t, http.MethodPost, r.url+path, h, listVPSCall)
				var msg struct{ Error, Message string }
				_ = json.Unmarshal([]byte(body), &msg)
				if status != http.StatusUnauthorized || msg.Error != tc.code || !strings.Contains(msg.Message, "HOSTUP_MCP_HTTP_TOKEN") {
					t.Fatalf("got %d %s, want 401 %s with a message naming HOSTUP_MCP_HTTP_TOKEN", status, body, tc.code)
				}
				if len(sim.Requests()) != 0 {
					t.Fatal("HostUp was called")
				}
			})
		}
		t.Run(string(kind)+" right token", func(t *testing.T) {
			c := connect(t, kind, r.url, testToken)
			res := callTool(t, c, "list_vps", nil)
			if res.IsError || !strings.Contains(text(res), "alpha") {
				t.Fatalf("list_vps: %s", text(res))
			}
			for _, a := range authorizations(sim) {
				if a != "Bearer "+keyA {
					t.Fatalf("HostUp got Authorization %q, want the server's own key", a)
				}
			}
		})
	}
}

func TestPerRequestKeysEachReachHostUpWithOnlyTheirOwnKey(t *testing.T) {
	for _, kind := range []Kind{StreamableHTTP, SSE} {
		t.Run(string(kind), func(t *testing.T) {
			sim := twoAccounts()
			r := serveSim(t, kind, sim, "", Options{PerRequestKeys: true})
			clients := map[string]*client.Client{keyA: connect(t, kind, r.url, keyA), keyB: connect(t, kind, r.url, keyB)}
			want := map[string]string{keyA: "vps_a1", keyB: "vps_b1"}
			const calls = 5
			var wg sync.WaitGroup
			errs := make(chan error, 2*calls)
			for key, c := range clients {
				for range calls {
					wg.Go(func() {
						res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "list_vps"}})
						switch {
						case err != nil:
							errs <- err
						case res.IsError:
							errs <- fmt.Errorf("list_vps with %s: %s", key, text(res))
						case !strings.Contains(text(res), want[key]) || strings.Contains(text(res), want[other(key)]):
							errs <- fmt.Errorf("list_vps with %s saw %s", key, text(res))
						}
					})
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			count := map[string]int{}
			for _, a := range authorizations(sim) {
				count[a]++
			}
			if len(count) != 2 || count["Bearer "+keyA] != calls || count["Bearer "+keyB] != calls {
				t.Fatalf("HostUp got Authorization headers %v, want %d with each client's own key and nothing else", count, calls)
			}
		})
	}
}

func other(key string) string {
	if key == keyA {
		return keyB
	}
	return keyA
}

func TestPerRequestKeysMissingKeyGets401(t *testing.T) {
	for _, tc := range []struct {
		name, authorization, code string
	}{
		{"no key", "", "missing_api_key"},
		{"malformed key", "Bearer k\u00e9y", "invalid_api_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := twoAccounts()
			r := serveSim(t, StreamableHTTP, sim, "", Options{PerRequestKeys: true})
			h := map[string]string{}
			if tc.authorization != "" {
				h["Authorization"] = tc.authorization
			}
			status, body := rawRequest(t, http.MethodPost, r.url+MCPPath, h, listVPSCall)
			if status != http.StatusUnauthorized || !strings.Contains(body, tc.code) || !strings.Contains(body, "HostUp API key") {
				t.Fatalf("got %d %s, want 401 %s naming the HostUp API key", status, body, tc.code)
			}
			if len(sim.Requests()) != 0 {
				t.Fatal("HostUp was called")
			}
		})
	}
}

func TestSSESessionIsBoundToTheCredentialThatOpenedIt(t *testing.T) {
	sim := twoAccounts()
	r := serveSim(t, SSE, sim, "", Options{PerRequestKeys: true})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.url+SSEPath, nil)
	req.Header.Set("Authorization", "Bearer "+keyA)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	var endpoint string
	for sc.Scan() {
		if e, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			endpoint = strings.TrimSpace(e)
			break
		}
	}
	if !strings.Contains(endpoint, "sessionId=") {
		t.Fatalf("no endpoint event, got %q", endpoint)
	}

	status, body := rawRequest(t, http.MethodPost, r.url+endpoint, bearer(keyB), listVPSCall)
	if status != http.StatusNotFound || !strings.Contains(body, "unknown_session") {
		t.Fatalf("B posting to A's session got %d %s, want 404", status, body)
	}
	if len(sim.Requests()) != 0 {
		t.Fatal("HostUp was called")
	}
	if status, body := rawRequest(t, http.MethodPost, r.url+endpoint, bearer(keyA), `{"jsonrpc":"2.0","id":1,"method":"ping"}`); status != http.StatusAccepted {
		t.Fatalf("A posting to its own session got %d %s, want 202", status, body)
	}
}

func TestNonLoopbackAddressWithoutAuthRefusesToStart(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		opts    Options
		wantErr string
	}{
		{addr: "0.0.0.0:8765", wantErr: "HOSTUP_MCP_HTTP_TOKEN"},
		{addr: ":8765", wantErr: "not a loopback address"},
		{addr: "[::]:8765", wantErr: "not a loopback address"},
		{addr: "192.0.2.10:8765", wantErr: "not a loopback address"},
		{addr: "mcp.example.com:8765", wantErr: "not a loopback address"},
		{addr: "0.0.0.0:8765", opts: Options{Token: "short"}, wantErr: "at least 16"},
		{addr: "0.0.0.0:8765", opts: Options{Token: testToken, PerRequestKeys: true}, wantErr: "server-wide HostUp key"},
		{addr: "127.0.0.1:8765", opts: Options{AllowedOrigins: []string{"app.example.com"}}, wantErr: "HOSTUP_MCP_ALLOWED_ORIGINS"},
		{addr: "8765", wantErr: "host:port"},
		{addr: "127.0.0.1:8765"},
		{addr: "localhost:8765"},
		{addr: "[::1]:8765"},
		{addr: "127.0.0.2:8765"},
		{addr: "0.0.0.0:8765", opts: Options{Token: testToken}},
		{addr: "0.0.0.0:8765", opts: Options{PerRequestKeys: true}},
	} {
		for _, kind := range []Kind{StreamableHTTP, SSE} {
			t.Run(string(kind)+" "+tc.addr+" "+tc.wantErr, func(t *testing.T) {
				opts := tc.opts
				opts.Kind, opts.Addr = kind, tc.addr
				_, err := New(newMCPServer(t, twoAccounts(), keyA, nil), opts)
				switch {
				case tc.wantErr == "" && err != nil:
					t.Fatalf("refused: %v", err)
				case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
					t.Fatalf("got %v, want an error saying %q", err, tc.wantErr)
				case err != nil && strings.Contains(err.Error(), "\n"):
					t.Fatalf("error is not one line: %q", err)
				}
			})
		}
	}
}

func TestShutdownFinishesTheCallInFlight(t *testing.T) {
	for _, kind := range []Kind{StreamableHTTP, SSE} {
		t.Run(string(kind), func(t *testing.T) {
			sim := twoAccounts()
			r := serveSim(t, kind, sim, keyA, Options{})
			c := connect(t, kind, r.url, "")
			sim.SetLatency(700 * time.Millisecond)

			type result struct {
				res *mcp.CallToolResult
				err error
			}
			got := make(chan result, 1)
			go func() {
				res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "list_vps"}})
				got <- result{res, err}
			}()
			waitFor(t, func() bool { return len(sim.Requests()) > 0 }) // the call is at HostUp
			r.stop()

			res := <-got
			if res.err != nil || res.res.IsError || !strings.Contains(text(res.res), "alpha") {
				t.Fatalf("the call in flight did not finish: %v %v", res.err, res.res)
			}
			select {
			case err := <-r.done:
				if err != nil {
					t.Fatalf("Serve: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Serve did not return after its calls finished")
			}
			r.done <- nil // for the cleanup
			if _, err := http.Get(r.url + HealthPath); err == nil {
				t.Fatal("the server still accepts connections after shutdown")
			}
		})
	}
}

func TestShutdownCutsOffCallsThatOutlastTheLimit(t *testing.T) {
	sim := twoAccounts()
	r := serve(t, newMCPServer(t, sim, keyA, nil), Options{Kind: StreamableHTTP, ShutdownTimeout: 300 * time.Millisecond})
	c := connect(t, StreamableHTTP, r.url, "")
	sim.SetLatency(time.Minute)
	go func() {
		_, _ = c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "list_vps"}})
	}()
	waitFor(t, func() bool { return len(sim.Requests()) > 0 })
	start := time.Now()
	r.stop()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve waited past its shutdown limit")
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Fatalf("shutdown took %s with a limit of 300ms", waited)
	}
	r.done <- nil
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHealthzNeedsNoAuth(t *testing.T) {
	for _, kind := range []Kind{StreamableHTTP, SSE} {
		t.Run(string(kind), func(t *testing.T) {
			r := serveSim(t, kind, twoAccounts(), keyA, Options{Token: testToken})
			resp, err := http.Get(r.url + HealthPath)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]string
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || body["status"] != "ok" || body["transport"] != string(kind) {
				t.Fatalf("got %d %s %v", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if status, _ := rawRequest(t, http.MethodPost, r.url+HealthPath, nil, "{}"); status != http.StatusMethodNotAllowed {
				t.Fatalf("POST /healthz got %d, want 405", status)
			}
		})
	}
}

// A 404 names the endpoints this server serves, and no other transport's.
func TestNotFoundNamesOnlyThisTransportsEndpoint(t *testing.T) {
	for kind, want := range map[Kind][2]string{StreamableHTTP: {MCPPath, SSEPath}, SSE: {SSEPath, MCPPath}} {
		t.Run(string(kind), func(t *testing.T) {
			r := serveSim(t, kind, twoAccounts(), keyA, Options{Token: testToken})
			status, body := rawRequest(t, http.MethodGet, r.url+"/nothing-here", nil, "")
			if status != http.StatusNotFound || !strings.Contains(body, want[0]) || strings.Contains(body, want[1]) {
				t.Errorf("GET /nothing-here over %s: %d %s; want 404 naming %s and not %s", kind, status, body, want[0], want[1])
			}
		})
	}
}

func TestSSETransportServesTheMCPGoSSEClient(t *testing.T) {
	r := serveSim(t, SSE, twoAccounts(), keyA, Options{})
	c := connect(t, SSE, r.url, "")
	tools, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil || len(tools.Tools) == 0 {
		t.Fatalf("tools/list: %v %v", err, tools)
	}
	if res := callTool(t, c, "list_vps", nil); res.IsError || !strings.Contains(text(res), "alpha") {
		t.Fatalf("list_vps: %s", text(res))
	}
}

func TestTooManyConcurrentCallsGetABusyError(t *testing.T) {
	sim := twoAccounts()
	r := serve(t, newMCPServer(t, sim, keyA, nil), Options{Kind: StreamableHTTP, MaxConcurrentCalls: 1})
	c := connect(t, StreamableHTTP, r.url, "")
	sim.SetLatency(500 * time.Millisecond)
	first := make(chan *mcp.CallToolResult, 1)
	go func() {
		res, _ := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "list_vps"}})
		first <- res
	}()
	waitFor(t, func() bool { return len(sim.Requests()) > 0 })
	res := callTool(t, c, "list_vps", nil)
	if !res.IsError || !strings.Contains(text(res), "busy") || !strings.Contains(text(res), "nothing was sent to HostUp") {
		t.Fatalf("second call: isError=%v %s, want a busy error", res.IsError, text(res))
	}
	if res := <-first; res == nil || res.IsError {
		t.Fatalf("first call failed: %v", res)
	}
	if n := len(sim.Requests()); n != 1 {
		t.Fatalf("HostUp got %d requests, want only the first call's", n)
	}
	sim.SetLatency(0)
	if res := callTool(t, c, "list_vps", nil); res.IsError {
		t.Fatalf("a call after the busy one: %s", text(res))
	}
}

func TestOversizedBodyIsRefused(t *testing.T) {
	sim := twoAccounts()
	r := serve(t, newMCPServer(t, sim, keyA, nil), Options{Kind: StreamableHTTP, MaxBodyBytes: 1024})
	big := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_vps","arguments":{"query":"` + strings.Repeat("x", 2048) + `"}}}`
	status, body := rawRequest(t, http.MethodPost, r.url+MCPPath, nil, big)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "body_too_large") {
		t.Fatalf("got %d %s, want 413", status, body)
	}
	if len(sim.Requests()) != 0 {
		t.Fatal("HostUp was called")
	}
}

func TestStatelessHTTPServesNoGETStream(t *testing.T) {
	r := serveSim(t, StreamableHTTP, twoAccounts(), keyA, Options{})
	status, _ := rawRequest(t, http.MethodGet, r.url+MCPPath, map[string]string{"Accept": "text/event-stream"}, "")
	if status != http.StatusMethodNotAllowed {
		t.Fatalf("GET %s got %d, want 405: a stateless server has no stream to offer", MCPPath, status)
	}
}

func TestUnknownPathIs404(t *testing.T) {
	r := serveSim(t, StreamableHTTP, twoAccounts(), keyA, Options{})
	if status, body := rawRequest(t, http.MethodGet, r.url+"/", nil, ""); status != http.StatusNotFound || !strings.Contains(body, MCPPath) {
		t.Fatalf("got %d %s", status, body)
	}
}
