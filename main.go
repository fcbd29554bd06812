// Command hostup-mcp is an MCP server through which an AI assistant sees and
// manages the backups of a HostUp account's VPSes, safely.
//
// main wires configuration, logging, transports and subcommands; the rules live in
// tools/ (MCP) and hostup/ (HTTP).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // time zones also on machines without a zoneinfo database (Windows)

	"github.com/lmittmann/tint"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/prompts"
	"github.com/hostup/hostup-mcp/tools"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0"

const usage = `hostup-mcp: an MCP server for the backups of your HostUp VPSes.

Usage:
  hostup-mcp [flags]                    serve MCP (stdio unless --transport says otherwise)
  hostup-mcp tools [flags]              list the tools
  hostup-mcp call TOOL ['{json}'] [flags]  run one tool through the server and print its result
  hostup-mcp version

Try it without an account:
  hostup-mcp call list_vps --sandbox

Flags (each also read from the environment variable shown):
`

// config is every setting of SPEC.md's configuration table.
type config struct {
	apiKeyFile string
	apiKey     string
	apiURL     string
	readOnly   bool
	sandbox    bool
	transport  string
	addr       string
	logLevel   string
	timezone   string
	jsonOut    bool
	location   *time.Location
	level      slog.Level
}

// configError is a bad setting: one line naming the setting and the fix, exit 2.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, positional, err := parseConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "hostup-mcp: %v\n", err)
		return 2
	}
	command := "serve"
	if len(positional) > 0 {
		command, positional = positional[0], positional[1:]
	}
	if command == "version" {
		fmt.Fprintf(stdout, "hostup-mcp %s\n", version)
		return 0
	}
	if command == "help" {
		printUsage(stdout)
		return 0
	}
	if command == "serve" || command == "call" {
		if err := cfg.loadAPIKey(); err != nil {
			fmt.Fprintf(stderr, "hostup-mcp: %v\n", err)
			return 2
		}
	}
	logger := newLogger(stderr, cfg.level)
	deps, err := newDeps(cfg, logger)
	if err != nil {
		fmt.Fprintf(stderr, "hostup-mcp: %v\n", err)
		return 2
	}
	srv := newServer(cfg, deps)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch command {
	case "serve":
		return serve(ctx, cfg, srv, logger, stdin, stdout, stderr)
	case "tools":
		return listTools(stdout, deps, cfg)
	case "call":
		return callTool(ctx, srv, cfg, positional, stdout, stderr)
	}
	fmt.Fprintf(stderr, "hostup-mcp: unknown command %q; run hostup-mcp --help\n", command)
	return 2
}

// parseConfig reads flags (anywhere on the line, so `call TOOL '{}' --sandbox`
// works) over the environment over the defaults, and checks every value.
func parseConfig(args []string, stderr io.Writer) (config, []string, error) {
	var cfg config
	fs := flag.NewFlagSet("hostup-mcp", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.apiKeyFile, "api-key-file", "", "file holding the HostUp API key (env HOSTUP_API_KEY holds the key itself)")
	fs.StringVar(&cfg.apiURL, "api-url", env("HOSTUP_API_URL", hostup.DefaultBaseURL), "HostUp API base URL (env HOSTUP_API_URL)")
	fs.BoolVar(&cfg.readOnly, "read-only", envBool("HOSTUP_READ_ONLY"), "list only the read-only tools (env HOSTUP_READ_ONLY=1)")
	fs.BoolVar(&cfg.sandbox, "sandbox", envBool("HOSTUP_SANDBOX"), "serve a simulated account: no key, no network (env HOSTUP_SANDBOX=1)")
	fs.StringVar(&cfg.transport, "transport", env("HOSTUP_MCP_TRANSPORT", "stdio"), "stdio, http or sse (env HOSTUP_MCP_TRANSPORT)")
	fs.StringVar(&cfg.addr, "addr", env("HOSTUP_MCP_ADDR", "127.0.0.1:8765"), "listen address for http and sse (env HOSTUP_MCP_ADDR)")
	fs.StringVar(&cfg.logLevel, "log-level", env("HOSTUP_LOG_LEVEL", "info"), "debug, info, warn or error (env HOSTUP_LOG_LEVEL)")
	fs.StringVar(&cfg.timezone, "timezone", env("HOSTUP_TIMEZONE", ""), "IANA zone results show local times in, e.g. Europe/Stockholm (env HOSTUP_TIMEZONE; default: the system's)")
	fs.BoolVar(&cfg.jsonOut, "json", false, "with call: print the structured result as JSON")
	fs.Usage = func() {}

	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printUsage(stderr)
				return cfg, nil, err
			}
			return cfg, nil, &configError{msg: err.Error() + "; run hostup-mcp --help for the flags"}
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return cfg, positional, cfg.check()
}

