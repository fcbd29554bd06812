package transport

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// Kind names a transport as --transport does.
type Kind string

const (
	StreamableHTTP Kind = "http" // MCP Streamable HTTP at /mcp, stateless
	SSE            Kind = "sse"  // legacy HTTP+SSE: GET /sse, POST /message
)

// Paths served.
const (
	MCPPath     = "/mcp"
	SSEPath     = "/sse"
	MessagePath = "/message"
	HealthPath  = "/healthz" // liveness: the process serves
	ReadyPath   = "/readyz"  // readiness: the process takes more work
	MetricsPath = "/metrics" // only with Options.Metrics
)

// DefaultAddr is where the server listens unless told otherwise: loopback only.
const DefaultAddr = "127.0.0.1:8765"

// Defaults for the limits in Options.
const (
	DefaultMaxBodyBytes       = 1 << 20
	DefaultMaxConcurrentCalls = 32
	DefaultMaxStreams         = 256
	DefaultBodyReadTimeout    = 30 * time.Second
	// Kubernetes waits 30s after SIGTERM before it kills: finish before that.
	DefaultShutdownTimeout = 25 * time.Second
)

// Timeouts that are not worth a setting.
const (
	// A client sends its headers at once; one that trickles them holds a
	// connection for nothing.
	readHeaderTimeout = 5 * time.Second
	// Clients that call again soon keep their connection; an idle one costs
	// some 20 KiB and a file descriptor for as long as it stays open.
	idleTimeout = 20 * time.Second
	// A POST's answer is written when its tool call ends; create_backup may
	// wait 10 minutes for its job, so allow that and a margin.
	postWriteTimeout = 15 * time.Minute
	sseKeepAlive     = 25 * time.Second
	// Between the end of the last SSE tool call and closing the streams, so the
	// queued results reach their clients.
	sseFlushGrace = 200 * time.Millisecond
)

// Options configure a Server. Exactly one way of authenticating applies:
//   - Token set: every MCP request carries "Authorization: Bearer <Token>"; the
//     server calls HostUp with its own key.
//   - PerRequestKeys: every MCP request carries the caller's HostUp API key as
//     its bearer token, and that request's HostUp calls use that key only.
//   - neither: no authentication, which only a loopback Addr may serve.
type Options struct {
	Kind           Kind
	Addr           string // host:port; DefaultAddr when empty
	Token          string
	PerRequestKeys bool
	// Sandbox says the server's own key is the sandbox's, not one the user
	// set: a refusal then does not advise unsetting HOSTUP_API_KEY.
	Sandbox bool
	// AllowedOrigins are browser origins ("https://app.example.com") allowed
	// besides the server's own host and loopback origins.
	AllowedOrigins []string

	MaxBodyBytes       int64         // DefaultMaxBodyBytes when 0
	MaxConcurrentCalls int           // DefaultMaxConcurrentCalls when 0
	MaxStreams         int           // open SSE streams; DefaultMaxStreams when 0
	ShutdownTimeout    time.Duration // DefaultShutdownTimeout when 0
	BodyReadTimeout    time.Duration // the longest a request's body may take to arrive; DefaultBodyReadTimeout when 0
	MaxBodyReads       int           // bodies still arriving after their headers (bodies.go); DefaultMaxBodyReads when 0
	// MaxConnections bounds the open connections (conns.go): DefaultMaxConnections
	// when 0, lowered below the open-file limit the process runs with.
	MaxConnections int
	// MaxConnectionsPerClient bounds one client address's open connections:
	// half of MaxConnections when 0.
	MaxConnectionsPerClient int

	// Observer, when set, hears what the server turns away (observe.go).
	Observer Observer

	// WrapMCP, when set, wraps the Streamable HTTP endpoint behind the guard,
	// which has authenticated the request and read its body: what the server
	// answers in mcp-go's stead (tools.SharedTaskAnswers).
	WrapMCP func(http.Handler) http.Handler

	// Metrics, when set, is served at MetricsPath (package metrics builds it):
	// to the holder of MetricsToken when it is set, else under the same
	// authentication as MCP, which per-request keys cannot be (any key would
	// read every tenant's figures), so they need MetricsToken.
	Metrics      http.Handler
	MetricsToken string

	Logger *slog.Logger
}

// authMode is how requests prove who they are.
type authMode int

const (
	authNone authMode = iota
	authToken
	authPerRequestKey
)

