package tools_test

// The test harness: every test drives the real server (tools.NewServer)
// through mcp-go's in-process client, against the HostUp simulator, and
// asserts on the simulator's request log and on what the client saw. A test
// picks what it needs with options (newEnv's envOption): a dialog, a real
// listener, tight time limits, captured logs.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/confirmpage"
	"github.com/hostup/hostup-mcp/internal/coord"
	"github.com/hostup/hostup-mcp/tools"
)

// testKey is the API key of the accounts the tests build with newSim.
const (
	testKey     = "test-key-0123456789"
	testAccount = "acct"
)

// winter is the default "now": Stockholm is on CET (UTC+1) then.
var winter = time.Date(2026, time.January, 14, 10, 0, 0, 0, time.UTC)

// The tight time limits of withTightLimits: small, so that time-outs and
// retries take milliseconds, and chosen so that the retry count is exact. With
// MaxRetries 2 the backoff before retry 1 and 2 is at most 200+400 ms, well
// within tightRetryWait, so a GET that keeps failing with a retryable error is
// sent exactly 1+tightRetries times. A Retry-After of 1 s also fits; one of
// 30 s does not, so that 429 is returned at once.
const (
	tightTimeout   = 250 * time.Millisecond
	tightRetryWait = 1500 * time.Millisecond
	tightRetries   = 2
)

// env is one server under test, its client and the simulator behind it.
type env struct {
	t       *testing.T
	sim     *hostuptest.Simulator
	deps    *tools.Deps
	client  *client.Client
	clock   *hostuptest.ManualClock // Deps.Now: token expiry, time zone offsets
	http    *statusLog
	answers *answerLog
}

type envConfig struct {
	elicit   client.ElicitationHandler
	protocol string
	readOnly bool
	toolsets []tools.Toolset
	now      time.Time
	key      string
	realHTTP bool // serve the simulator on a real listener (needed for dropped connections)
	sandbox  bool // Deps.Sandbox: every result says it comes from the simulator
	// elicitOnly starts the server in elicitation-only mode (Deps.ElicitationOnly).
	elicitOnly bool
	// restoreByToken lets a token confirm a restore (Deps.RestoreByToken).
	restoreByToken bool
	// pages serves confirmation pages (Deps.ConfirmPages), and the client then
	// declares URL-mode elicitation only, answered by elicit.
	pages bool
	// wrap, when set, sits between the client and the in-process transport.
	wrap    func(transport.Interface) transport.Interface
	display *time.Location // Deps.Display; UTC when nil
	logs    *syncBuffer    // debug logs of the HostUp client and the tools; none when nil
	tasks   coord.Tasks    // Deps.SharedTasks: the record of tasks replicas share

	// The HostUp client's limits and the tools' job waits (0: the tools' own).
	timeout, retryWait time.Duration
	retries            int // 0: the client's default
	jobPoll, jobWait   time.Duration
}

type envOption func(*envConfig)

func withElicitationOnly() envOption { return func(c *envConfig) { c.elicitOnly = true } }

// withPageClient makes the server serve confirmation pages and the client one
// that can open a page but shows no dialog (URL-mode elicitation only),
// answered by h.
func withPageClient(h client.ElicitationHandler) envOption {
	return func(c *envConfig) { c.elicit, c.pages = h, true }
}

// withRestoreByToken starts the server as --restore-confirm token does.
func withRestoreByToken() envOption { return func(c *envConfig) { c.restoreByToken = true } }

// withTransport puts wrap between the client and the server, to see the raw
// results the client library would otherwise handle by itself.
func withTransport(wrap func(transport.Interface) transport.Interface) envOption {
	return func(c *envConfig) { c.wrap = wrap }
}

// withElicitation makes the client declare the elicitation capability and
// answer with h.
func withElicitation(h client.ElicitationHandler) envOption {
	return func(c *envConfig) { c.elicit = h }
}

// withProtocol pins the protocol version the client negotiates.
func withProtocol(v string) envOption { return func(c *envConfig) { c.protocol = v } }

func withReadOnly() envOption { return func(c *envConfig) { c.readOnly = true } }

// withSandbox starts the server as --sandbox does: its results say so.
func withSandbox() envOption { return func(c *envConfig) { c.sandbox = true } }

// withDisplay sets the zone results show local times in (Deps.Display).
func withDisplay(loc *time.Location) envOption { return func(c *envConfig) { c.display = loc } }

