package hostup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "hk_test_S3cr3tK3yValue"

// recorded is one request as the test server saw it.
type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

// recorder counts what reached the server and what the client slept between attempts.
type recorder struct {
	mu     sync.Mutex
	reqs   []recorded
	waits  []time.Duration
	offset time.Duration // how far the recorded sleeps moved the client's clock
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func (r *recorder) slept() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.waits)
}

// newTestClient serves h on an httptest server and returns a client of it whose sleeps
// are recorded instead of slept.
func newTestClient(t *testing.T, h http.HandlerFunc, configure ...func(*Options)) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		rec.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	opts := Options{APIKey: testKey, BaseURL: srv.URL, HTTPClient: srv.Client(), UserAgent: "hostup-mcp/test"}
	for _, f := range configure {
		f(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// Time moves only by the recorded sleeps, so deadlines work as they would.
	c.sleep = func(ctx context.Context, d time.Duration) error {
		rec.mu.Lock()
		rec.waits = append(rec.waits, d)
		rec.offset += d
		rec.mu.Unlock()
		return ctx.Err()
	}
	c.now = func() time.Time {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return time.Now().Add(rec.offset)
	}
	return c, rec
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func writeProblem(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"type":"https://developer.hostup.se/errors/%s","title":"t","status":%d,"detail":"d","code":%q,"requestId":"req_1"}`, code, status, code)
}

// dropConnection closes the connection without answering, as a crashed proxy would.
func dropConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

// call invokes one endpoint by method, so that retry tests can cover every method.
func call(ctx context.Context, c *Client, method string) error {
	var err error
	switch method {
	case http.MethodGet:
		_, err = c.GetVPS(ctx, "vps_1")
	case http.MethodPost:
		_, err = c.CreateBackup(ctx, "vps_1", CreateBackupRequest{})
	case http.MethodPatch:
		_, err = c.UpdateBackupSettings(ctx, "vps_1", SettingsRequest{AutoDeleteOldest: new(true)})
	case http.MethodDelete:
		_, err = c.DeleteBackup(ctx, "vps_1", "bkp_1")
	}
	return err
}

var allMethods = []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete}

func TestNewRejectsUnusableBaseURLWithoutEchoingIt(t *testing.T) {
	for _, base := range []string{
		"cloud.hostup.se",
		"ftp://cloud.hostup.se",
		"https://user:hunter2@cloud.hostup.se",
		"https://cloud.hostup.se/?token=hunter2",
		"https://cloud.hostup.se/#hunter2",
		"https://",
		"://hunter2",
		"http://cloud.hostup.se",
		"http://10.0.0.1:8080",
	} {
		t.Run(base, func(t *testing.T) {
			_, err := New(Options{BaseURL: base})
			if err == nil {
				t.Fatal("New accepted the URL")
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error echoes the URL: %v", err)
			}
		})
	}
}

func TestNewAcceptsPlainHTTPOnlyOnLoopback(t *testing.T) {
	for _, base := range []string{"http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:80", "https://cloud.hostup.se"} {
		if _, err := New(Options{BaseURL: base}); err != nil {
			t.Errorf("New(%s): %v", base, err)
		}
	}
}

func TestNewRejectsAPIKeyWithWhitespaceWithoutEchoingIt(t *testing.T) {
	for _, key := range []string{testKey + "\n", "Bearer " + testKey, testKey + "\x00", testKey + "é"} {
		_, err := New(Options{APIKey: key})
		if err == nil {
			t.Fatalf("New accepted key %q", key)
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("error contains the key: %v", err)
		}
	}
}

func TestBaseURLPathPrefixIsKept(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"id":"vps_1"}`) })
	c2, err := New(Options{APIKey: testKey, BaseURL: c.baseURL + "/proxy/", HTTPClient: c.httpClient})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.GetVPS(context.Background(), "vps_1"); err != nil {
		t.Fatal(err)
	}
	if got := rec.requests()[0].Path; got != "/proxy/api/v2/vps/vps_1" {
		t.Errorf("path = %q", got)
	}
}

