package hostup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultBaseURL is HostUp's API host; endpoint paths carry their own /api/v2 prefix.
const DefaultBaseURL = "https://cloud.hostup.se"

const (
	defaultTimeout      = 30 * time.Second
	defaultMaxRetryWait = 30 * time.Second
	defaultMaxRetries   = 3
	defaultUserAgent    = "hostup-mcp"
	backoffBase         = 200 * time.Millisecond
	backoffCap          = 5 * time.Second
	// maxResponseBytes bounds what one response may make us buffer; a full page of
	// 100 VPSes is a small fraction of it.
	maxResponseBytes = 8 << 20
)

// ErrNoAPIKey is returned, without sending anything, when neither Options.APIKey nor
// WithAPIKey supplied a key.
var ErrNoAPIKey = errors.New("hostup: no API key was configured for this request")

// errInvalidKey never includes the key: the point is that it must not be echoed anywhere.
var errInvalidKey = errors.New("hostup: the API key contains spaces or control characters; check the key file or variable for a stray newline")

// Options configure a Client. The zero value of every field except APIKey has a default.
type Options struct {
	APIKey     string        `json:"-"` // may be empty when every call carries a key (WithAPIKey)
	BaseURL    string        // default DefaultBaseURL
	HTTPClient *http.Client  // default: a cloned default transport that does not follow redirects
	UserAgent  string        // e.g. "hostup-mcp/0.1.0"
	Timeout    time.Duration // per attempt; 0 means 30s
	// MaxRetryWait bounds retrying: a 429 is retried until MaxRetryWait after the
	// first attempt (a wall-clock deadline, waits for a turn included), other
	// failures while the sleeps between attempts add up to at most MaxRetryWait.
	// 0 means 30s, negative means never wait.
	MaxRetryWait time.Duration
	MaxRetries   int           // retries after the first attempt; 0 means 3, negative means none
	Logger       *slog.Logger  // debug logs of each attempt; nil discards
	OnAttempt    func(Attempt) // hears of each attempt, for metrics (observe.go); nil hears nothing
}

// String describes the options without the API key.
func (o Options) String() string {
	return fmt.Sprintf("hostup.Options{BaseURL: %q, UserAgent: %q, APIKey: %s}", o.BaseURL, o.UserAgent, redactedOrNone(o.APIKey))
}

// Format makes every fmt verb (including %d, %x and %#v, which would otherwise print
// the fields one by one) go through String, so the key cannot leak through a log line.
func (o Options) Format(f fmt.State, _ rune) {
	io.WriteString(f, o.String())
}

// LogValue keeps the key out of structured logs.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", o.BaseURL),
		slog.String("user_agent", o.UserAgent),
		slog.String("api_key", redactedOrNone(o.APIKey)),
	)
}

// Client is a typed client of HostUp's VPS backup API. It is safe for concurrent use.
type Client struct {
	key          secret
	baseURL      string // scheme://host[/prefix] without a trailing slash
	httpClient   *http.Client
	userAgent    string
	timeout      time.Duration
	maxRetryWait time.Duration
	maxRetries   int
	log          *slog.Logger
	onAttempt    func(Attempt)
	// sleep waits between attempts and now reads the clock; tests replace both
	// so that retry tests stay fast.
	sleep func(context.Context, time.Duration) error
	now   func() time.Time
	// limits paces the requests made with each key once HostUp has answered 429
	// to that key.
	limits *limiters
	// jobsWantBearer is set once GET /api/jobs refused X-API-Key and took Bearer.
	jobsWantBearer *atomic.Bool
}

// New validates the options and returns a Client. It sends no request.
func New(opts Options) (*Client, error) {
	base, err := baseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	if opts.APIKey != "" && !ValidKey(opts.APIKey) {
		return nil, errInvalidKey
	}
	c := &Client{
		key:            newSecret(opts.APIKey),
		baseURL:        base,
		httpClient:     opts.HTTPClient,
		userAgent:      opts.UserAgent,
		timeout:        opts.Timeout,
		maxRetryWait:   opts.MaxRetryWait,
		maxRetries:     opts.MaxRetries,
		log:            opts.Logger,
		onAttempt:      opts.OnAttempt,
		sleep:          sleepContext,
		now:            time.Now,
		limits:         &limiters{},
		jobsWantBearer: new(atomic.Bool),
	}
	c.setDefaults()
	return c, nil
}

