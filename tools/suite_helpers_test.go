package tools_test

// Helpers of the reliability and security suite (issue 6): an env whose HostUp
// client has small, test-sized time limits and whose logs are captured at debug
// level, and a recorder of what HostUp answered to every request.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// Time limits of the suite's HostUp client: small, so that time-outs and
// retries take milliseconds, and chosen so that the retry count is exact. With
// MaxRetries 2 the backoff before retry 1 and 2 is at most 200+400 ms, well
// within suiteRetryWait, so a GET that keeps failing with a retryable error is
// sent exactly 1+suiteRetries times. A Retry-After of 1 s also fits; one of
// 30 s does not, so that 429 is returned at once.
const (
	suiteTimeout   = 250 * time.Millisecond
	suiteRetryWait = 1500 * time.Millisecond
	suiteRetries   = 2
)

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

// answer is one HostUp answer as the client saw it.
type answer struct {
	method, path string
	status       int // 0 when the transport failed (drop, time-out)
}

// answerLog records every attempt's outcome; HostUp's own log (sim.Requests)
// does not say what was answered.
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

type suiteConfig struct {
	key     string
	logs    *syncBuffer
	inProc  bool // in-process transport instead of a real listener
	sandbox bool
}

type suiteOption func(*suiteConfig)

func suiteKey(k string) suiteOption        { return func(c *suiteConfig) { c.key = k } }
func suiteLogs(b *syncBuffer) suiteOption  { return func(c *suiteConfig) { c.logs = b } }
func suiteInProcess() suiteOption          { return func(c *suiteConfig) { c.inProc = true } }
func suiteSandboxFlag(on bool) suiteOption { return func(c *suiteConfig) { c.sandbox = on } }
func (l *answerLog) String() string        { return fmt.Sprint(l.answers()) }
func (a answer) String() string            { return fmt.Sprintf("%s %s %d", a.method, a.path, a.status) }
func debugLogger(b *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// suiteEnv is newEnv with the suite's time limits, a real listener (a dropped
// connection or a time-out then reads as "sent", as on the network), debug logs
// captured, and an answer log. It reuses env, so e.ok, e.fails and the rest work.
func suiteEnv(t *testing.T, sim *hostuptest.Simulator, opts ...suiteOption) (*env, *answerLog) {
	t.Helper()
	cfg := suiteConfig{key: testKey}
	for _, o := range opts {
		o(&cfg)
	}
	hc := &http.Client{Transport: sim.Transport()}
	baseURL := hostup.DefaultBaseURL
	if !cfg.inProc {
		srv := sim.Start()
		t.Cleanup(srv.Close)
		hc, baseURL = srv.Client(), srv.URL
	}
	answers := &answerLog{next: hc.Transport}
	status := &statusLog{next: answers}
	hc.Transport = status
	var logger *slog.Logger
	if cfg.logs != nil {
		logger = debugLogger(cfg.logs)
	}
	c, err := hostup.New(hostup.Options{
		APIKey: cfg.key, BaseURL: baseURL, HTTPClient: hc, UserAgent: "hostup-mcp/test",
		Timeout: suiteTimeout, MaxRetryWait: suiteRetryWait, MaxRetries: suiteRetries, Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	clock := hostuptest.NewManualClock(winter)
	deps := &tools.Deps{
		Client: c, Display: time.UTC, Sandbox: cfg.sandbox, Logger: logger,
		Confirm: tools.NewConfirmer([]byte("test-secret")), Now: clock.Now,
		JobPoll: 5 * time.Millisecond, JobWait: 50 * time.Millisecond,
	}
	srv := tools.NewServer(deps, tools.ServerOptions{Name: "hostup-mcp", Version: "test"})
	mc, err := client.NewInProcessClient(srv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := mc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mc.Close() })
	if _, err := mc.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo:      mcp.Implementation{Name: "suite-test", Version: "1"},
	}}); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, sim: sim, deps: deps, client: mc, clock: clock, http: status}, answers
}

// callRaw sends arguments exactly as given (raw JSON, duplicate keys and all)
// and returns the result, or the protocol error.
func (e *env) callRaw(name string, raw string) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return e.client.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: json.RawMessage(raw)}})
}

// encodings returns the forms in which a secret could leak: raw, base64 (std,
// URL, padded or not, at each of the three byte alignments inside a longer
// encoded string), URL escapes and hex.
func encodings(secret string) map[string]string {
	out := map[string]string{
		"raw":           secret,
		"query-escaped": url.QueryEscape(secret),
		"path-escaped":  url.PathEscape(secret),
		"hex":           hex.EncodeToString([]byte(secret)),
		"HEX":           strings.ToUpper(hex.EncodeToString([]byte(secret))),
		"json-quoted":   strings.Trim(mustJSON(secret), `"`),
		"reversed":      reverse(secret),
	}
	for off := range 3 {
		in := strings.Repeat("\x00", off) + secret
		for name, enc := range map[string]*base64.Encoding{
			"base64-std": base64.StdEncoding, "base64-url": base64.URLEncoding,
			"base64-rawstd": base64.RawStdEncoding, "base64-rawurl": base64.RawURLEncoding,
		} {
			s := enc.EncodeToString([]byte(in))
			// The first and last quantum depend on the bytes around the secret.
			out[fmt.Sprintf("%s+%d", name, off)] = s[4 : len(s)-4]
		}
	}
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// sightings returns where and how the secret appears in text. Hex is matched
// case-insensitively (mixed-case hex still decodes); the other forms exactly.
func sightings(where, text, secret string) []string {
	var out []string
	lower := strings.ToLower(text)
	for name, enc := range encodings(secret) {
		if enc == "" {
			continue
		}
		found := strings.Contains(text, enc)
		if name == "hex" {
			found = strings.Contains(lower, enc)
		}
		if found {
			out = append(out, fmt.Sprintf("%s: %s", where, name))
		}
	}
	return out
}

// resultTexts returns every text the client sees of a result: the content and
// the structured content as JSON.
func resultTexts(res *mcp.CallToolResult) (content, structured string) {
	content = textOf(res)
	if res.StructuredContent != nil {
		structured = mustJSON(res.StructuredContent)
	}
	b, _ := json.Marshal(res)
	return content + "\n" + string(b), structured
}