func withToolsets(ts ...tools.Toolset) envOption { return func(c *envConfig) { c.toolsets = ts } }

// withNow sets the tools' clock (Deps.Now).
func withNow(t time.Time) envOption { return func(c *envConfig) { c.now = t } }

// withKey sets the API key the client sends (the sandbox wants its own).
func withKey(k string) envOption { return func(c *envConfig) { c.key = k } }

// withRetryWait sets how long the client retries a 429 (the product's default
// is 30 s; Retry-After comes in whole seconds).
func withRetryWait(d time.Duration) envOption { return func(c *envConfig) { c.retryWait = d } }

// withRealHTTP serves the simulator on a real listener: a dropped connection
// or a time-out then reads as "sent", as on the network.
func withRealHTTP() envOption { return func(c *envConfig) { c.realHTTP = true } }

func withJobTiming(poll, wait time.Duration) envOption {
	return func(c *envConfig) { c.jobPoll, c.jobWait = poll, wait }
}

// withTightLimits gives the HostUp client the tight time limits above and the
// tools short job waits, for the tests of faults, time-outs and retries.
func withTightLimits() envOption {
	return func(c *envConfig) {
		c.timeout, c.retryWait, c.retries = tightTimeout, tightRetryWait, tightRetries
		c.jobPoll, c.jobWait = 5*time.Millisecond, 50*time.Millisecond
	}
}

// withLogs captures the debug logs of the HostUp client and the tools in b.
func withLogs(b *syncBuffer) envOption { return func(c *envConfig) { c.logs = b } }

// withSharedTasks gives the server the record of tasks replicas share.
func withSharedTasks(r coord.Tasks) envOption { return func(c *envConfig) { c.tasks = r } }

// newEnv starts the real server over sim and connects an in-process client.
func newEnv(t *testing.T, sim *hostuptest.Simulator, opts ...envOption) *env {
	t.Helper()
	cfg := envConfig{protocol: mcp.LATEST_PROTOCOL_VERSION, now: winter, key: testKey, timeout: 5 * time.Second, retryWait: 2 * time.Second, display: time.UTC}
	for _, o := range opts {
		o(&cfg)
	}
	c, status, answers := newHostUpClient(t, sim, cfg)
	clock := hostuptest.NewManualClock(cfg.now)
	deps := &tools.Deps{
		Client: c, Display: cfg.display, Sandbox: cfg.sandbox, Logger: cfg.logger(),
		Confirm: tools.NewConfirmer([]byte("test-secret")), Now: clock.Now,
		JobPoll: cfg.jobPoll, JobWait: cfg.jobWait, ElicitationOnly: cfg.elicitOnly, RestoreByToken: cfg.restoreByToken,
		SharedTasks: cfg.tasks,
	}
	if cfg.pages {
		pages := confirmpage.NewLoopback(nil)
		deps.ConfirmPages = pages
		t.Cleanup(func() { pages.Close() })
	}
	srv := tools.NewServer(deps, tools.ServerOptions{Name: "hostup-mcp", Version: "test", ReadOnly: cfg.readOnly, Toolsets: cfg.toolsets})
	mc := connect(t, srv, cfg)
	return &env{t: t, sim: sim, deps: deps, client: mc, clock: clock, http: status, answers: answers}
}

