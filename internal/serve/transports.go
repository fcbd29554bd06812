package serve

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hostup/hostup-mcp/internal/config"
	"github.com/hostup/hostup-mcp/internal/term"
	"github.com/hostup/hostup-mcp/internal/transport"
	"github.com/hostup/hostup-mcp/tools"
)

// stdioDrain bounds how long in-flight calls may finish after SIGINT or
// SIGTERM over stdio.
const stdioDrain = 25 * time.Second

// Serve serves the MCP server over the configured transport until ctx ends
// (SIGINT, SIGTERM) and returns the exit code.
func (a *App) Serve(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) int {
	if a.cfg.Transport != "stdio" {
		if err := a.serveHTTP(ctx); err != nil {
			fmt.Fprintf(stderr, "hostup-mcp: %v\n", err)
			return config.ExitCode
		}
		return 0
	}
	if term.Is(stdin) {
		fmt.Fprintln(stderr, "hostup-mcp is waiting for an MCP client on stdin (JSON-RPC); it is meant to be started by Claude Desktop, Claude Code, VS Code or Cursor. To try it by hand: hostup-mcp call list_vps --sandbox")
	}
	a.logger.Info("serving MCP on stdio", "version", a.version, "sandbox", a.cfg.Sandbox, "read_only", a.cfg.ReadOnly)
	if err := transport.ServeStdio(ctx, a.MCP, stdin, stdout, a.logger, stdioDrain); err != nil {
		a.logger.Error("stdio server stopped", "error", err)
		return 1
	}
	return 0
}

// serveHTTP serves Streamable HTTP or SSE, with /healthz and, with --metrics,
// /metrics.
func (a *App) serveHTTP(ctx context.Context) error {
	opts := transport.Options{
		Kind:           transport.Kind(a.cfg.Transport),
		Addr:           a.cfg.Addr,
		Token:          a.cfg.HTTPToken,
		MetricsToken:   a.cfg.MetricsToken,
		PerRequestKeys: a.cfg.APIKey == "" && !a.cfg.Sandbox,
		Sandbox:        a.cfg.Sandbox,
		AllowedOrigins: a.cfg.Origins(),
		Logger:         a.logger,
	}
	if a.metrics != nil {
		opts.Metrics, opts.Observer = a.metrics.Handler(), a.metrics
	}
	if a.Deps.SharedTasks != nil {
		opts.WrapMCP = tools.SharedTaskAnswers
	}
	hs, err := transport.New(a.MCP, opts)
	if err != nil {
		return err
	}
	if a.metrics != nil {
		a.metrics.WatchTransport(hs)
	}
	if a.cfg.TokenSecret == nil {
		a.logger.Info("confirm tokens are valid on this process only; with several replicas set HOSTUP_MCP_TOKEN_SECRET, the same on each")
	}
	if a.cfg.RedisURL == "" {
		a.logger.Info("this process is the unit of safety (single-use tokens, one change per VPS at a time): run one replica, or set HOSTUP_MCP_REDIS_URL on each")
	}
	return hs.ListenAndServe(ctx)
}
