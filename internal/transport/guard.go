package transport

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// guard is the security handler in front of mcp-go (STYLE: the grafana model).
type guard struct {
	refuser
	auth        authMode
	tokenHash   [sha256.Size]byte
	metricsHash [sha256.Size]byte
	origins     map[string]bool
	maxBody     int64
	readTimeout time.Duration
	bodies      bodyReads
	conns       *connTracker
}

// newGuard builds the guard of opts, which withDefaults has completed.
func newGuard(auth authMode, token string, origins map[string]bool, opts Options) *guard {
	return &guard{
		refuser: refuser{obs: opts.Observer}, auth: auth, tokenHash: sha256.Sum256([]byte(token)), origins: origins,
		maxBody: opts.MaxBodyBytes, readTimeout: opts.BodyReadTimeout,
		bodies: newBodyReads(opts.MaxBodyReads, opts.MaxBodyBytes),
		conns:  newConnTracker(opts.MaxConnections, opts.MaxConnectionsPerClient, opts.Observer),
	}
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
			g.refuse(w, http.StatusForbidden, codeForbiddenHost,
				fmt.Sprintf("Host %q is not a loopback name: this server only answers requests addressed to localhost or 127.0.0.1 (DNS rebinding protection); a reverse proxy on this machine must send Host: localhost", r.Host))
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !g.originAllowed(origin, r.Host) {
			g.refuse(w, http.StatusForbidden, codeForbiddenOrigin,
				fmt.Sprintf("Origin %q may not call this server; to let browser pages from it in, add it to HOSTUP_MCP_ALLOWED_ORIGINS", origin))
			return
		}
		if !authenticated {
			if hasBody(r) {
				dropConnection(w)
			}
			g.conns.served(r.Context())
			next.ServeHTTP(w, r)
			return
		}
		// A CORS preflight carries no credentials and runs nothing.
		preflight := r.Method == http.MethodOptions
		var bearer string
		if !preflight {
			var ok bool
			if bearer, ok = g.authenticate(w, r); !ok {
				return
			}
		}
		if hasBody(r) {
			body, ok := g.readBody(w, r)
			if !ok {
				return
			}
			if isBatch(body) {
				g.refuseBatch(w)
				return
			}
		}
		if !preflight {
			r = r.WithContext(g.withCredential(r.Context(), bearer))
		}
		g.conns.served(r.Context())
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
			g.unauthorized(w, "missing_metrics_token", "send Authorization: Bearer <token>, the token set in HOSTUP_MCP_METRICS_TOKEN on the server")
		case subtle.ConstantTimeCompare(got[:], g.metricsHash[:]) != 1:
			g.unauthorized(w, "invalid_metrics_token", "the bearer token is not the one set in HOSTUP_MCP_METRICS_TOKEN on the server")
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

// authenticate checks the request's credential and returns it ("" when none
// is needed). A per-request HostUp key is only checked for its form: HostUp
// decides whether it is one, once the body has been read (see bodies.go).
func (g *guard) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	if g.auth == authNone {
		return "", true
	}
	bearer, ok := bearerToken(r)
	switch g.auth {
	case authToken:
		if !ok {
			g.unauthorized(w, codeMissingToken, "send Authorization: Bearer <token>, the token set in HOSTUP_MCP_HTTP_TOKEN on the server")
			return "", false
		}
		got := sha256.Sum256([]byte(bearer))
		if subtle.ConstantTimeCompare(got[:], g.tokenHash[:]) != 1 {
			g.unauthorized(w, codeInvalidToken, "the bearer token is not the one set in HOSTUP_MCP_HTTP_TOKEN on the server")
			return "", false
		}
	case authPerRequestKey:
		if !ok {
			g.unauthorized(w, codeMissingAPIKey, "this server has no HostUp API key of its own: send yours as Authorization: Bearer <HostUp API key> (create one in HostUp's control panel)")
			return "", false
		}
		if !hostup.ValidKey(bearer) {
			g.unauthorized(w, codeInvalidAPIKey, "the bearer token is not a well-formed HostUp API key (printable characters, no spaces)")
			return "", false
		}
	}
	return bearer, true
}

// withCredential returns ctx with what the handlers need of the request's
// credential: the caller's HostUp key in per-request mode, and the
// credential's fingerprint.
func (g *guard) withCredential(ctx context.Context, bearer string) context.Context {
	switch g.auth {
	case authNone:
		return ctx
	case authPerRequestKey:
		ctx = hostup.WithAPIKey(ctx, bearer)
	}
	return context.WithValue(ctx, credentialKey{}, fingerprint(sha256.Sum256([]byte(bearer))))
}

func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

func (g *guard) unauthorized(w http.ResponseWriter, code, message string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="hostup-mcp"`)
	g.refuse(w, http.StatusUnauthorized, code, message)
}