// A base URL that ends in HostUp's own /api/v2 sent GET /api/v2/api/v2/vps.
func TestNewRefusesABaseURLWithHostUpsAPIPath(t *testing.T) {
	for _, base := range []string{"https://cloud.hostup.se/api/v2", "https://cloud.hostup.se/api/", "http://127.0.0.1:8080/proxy/API/vm"} {
		_, err := New(Options{BaseURL: base})
		if err == nil || !strings.Contains(err.Error(), "/api/") || !strings.Contains(err.Error(), DefaultBaseURL) {
			t.Errorf("New(%s): %v; want a refusal that says to leave out /api/…", base, err)
		}
	}
}

// The debug log is where a user checks which address was really called, so it
// shows the full URL, base URL prefix included.
func TestDebugLogShowsTheURLRequested(t *testing.T) {
	var logs bytes.Buffer
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"id":"vps_1"}`) })
	c2, err := New(Options{APIKey: testKey, BaseURL: c.baseURL + "/proxy", HTTPClient: c.httpClient,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.GetVPS(context.Background(), "vps_1"); err != nil {
		t.Fatal(err)
	}
	if want := "url=" + c.baseURL + "/proxy/api/v2/vps/vps_1"; !strings.Contains(logs.String(), want) {
		t.Errorf("debug log lacks %s:\n%s", want, logs.String())
	}
	if strings.Contains(logs.String(), testKey) {
		t.Errorf("debug log shows the API key:\n%s", logs.String())
	}
}

func TestRequestsCarryAuthAcceptUserAgentAndContentTypeOnlyWithBody(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	ctx := context.Background()
	if _, err := c.GetVPS(ctx, "vps_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpsertBackupSchedule(ctx, "vps_1", ScheduleRequest{Frequency: FrequencyDaily, RetentionCount: 1}); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	for _, r := range reqs {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
			t.Errorf("%s Authorization = %q", r.Method, got)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("%s Accept = %q", r.Method, got)
		}
		if got := r.Header.Get("User-Agent"); got != "hostup-mcp/test" {
			t.Errorf("%s User-Agent = %q", r.Method, got)
		}
	}
	if got := reqs[0].Header.Get("Content-Type"); got != "" {
		t.Errorf("GET Content-Type = %q, want none", got)
	}
	if got := reqs[1].Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("POST Content-Type = %q", got)
	}
}

func TestWithAPIKeyOverridesTheClientKey(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	if _, err := c.GetVPS(WithAPIKey(context.Background(), "caller_key"), "vps_1"); err != nil {
		t.Fatal(err)
	}
	if got := rec.requests()[0].Header.Get("Authorization"); got != "Bearer caller_key" {
		t.Errorf("Authorization = %q", got)
	}
}

func TestMissingOrInvalidKeySendsNothing(t *testing.T) {
	tests := []struct {
		name    string
		client  string
		ctxKey  *string
		wantErr error
	}{
		{"no key anywhere", "", nil, ErrNoAPIKey},
		{"empty per-request key does not fall back to the client key", testKey, new(""), ErrNoAPIKey},
		{"per-request key with a newline", "", new("abc\r\nX-Evil: 1"), errInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) },
				func(o *Options) { o.APIKey = tt.client })
			ctx := context.Background()
			if tt.ctxKey != nil {
				ctx = WithAPIKey(ctx, *tt.ctxKey)
			}
			_, err := c.GetVPS(ctx, "vps_1")
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if n := len(rec.requests()); n != 0 {
				t.Errorf("%d requests sent, want 0", n)
			}
		})
	}
}

func TestRateLimitIsRetriedOnEveryMethodAfterRetryAfter(t *testing.T) {
	for _, method := range allMethods {
		t.Run(method, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				first := calls == 1
				mu.Unlock()
				if first {
					w.Header().Set("Retry-After", "1")
					writeProblem(w, 429, "rate_limited")
					return
				}
				writeJSON(w, 200, `{}`)
			})
			if err := call(context.Background(), c, method); err != nil {
				t.Fatalf("err = %v", err)
			}
			if n := len(rec.requests()); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
			if got := rec.slept(); !slices.Equal(got, []time.Duration{time.Second}) {
				t.Errorf("slept %v, want [1s]", got)
			}
		})
	}
}

// A 429 is retried until MaxRetryWait has passed, not MaxRetries times (issue 19):
// workers that gave up after a count lost audit rows under a token bucket.
func TestRateLimitExhaustedReturnsAPIErrorWithRetryAfter(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		writeProblem(w, 429, "rate_limit_exceeded")
	}, func(o *Options) { o.MaxRetries = 1; o.MaxRetryWait = 9 * time.Second })
	err := call(context.Background(), c, http.MethodPost)
	apiErr, ok := errors.AsType[*APIError](err)
	if !ok {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if apiErr.Status != 429 || apiErr.RetryAfter != 2*time.Second || !IsRateLimited(err) {
		t.Errorf("got status %d retryAfter %v", apiErr.Status, apiErr.RetryAfter)
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Error("a 429 is a definite refusal, not an unknown outcome")
	}
	if !strings.Contains(err.Error(), "retry after 2s") {
		t.Errorf("message does not say when to retry: %v", err)
	}
	// Sent at 0, 2, 4, 6 and 8 s; one more at 10 s would pass the 9 s deadline.
	if n := len(rec.requests()); n != 5 {
		t.Errorf("%d requests, want 5 (every 2 s until 9 s, more than 1 + MaxRetries)", n)
	}
}

func TestRateLimitLongerThanTheBudgetIsReturnedAtOnce(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		ctxTimeout time.Duration
	}{
		{"beyond MaxRetryWait", "120", 0},
		{"beyond the caller's deadline", "10", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", tt.retryAfter)
				writeProblem(w, 429, "rate_limited")
			})
			ctx := context.Background()
			if tt.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxTimeout)
				defer cancel()
			}
			err := call(ctx, c, http.MethodGet)
			if !IsRateLimited(err) {
				t.Fatalf("err = %v", err)
			}
			if n := len(rec.requests()); n != 1 || len(rec.slept()) != 0 {
				t.Errorf("%d requests and sleeps %v, want 1 and none", n, rec.slept())
			}
		})
	}
}

func TestRateLimitResetIsUsedWhenRetryAfterIsMissing(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			w.Header().Set("X-RateLimit-Reset", time.Now().Add(5*time.Second).UTC().Format(time.RFC3339Nano))
			writeProblem(w, 429, "rate_limited")
			return
		}
		writeJSON(w, 200, `{}`)
	})
	if err := call(context.Background(), c, http.MethodGet); err != nil {
		t.Fatal(err)
	}
	waits := rec.slept()
	if len(waits) != 1 || waits[0] < 3*time.Second || waits[0] > 5*time.Second {
		t.Errorf("slept %v, want one wait of about 5s", waits)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 4, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		retryAfter string
		reset      string
		body       string
		want       time.Duration
	}{
		{"seconds", "3", "", "", 3 * time.Second},
		{"HTTP date", now.Add(7 * time.Second).Format(http.TimeFormat), "", "", 7 * time.Second},
		{"Retry-After wins over reset", "2", "2026-04-27T12:00:09Z", "", 2 * time.Second},
		{"ISO reset", "", "2026-04-27T12:00:09.500Z", "", 9500 * time.Millisecond},
		{"epoch reset", "", strconv.FormatInt(now.Add(4*time.Second).Unix(), 10), "", 4 * time.Second},
		{"v1 body retryAfter", "", "", "2026-04-27T12:00:30.000Z", 30 * time.Second},
		{"past time is zero", "", "2026-04-27T11:00:00Z", "", 0},
		{"garbage falls through to reset", "soon", "2026-04-27T12:00:01Z", "", time.Second},
		{"negative is ignored", "-5", "", "", 0},
		{"nothing", "", "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.retryAfter != "" {
				h.Set("Retry-After", tt.retryAfter)
			}
			if tt.reset != "" {
				h.Set("X-RateLimit-Reset", tt.reset)
			}
			if got := retryAfter(h, tt.body, now); got != tt.want {
				t.Errorf("retryAfter = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGETRetriesGatewayErrorsWithBackoff(t *testing.T) {
	for _, status := range []int{502, 503, 504} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				first := calls == 1
				mu.Unlock()
				if first {
					w.WriteHeader(status)
					io.WriteString(w, "<html><body>Bad gateway</body></html>")
					return
				}
				writeJSON(w, 200, `{"id":"vps_1"}`)
			})
			v, err := c.GetVPS(context.Background(), "vps_1")
			if err != nil || v.ID != "vps_1" {
				t.Fatalf("GetVPS = %v, %v", v, err)
			}
			waits := rec.slept()
			if len(waits) != 1 || waits[0] < backoffBase/2 || waits[0] > backoffBase {
				t.Errorf("slept %v, want one jittered wait in [%v, %v]", waits, backoffBase/2, backoffBase)
			}
		})
	}
}

func TestGETGivesUpAfterMaxRetries(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeProblem(w, 503, "upstream_unavailable") })
	_, err := c.GetVPS(context.Background(), "vps_1")
	if apiErr, ok := errors.AsType[*APIError](err); !ok || apiErr.Code != "upstream_unavailable" {
		t.Fatalf("err = %v", err)
	}
	if n := len(rec.requests()); n != 1+defaultMaxRetries {
		t.Errorf("%d requests, want %d", n, 1+defaultMaxRetries)
	}
	waits := rec.slept()
	for i := 1; i < len(waits); i++ {
		if waits[i] <= waits[i-1]/2 {
			t.Errorf("backoff does not grow: %v", waits)
		}
	}
}

func TestGETRetriesADroppedConnection(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			dropConnection(w)
			return
		}
		writeJSON(w, 200, `{"id":"vps_1"}`)
	})
	if _, err := c.GetVPS(context.Background(), "vps_1"); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestMutationsAreNeverRetriedOnServerErrors(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodPatch, http.MethodDelete} {
		for _, status := range []int{500, 502, 503, 504} {
			t.Run(fmt.Sprintf("%s %d", method, status), func(t *testing.T) {
				c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeProblem(w, status, "internal_error") })
				err := call(context.Background(), c, method)
				if !errors.Is(err, ErrOutcomeUnknown) {
					t.Errorf("err = %v, want it to wrap ErrOutcomeUnknown", err)
				}
				if apiErr, ok := errors.AsType[*APIError](err); !ok || apiErr.Status != status {
					t.Errorf("err = %v, want the *APIError too", err)
				}
				if n := len(rec.requests()); n != 1 {
					t.Errorf("%d requests, want exactly 1", n)
				}
			})
		}
	}
}

func TestMutationOnADroppedConnectionHasAnUnknownOutcome(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { dropConnection(w) })
	err := call(context.Background(), c, http.MethodPost)
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("err = %v, want ErrOutcomeUnknown", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestMutationThatNeverConnectedHasAKnownOutcome(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c, err := New(Options{APIKey: testKey, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	err = call(context.Background(), c, http.MethodPost)
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("err = %v, want a plain error: nothing was sent", err)
	}
}

func TestMutationRefusedWith4xxHasAKnownOutcome(t *testing.T) {
	for _, status := range []int{400, 404, 409} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeProblem(w, status, "vps_not_ready") })
			err := call(context.Background(), c, http.MethodPost)
			if errors.Is(err, ErrOutcomeUnknown) {
				t.Errorf("err = %v wraps ErrOutcomeUnknown", err)
			}
			if apiErr, ok := errors.AsType[*APIError](err); !ok || apiErr.Status != status {
				t.Errorf("err = %v", err)
			}
			if n := len(rec.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestEachAttemptHasATimeout(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	tests := []struct {
		method      string
		wantUnknown bool
	}{
		{http.MethodGet, false},
		{http.MethodPost, true},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			c, rec := newTestClient(t, slow, func(o *Options) {
				o.Timeout = 50 * time.Millisecond
				o.MaxRetries = -1
			})
			err := call(context.Background(), c, tt.method)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want context.DeadlineExceeded", err)
			}
			if errors.Is(err, ErrOutcomeUnknown) != tt.wantUnknown {
				t.Errorf("err = %v, ErrOutcomeUnknown want %v", err, tt.wantUnknown)
			}
			if n := len(rec.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestCancelledContextStopsRetrying(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		cancel()
		writeProblem(w, 503, "upstream_unavailable")
	})
	c.sleep = sleepContext
	_, err := c.GetVPS(ctx, "vps_1")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestAPIKeyNeverLeaks(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			// A server that echoes the rejected credential must not make us repeat it.
			writeJSON(w, 401, `{"code":"unauthorized","detail":"key `+testKey+` is revoked","errors":[{"pointer":"/key","detail":"`+testKey+`"}]}`)
		case http.MethodPost:
			w.WriteHeader(502)
			io.WriteString(w, "<html>"+testKey+"</html>")
		default:
			dropConnection(w)
		}
	}, func(o *Options) { o.Logger = logger })

	ctx := context.Background()
	var errs []error
	for _, method := range allMethods {
		errs = append(errs, call(ctx, c, method))
	}
	_, err := c.GetVPS(WithAPIKey(ctx, testKey+"\n"), "vps_1")
	errs = append(errs, err)
	_, err = New(Options{APIKey: testKey + " "})
	errs = append(errs, err)

	for _, err := range errs {
		if err == nil {
			t.Fatal("expected an error")
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(s, testKey) {
				t.Errorf("error contains the key: %s", s)
			}
		}
	}

	opts := Options{APIKey: testKey, BaseURL: DefaultBaseURL}
	keyCtx := WithAPIKey(ctx, testKey)
	logger.Info("values", "client", c, "options", opts, "ctx", keyCtx)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		for name, v := range map[string]any{"*Client": c, "Client": *c, "Options": opts, "*Options": &opts, "ctx": keyCtx} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, testKey) || strings.Contains(s, fmt.Sprintf("%x", testKey)) {
				t.Errorf("fmt %s of %s shows the key: %s", verb, name, s)
			}
		}
	}
	if strings.Contains(logs.String(), testKey) {
		t.Errorf("logs contain the key:\n%s", logs.String())
	}
}

func TestDebugLogRecordsEachAttemptWithoutQuery(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":[],"hasMore":false}`)
	}, func(o *Options) { o.Logger = logger })
	if _, err := c.ListVPS(context.Background(), ListVPSParams{PrimaryIP: "203.0.113.10"}); err != nil {
		t.Fatal(err)
	}
	line := logs.String()
	for _, want := range []string{"level=DEBUG", "method=GET", "url=" + c.baseURL + "/api/v2/vps ", "status=200", "attempt=1", "duration="} {
		if !strings.Contains(line, want) {
			t.Errorf("log lacks %q: %s", want, line)
		}
	}
	if strings.Contains(line, "203.0.113.10") {
		t.Errorf("log contains the query: %s", line)
	}
}

