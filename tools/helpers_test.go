package tools_test

// Shared test helpers: every test drives the real server (tools.NewServer)
// through mcp-go's in-process client, against the HostUp simulator, and asserts
// on the simulator's request log.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/confirmpage"
	"github.com/hostup/hostup-mcp/tools"
)

// testKey is the API key of the accounts the tests build with newSim.
const (
	testKey     = "test-key-0123456789"
	testAccount = "acct"
)

// winter is the default "now": Stockholm is on CET (UTC+1) then.
var winter = time.Date(2026, time.January, 14, 10, 0, 0, 0, time.UTC)

// env is one server under test, its client and the simulator behind it.
type env struct {
	t      *testing.T
	sim    *hostuptest.Simulator
	deps   *tools.Deps
	client *client.Client
	clock  *hostuptest.ManualClock // Deps.Now: token expiry, time zone offsets
	http   *statusLog
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

type envConfig struct {
	elicit   client.ElicitationHandler
	protocol string
	readOnly bool
	toolsets []tools.Toolset
	now      time.Time
	key      string
	realHTTP bool // serve the simulator on a real listener (needed for dropped connections)
	jobPoll  time.Duration
	jobWait  time.Duration
	sandbox  bool
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
	retry   time.Duration  // the client's MaxRetryWait; 0 means 2s
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

// withDisplay sets the zone results show local times in (Deps.Display).
func withDisplay(loc *time.Location) envOption { return func(c *envConfig) { c.display = loc } }

func withToolsets(ts ...tools.Toolset) envOption { return func(c *envConfig) { c.toolsets = ts } }

// withNow sets the tools' clock (Deps.Now).
func withNow(t time.Time) envOption { return func(c *envConfig) { c.now = t } }

// withKey sets the API key the client sends (the sandbox wants its own).
func withKey(k string) envOption { return func(c *envConfig) { c.key = k } }

// withRetryWait sets how long the client retries a 429 (the product's default
// is 30 s; Retry-After comes in whole seconds).
func withRetryWait(d time.Duration) envOption { return func(c *envConfig) { c.retry = d } }

func withRealHTTP() envOption { return func(c *envConfig) { c.realHTTP = true } }

func withJobTiming(poll, wait time.Duration) envOption {
	return func(c *envConfig) { c.jobPoll, c.jobWait = poll, wait }
}

// newEnv starts the real server over sim and connects an in-process client.
func newEnv(t *testing.T, sim *hostuptest.Simulator, opts ...envOption) *env {
	t.Helper()
	cfg := envConfig{protocol: mcp.LATEST_PROTOCOL_VERSION, now: winter, key: testKey}
	for _, o := range opts {
		o(&cfg)
	}
	hc := &http.Client{Transport: sim.Transport()}
	baseURL := hostup.DefaultBaseURL
	if cfg.realHTTP {
		srv := sim.Start()
		t.Cleanup(srv.Close)
		hc, baseURL = srv.Client(), srv.URL
	}
	status := &statusLog{next: hc.Transport}
	if status.next == nil {
		status.next = http.DefaultTransport
	}
	hc.Transport = status
	c, err := hostup.New(hostup.Options{
		APIKey: cfg.key, BaseURL: baseURL, HTTPClient: hc, UserAgent: "hostup-mcp/test",
		Timeout: 5 * time.Second, MaxRetryWait: cmp.Or(cfg.retry, 2*time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	clock := hostuptest.NewManualClock(cfg.now)
	deps := &tools.Deps{
		Client: c, Display: cmp.Or(cfg.display, time.UTC), Sandbox: cfg.sandbox,
		Confirm: tools.NewConfirmer([]byte("test-secret")), Now: clock.Now,
		JobPoll: cfg.jobPoll, JobWait: cfg.jobWait, ElicitationOnly: cfg.elicitOnly, RestoreByToken: cfg.restoreByToken,
	}
	if cfg.pages {
		pages := confirmpage.NewLoopback(nil)
		deps.ConfirmPages = pages
		t.Cleanup(func() { pages.Close() })
	}
	srv := tools.NewServer(deps, tools.ServerOptions{Name: "hostup-mcp", Version: "test", ReadOnly: cfg.readOnly, Toolsets: cfg.toolsets})

	var mc *client.Client
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
	return &env{t: t, sim: sim, deps: deps, client: mc, clock: clock, http: status}
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

// Ready-made VPSes for the tests that need one specific state.
func vpsWithoutSchedule(sim *hostuptest.Simulator) string {
	return sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "web", TotalBackupLimit: 7, AutoDeleteOldest: true})
}

func vpsWithDaily(sim *hostuptest.Simulator) string {
	return sim.AddVPS(testAccount, hostuptest.VPSSpec{
		Name: "db", TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{ID: "bks_daily1", Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 3, Since: 30 * 24 * time.Hour},
	})
}

func vpsWithWeekly(sim *hostuptest.Simulator) string {
	return sim.AddVPS(testAccount, hostuptest.VPSSpec{
		Name: "mail", TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{ID: "bks_weekly1", Name: "Weekly backup", Frequency: hostup.FrequencyWeekly, Hour: 3, Day: 1, RetentionCount: 4, Since: 60 * 24 * time.Hour},
	})
}

// call runs one tool and fails the test on a protocol error.
func (e *env) call(name string, args map[string]any) *mcp.CallToolResult {
	e.t.Helper()
	return e.callCtx(context.Background(), name, args, nil)
}

func (e *env) callCtx(ctx context.Context, name string, args map[string]any, meta *mcp.Meta) *mcp.CallToolResult {
	e.t.Helper()
	req := mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args, Meta: meta}}
	res, err := e.client.CallTool(ctx, req)
	if err != nil {
		e.t.Fatalf("%s %v: protocol error: %v", name, args, err)
	}
	return res
}

// ok runs a tool that must succeed, decodes its structuredContent into out
// (when out is not nil) and returns its text.
func (e *env) ok(name string, args map[string]any, out any) string {
	e.t.Helper()
	res := e.call(name, args)
	text := textOf(res)
	if res.IsError {
		e.t.Fatalf("%s %v: unexpected error result:\n%s", name, args, text)
	}
	if res.StructuredContent == nil {
		e.t.Fatalf("%s: a successful result has no structuredContent", name)
	}
	if out != nil {
		decodeStructured(e.t, res, out)
	}
	return text
}

// fails runs a tool that must return an isError result and returns its text.
func (e *env) fails(name string, args map[string]any) string {
	e.t.Helper()
	res := e.call(name, args)
	text := textOf(res)
	if !res.IsError {
		e.t.Fatalf("%s %v: expected an error result, got:\n%s", name, args, text)
	}
	return text
}

func decodeStructured(t *testing.T, res *mcp.CallToolResult, out any) {
	t.Helper()
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("structuredContent %s: %v", b, err)
	}
}

func textOf(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// refused runs a tool that must refuse locally: an error result naming every want,
// never the key, and no mutating request sent. It returns the text.
func (e *env) refused(name string, args map[string]any, wants ...string) string {
	e.t.Helper()
	text := e.fails(name, args)
	contains(e.t, text, wants...)
	lacks(e.t, text, testKey)
	e.noMutations()
	// A refusal's reason starts a sentence.
	if reason, ok := strings.CutPrefix(text, "Refused: nothing was sent to HostUp. "); ok {
		if r, _ := utf8.DecodeRuneInString(reason); !unicode.IsUpper(r) {
			e.t.Errorf("the refusal's reason must start with an uppercase letter:\n%s", text)
		}
	}
	return text
}

// noMutations asserts that HostUp received no POST, PATCH or DELETE.
func (e *env) noMutations() {
	e.t.Helper()
	if m := e.sim.Mutations(); len(m) != 0 {
		e.t.Fatalf("expected no mutating request, HostUp got %d: %s", len(m), describeRequests(m))
	}
}

// mutations returns the POST, PATCH and DELETE requests HostUp received.
func (e *env) mutations() []hostuptest.Request { return e.sim.Mutations() }

func describeRequests(rs []hostuptest.Request) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString("\n  " + r.Method + " " + r.Path)
		if len(r.Body) > 0 {
			b.WriteString(" " + string(r.Body))
		}
	}
	return b.String()
}

// bodyOf decodes a logged request body into a generic map, so that a test can
// check which fields were sent at all.
func bodyOf(t *testing.T, r hostuptest.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", r.Method, r.Path, r.Body, err)
	}
	return m
}

// contains asserts that text contains every want (case-sensitive).
func contains(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
}

func lacks(t *testing.T, text string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			t.Errorf("text should not contain %q:\n%s", w, text)
		}
	}
}

// schedules reads the VPS's schedules straight from the simulator's API.
func (e *env) schedules(vpsID string) *tools.ListBackupSchedulesOutput {
	e.t.Helper()
	var out tools.ListBackupSchedulesOutput
	e.ok("list_backup_schedules", map[string]any{"vps_id": vpsID}, &out)
	return &out
}

// elicitor answers elicitations like a user would, and records them.
type elicitor struct {
	action  mcp.ElicitationResponseAction
	content map[string]any

	mu       sync.Mutex
	messages []string
}

func accepting() *elicitor {
	return &elicitor{action: mcp.ElicitationResponseActionAccept, content: map[string]any{"confirm": true}}
}

func (h *elicitor) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.messages = append(h.messages, req.Params.Message)
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: h.action, Content: h.content}}, nil
}

func (h *elicitor) asked() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.messages...)
}