// newHostUpClient is the client the tools call HostUp with, over sim, with
// both logs of what HostUp answered in its way.
func newHostUpClient(t *testing.T, sim *hostuptest.Simulator, cfg envConfig) (*hostup.Client, *statusLog, *answerLog) {
	t.Helper()
	hc := &http.Client{Transport: sim.Transport()}
	baseURL := hostup.DefaultBaseURL
	if cfg.realHTTP {
		srv := sim.Start()
		t.Cleanup(srv.Close)
		hc, baseURL = srv.Client(), srv.URL
	}
	answers := &answerLog{next: hc.Transport}
	if answers.next == nil {
		answers.next = http.DefaultTransport
	}
	status := &statusLog{next: answers}
	hc.Transport = status
	c, err := hostup.New(hostup.Options{
		APIKey: cfg.key, BaseURL: baseURL, HTTPClient: hc, UserAgent: "hostup-mcp/test",
		Timeout: cfg.timeout, MaxRetryWait: cfg.retryWait, MaxRetries: cfg.retries, Logger: cfg.logger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, status, answers
}

// connect starts an in-process client of srv and initializes it with the
// capabilities cfg asks for.
func connect(t *testing.T, srv *server.MCPServer, cfg envConfig) *client.Client {
	t.Helper()
	var mc *client.Client
	var err error
	if cfg.wrap != nil {
		mc = client.NewClient(cfg.wrap(transport.NewInProcessTransport(srv)), client.WithElicitationHandler(cfg.elicit))
	} else if cfg.elicit != nil {
		mc, err = client.NewInProcessClientWithOptions(srv, client.WithElicitationHandler(cfg.elicit))
	} else {
		mc, err = client.NewInProcessClient(srv)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := mc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mc.Close() })
	init := mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: cfg.protocol,
		ClientInfo:      mcp.Implementation{Name: "tools-test", Version: "1"},
	}}
	switch {
	case cfg.pages:
		init.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{URL: &struct{}{}}
	case cfg.elicit != nil:
		init.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{}
	}
	if _, err := mc.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	return mc
}

func (c envConfig) logger() *slog.Logger {
	if c.logs == nil {
		return nil
	}
	return slog.New(slog.NewTextHandler(c.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newSim returns an empty simulator whose account testKey may change everything.
func newSim(opts ...hostuptest.Option) *hostuptest.Simulator {
	sim := hostuptest.New(opts...)
	sim.AddKey(testKey, testAccount)
	return sim
}

// sandboxEnv is the SPEC sandbox account behind the real server.
func sandboxEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	return newEnv(t, hostuptest.Sandbox(), append([]envOption{withKey(hostuptest.SandboxAPIKey)}, opts...)...)
}

// statusLog records the status of every HostUp answer the client got; the
// simulator's own log records requests only.
type statusLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	got  []string // "METHOD path status"
	bad  []string // the same, for 4xx and 5xx answers
	lose string   // a method whose next answer is lost after HostUp handled it
	// After a request with method failAfter, the next failGETs GETs fail with a
	// network error before reaching HostUp.
	failAfter string
	failGETs  int
}

// failReadsAfter makes the n GETs that follow the next request with method fail,
// as when the network goes away right after a change was sent.
func (l *statusLog) failReadsAfter(method string, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failAfter, l.failGETs = method, n
}

// loseAnswer makes the next request with method reach HostUp and its answer
// get lost on the way back, as when a connection breaks mid-response.
func (l *statusLog) loseAnswer(method string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lose = method
}

func (l *statusLog) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	if r.Method == http.MethodGet && l.failAfter == "" && l.failGETs > 0 {
		l.failGETs--
		l.mu.Unlock()
		return nil, fmt.Errorf("connection refused: %w", io.ErrUnexpectedEOF)
	}
	if r.Method == l.failAfter {
		l.failAfter = "" // armed: the GETs from now on fail
	}
	l.mu.Unlock()
	resp, err := l.next.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	line := fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, resp.StatusCode)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lose != "" && l.lose == r.Method {
		l.lose = ""
		resp.Body.Close()
		return nil, fmt.Errorf("connection reset after the request was handled: %w", io.ErrUnexpectedEOF)
	}
	l.got = append(l.got, line)
	if resp.StatusCode >= 400 {
		l.bad = append(l.bad, line)
	}
	return resp, nil
}

// refused returns the answers HostUp gave with a 4xx or 5xx status.
func (l *statusLog) refused() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.bad...)
}

// answer is one HostUp answer as the client saw it.
type answer struct {
	method, path string
	status       int // 0 when the transport failed (drop, time-out)
}

func (a answer) String() string { return fmt.Sprintf("%s %s %d", a.method, a.path, a.status) }

// answerLog records every attempt's outcome, failed ones included; HostUp's
// own log (sim.Requests) does not say what was answered.
type answerLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	all  []answer
}

func (l *answerLog) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	a := answer{method: r.Method, path: r.URL.EscapedPath()}
	if err == nil {
		a.status = resp.StatusCode
	}
	l.mu.Lock()
	l.all = append(l.all, a)
	l.mu.Unlock()
	return resp, err
}

func (l *answerLog) answers() []answer {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]answer(nil), l.all...)
}

func (l *answerLog) String() string { return fmt.Sprint(l.answers()) }

// syncBuffer is a bytes.Buffer safe for the concurrent writes of slog handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