// An answer is read whole whether HostUp gives its length or streams it;
// a body cut short of the length it announced, or larger than the client
// holds, is an error and never a shorter reading.
func TestAnswerBodiesAreReadWholeOrRefused(t *testing.T) {
	vps := `{"id":"vps_1","name":"web-1","serviceStatus":"active","primaryIp":null,"powerState":null}`
	cases := []struct {
		name    string
		handler http.HandlerFunc
		wantErr string
	}{
		{"length given", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(vps)))
			writeJSON(w, 200, vps)
		}, ""},
		{"streamed", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for _, part := range []string{vps[:10], vps[10:]} {
				io.WriteString(w, part)
				w.(http.Flusher).Flush() // chunked: no length
			}
		}, ""},
		{"cut short", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(vps)+10))
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, vps)
			w.(http.Flusher).Flush()
			dropConnection(w)
		}, "unexpected EOF"},
		{"larger than the client holds", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"vps_1","name":"`)
			w.(http.Flusher).Flush()
			io.WriteString(w, strings.Repeat("x", maxResponseBytes))
			io.WriteString(w, `"}`)
		}, "larger than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, tc.handler, func(o *Options) { o.MaxRetries = -1 })
			readWholeOrRefused(t, c, tc.wantErr)
		})
	}
	// A transport that announces less than it sends (HTTP/1.1 servers cannot;
	// a proxy or an HTTP/2 peer can): the start of the body is no answer.
	t.Run("longer than its length", func(t *testing.T) {
		long := func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
				ContentLength: int64(len(vps)), Body: io.NopCloser(strings.NewReader(vps + `{"id":"vps_2"}`)), Request: r}, nil
		}
		c, _ := newTestClient(t, nil, func(o *Options) {
			o.MaxRetries = -1
			o.HTTPClient = &http.Client{Transport: roundTripFunc(long)}
		})
		readWholeOrRefused(t, c, "longer than its Content-Length")
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// readWholeOrRefused reads vps_1 with c: the whole VPS when wantErr is "",
// else an error that says wantErr.
func readWholeOrRefused(t *testing.T, c *Client, wantErr string) {
	t.Helper()
	v, err := c.GetVPS(context.Background(), "vps_1")
	if wantErr == "" {
		if err != nil || v.Name != "web-1" {
			t.Fatalf("GetVPS = %+v, %v; want web-1", v, err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Fatalf("GetVPS = %+v, %v; want an error saying %q", v, err, wantErr)
	}
}