// baseURL checks the API base URL (DefaultBaseURL when empty) and returns it
// without a trailing slash.
func baseURL(base string) (string, error) {
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// The URL is not echoed: it could carry credentials in its userinfo.
		return "", errors.New("hostup: the API base URL must be an absolute http or https URL without credentials, query or fragment, e.g. " + DefaultBaseURL)
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		// Plain http would send the API key readable to anyone on the path; it is
		// only for a local simulator or proxy.
		return "", errors.New("hostup: the API base URL must use https (plain http is accepted only for localhost, e.g. a local test server)")
	}
	if hasAPIPath(u.Path) {
		// Every endpoint path starts with HostUp's /api/…; a base URL that already has
		// it would send /api/v2/api/v2/vps and get a 404 that explains nothing. A
		// prefix that is not HostUp's (a proxy's) is kept.
		return "", errors.New("hostup: the API base URL must not include HostUp's /api/… path, which every request adds itself: give only the scheme and host, e.g. " + DefaultBaseURL)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// setDefaults fills in what the options left at their zero value.
func (c *Client) setDefaults() {
	if c.httpClient == nil {
		c.httpClient = &http.Client{
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			// HostUp's API does not redirect; following one would replay a POST as a GET
			// somewhere else, so a 3xx is returned as an error instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	switch {
	case c.maxRetryWait == 0:
		c.maxRetryWait = defaultMaxRetryWait
	case c.maxRetryWait < 0:
		c.maxRetryWait = 0
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = defaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
}

// hasAPIPath reports whether a base URL's path has a segment "api", the start of
// every HostUp endpoint path.
func hasAPIPath(path string) bool {
	for seg := range strings.SplitSeq(path, "/") {
		if strings.EqualFold(seg, "api") {
			return true
		}
	}
	return false
}

// String describes the client without its API key.
func (c *Client) String() string {
	if c == nil {
		return "hostup.Client(nil)"
	}
	return fmt.Sprintf("hostup.Client{BaseURL: %q, APIKey: %s}", c.baseURL, redactedOrNone(c.key.value()))
}

// GoString makes %#v as safe as %v.
func (c *Client) GoString() string { return c.String() }

// LogValue keeps the key out of structured logs.
func (c *Client) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue("hostup.Client(nil)")
	}
	return slog.GroupValue(
		slog.String("base_url", c.baseURL),
		slog.String("api_key", redactedOrNone(c.key.value())),
	)
}

type apiKeyContextKey struct{}

// WithAPIKey returns a context whose requests use key instead of the client's own key:
// the HTTP transport serves each caller with the caller's HostUp key. An empty key makes
// requests fail with ErrNoAPIKey rather than fall back to the client's key.
func WithAPIKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, apiKeyContextKey{}, newSecret(key))
}

// secret holds the API key. fmt and slog print it as "[redacted]" (a context prints
// its values), and the key sits behind a func so that printers that walk unexported
// fields by reflection show only a func pointer.
type secret struct{ get func() string }

func newSecret(s string) secret { return secret{get: func() string { return s }} }

func (s secret) value() string {
	if s.get == nil {
		return ""
	}
	return s.get()
}

func (s secret) String() string       { return "[redacted]" }
func (s secret) GoString() string     { return "[redacted]" }
func (s secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// redactedOrNone says whether a key is set without showing it.
func redactedOrNone(key string) string {
	if key == "" {
		return "none"
	}
	return "[redacted]"
}

// ValidKey reports whether key is printable ASCII without spaces, as an HTTP header
// value and a HostUp key must be: anything else would be an invalid header value
// or, more likely, a stray newline from a key file. The transport checks client
// bearer tokens with it too.
func ValidKey(key string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] >= 0x7f {
			return false
		}
	}
	return key != ""
}

// response is what one attempt brought back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// authScheme is how a request carries the key: HostUp's v2 pages document
// Authorization: Bearer, its v1 pages X-API-Key.
type authScheme int

const (
	authBearer authScheme = iota
	authAPIKey
)

// do sends one v2 API request (Bearer auth) with retries and returns the body of a 2xx
// response. path is the escaped API path (e.g. /api/v2/vps/vps_1); it, not the full
// URL, is what errors show. The debug log shows the URL requested without its query
// (the base URL holds no credentials: New refuses them), so a wrong base URL shows there.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any) ([]byte, error) {
	resp, err := c.send(ctx, authBearer, method, path, query, body)
	return resp.body, err
}

// keyFor returns the key a request made with ctx uses: WithAPIKey's, else the client's.
func (c *Client) keyFor(ctx context.Context) secret {
	if k, ok := ctx.Value(apiKeyContextKey{}).(secret); ok {
		return k
	}
	return c.key
}

// KeyID names the API key requests made with ctx use (WithAPIKey's, else the
// client's) without revealing it: a hash, so that a confirmation can be bound to
// the credential that obtained it. Empty when there is no key.
func (c *Client) KeyID(ctx context.Context) string { return keyID(c.keyFor(ctx).value()) }

