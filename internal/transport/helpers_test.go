package transport

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcptransport "github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/coord"
	"github.com/hostup/hostup-mcp/prompts"
	"github.com/hostup/hostup-mcp/tools"
)

const (
	testToken = "test-token-0123456789abcdef"
	keyA      = "key-account-a"
	keyB      = "key-account-b"
)

// twoAccounts is a simulator with one VPS in each of two accounts.
func twoAccounts() *hostuptest.Simulator {
	sim := hostuptest.New()
	sim.AddKey(keyA, "acct-a")
	sim.AddKey(keyB, "acct-b")
	sim.AddVPS("acct-a", hostuptest.VPSSpec{ID: "vps_a1", Name: "alpha", Hostname: "alpha.example.com", IP: "192.0.2.1"})
	sim.AddVPS("acct-b", hostuptest.VPSSpec{ID: "vps_b1", Name: "bravo", Hostname: "bravo.example.com", IP: "192.0.2.2"})
	return sim
}

// newMCPServer builds the real server (tools and prompts) calling the
// simulator over real HTTP on loopback, with key as its own key ("" in
// per-request mode) and secret signing its confirm tokens.
func newMCPServer(t *testing.T, sim *hostuptest.Simulator, key string, secret []byte) *server.MCPServer {
	t.Helper()
	return newReplica(t, sim, key, secret, nil)
}

// newReplica is newMCPServer recording its tokens in record, which replicas
// share as they would share a Redis; nil keeps the process's own record.
func newReplica(t *testing.T, sim *hostuptest.Simulator, key string, secret []byte, record coord.TokenRecord) *server.MCPServer {
	t.Helper()
	api := sim.Start()
	t.Cleanup(api.Close)
	c, err := hostup.New(hostup.Options{APIKey: key, BaseURL: api.URL, HTTPClient: api.Client()})
	if err != nil {
		t.Fatal(err)
	}
	confirm := tools.NewConfirmer(secret)
	if record != nil {
		confirm.Record = record
	}
	srv := tools.NewServer(&tools.Deps{Client: c, Confirm: confirm},
		tools.ServerOptions{Name: "hostup-mcp", Version: "test"}, server.WithPromptCapabilities(false))
	prompts.Register(srv)
	return srv
}

// running is a Server serving on a real listener on 127.0.0.1.
type running struct {
	url  string
	srv  *Server
	stop context.CancelFunc
	done chan error
}

func serve(t *testing.T, srv *server.MCPServer, opts Options) *running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts.Addr = ln.Addr().String()
	s, err := New(srv, opts)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	r := &running{url: "http://" + opts.Addr, srv: s, stop: stop, done: make(chan error, 1)}
	go func() { r.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	return r
}

// serveSim serves a fresh MCP server over kind with the given auth.
func serveSim(t *testing.T, kind Kind, sim *hostuptest.Simulator, serverKey string, opts Options) *running {
	t.Helper()
	opts.Kind = kind
	return serve(t, newMCPServer(t, sim, serverKey, nil), opts)
}

func bearer(token string) map[string]string {
	if token == "" {
		return nil
	}
	return map[string]string{"Authorization": "Bearer " + token}
}

// connect starts an mcp-go client over kind and initializes it.
func connect(t *testing.T, kind Kind, url, token string, opts ...client.ClientOption) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var tr mcptransport.Interface
	var err error
	switch kind {
	case StreamableHTTP:
		tr, err = mcptransport.NewStreamableHTTP(url+MCPPath, mcptransport.WithHTTPHeaders(bearer(token)))
	case SSE:
		tr, err = mcptransport.NewSSE(url+SSEPath, mcptransport.WithHeaders(bearer(token)))
	}
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr, opts...)
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("starting the %s client: %v", kind, err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ClientInfo: mcp.Implementation{Name: "transport-test", Version: "1"},
	}}); err != nil {
		t.Fatalf("initialize over %s: %v", kind, err)
	}
	return c
}

func callTool(t *testing.T, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

func structured(t *testing.T, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("structured content %s: %v", b, err)
	}
	return m
}

// rawRequest sends one HTTP request and returns its status and body.
func rawRequest(t *testing.T, method, url string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") && method == http.MethodGet {
		return resp.StatusCode, "" // a stream that was let through: it never ends
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s %s: %v", method, url, err)
	}
	return resp.StatusCode, string(b)
}

const listVPSCall = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_vps","arguments":{}}}`

func withHeader(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, val := range m {
		out[key] = val
	}
	return out
}

// authorizations lists the Authorization header of every request HostUp got.
func authorizations(sim *hostuptest.Simulator) []string {
	var out []string
	for _, r := range sim.Requests() {
		out = append(out, r.Header.Get("Authorization"))
	}
	return out
}

// recorder is an Observer that keeps what it heard, one line an event.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(e string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) Refused(status int, code string) {
	r.add(fmt.Sprintf("refused %d %s", status, code))
}
func (r *recorder) CallRejected(reason string)           { r.add("rejected " + reason) }
func (r *recorder) ConnectionClosedForRoom(state string) { r.add("closed " + state) }

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

func (r *recorder) count(event string) int {
	n := 0
	for _, e := range r.all() {
		if e == event {
			n++
		}
	}
	return n
}
