// Package serve builds hostup-mcp's MCP server from its configuration, with what
// its tools need (the HostUp client or the sandbox, state shared by replicas,
// metrics, confirmation pages), and serves it over stdio, Streamable HTTP or SSE.
package serve

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/lmittmann/tint"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/config"
	"github.com/hostup/hostup-mcp/internal/confirmpage"
	"github.com/hostup/hostup-mcp/internal/metrics"
	"github.com/hostup/hostup-mcp/internal/redisstate"
	"github.com/hostup/hostup-mcp/internal/term"
	"github.com/hostup/hostup-mcp/prompts"
	"github.com/hostup/hostup-mcp/tools"
)

// Options are what the command being run decides beyond the configuration.
type Options struct {
	Version  string    // the program's, sent to HostUp and to clients
	Logs     io.Writer // human logs: stderr, since stdout belongs to JSON-RPC
	LogLevel slog.Level
	// Metrics serves Prometheus metrics; only serving has an endpoint for them.
	Metrics bool
	// SharedState uses the Redis of --redis-url, when one is set.
	SharedState bool
	// ConfirmPages serves one-time confirmation pages on the loopback address,
	// for a client that can open a page but show no dialog: right only where the
	// client, and so the user's browser, runs on this computer.
	ConfirmPages bool
	// LeaseTTL is how long a VPS's lease outlives a replica that died holding
	// it; redisstate.DefaultLeaseTTL when zero.
	LeaseTTL time.Duration
}

// App is the MCP server a command runs, and what the server's tools depend on.
type App struct {
	MCP  *server.MCPServer
	Deps *tools.Deps

	cfg     config.Config
	version string
	logger  *slog.Logger
	metrics *metrics.Metrics // nil without --metrics
	closers []func() error
}

// New builds the server cfg describes. A setting that only fails here (a URL
// the HostUp client refuses, a Redis that does not answer) is a config.Error.
func New(cfg config.Config, o Options) (*App, error) {
	a := &App{cfg: cfg, version: o.Version, logger: NewLogger(o.Logs, o.LogLevel)}
	if o.Metrics {
		a.metrics = metrics.New()
	}
	deps, err := newDeps(cfg, o.Version, a.logger, a.metrics)
	if err != nil {
		return nil, err
	}
	a.Deps = deps
	if cfg.RedisURL != "" && o.SharedState {
		store, err := openSharedState(cfg.RedisURL, o.LeaseTTL, a.logger)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, store.Close)
		deps.Confirm.Record, deps.Leases, deps.SharedTasks = store, store, store
	}
	if o.ConfirmPages {
		deps.ConfirmPages = confirmpage.NewLoopback(a.logger)
		a.closers = append(a.closers, deps.ConfirmPages.Close)
	}
	a.MCP = newServer(cfg, o.Version, deps)
	return a, nil
}

// Close releases what New opened, last first.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
}

// NewLogger writes human logs to w: stderr, since stdout belongs to JSON-RPC.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(tint.NewTextHandler(w, &tint.Options{
		Level:      level,
		TimeFormat: time.TimeOnly,
		NoColor:    !term.Is(w) || os.Getenv("NO_COLOR") != "",
	}))
}

// newDeps builds what the tools need; m, when not nil, hears of every tool call
// and HostUp request.
func newDeps(cfg config.Config, version string, logger *slog.Logger, m *metrics.Metrics) (*tools.Deps, error) {
	opts := hostup.Options{
		APIKey:    cfg.APIKey,
		BaseURL:   cfg.APIURL,
		UserAgent: "hostup-mcp/" + version,
		Logger:    logger,
	}
	if cfg.Sandbox {
		sim := hostuptest.Sandbox()
		opts.APIKey = hostuptest.SandboxAPIKey
		opts.BaseURL = hostup.DefaultBaseURL
		opts.HTTPClient = &http.Client{Transport: sim.Transport()}
		// The requests keep HostUp's address, which the simulator answers in
		// this process: a log line says so, or it reads as a call to HostUp.
		opts.Logger = logger.With("simulated", true)
	}
	if m != nil {
		opts.OnAttempt = m.HostUpAttempt
	}
	c, err := hostup.New(opts)
	if err != nil {
		// The key was checked by LoadSecrets, so what New refuses is the URL;
		// the user needs the setting's name, not the Go package's.
		return nil, config.Errorf("--api-url (HOSTUP_API_URL): %s", strings.TrimPrefix(err.Error(), "hostup: "))
	}
	deps := &tools.Deps{
		Client:  c,
		Display: cfg.Location,
		Sandbox: cfg.Sandbox,
		Logger:  logger,
		Confirm: tools.NewConfirmer(cfg.TokenSecret), ElicitationOnly: cfg.ElicitationOnly(),
		RestoreByToken: cfg.RestoreByToken(),
	}
	if m != nil {
		deps.Observer = m
	}
	return deps, nil
}

// openSharedState connects to the Redis of --redis-url, which must answer
// within 5 seconds and must not evict keys: a server that would run with
// replicas unsafely is better stopped at start.
func openSharedState(url string, leaseTTL time.Duration, logger *slog.Logger) (*redisstate.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	store, err := redisstate.Open(ctx, url, redisstate.Options{LeaseTTL: leaseTTL, Logger: logger})
	if err != nil {
		return nil, config.Errorf("--redis-url (HOSTUP_MCP_REDIS_URL): %s; start that Redis or correct the URL", err)
	}
	warning, err := store.CheckEviction(ctx)
	if err != nil {
		store.Close()
		return nil, config.Errorf("--redis-url (HOSTUP_MCP_REDIS_URL): %s", err)
	}
	if warning != "" {
		logger.Warn("HOSTUP_MCP_REDIS_URL: " + warning)
	}
	logger.Info("confirm tokens, changes per VPS and MCP tasks are shared with every replica using the same Redis", "redis", store.Addr())
	return store, nil
}

// instructions hold the rules every tool shares, once; list_vps's description
// holds the rules for ids. Tool descriptions say only what is their own.
const instructions = `This server manages the backups of the user's HostUp VPSes.
Get VPS ids from list_vps, as its description says; never guess them. Before a change, read the VPS's limits and gates (list_backup_schedules or list_backups), call the write tool with dry_run=true and show the plan to the user. A result with outcome confirmation_required changed nothing: ask the user, and only after they agree call again with the same arguments and its confirm_token. HostUp schedules run in UTC.`

func newServer(cfg config.Config, version string, deps *tools.Deps) *server.MCPServer {
	srv := tools.NewServer(deps, tools.ServerOptions{
		Name: "hostup-mcp", Version: version, ReadOnly: cfg.ReadOnly, Toolsets: cfg.Selected, Instructions: instructions,
	}, server.WithPromptCapabilities(false))
	prompts.Register(srv)
	return srv
}