// RequestKeyID is the KeyID of the key WithAPIKey put in ctx, and false when
// none did (the caller then uses the client's own key).
func RequestKeyID(ctx context.Context) (string, bool) {
	k, ok := ctx.Value(apiKeyContextKey{}).(secret)
	if !ok {
		return "", false
	}
	return keyID(k.value()), true
}

func keyID(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("hostup-mcp key id\x00" + key))
	return hex.EncodeToString(sum[:16])
}

// send is do with the auth scheme chosen by the caller, returning the whole 2xx
// response: v1 endpoints go through the same retries, error decoding, key redaction
// and logging, with X-API-Key, and need the status to report a v1 "success": false.
func (c *Client) send(ctx context.Context, scheme authScheme, method, path string, query url.Values, body any) (response, error) {
	key := c.keyFor(ctx)
	if key.value() == "" {
		return response{}, ErrNoAPIKey
	}
	if !ValidKey(key.value()) {
		return response{}, errInvalidKey
	}
	payload, err := encodeBody(method, path, body)
	if err != nil {
		return response{}, err
	}
	target := c.baseURL + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	// A 429 is retried until a deadline, MaxRetryWait after the first attempt,
	// however many attempts that takes; other failures have a count too
	// (MaxRetries). Waiting for a turn at the key's pace is not retrying.
	pace, release := c.limits.acquire(keyID(key.value()), c.now())
	defer release()
	var deadline time.Time
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		booked, err := c.awaitTurn(ctx, pace, method, path)
		if err != nil {
			return response{}, err
		}
		if attempt == 1 {
			deadline = c.now().Add(c.maxRetryWait)
		}
		resp, sent, err := c.attempt(ctx, key, scheme, method, target, path, payload, attempt)
		if err == nil && resp.status >= 200 && resp.status < 300 {
			pace.succeeded(c.now())
			// One place for every answer, v2's, v1's and the jobs': a count
			// written 3.0 is 3 for each model that decodes it.
			resp.body = wholeNumbers(resp.body)
			return resp, nil
		}
		failure, retry, wait := c.failedAttempt(ctx, key, method, path, resp, sent, err)
		if wait == 0 {
			wait = backoff(attempt)
		}
		limited := err == nil && resp.status == http.StatusTooManyRequests
		if !c.tryAgain(ctx, limited, retry, attempt, deadline, waited, wait) {
			return response{}, failure
		}
		if limited {
			// Every request with this key slows down, not only this one.
			pace.limited(booked, c.now())
		}
		c.log.DebugContext(ctx, "hostup retry", "method", method, "url", c.baseURL+path, "attempt", attempt, "wait", wait)
		if err := c.sleep(ctx, wait); err != nil {
			return response{}, fmt.Errorf("%w (stopped waiting to retry: %w)", failure, err)
		}
		waited += wait
	}
}

// encodeBody is a request's JSON body, nil when it has none.
func encodeBody(method, path string, body any) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("hostup: %s %s: encoding the request: %w", method, path, err)
	}
	return payload, nil
}

// failedAttempt says what an attempt that brought no 2xx means: the error for
// the caller, whether sending it again may help, and how long HostUp asked to
// wait (its Retry-After, preferred over our backoff; 0 when it named none).
// Only GET may be repeated after a failure that HostUp may have acted on; a
// 429 is safe for every method because HostUp refused it before doing
// anything.
func (c *Client) failedAttempt(ctx context.Context, key secret, method, path string, resp response, sent bool, err error) (failure error, retry bool, hint time.Duration) {
	idempotent := method == http.MethodGet
	if err != nil {
		failure = fmt.Errorf("hostup: %s %s: %w", method, path, err)
		switch {
		case !idempotent && sent:
			failure = outcomeUnknown(failure)
		case idempotent:
			retry = ctx.Err() == nil
		}
		return failure, retry, 0
	}
	apiErr := newAPIError(method, path, resp.status, resp.header, resp.body, key.value(), c.now())
	failure, hint = apiErr, apiErr.RetryAfter
	switch {
	case resp.status == http.StatusTooManyRequests:
		retry = true
	case idempotent:
		retry = resp.status == http.StatusBadGateway || resp.status == http.StatusServiceUnavailable || resp.status == http.StatusGatewayTimeout
	case resp.status >= 500:
		failure = outcomeUnknown(apiErr)
	}
	return failure, retry, hint
}

// tryAgain says whether a failed attempt is sent again after wait. A 429
// (limited) is, until the deadline, when the caller's deadline allows: a wait
// longer than the call may take is the caller's to decide on (the error says
// how long), and it does not hold up other calls. Other failures are, when
// retry says they may be, while the count and the retry budget last.
func (c *Client) tryAgain(ctx context.Context, limited, retry bool, attempt int, deadline time.Time, waited, wait time.Duration) bool {
	if limited {
		return !c.now().Add(wait).After(deadline) && c.mayWait(ctx, 0, wait)
	}
	return retry && attempt <= c.maxRetries && c.mayWait(ctx, waited, wait)
}