func (cfg *config) check() error {
	switch cfg.transport {
	case "stdio", "http", "sse":
	default:
		return &configError{msg: fmt.Sprintf("--transport (HOSTUP_MCP_TRANSPORT) must be stdio, http or sse, not %q", cfg.transport)}
	}
	if err := cfg.level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return &configError{msg: fmt.Sprintf("--log-level (HOSTUP_LOG_LEVEL) must be debug, info, warn or error, not %q", cfg.logLevel)}
	}
	cfg.location = time.Local
	if cfg.timezone != "" {
		loc, err := time.LoadLocation(cfg.timezone)
		if err != nil {
			return &configError{msg: fmt.Sprintf("--timezone (HOSTUP_TIMEZONE) %q is not an IANA time zone such as Europe/Stockholm or UTC", cfg.timezone)}
		}
		cfg.location = loc
	}
	return nil
}

// loadAPIKey is checked only by the commands that talk to HostUp, so `tools`,
// `version` and `--help` work before a key exists.
func (cfg *config) loadAPIKey() error {
	if cfg.sandbox {
		return nil
	}
	cfg.apiKey = strings.TrimSpace(os.Getenv("HOSTUP_API_KEY"))
	if cfg.apiKeyFile != "" {
		b, err := os.ReadFile(cfg.apiKeyFile)
		if err != nil {
			return &configError{msg: fmt.Sprintf("--api-key-file: cannot read %s (%v); point it at a file that holds only the API key", cfg.apiKeyFile, errors.Unwrap(err))}
		}
		cfg.apiKey = strings.TrimSpace(string(b))
		if cfg.apiKey == "" {
			return &configError{msg: fmt.Sprintf("--api-key-file: %s is empty; put the HostUp API key in it", cfg.apiKeyFile)}
		}
	}
	if cfg.apiKey == "" {
		return &configError{msg: "no HostUp API key: set HOSTUP_API_KEY or pass --api-key-file PATH (create a key in HostUp's control panel), or try --sandbox"}
	}
	return nil
}

func env(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return fallback
}

func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	var c config
	fs.StringVar(&c.apiKeyFile, "api-key-file", "", "file holding the HostUp API key (env HOSTUP_API_KEY holds the key itself)")
	fs.StringVar(&c.apiURL, "api-url", hostup.DefaultBaseURL, "HostUp API base URL (env HOSTUP_API_URL)")
	fs.BoolVar(&c.readOnly, "read-only", false, "list only the read-only tools (env HOSTUP_READ_ONLY=1)")
	fs.BoolVar(&c.sandbox, "sandbox", false, "serve a simulated account: no key, no network (env HOSTUP_SANDBOX=1)")
	fs.StringVar(&c.transport, "transport", "stdio", "stdio, http or sse (env HOSTUP_MCP_TRANSPORT)")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8765", "listen address for http and sse (env HOSTUP_MCP_ADDR)")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error (env HOSTUP_LOG_LEVEL)")
	fs.StringVar(&c.timezone, "timezone", "", "IANA zone results show local times in (env HOSTUP_TIMEZONE; default: the system's)")
	fs.BoolVar(&c.jsonOut, "json", false, "with call: print the structured result as JSON")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// newLogger writes human logs to stderr: stdout belongs to JSON-RPC.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(tint.NewTextHandler(w, &tint.Options{
		Level:      level,
		TimeFormat: time.TimeOnly,
		NoColor:    !isTerminal(w) || os.Getenv("NO_COLOR") != "",
	}))
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newDeps(cfg config, logger *slog.Logger) (*tools.Deps, error) {
	opts := hostup.Options{
		APIKey:    cfg.apiKey,
		BaseURL:   cfg.apiURL,
		UserAgent: "hostup-mcp/" + version,
		Logger:    logger,
	}
	if cfg.sandbox {
		sim := hostuptest.Sandbox()
		opts.APIKey = hostuptest.SandboxAPIKey
		opts.BaseURL = hostup.DefaultBaseURL
		opts.HTTPClient = &http.Client{Transport: sim.Transport()}
	}
	c, err := hostup.New(opts)
	if err != nil {
		return nil, &configError{msg: fmt.Sprintf("--api-url (HOSTUP_API_URL): %v", err)}
	}
	return &tools.Deps{
		Client:  c,
		Display: cfg.location,
		Sandbox: cfg.sandbox,
		Logger:  logger,
		Confirm: tools.NewConfirmer(nil),
	}, nil
}

