package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcptransport "github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/redis/go-redis/v9"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/callcmd"
	"github.com/hostup/hostup-mcp/internal/redistest"
)

// Two replicas of hostup-mcp, each its own process (this test binary run as
// the server, see TestMain), serve Streamable HTTP behind a round-robin proxy
// this test starts. They share HOSTUP_MCP_TOKEN_SECRET and a real Redis
// (redis-server, started by the test), and call the simulated HostUp API over
// loopback with each client's own key (per-request keys).

// replicaEnv makes this test binary serve as hostup-mcp instead of testing:
// a replica that the test can kill like any process.
const replicaEnv = "HOSTUP_MCP_TEST_REPLICA"

func TestMain(m *testing.M) {
	if os.Getenv(replicaEnv) == "1" {
		// A short lease, so a killed replica's runs out within the test.
		if d, err := time.ParseDuration(os.Getenv("HOSTUP_MCP_TEST_LEASE_TTL")); err == nil {
			leaseTTL = d
		}
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

const (
	replicaKeyA = "key-replicas-account-a"
	replicaKeyB = "key-replicas-account-b"
	testLease   = 2 * time.Second
)

type replica struct {
	url    string
	cmd    *exec.Cmd
	stderr *syncWriter
	exited chan struct{}
}

type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// startReplica runs one server process and waits for its /healthz.
func startReplica(t *testing.T, apiURL, redisURL, secret string) *replica {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "--transport", "http", "--addr", addr, "--api-url", apiURL, "--redis-url", redisURL)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOSTUP_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, replicaEnv+"=1", "HOSTUP_MCP_TEST_LEASE_TTL="+testLease.String(),
		"HOSTUP_MCP_TOKEN_SECRET="+secret, "NO_COLOR=1")
	r := &replica{url: "http://" + addr, cmd: cmd, stderr: &syncWriter{}, exited: make(chan struct{})}
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(r.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-r.exited
		if t.Failed() {
			t.Logf("replica %s logged:\n%s", addr, r.stderr.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(r.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r
			}
		}
		select {
		case <-r.exited:
			t.Fatalf("the replica exited at start: %s", r.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not answer /healthz within 30 s: %s", r.stderr.String())
		}
	}
}

// kill stops the replica as the kernel's OOM killer or a node failure would:
// SIGKILL, no drain, no lease released.
func (r *replica) kill() {
	_ = r.cmd.Process.Kill()
	<-r.exited
}

// roundRobin is the proxy in front of the replicas: each request goes to the
// next replica that is up, as a Service does. It records which replica served
// which tool call.
type roundRobin struct {
	backends []*url.URL
	mu       sync.Mutex
	next     int
	down     map[int]bool
	calls    []servedCall
}

type servedCall struct {
	backend int
	tool    string
	key     string // the bearer the client sent
}

func newRoundRobin(t *testing.T, rs ...*replica) (*roundRobin, string) {
	p := &roundRobin{down: map[int]bool{}}
	for _, r := range rs {
		u, _ := url.Parse(r.url)
		p.backends = append(p.backends, u)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func (p *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	p.mu.Lock()
	for p.down[p.next%len(p.backends)] {
		p.next++
	}
	i := p.next % len(p.backends)
	p.next++
	var msg struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) == nil && msg.Method == "tools/call" {
		p.calls = append(p.calls, servedCall{backend: i, tool: msg.Params.Name, key: strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")})
	}
	p.mu.Unlock()
	target := p.backends[i]
	proxy := &httputil.ReverseProxy{
		Rewrite:       func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		FlushInterval: -1, // progress streams as event-stream
	}
	proxy.ServeHTTP(w, r)
}

// served returns the replicas that served the tool calls recorded since n.
func (p *roundRobin) served(n int) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for _, c := range p.calls[n:] {
		out = append(out, c.backend)
	}
	return out
}

func (p *roundRobin) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

// add puts a new replica behind the proxy, as a Deployment replaces a dead pod.
func (p *roundRobin) add(r *replica) {
	u, _ := url.Parse(r.url)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.backends = append(p.backends, u)
}

func (p *roundRobin) markDown(i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down[i] = true
}

func connectThrough(t *testing.T, url, key string) *client.Client {
	t.Helper()
	tr, err := mcptransport.NewStreamableHTTP(url+"/mcp", mcptransport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + key}))
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
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.ProtocolVersion20251125,
		ClientInfo:      mcp.Implementation{Name: "replicas-test", Version: "1"},
	}}); err != nil {
		t.Fatal(err)
	}
	return c
}