func (m authMode) String() string {
	switch m {
	case authToken:
		return "shared token (HOSTUP_MCP_HTTP_TOKEN)"
	case authPerRequestKey:
		return "per-request HostUp keys (Authorization: Bearer <HostUp key>)"
	}
	return "none (loopback only)"
}

// minTokenLen keeps a guessable token off a public address.
const minTokenLen = 16

// Server is one MCP server served over HTTP.
type Server struct {
	opts    Options
	auth    authMode
	log     *slog.Logger
	calls   *callLimiter
	guard   *guard
	sse     *server.SSEServer // nil for Streamable HTTP
	streams *sseBinding       // nil for Streamable HTTP
	handler http.Handler
}

// New checks opts and builds the server. It adds a tool middleware to srv (the
// concurrency bound), so srv should be served by this Server only. Its errors
// are about settings: one line naming the setting and the fix.
func New(srv *server.MCPServer, opts Options) (*Server, error) {
	opts = withDefaults(opts)
	auth, err := checkOptions(opts)
	if err != nil {
		return nil, err
	}
	origins, err := parseOrigins(opts.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	g := newGuard(auth, opts.Token, origins, opts)
	g.metricsHash = sha256.Sum256([]byte(opts.MetricsToken))
	s := &Server{opts: opts, auth: auth, log: opts.Logger, calls: newCallLimiter(opts.MaxConcurrentCalls, opts.Observer), guard: g}
	srv.Use(s.calls.middleware)
	s.handler = s.routes(srv)
	return s, nil
}

// routes serves /healthz, /metrics when there are metrics, the transport's
// MCP endpoints, and a 404 for everything else, each behind the guard.
func (s *Server) routes(srv *server.MCPServer) http.Handler {
	opts, g := s.opts, s.guard
	mux := http.NewServeMux()
	mux.Handle(HealthPath, g.wrap(health(opts.Kind, g.refuser), false))
	mux.Handle(ReadyPath, g.wrap(s.readiness(), false))
	switch {
	case opts.Metrics != nil && opts.MetricsToken != "":
		mux.Handle(MetricsPath, g.wrap(g.metricsAuth(opts.Metrics), false))
	case opts.Metrics != nil:
		mux.Handle(MetricsPath, g.wrap(opts.Metrics, true))
	}
	cors := corsOptions(opts.AllowedOrigins)
	switch opts.Kind {
	case StreamableHTTP:
		h := server.NewStreamableHTTPServer(srv,
			server.WithEndpointPath(MCPPath),
			server.WithStateLess(true),
			// With no sessions, every GET stream would share the session id ""
			// and receive other callers' notifications: serve no GET stream.
			server.WithDisableStreaming(true),
			server.WithStreamableHTTPLogger(s.log),
			server.WithStreamableHTTPCORS(cors...),
		)
		var endpoint http.Handler = h
		if opts.WrapMCP != nil {
			endpoint = opts.WrapMCP(h)
		}
		mux.Handle(MCPPath, g.wrap(promptArguments{srv}.streamable(endpoint), true))
	case SSE:
		b := newSSEBinding(opts.MaxStreams, g.refuser)
		s.streams = b
		s.sse = server.NewSSEServer(srv,
			server.WithSSEEndpoint(SSEPath),
			server.WithMessageEndpoint(MessagePath),
			server.WithKeepAlive(true),
			server.WithKeepAliveInterval(sseKeepAlive),
			server.WithSessionIDGenerator(b.newSessionID),
			server.WithSSECORS(cors...),
		)
		h := g.wrap(b.wrap(promptArguments{srv}.sse(s.sse, s.sse)), true)
		mux.Handle(SSEPath, h)
		mux.Handle(MessagePath, h)
	}
	mux.Handle("/", g.wrap(notFound(opts.Kind, g.refuser), false))
	return mux
}

// corsOptions answer browsers from the allowed origins, with the headers MCP
// requests carry; none without allowed origins.
func corsOptions(allowed []string) []server.CORSOption {
	if len(allowed) == 0 {
		return nil
	}
	return []server.CORSOption{
		server.WithCORSAllowedOrigins(allowed...),
		server.WithCORSAllowedHeaders("Content-Type", "Authorization", "Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-ID"),
	}
}

func withDefaults(o Options) Options {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxConcurrentCalls <= 0 {
		o.MaxConcurrentCalls = DefaultMaxConcurrentCalls
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = DefaultMaxStreams
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	if o.BodyReadTimeout <= 0 {
		o.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if o.MaxBodyReads <= 0 {
		o.MaxBodyReads = DefaultMaxBodyReads
	}
	o.MaxConnections = connectionLimit(o.MaxConnections, openFileLimit())
	if o.MaxConnectionsPerClient <= 0 || o.MaxConnectionsPerClient > o.MaxConnections {
		o.MaxConnectionsPerClient = max(1, o.MaxConnections/2)
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func checkOptions(o Options) (authMode, error) {
	if o.Kind != StreamableHTTP && o.Kind != SSE {
		return 0, fmt.Errorf("--transport must be http or sse to serve over HTTP, not %q", o.Kind)
	}
	if _, _, err := net.SplitHostPort(o.Addr); err != nil {
		return 0, fmt.Errorf("--addr (HOSTUP_MCP_ADDR) %q is not host:port, e.g. %s or 0.0.0.0:8765", o.Addr, DefaultAddr)
	}
	auth := authNone
	switch {
	case o.Token != "" && o.PerRequestKeys:
		return 0, errors.New("HOSTUP_MCP_HTTP_TOKEN needs a server-wide HostUp key: set HOSTUP_API_KEY or --api-key-file, or unset HOSTUP_MCP_HTTP_TOKEN so each client sends its own HostUp key")
	case o.Token != "":
		if len(o.Token) < minTokenLen || !hostup.ValidKey(o.Token) {
			return 0, fmt.Errorf("HOSTUP_MCP_HTTP_TOKEN must be at least %d printable characters without spaces; generate one with: openssl rand -hex 32", minTokenLen)
		}
		auth = authToken
	case o.PerRequestKeys:
		auth = authPerRequestKey
	}
	switch {
	case o.MetricsToken != "" && (len(o.MetricsToken) < minTokenLen || !hostup.ValidKey(o.MetricsToken)):
		return 0, fmt.Errorf("HOSTUP_MCP_METRICS_TOKEN must be at least %d printable characters without spaces; generate one with: openssl rand -hex 32", minTokenLen)
	case o.Metrics != nil && o.MetricsToken == "" && auth == authPerRequestKey:
		return 0, errors.New("--metrics (HOSTUP_MCP_METRICS) with per-request HostUp keys needs HOSTUP_MCP_METRICS_TOKEN: any well-formed key would otherwise read every tenant's figures; generate one with: openssl rand -hex 32, and give it to the scraper as its bearer token")
	}
	if auth == authNone && !isLoopbackAddr(o.Addr) {
		perRequest := ", or unset HOSTUP_API_KEY so each client sends its own HostUp key"
		if o.Sandbox {
			perRequest = "" // the sandbox's key is its own: there is nothing to unset
		}
		return 0, fmt.Errorf("--addr (HOSTUP_MCP_ADDR) %s is not a loopback address and requests would not be authenticated: set HOSTUP_MCP_HTTP_TOKEN (generate one with: openssl rand -hex 32; clients send Authorization: Bearer <token>)%s, or listen on %s", o.Addr, perRequest, DefaultAddr)
	}
	return auth, nil
}

// isLoopbackAddr reports whether every address host:port listens on is a
// loopback one. An empty host or a name other than localhost is not.
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	return hostup.IsLoopbackHost(host)
}

func parseOrigins(list []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, o := range list {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return nil, fmt.Errorf("--allowed-origins (HOSTUP_MCP_ALLOWED_ORIGINS): %q is not an origin; write scheme://host[:port], e.g. https://app.example.com", o)
		}
		out[canonicalOrigin(u)] = true
	}
	return out, nil
}

func canonicalOrigin(u *url.URL) string {
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// InFlightCalls counts the tool calls running now.
func (s *Server) InFlightCalls() int64 { return s.calls.inFlight() }

// OpenStreams counts the SSE streams open now: always 0 on Streamable HTTP,
// which serves no stream.
func (s *Server) OpenStreams() int64 {
	if s.streams == nil {
		return 0
	}
	return s.streams.open.Load()
}

// OpenConnections counts the connections open now (only those Serve accepted).
func (s *Server) OpenConnections() int64 {
	open, _ := s.guard.conns.counts()
	return int64(open)
}

// BodiesReading counts the request bodies being read now.
func (s *Server) BodiesReading() int64 { return int64(s.guard.bodies.inProgress()) }

// Handler is the whole HTTP surface, security handler included: what Serve
// serves, and what tests and embedding programs may mount.
func (s *Server) Handler() http.Handler { return s.handler }

// ListenAndServe listens on Options.Addr and serves until ctx ends, then shuts
// down gracefully. An error means the address could not be listened on.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("--addr (HOSTUP_MCP_ADDR) %s: cannot listen (%v); choose another address or stop what uses it", s.opts.Addr, unwrapAll(err))
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends. It then stops accepting, lets the tool
// calls in flight finish within Options.ShutdownTimeout (then cuts them off),
// and returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ln = newLimitListener(ln, s.guard.conns)
	hs := &http.Server{
		Handler:           s.handler,
		ConnState:         s.guard.conns.connState,
		ConnContext:       connContext,
		ReadHeaderTimeout: readHeaderTimeout,
		// No ReadTimeout or WriteTimeout: both would end SSE streams and long
		// tool calls. The guard bounds each body read and each POST's answer.
		IdleTimeout:    idleTimeout,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.logStart(ln.Addr())
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}

	s.log.Info("shutting down: no new connections; finishing the tool calls in flight", "in_flight", s.calls.inFlight(), "limit", s.opts.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	s.guard.bodies.stop()
	stopped := make(chan error, 1)
	go func() { stopped <- hs.Shutdown(sctx) }()
	drained := s.calls.drain(sctx)
	if s.sse != nil {
		// SSE streams never go idle on their own: end them once their calls
		// are done and the results had a moment to be written.
		time.Sleep(sseFlushGrace)
		s.sse.CloseSessions()
	}
	switch err := <-stopped; {
	case drained != nil:
		s.log.Error("shutdown limit reached: cutting off the tool calls still running", "in_flight", s.calls.inFlight(), "limit", s.opts.ShutdownTimeout)
		hs.Close()
	case err != nil:
		// Every call finished; what is left is a connection that never sent a
		// request (net/http waits 5 s for those) or a stream still open.
		s.log.Warn("shutdown limit reached: closing connections without a call in flight", "limit", s.opts.ShutdownTimeout)
		hs.Close()
	}
	<-served
	s.log.Info("stopped")
	return nil
}

func (s *Server) logStart(addr net.Addr) {
	where := "http://" + addr.String()
	switch s.opts.Kind {
	case StreamableHTTP:
		s.log.Info("serving MCP over Streamable HTTP (stateless)", "url", where+MCPPath, "health", where+HealthPath, "auth", s.auth.String())
	case SSE:
		s.log.Info("serving MCP over HTTP+SSE (legacy)", "url", where+SSEPath, "health", where+HealthPath, "auth", s.auth.String())
	}
	s.log.Info("connection limits", "max_connections", s.opts.MaxConnections, "per_client_address", s.opts.MaxConnectionsPerClient, "open_file_limit", openFileLimit())
}

func health(kind Kind, f refuser) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.onlyGet(w, r) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "transport": string(kind)})
		}
	})
}