const instructions = `This server manages the backups of the user's HostUp VPSes.
Get VPS ids from list_vps; never guess them. Before any change, read list_backup_schedules (limits and gates), then call the write tool with dry_run=true and show the plan to the user. Destructive changes need the user's confirmation: pass back the confirm_token only after the user agreed. HostUp schedules run in UTC.`

func newServer(cfg config, deps *tools.Deps) *server.MCPServer {
	srv := tools.NewServer(deps, tools.ServerOptions{
		Name: "hostup-mcp", Version: version, ReadOnly: cfg.readOnly, Instructions: instructions,
	}, server.WithPromptCapabilities(false))
	prompts.Register(srv)
	return srv
}

func serve(ctx context.Context, cfg config, srv *server.MCPServer, logger *slog.Logger, stdin io.Reader, stdout, stderr io.Writer) int {
	if cfg.transport != "stdio" {
		fmt.Fprintf(stderr, "hostup-mcp: --transport %s is not available in this build; use stdio\n", cfg.transport)
		return 2
	}
	if isTerminal(stdin) {
		fmt.Fprintln(stderr, "hostup-mcp is waiting for an MCP client on stdin (JSON-RPC); it is meant to be started by Claude Desktop, Claude Code, VS Code or Cursor. To try it by hand: hostup-mcp call list_vps --sandbox")
	}
	logger.Info("serving MCP on stdio", "version", version, "sandbox", cfg.sandbox, "read_only", cfg.readOnly)
	stdio := server.NewStdioServer(srv)
	stdio.SetErrorLogger(slog.NewLogLogger(logger.Handler(), slog.LevelError))
	if err := stdio.Listen(ctx, stdin, stdout); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
		logger.Error("stdio server stopped", "error", err)
		return 1
	}
	return 0
}

func listTools(w io.Writer, deps *tools.Deps, cfg config) int {
	for _, t := range tools.Visible(deps, cfg.readOnly) {
		a := t.Tool.Annotations
		kind := "read-only"
		switch {
		case !*a.ReadOnlyHint && *a.DestructiveHint:
			kind = "changes, may delete"
		case !*a.ReadOnlyHint:
			kind = "changes"
		}
		first, _, _ := strings.Cut(t.Tool.Description, ". ")
		fmt.Fprintf(w, "%-24s %-20s %s\n", t.Tool.Name, "["+kind+"]", strings.TrimSuffix(first, "."))
	}
	return 0
}

// callTool runs one tool through the real MCP server, in-process, as a client would.
func callTool(ctx context.Context, srv *server.MCPServer, cfg config, positional []string, stdout, stderr io.Writer) int {
	if len(positional) == 0 || len(positional) > 2 {
		fmt.Fprintln(stderr, "hostup-mcp: usage: hostup-mcp call TOOL ['{\"arg\":…}'] [--json] [--sandbox]; hostup-mcp tools lists the tools")
		return 2
	}
	args := map[string]any{}
	if len(positional) == 2 {
		if err := json.Unmarshal([]byte(positional[1]), &args); err != nil {
			fmt.Fprintf(stderr, "hostup-mcp: the arguments must be one JSON object, e.g. '{\"vps_id\":\"vps_…\"}' (%v)\n", err)
			return 2
		}
	}
	c, err := client.NewInProcessClient(srv)
	if err == nil {
		err = c.Start(ctx)
	}
	if err == nil {
		_, err = c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
			ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
			ClientInfo:      mcp.Implementation{Name: "hostup-mcp call", Version: version},
		}})
	}
	if err != nil {
		fmt.Fprintf(stderr, "hostup-mcp: starting the in-process client: %v\n", err)
		return 1
	}
	defer c.Close()
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: positional[0], Arguments: args}})
	if err != nil {
		fmt.Fprintf(stderr, "hostup-mcp: %v; hostup-mcp tools lists the tools\n", err)
		return 2
	}
	if cfg.jsonOut && !res.IsError {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res.StructuredContent)
	} else {
		w := stdout
		if res.IsError {
			w = stderr
		}
		for _, content := range res.Content {
			if t, ok := content.(mcp.TextContent); ok {
				fmt.Fprintln(w, t.Text)
			}
		}
	}
	if res.IsError {
		return 1
	}
	return 0
}