// toolResult is what a test reads of a call: its error flag, text and structured content.
type toolResult struct {
	isError bool
	text    string
	out     map[string]any
}

func (r toolResult) outcome() string { s, _ := r.out["outcome"].(string); return s }

func callThrough(ctx context.Context, c *client.Client, name string, args map[string]any) (toolResult, error) {
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
	if err != nil {
		return toolResult{}, err
	}
	r := toolResult{isError: res.IsError, text: callcmd.ResultText(res)}
	b, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(b, &r.out)
	return r, nil
}

func mustCall(t *testing.T, c *client.Client, name string, args map[string]any) toolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := callThrough(ctx, c, name, args)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

func withArgs(args map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range args {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// planDelete asks for a schedule's deletion and returns the confirm_token.
func planDelete(t *testing.T, c *client.Client, args map[string]any) string {
	t.Helper()
	r := mustCall(t, c, "delete_backup_schedule", args)
	token, _ := r.out["confirm_token"].(string)
	if r.isError || r.outcome() != "confirmation_required" || token == "" {
		t.Fatalf("plan: %s", r.text)
	}
	return token
}

// noHostUpKeyIn fails t unless Redis has keys matching pattern, and unless
// none of them, names or values of any type, holds a HostUp key of these tests.
func noHostUpKeyIn(t *testing.T, rs *redistest.Server, pattern string) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr, DisableIdentity: true})
	defer rdb.Close()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, pattern).Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("Redis keys %s: %v %v", pattern, keys, err)
	}
	for _, k := range keys {
		var v []string
		switch rdb.Type(ctx, k).Val() {
		case "string":
			v = []string{rdb.Get(ctx, k).Val()}
		case "hash":
			v = rdb.HVals(ctx, k).Val()
		case "zset":
			v = rdb.ZRange(ctx, k, 0, -1).Val()
		default:
			t.Errorf("Redis key %s has a type this check does not read", k)
		}
		if strings.Contains(k+strings.Join(v, " "), "key-replicas") {
			t.Errorf("Redis holds a HostUp key in %s", k)
		}
	}
}

// deletesOf counts the DELETEs of path that reached HostUp.
// deleteInBackground confirms a delete through the proxy without waiting for
// its answer, which a replica killed meanwhile may never give.
func deleteInBackground(ctx context.Context, c *client.Client, args map[string]any, token string) <-chan error {
	lost := make(chan error, 1)
	go func() {
		_, err := callThrough(ctx, c, "delete_backup_schedule", withArgs(args, "confirm_token", token))
		lost <- err
	}()
	return lost
}

// awaitDelete waits until the DELETE of path has reached HostUp.
func awaitDelete(t *testing.T, sim *hostuptest.Simulator, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for deletesOf(sim, path) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the DELETE never reached HostUp")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func deletesOf(sim *hostuptest.Simulator, path string) int {
	n := 0
	for _, m := range sim.Mutations() {
		if m.Method == http.MethodDelete && m.Path == path {
			n++
		}
	}
	return n
}