// readiness answers 503 while the server is full or shutting down, so that a
// load balancer sends new clients elsewhere until it has room again: a full
// server is taken out of rotation, not restarted (/healthz stays 200).
func (s *Server) readiness() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.guard.onlyGet(w, r) {
			return
		}
		if full := s.full(); full != "" {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not_ready", "full": full})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

// full names what leaves no room for more work, or is "".
func (s *Server) full() string {
	switch {
	case s.calls.draining.Load():
		return "shutting_down"
	case s.calls.full():
		return "tool_calls"
	case s.guard.bodies.full():
		return "body_reads"
	case s.streams != nil && s.streams.open.Load() >= s.streams.max:
		return "sse_streams"
	}
	if open, closable := s.guard.conns.counts(); open >= s.opts.MaxConnections && closable == 0 {
		return "connections"
	}
	return ""
}

// onlyGet refuses what is not a GET or HEAD and reports whether r is one.
func (f refuser) onlyGet(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	f.refuse(w, http.StatusMethodNotAllowed, codeMethodNotAllowed, "use GET "+r.URL.Path)
	return false
}

// notFound names only the endpoints this server serves: pointing an http client
// at /sse, which answers 404 in http mode, would send it in a circle.
func notFound(kind Kind, f refuser) http.Handler {
	served := MCPPath + " (Streamable HTTP)"
	if kind == SSE {
		served = SSEPath + " (HTTP+SSE; messages to " + MessagePath + ")"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.refuse(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("nothing at %s; MCP is served at %s, health at %s", r.URL.Path, served, HealthPath))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func unwrapAll(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