// awaitTurn waits until the key's limiter lets the request start. When that is
// after the caller's deadline, it sends nothing, books nothing, and returns a 429
// error saying how long the wait would have been. A caller that stops waiting
// gives its turn back.
func (c *Client) awaitTurn(ctx context.Context, pace *limiter, method, path string) (turn, error) {
	now := c.now()
	var latest time.Time
	if deadline, ok := ctx.Deadline(); ok {
		latest = now.Add(time.Until(deadline)) // the deadline on c.now's clock
	}
	t, ok := pace.reserve(now, latest)
	d := t.at.Sub(now)
	if !ok {
		return t, &APIError{Status: http.StatusTooManyRequests, Code: "rate_limited", Title: http.StatusText(http.StatusTooManyRequests),
			Detail: "not sent: HostUp's rate limit was reached by earlier requests, and waiting for a turn would pass this call's deadline", RetryAfter: d, Method: method, Path: path}
	}
	if d <= 0 {
		return t, nil
	}
	if err := c.sleep(ctx, d); err != nil {
		pace.unbook(t)
		return t, fmt.Errorf("hostup: %s %s: stopped waiting for HostUp's rate limit: %w", method, path, err)
	}
	return t, nil
}

// mayWait reports whether waiting d more still fits the retry budget and the caller's
// deadline; when it does not, the caller gets the last error (with RetryAfter) at once
// instead of a retry that is bound to fail.
func (c *Client) mayWait(ctx context.Context, waited, d time.Duration) bool {
	if waited+d > c.maxRetryWait {
		return false
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return false
	}
	return true
}

// attempt sends the request once. sent reports whether the request may have reached
// HostUp (its headers were written), which decides whether a failed mutation's outcome
// is unknown.
func (c *Client) attempt(ctx context.Context, key secret, scheme authScheme, method, target, path string, payload []byte, n int) (resp response, sent bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})

	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return resp, false, err
	}
	if scheme == authAPIKey {
		req.Header.Set("X-API-Key", key.value())
	} else {
		req.Header.Set("Authorization", "Bearer "+key.value())
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	start := time.Now()
	defer func() { c.observe(method, path, resp.status, n, start) }()
	httpResp, err := c.httpClient.Do(req)
	if err != nil {
		// url.Error repeats the full URL; our callers add method and path themselves.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		c.log.DebugContext(ctx, "hostup request", "method", method, "url", c.baseURL+path, "attempt", n,
			"duration", time.Since(start), "error", err.Error())
		return resp, wrote.Load(), err
	}
	defer httpResp.Body.Close()
	data, err := readBody(httpResp)
	c.log.DebugContext(ctx, "hostup request", "method", method, "url", c.baseURL+path, "status", httpResp.StatusCode,
		"attempt", n, "duration", time.Since(start))
	if err != nil {
		return resp, true, fmt.Errorf("reading the %d response: %w", httpResp.StatusCode, err)
	}
	return response{status: httpResp.StatusCode, header: httpResp.Header, body: data}, true, nil
}

// readBody reads an answer of at most maxResponseBytes. With the length
// given (HostUp gives it), the body is read into one buffer of that size:
// net/http stops at the length and reports a body cut short; io.ReadAll
// would double a buffer from 512 bytes and copy it each time. A length above
// 1 MiB is not trusted with a buffer before its bytes arrive.
func readBody(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= 1<<20 {
		data := make([]byte, n)
		_, err := io.ReadFull(resp.Body, data)
		if err == nil {
			// The body must end there: a longer one is an error (HTTP/2's
			// transport reports it on this read), never a reading of its start.
			var extra [1]byte
			switch _, next := io.ReadFull(resp.Body, extra[:]); {
			case next == nil:
				err = fmt.Errorf("response longer than its Content-Length of %d bytes", n)
			case next != io.EOF:
				err = next
			}
		}
		return data, err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err == nil && len(data) > maxResponseBytes {
		err = fmt.Errorf("response larger than %d bytes", maxResponseBytes)
	}
	return data, err
}

// backoff is exponential from backoffBase with jitter, so that clients that failed
// together do not retry together.
func backoff(attempt int) time.Duration {
	d := backoffCap
	if attempt < 8 {
		d = min(backoffBase<<(attempt-1), backoffCap)
	}
	return d/2 + rand.N(d/2)
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// IsLoopbackHost reports whether host ("localhost" or an IP, with or without a
// port, brackets or a trailing dot) names the loopback interface. The client allows
// plain http only there; the transport uses it for its bind and Host checks.
func IsLoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