func TestTwoReplicasShareTokensAndLeasesThroughRedis(t *testing.T) {
	rs := redistest.Start(t)
	sim := hostuptest.New()
	sim.AddKey(replicaKeyA, "acct-a")
	sim.AddKey(replicaKeyB, "acct-b")
	schedule := func(vps, bks string) {
		sim.AddVPS("acct-a", hostuptest.VPSSpec{ID: vps, Name: vps, TotalBackupLimit: 5,
			Schedule: &hostuptest.ScheduleSpec{ID: bks, Frequency: "daily", Hour: 2, RetentionCount: 3}})
	}
	for _, id := range []string{"1", "2", "3", "4", "5", "6"} {
		schedule("vps_a"+id, "bks_a"+id)
	}
	sim.AddVPS("acct-b", hostuptest.VPSSpec{ID: "vps_b1", Name: "bravo", TotalBackupLimit: 5,
		Schedule: &hostuptest.ScheduleSpec{ID: "bks_b1", Frequency: "weekly", Hour: 4, Day: 3, RetentionCount: 2}})
	api := sim.Start()
	t.Cleanup(api.Close)

	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	newReplica := func() *replica { return startReplica(t, api.URL, rs.URL(), hex.EncodeToString(secret)) }
	replicas := []*replica{newReplica(), newReplica()}
	proxy, proxyURL := newRoundRobin(t, replicas...)
	c := connectThrough(t, proxyURL, replicaKeyA)

	t.Run("a plan made on one replica is confirmed on the other", func(t *testing.T) {
		args := map[string]any{"vps_id": "vps_a1", "schedule_id": "bks_a1"}
		n := proxy.count()
		token := planDelete(t, c, args)
		r := mustCall(t, c, "delete_backup_schedule", withArgs(args, "confirm_token", token))
		if r.isError || r.outcome() != "applied" {
			t.Fatalf("confirmation: %s", r.text)
		}
		if s := proxy.served(n); len(s) != 2 || s[0] == s[1] {
			t.Fatalf("replicas that served the plan and the confirmation: %v, want two different ones", s)
		}
		if d := deletesOf(sim, "/api/v2/vps/vps_a1/backup-schedules/bks_a1"); d != 1 {
			t.Fatalf("%d DELETEs, want 1", d)
		}
	})

	t.Run("the same token sent to both at once executes once", func(t *testing.T) {
		args := map[string]any{"vps_id": "vps_a2", "schedule_id": "bks_a2"}
		token := planDelete(t, c, args)
		// Slow enough that both calls are in flight together.
		sim.SetFault(http.MethodDelete, "/api/v2/vps/vps_a2/backup-schedules/*", hostuptest.Fault{Latency: 300 * time.Millisecond})
		defer sim.ClearFaults()
		n := proxy.count()
		results := make(chan toolResult, 2)
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { results <- mustCall(t, c, "delete_backup_schedule", withArgs(args, "confirm_token", token)) })
		}
		wg.Wait()
		close(results)
		applied := 0
		for r := range results {
			if !r.isError && r.outcome() == "applied" {
				applied++
			} else if !r.isError {
				t.Errorf("the second call: %s; want a refusal", r.text)
			}
		}
		if s := proxy.served(n); len(s) != 2 || s[0] == s[1] {
			t.Fatalf("replicas that served the two calls: %v, want both", s)
		}
		if d := deletesOf(sim, "/api/v2/vps/vps_a2/backup-schedules/bks_a2"); d != 1 || applied != 1 {
			t.Fatalf("%d DELETEs reached HostUp and %d calls applied, want 1 and 1", d, applied)
		}
	})

	t.Run("a stale token is refused on either replica", func(t *testing.T) {
		args := map[string]any{"vps_id": "vps_a3", "schedule_id": "bks_a3"}
		token := planDelete(t, c, args)
		// What decided the plan changes: the schedule keeps more backups now.
		if r := mustCall(t, c, "upsert_backup_schedule", map[string]any{"vps_id": "vps_a3", "frequency": "daily", "hour": 2, "retention_count": 4}); r.isError || r.outcome() != "applied" {
			t.Fatalf("changing the schedule: %s", r.text)
		}
		n := proxy.count()
		for range 2 {
			r := mustCall(t, c, "delete_backup_schedule", withArgs(args, "confirm_token", token))
			if !r.isError || !strings.Contains(r.text, "stale_confirm_token") {
				t.Errorf("stale token: %s", r.text)
			}
		}
		if s := proxy.served(n); len(s) != 2 || s[0] == s[1] {
			t.Fatalf("replicas that refused the stale token: %v, want both", s)
		}
		if d := deletesOf(sim, "/api/v2/vps/vps_a3/backup-schedules/bks_a3"); d != 0 {
			t.Fatalf("%d DELETEs with a stale token", d)
		}
	})

	t.Run("per-request keys never cross requests", func(t *testing.T) {
		cb := connectThrough(t, proxyURL, replicaKeyB)
		start := len(sim.Requests())
		var wg sync.WaitGroup
		for i := range 20 {
			who, vps := c, "vps_a4"
			if i%2 == 1 {
				who, vps = cb, "vps_b1"
			}
			wg.Go(func() {
				r := mustCall(t, who, "list_backup_schedules", map[string]any{"vps_id": vps})
				if r.isError || !strings.Contains(r.text, vps) {
					t.Errorf("%s: %s", vps, r.text)
				}
			})
		}
		wg.Wait()
		crossed := 0
		for _, r := range sim.Requests()[start:] {
			key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if (strings.Contains(r.Path, "vps_a") && key != replicaKeyA) || (strings.Contains(r.Path, "vps_b") && key != replicaKeyB) {
				crossed++
				t.Errorf("%s %s carried another client's key", r.Method, r.Path)
			}
		}
		if len(sim.Requests()) == start || crossed != 0 {
			t.Fatalf("%d requests reached HostUp, %d with another client's key", len(sim.Requests())-start, crossed)
		}
		// Nor does a key reach the shared state (the tests above used tokens).
		noHostUpKeyIn(t, rs, "*")
	})

	t.Run("a replica killed while it sends neither loses the change nor sends it twice", func(t *testing.T) {
		args := map[string]any{"vps_id": "vps_a5", "schedule_id": "bks_a5"}
		path := "/api/v2/vps/vps_a5/backup-schedules/bks_a5"
		token := planDelete(t, c, args)
		// HostUp holds the DELETE: the replica that sent it dies waiting, and
		// HostUp drops the request with its connection.
		sim.SetFault(http.MethodDelete, "/api/v2/vps/vps_a5/backup-schedules/*", hostuptest.Fault{Latency: 20 * time.Second})
		n := proxy.count()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		lost := deleteInBackground(ctx, c, args, token)
		awaitDelete(t, sim, path)
		sender := proxy.served(n)[0]
		replicas[sender].kill()
		proxy.markDown(sender) // as the Service does once its readiness fails
		if err := <-lost; err == nil {
			t.Log("the call through the killed replica got an answer") // a proxy may turn it into one
		}
		sim.ClearFaults()

		// The client calls again with the same token; the survivor waits for
		// the dead replica's lease to expire, sends nothing, reads back.
		start := time.Now()
		r := mustCall(t, c, "delete_backup_schedule", withArgs(args, "confirm_token", token))
		if r.isError || r.outcome() != "outcome_unknown" || !strings.Contains(r.text, "not sent again") || !strings.Contains(r.text, "does NOT show the change") {
			t.Fatalf("the retry on the survivor: %s", r.text)
		}
		if s := proxy.served(n); len(s) != 2 || s[1] == sender {
			t.Fatalf("replicas that served the calls: %v; the retry must be on the survivor", s)
		}
		if waited := time.Since(start); waited < testLease/4 {
			t.Errorf("the survivor went ahead after %v, before the dead replica's lease (%v) ran out", waited, testLease)
		}
		if d := deletesOf(sim, path); d != 1 {
			t.Fatalf("%d DELETEs reached HostUp, want only the dead replica's 1", d)
		}
		// Not lost either: the user, told it did not happen, confirms it anew.
		token = planDelete(t, c, args)
		if r := mustCall(t, c, "delete_backup_schedule", withArgs(args, "confirm_token", token)); r.isError || r.outcome() != "applied" {
			t.Fatalf("confirming anew: %s", r.text)
		}
		if d := deletesOf(sim, path); d != 2 {
			t.Fatalf("%d DELETEs, want the dead replica's and the new confirmation's", d)
		}
	})

	t.Run("a replica killed after HostUp applied its change does not get it sent again", func(t *testing.T) {
		replacement := newReplica()
		replicas = append(replicas, replacement)
		proxy.add(replacement)
		args := map[string]any{"vps_id": "vps_a6", "schedule_id": "bks_a6"}
		path := "/api/v2/vps/vps_a6/backup-schedules/bks_a6"
		token := planDelete(t, c, args)
		// HostUp applies the DELETE after a moment, and then holds the read
		// that follows it: the replica dies before it can answer the client.
		sim.SetFault(http.MethodDelete, "/api/v2/vps/vps_a6/backup-schedules/*", hostuptest.Fault{Latency: 300 * time.Millisecond})
		n := proxy.count()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		lost := deleteInBackground(ctx, c, args, token)
		awaitDelete(t, sim, path)
		sim.SetFault(http.MethodGet, "/api/v2/vps/vps_a6/backup-schedules", hostuptest.Fault{Latency: 20 * time.Second})
		readBack := func() bool {
			seen := false
			for _, r := range sim.Requests() {
				seen = seen || (r.Method == http.MethodDelete && r.Path == path)
				if seen && r.Method == http.MethodGet && r.Path == "/api/v2/vps/vps_a6/backup-schedules" {
					return true
				}
			}
			return false
		}
		deadline := time.Now().Add(10 * time.Second)
		for !readBack() {
			if time.Now().After(deadline) {
				t.Fatal("the replica never read the state back")
			}
			time.Sleep(5 * time.Millisecond)
		}
		sender := proxy.served(n)[0]
		replicas[sender].kill()
		proxy.markDown(sender)
		<-lost
		sim.ClearFaults()

		r := mustCall(t, c, "delete_backup_schedule", withArgs(args, "confirm_token", token))
		if !r.isError || !strings.Contains(r.text, "no schedule with id bks_a6") {
			t.Fatalf("the retry on the survivor: %s; want the schedule reported gone", r.text)
		}
		if s := proxy.served(n); len(s) != 2 || s[1] == sender {
			t.Fatalf("replicas that served the calls: %v; the retry must be on the survivor", s)
		}
		if d := deletesOf(sim, path); d != 1 {
			t.Fatalf("%d DELETEs reached HostUp, want 1", d)
		}
	})
}

// A Redis that does not answer stops the server with one line on stderr and
// exit 2, as every bad setting does, and the line shows no password: the
// Redis client's own log lines must not surround it. A real process, because
// those lines went to the process's stderr, not to run's.
func TestAnUnreachableRedisStopsTheServerWithOneLine(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "--sandbox", "--redis-url", "redis://:pw-0123456789@"+addr+"/0")
	cmd.Env = append(os.Environ(), replicaEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	exit, _ := err.(*exec.ExitError)
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	if exit == nil || exit.ExitCode() != 2 || len(lines) != 1 || !strings.Contains(lines[0], "HOSTUP_MCP_REDIS_URL") ||
		!strings.Contains(lines[0], addr) || strings.Contains(stderr.String(), "pw-0123456789") || stdout.Len() != 0 {
		t.Fatalf("exit %v, stdout %q, stderr:\n%s\nwant exit 2 and one line naming the setting and the address, no password", err, stdout.String(), stderr.String())
	}
}
