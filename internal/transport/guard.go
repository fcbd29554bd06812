package transport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// guard is the security handler in front of mcp-go (STYLE: the grafana model).
type guard struct {
	auth        authMode
	tokenHash   [sha256.Size]byte
	metricsHash [sha256.Size]byte
	origins     map[string]bool
	maxBody     int64
	readTimeout time.Duration
	bodies      bodyReads
}

func newGuard(auth authMode, token string, origins map[string]bool, maxBody int64, readTimeout time.Duration) *guard {
	return &guard{auth: auth, tokenHash: sha256.Sum256([]byte(token)), origins: origins, maxBody: maxBody, readTimeout: readTimeout}
}

// credentialKey holds a fingerprint of the request's bearer credential: SSE
// sessions are bound to it. The credential itself is never kept.
type credentialKey struct{}

type fingerprint [sha256.Size]byte

func credentialOf(ctx context.Context) fingerprint {
	fp, _ := ctx.Value(credentialKey{}).(fingerprint)
	return fp
}

// wrap puts next behind the Host, Origin and body checks and, when
// authenticated is true, behind authentication. Only authenticated handlers
// (MCP) get a request body: the others never read one, so a request that
// carries one is answered and its connection closed.
func (g *guard) wrap(next http.Handler, authenticated bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if onLoopback(r) && !hostup.IsLoopbackHost(r.Host) {
			writeJSONError(w, http.StatusForbidden, "forbidden_host",
				fmt.Sprintf("Host %q is not a loopback name: this server only answers requests addressed to localhost or 127.0.0.1 (DNS rebinding protection); a reverse proxy on this machine must send Host: localhost", r.Host))
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !g.originAllowed(origin, r.Host) {
			writeJSONError(w, http.StatusForbidden, "forbidden_origin",
				fmt.Sprintf("Origin %q may not call this server; to let browser pages from it in, add it to HOSTUP_MCP_ALLOWED_ORIGINS", origin))
			return
		}
		if !authenticated {
			if hasBody(r) {
				dropConnection(w)
			}
			next.ServeHTTP(w, r)
			return
		}
		// A CORS preflight carries no credentials and runs nothing.
		if r.Method != http.MethodOptions {
			ctx, ok := g.authenticate(w, r)
			if !ok {
				return
			}
			r = r.WithContext(ctx)
		}
		if hasBody(r) && !g.readBody(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// metricsAuth serves /metrics to the holder of its own token only
// (HOSTUP_MCP_METRICS_TOKEN): a scraper's credential that opens nothing else,
// and that no MCP credential replaces. With per-request HostUp keys any
// well-formed key passes MCP's check, and the figures count every tenant.
func (g *guard) metricsAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer, ok := bearerToken(r)
		got := sha256.Sum256([]byte(bearer))
		switch {
		case !ok:
			unauthorized(w, "missing_metrics_token", "send Authorization: Bearer <token>, the token set in HOSTUP_MCP_METRICS_TOKEN on the server")
		case subtle.ConstantTimeCompare(got[:], g.metricsHash[:]) != 1:
			unauthorized(w, "invalid_metrics_token", "the bearer token is not the one set in HOSTUP_MCP_METRICS_TOKEN on the server")
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// onLoopback reports whether the request came in on a loopback address.
func onLoopback(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return ok && local != nil && hostup.IsLoopbackHost(local.String())
}

// originAllowed accepts the server's own host, loopback pages and the
// allow-list. "null" (sandboxed frames, file://) is foreign.
func (g *guard) originAllowed(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return g.origins[canonicalOrigin(u)] || strings.EqualFold(u.Host, host) || hostup.IsLoopbackHost(u.Host)
}

// authenticate returns the request's context with what the handlers need: the
// caller's HostUp key in per-request mode, and the credential's fingerprint.
func (g *guard) authenticate(w http.ResponseWriter, r *http.Request) (context.Context, bool) {
	ctx := r.Context()
	if g.auth == authNone {
		return ctx, true
	}
	bearer, ok := bearerToken(r)
	switch g.auth {
	case authToken:
		if !ok {
			unauthorized(w, "missing_token", "send Authorization: Bearer <token>, the token set in HOSTUP_MCP_HTTP_TOKEN on the server")
			return nil, false
		}
		got := sha256.Sum256([]byte(bearer))
		if subtle.ConstantTimeCompare(got[:], g.tokenHash[:]) != 1 {
			unauthorized(w, "invalid_token", "the bearer token is not the one set in HOSTUP_MCP_HTTP_TOKEN on the server")
			return nil, false
		}
	case authPerRequestKey:
		if !ok {
			unauthorized(w, "missing_api_key", "this server has no HostUp API key of its own: send yours as Authorization: Bearer <HostUp API key> (create one in HostUp's control panel)")
			return nil, false
		}
		if !hostup.ValidKey(bearer) {
			unauthorized(w, "invalid_api_key", "the bearer token is not a well-formed HostUp API key (printable characters, no spaces)")
			return nil, false
		}
		ctx = hostup.WithAPIKey(ctx, bearer)
	}
	return context.WithValue(ctx, credentialKey{}, fingerprint(sha256.Sum256([]byte(bearer)))), true
}

func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

func unauthorized(w http.ResponseWriter, code, message string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="hostup-mcp"`)
	writeJSONError(w, http.StatusUnauthorized, code, message)
}

// hasBody reports whether the request announced a body: a Content-Length
// above 0, or chunks (-1).
func hasBody(r *http.Request) bool { return r.ContentLength != 0 }

// dropConnection makes net/http close the connection after the answer without
// reading any more of the request. Otherwise it reads what is left of the body
// (up to 256 KiB) before it writes the answer and again when it closes the
// request, without a deadline: a client that stalls its body would get no
// answer and hold the connection for ever.
func dropConnection(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}

// readBody reads the whole body up to the cap within the read timeout, so
// neither a huge nor a slow body holds the server, and bounds the time to
// write the answer. A server-wide ReadTimeout would instead cancel every
// request that runs longer (SSE streams, long tool calls).
func (g *guard) readBody(w http.ResponseWriter, r *http.Request) bool {
	if r.ContentLength > g.maxBody {
		tooLarge(w, g.maxBody)
		return false
	}
	rc := http.NewResponseController(w)
	if !g.bodies.start(rc, time.Now().Add(g.readTimeout)) {
		shuttingDown(w)
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.maxBody))
	if !g.bodies.done(rc, err == nil) {
		shuttingDown(w)
		return false
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			tooLarge(w, g.maxBody)
		} else {
			writeJSONError(w, http.StatusBadRequest, "unreadable_body", fmt.Sprintf("the request body could not be read whole within %s (sent too slowly, cut short or malformed); send the whole body at once", g.readTimeout))
		}
		return false
	}
	_ = rc.SetWriteDeadline(time.Now().Add(postWriteTimeout))
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return true
}

// bodyReads are the request bodies being read. Shutdown ends them at once:
// a client that stalls its body must not hold the server's exit for the whole
// read timeout.
type bodyReads struct {
	mu       sync.Mutex
	stopping bool
	reading  map[*http.ResponseController]struct{}
}

// start sets the deadline of the read behind rc; false once shutdown began.
func (b *bodyReads) start(rc *http.ResponseController, deadline time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopping {
		return false
	}
	if b.reading == nil {
		b.reading = map[*http.ResponseController]struct{}{}
	}
	_ = rc.SetReadDeadline(deadline)
	b.reading[rc] = struct{}{}
	return true
}

// done ends the read behind rc and reports false when shutdown began during it:
// stop may have cut the connection's reads, which cancels the request, so the
// request must not run. A complete read clears the deadline, which would
// otherwise cancel the call running after it (net/http keeps reading the
// connection to notice a client that leaves). A failed read keeps it, so
// net/http's own reads of the rest of the body end too.
func (b *bodyReads) done(rc *http.ResponseController, complete bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.reading, rc)
	if b.stopping {
		return false
	}
	if complete {
		_ = rc.SetReadDeadline(time.Time{})
	}
	return true
}

// stop ends the reads in progress and refuses new ones.
func (b *bodyReads) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopping = true
	for rc := range b.reading {
		_ = rc.SetReadDeadline(time.Now())
	}
}

// inProgress counts the bodies being read.
func (b *bodyReads) inProgress() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.reading)
}

func shuttingDown(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	writeJSONError(w, http.StatusServiceUnavailable, "shutting_down", "hostup-mcp is shutting down and ran nothing of this request; send it again (to another replica)")
}

func tooLarge(w http.ResponseWriter, limit int64) {
	writeJSONError(w, http.StatusRequestEntityTooLarge, "body_too_large",
		fmt.Sprintf("the request body is larger than %d bytes; MCP messages to this server are small, so this is not an MCP request", limit))
}
