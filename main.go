// Command hostup-mcp is an MCP server through which an AI assistant sees and
// manages the backups of a HostUp account's VPSes, safely.
//
// main wires the commands together: settings come from internal/config, the
// server and its transports from internal/serve, the call command from
// internal/callcmd; the rules live in tools/ (MCP) and hostup/ (HTTP).
package main

// The one command that refreshes every golden file of the server's contract
// (internal/contract): schemas first, since the rest lists a server that
// embeds them.
//
//go:generate go run ./internal/contract/generate -schemas
//go:generate go run ./internal/contract/generate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/internal/callcmd"
	"github.com/hostup/hostup-mcp/internal/config"
	"github.com/hostup/hostup-mcp/internal/redisstate"
	"github.com/hostup/hostup-mcp/internal/serve"
	"github.com/hostup/hostup-mcp/internal/term"
	"github.com/hostup/hostup-mcp/tools"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0"

// leaseTTL is how long a VPS's lease outlives a replica that died holding it.
// Tests of a killed replica shorten it.
var leaseTTL = redisstate.DefaultLeaseTTL

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, positional, err := config.Parse(args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		config.PrintUsage(stdout)
		return 0
	}
	if err != nil {
		return stopped(stderr, err)
	}
	command := "serve"
	if len(positional) > 0 {
		command, positional = positional[0], positional[1:]
	}
	if cfg.ShowVersion {
		command = "version"
	}
	switch command {
	case "version":
		fmt.Fprintf(stdout, "hostup-mcp %s\n", version)
		return 0
	case "help":
		config.PrintUsage(stdout)
		return 0
	case "serve", "call", "tools":
	default:
		return stopped(stderr, fmt.Errorf("unknown command %q; the commands are serve (the default), tools, call and version; run hostup-mcp --help", command))
	}
	if err := loadFor(command, &cfg); err != nil {
		return stopped(stderr, err)
	}
	app, err := serve.New(cfg, optionsFor(command, cfg, stderr))
	if err != nil {
		return stopped(stderr, err)
	}
	defer app.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch command {
	case "tools":
		return listTools(stdout, app.Deps, cfg)
	case "call":
		o := callcmd.Options{Version: version, ReadOnly: cfg.ReadOnly, JSON: cfg.JSON, Yes: cfg.Yes, Terminal: term.Is(stdin)}
		return callcmd.Run(ctx, app.MCP, o, positional, stdin, stdout, stderr)
	}
	return app.Serve(ctx, stdin, stdout, stderr)
}

// stopped says in one line why the program cannot start.
func stopped(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "hostup-mcp: %v\n", err)
	return config.ExitCode
}

// loadFor checks the settings and reads the secrets only the commands that
// talk to HostUp need, so that tools works before a key exists.
func loadFor(command string, cfg *config.Config) error {
	if command == "tools" {
		return nil
	}
	if command == "serve" {
		if err := cfg.CheckServing(); err != nil {
			return err
		}
	}
	return cfg.LoadSecrets()
}

// optionsFor is what command builds beyond the settings.
func optionsFor(command string, cfg config.Config, stderr io.Writer) serve.Options {
	level := cfg.Level
	if command == "call" && level == slog.LevelInfo {
		// call prints the result itself; info logs would repeat a failure's text.
		level = slog.LevelWarn
	}
	return serve.Options{
		Version:  version,
		Logs:     stderr,
		LogLevel: level,
		Metrics:  command == "serve" && cfg.Metrics,
		// tools changes nothing: no token and no lease to share.
		SharedState: command != "tools",
		// Over stdio the client, and so the user's browser, runs on this
		// computer: a client that can open a page but show no dialog gets a
		// confirmation page on the loopback address.
		ConfirmPages: command == "serve" && cfg.Transport == "stdio",
		LeaseTTL:     leaseTTL,
	}
}

func listTools(w io.Writer, deps *tools.Deps, cfg config.Config) int {
	for _, t := range tools.Visible(deps, tools.Selection{ReadOnly: cfg.ReadOnly, Toolsets: cfg.Selected}) {
		fmt.Fprintf(w, "%-24s %-34s %s\n", t.Tool.Name, "["+annotationSummary(t.Tool.Annotations)+"]", firstSentence(t.Tool.Description))
	}
	if cfg.ReadOnly {
		fmt.Fprintln(w, "(read-only mode: the write tools are not listed)")
	}
	if cfg.Selected != nil {
		fmt.Fprintf(w, "(toolsets %s: the tools of other areas are not listed)\n", cfg.Toolsets)
	}
	return 0
}

func annotationSummary(a mcp.ToolAnnotation) string {
	is := func(b *bool) bool { return b != nil && *b }
	if is(a.ReadOnlyHint) {
		return "read-only"
	}
	s := "changes"
	if is(a.DestructiveHint) {
		s += ", destructive"
	}
	if is(a.IdempotentHint) {
		s += ", idempotent"
	}
	return s
}

// firstSentence ends at the first ". " that does not close an abbreviation.
func firstSentence(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '.' || (i+1 < len(s) && s[i+1] != ' ') {
			continue
		}
		if word := s[strings.LastIndexByte(s[:i], ' ')+1 : i]; word == "e.g" || word == "i.e" || word == "etc" {
			continue
		}
		return s[:i]
	}
	return s
}
