// Command hostup-mcp is an MCP server through which an AI assistant sees and
// manages the backups of a HostUp account's VPSes, safely.
//
// main wires configuration, logging, transports and subcommands; the rules live in
// tools/ (MCP) and hostup/ (HTTP).
package main

import (
	"context"
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
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/callcmd"
	"github.com/hostup/hostup-mcp/internal/confirmpage"
	"github.com/hostup/hostup-mcp/internal/metrics"
	"github.com/hostup/hostup-mcp/internal/redisstate"
	"github.com/hostup/hostup-mcp/internal/secret"
	"github.com/hostup/hostup-mcp/internal/transport"
	"github.com/hostup/hostup-mcp/prompts"
	"github.com/hostup/hostup-mcp/tools"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0"

const usage = `hostup-mcp: an MCP server for the backups of your HostUp VPSes.

Usage:
  hostup-mcp [flags]                        serve MCP (stdio unless --transport says otherwise)
  hostup-mcp tools [flags]                  list the tools
  hostup-mcp call TOOL ['{json}'] [flags]   run one tool through the server and print its result
  hostup-mcp version                        print the version (also --version)

Try it without an account:
  hostup-mcp call audit_backup_coverage --sandbox
  hostup-mcp call list_backup_schedules '{"vps_id":"vps_sandbox02"}' --sandbox --json

call exits 0 when the tool succeeded, 1 when it failed or refused, 2 when the
command line was wrong, 3 when a destructive change waits for confirmation
(nothing was changed; run it again with --yes to apply the plan shown; a restore
also takes the VPS's name, typed at the prompt or as "confirm_vps_name"), and 4
when a change was sent but HostUp does not show it (check before retrying).

Flags may come before or after the command. Each is also read from the
environment variable shown; a flag wins over its variable.

`

const envOnlyUsage = `
Environment only:
  HOSTUP_API_KEY             the HostUp API key (scopes read:vm, and write:vm and backup:vm for changes)
  HOSTUP_MCP_HTTP_TOKEN      http and sse: the bearer token clients must send
  HOSTUP_MCP_TOKEN_SECRET    http and sse: signs confirm tokens; the same on every replica
  HOSTUP_MCP_METRICS_TOKEN   with --metrics: the bearer token the scraper sends for /metrics
  NO_COLOR                   no colour in the logs
`

// config is every setting of SPEC.md's configuration table.
type config struct {
	apiKeyFile  string
	apiKey      string
	apiURL      string
	readOnly    bool
	toolsets    string
	selected    []tools.Toolset // toolsets, checked by check; nil: every toolset
	sandbox     bool
	transport   string
	addr        string
	logLevel    string
	timezone    string
	jsonOut     bool
	yes         bool
	showVersion bool
	confirm     string   // --confirm-mode: elicitation-or-token or elicitation-only
	restore     string   // --restore-confirm: who may confirm a restore (restoreByUser, restoreByToken)
	badEnv      []string // malformed boolean environment variables, reported by check
	location    *time.Location
	level       slog.Level

	// For --transport http and sse; the two secrets come from the environment only.
	allowedOrigins string
	metrics        bool   // serve Prometheus metrics at /metrics
	redisURL       string // --redis-url: where replicas share used tokens and VPS leases
	httpToken      string // HOSTUP_MCP_HTTP_TOKEN: clients send it as their bearer token
	metricsToken   string // HOSTUP_MCP_METRICS_TOKEN: the scraper sends it for /metrics
	tokenSecret    []byte // HOSTUP_MCP_TOKEN_SECRET: signs confirm tokens, the same on every replica
}

// configError is a bad setting: one line naming the setting and the fix, exit 2.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, positional, err := parseConfig(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout)
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
	if cfg.showVersion {
		command = "version"
	}
	switch command {
	case "version":
		fmt.Fprintf(stdout, "hostup-mcp %s\n", version)
		return 0
	case "help":
		printUsage(stdout)
		return 0
	case "serve", "call":
		if command == "serve" && cfg.metrics && cfg.transport == "stdio" {
			// Only serving needs the endpoint: version, tools and call run
			// under the same environment (a bundle's or a shell's) and work.
			fmt.Fprintln(stderr, "hostup-mcp: --metrics (HOSTUP_MCP_METRICS) needs --transport http or sse: over stdio there is no HTTP endpoint to serve /metrics at")
			return 2
		}
		if err := cfg.loadAPIKey(); err != nil {
			fmt.Fprintf(stderr, "hostup-mcp: %v\n", err)
			return 2
		}
	case "tools":
	default:
		fmt.Fprintf(stderr, "hostup-mcp: unknown command %q; the commands are serve (the default), tools, call and version; run hostup-mcp --help\n", command)
		return 2
	}
	level := cfg.level
	if command == "call" && level == slog.LevelInfo {
		// call prints the result itself; info logs would repeat a failure's text.
		level = slog.LevelWarn
	}
	logger := newLogger(stderr, level)
	var m *metrics.Metrics
	if cfg.metrics && command == "serve" {
		m = metrics.New()
	}
	deps, err := newDeps(cfg, logger, m)
	if err != nil {
		fmt.Fprintf(stderr, "hostup-mcp: %v\n", err)
		return 2
	}
	if cfg.redisURL != "" && command != "tools" {
		store, err := openSharedState(cfg, logger)
		if err != nil {
			fmt.Fprintf(stderr, "hostup-mcp: %v\n", err)
			return 2
		}
		defer store.Close()
		deps.Confirm.Record, deps.Leases = store, store
	}
	if command == "serve" && cfg.transport == "stdio" {
		// Over stdio the client, and so the user's browser, runs on this
		// computer: a client that can open a page but show no dialog gets a
		// confirmation page on the loopback address.
		deps.ConfirmPages = confirmpage.NewLoopback(logger)
		defer deps.ConfirmPages.Close()
	}
	srv := newServer(cfg, deps)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch command {
	case "tools":
		return listTools(stdout, deps, cfg)
	case "call":
		o := callcmd.Options{Version: version, ReadOnly: cfg.readOnly, JSON: cfg.jsonOut, Yes: cfg.yes, Terminal: callcmd.IsTerminal(stdin)}
		return callcmd.Run(ctx, srv, o, positional, stdin, stdout, stderr)
	}
	return serve(ctx, cfg, srv, m, logger, stdin, stdout, stderr)
}

// parseConfig reads flags (anywhere on the line, so `call TOOL '{}' --sandbox`
// works) over the environment over the defaults, and checks every value.
func parseConfig(args []string) (config, []string, error) {
	var cfg config
	fs := newFlagSet(&cfg, os.Getenv)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
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

// newFlagSet defines every flag once, for parsing and for --help. Each flag's
// default comes from its environment variable, read through getenv; every usage
// names its variable, which --help shows and a test checks.
func newFlagSet(cfg *config, getenv func(string) string) *flag.FlagSet {
	env := func(name, fallback string) string {
		if v := getenv(name); v != "" && !isPlaceholder(v) {
			return v
		}
		return fallback
	}
	// A mistyped boolean must not silently mean false: HOSTUP_READ_ONLY=enabled
	// turning read-only off would be the opposite of what the user asked.
	envBool := func(name string) bool {
		v := strings.ToLower(strings.TrimSpace(getenv(name)))
		switch {
		case v == "1" || v == "true" || v == "yes" || v == "on":
			return true
		case v == "" || v == "0" || v == "false" || v == "no" || v == "off" || isPlaceholder(v):
			return false
		}
		cfg.badEnv = append(cfg.badEnv, fmt.Sprintf("%s must be 1 or 0 (true/false, yes/no, on/off), not %q", name, getenv(name)))
		return false
	}
	fs := flag.NewFlagSet("hostup-mcp", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&cfg.apiKeyFile, "api-key-file", "", "`PATH` of a file holding only the HostUp API key (env HOSTUP_API_KEY holds the key itself)")
	fs.StringVar(&cfg.apiURL, "api-url", env("HOSTUP_API_URL", hostup.DefaultBaseURL), "HostUp API base `URL` (env HOSTUP_API_URL)")
	fs.BoolVar(&cfg.readOnly, "read-only", envBool("HOSTUP_READ_ONLY"), "list only the read-only tools (env HOSTUP_READ_ONLY=1)")
	fs.StringVar(&cfg.toolsets, "toolsets", env("HOSTUP_TOOLSETS", ""), "comma-separated `LIST` of tool areas to offer ("+tools.ToolsetNames()+"); list_vps always; default: all (env HOSTUP_TOOLSETS)")
	fs.BoolVar(&cfg.sandbox, "sandbox", envBool("HOSTUP_SANDBOX"), "serve a simulated account: no key, no network (env HOSTUP_SANDBOX=1)")
	fs.StringVar(&cfg.transport, "transport", env("HOSTUP_MCP_TRANSPORT", "stdio"), "MCP transport `NAME`: stdio, http or sse (env HOSTUP_MCP_TRANSPORT)")
	fs.StringVar(&cfg.addr, "addr", env("HOSTUP_MCP_ADDR", "127.0.0.1:8765"), "`HOST:PORT` to listen on for http and sse (env HOSTUP_MCP_ADDR)")
	fs.StringVar(&cfg.allowedOrigins, "allowed-origins", env("HOSTUP_MCP_ALLOWED_ORIGINS", ""), "comma-separated browser `ORIGINS` that may call http and sse besides loopback and the server's own host (env HOSTUP_MCP_ALLOWED_ORIGINS)")
	fs.BoolVar(&cfg.metrics, "metrics", envBool("HOSTUP_MCP_METRICS"), "http and sse: serve Prometheus metrics at /metrics, to the holder of HOSTUP_MCP_METRICS_TOKEN, else behind the same authentication as /mcp; per-request HostUp keys need that token (env HOSTUP_MCP_METRICS=1)")
	fs.StringVar(&cfg.redisURL, "redis-url", env("HOSTUP_MCP_REDIS_URL", ""), "`URL` of a Redis (redis://[:password@]host:6379/0, rediss:// for TLS) where replicas share used confirm tokens and per-VPS leases; without it one process is the unit of safety (env HOSTUP_MCP_REDIS_URL)")
	fs.StringVar(&cfg.logLevel, "log-level", env("HOSTUP_LOG_LEVEL", "info"), "log `LEVEL`: debug, info, warn or error; logs go to stderr (env HOSTUP_LOG_LEVEL)")
	fs.StringVar(&cfg.timezone, "timezone", env("HOSTUP_TIMEZONE", ""), "IANA time `ZONE` results show local times in, e.g. Europe/Stockholm; default: the system's (env HOSTUP_TIMEZONE)")
	fs.StringVar(&cfg.confirm, "confirm-mode", env("HOSTUP_MCP_CONFIRM_MODE", confirmEither), "how the user confirms destructive changes: "+confirmEither+" (the client's dialog, or a confirm_token when the client has none) or "+confirmDialogOnly+" (the dialog only; no token is issued or accepted) (env HOSTUP_MCP_CONFIRM_MODE)")
	fs.StringVar(&cfg.restore, "restore-confirm", env("HOSTUP_RESTORE_CONFIRM", restoreByUser), "`WHO` confirms a restore: "+restoreByUser+" (the user, in the client's dialog or on a one-time confirmation page; a client with neither is refused) or "+restoreByToken+" (also a confirm_token with the typed VPS name, which lets the model confirm a restore) (env HOSTUP_RESTORE_CONFIRM)")
	fs.BoolVar(&cfg.jsonOut, "json", false, "with call: print the structured result as JSON (no env: it belongs to one command line)")
	fs.BoolVar(&cfg.showVersion, "version", false, "print the version, as the version command does")
	fs.BoolVar(&cfg.yes, "yes", false, "with call: you confirm a destructive change yourself; its plan is printed, then it is applied (no env: it belongs to one command line)")
	return fs
}

// systemZone is the machine's time zone under its IANA name where it can be
// found: time.Local calls itself "Local", which tells a reader nothing.
func systemZone() *time.Location {
	name := os.Getenv("TZ")
	if name == "" {
		if target, err := os.Readlink("/etc/localtime"); err == nil {
			if _, after, ok := strings.Cut(target, "zoneinfo/"); ok {
				name = after
			}
		}
	}
	if loc, err := time.LoadLocation(strings.TrimPrefix(name, ":")); name != "" && err == nil {
		return loc
	}
	return time.Local
}

// isPlaceholder reports an unsubstituted "${user_config.x}": Claude Desktop passes
// it on literally when the user left an optional bundle setting empty.
func isPlaceholder(v string) bool {
	return strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}")
}

func (cfg *config) check() error {
	if len(cfg.badEnv) > 0 {
		return &configError{msg: cfg.badEnv[0]}
	}
	switch cfg.transport {
	case "stdio", "http", "sse":
	default:
		return &configError{msg: fmt.Sprintf("--transport (HOSTUP_MCP_TRANSPORT) must be stdio, http or sse, not %q", cfg.transport)}
	}
	if cfg.confirm != confirmEither && cfg.confirm != confirmDialogOnly {
		return &configError{msg: fmt.Sprintf("--confirm-mode (HOSTUP_MCP_CONFIRM_MODE) must be %s or %s, not %q", confirmEither, confirmDialogOnly, cfg.confirm)}
	}
	if cfg.restore != restoreByUser && cfg.restore != restoreByToken {
		return &configError{msg: fmt.Sprintf("--restore-confirm (HOSTUP_RESTORE_CONFIRM) must be %s or %s, not %q", restoreByUser, restoreByToken, cfg.restore)}
	}
	if cfg.redisURL != "" {
		if _, err := redisstate.ParseURL(cfg.redisURL); err != nil {
			return &configError{msg: fmt.Sprintf("--redis-url (HOSTUP_MCP_REDIS_URL) is not a Redis URL (%v); write it as redis://[:password@]host:6379/0, or rediss://… for TLS", err)}
		}
	}
	if err := cfg.level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return &configError{msg: fmt.Sprintf("--log-level (HOSTUP_LOG_LEVEL) must be debug, info, warn or error, not %q", cfg.logLevel)}
	}
	selected, err := tools.ParseToolsets(cfg.toolsets)
	if err != nil {
		return &configError{msg: "--toolsets (HOSTUP_TOOLSETS): " + err.Error()}
	}
	cfg.selected = selected
	cfg.location = systemZone()
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
// `version` and `--help` work before a key exists. It also reads the HTTP
// transports' secrets. Over http and sse without a key of its own and without
// HOSTUP_MCP_HTTP_TOKEN, the server takes each client's HostUp key per request.
func (cfg *config) loadAPIKey() error {
	cfg.httpToken = strings.TrimSpace(os.Getenv("HOSTUP_MCP_HTTP_TOKEN"))
	cfg.metricsToken = strings.TrimSpace(os.Getenv("HOSTUP_MCP_METRICS_TOKEN"))
	for name, token := range map[string]string{"HOSTUP_MCP_HTTP_TOKEN": cfg.httpToken, "HOSTUP_MCP_METRICS_TOKEN": cfg.metricsToken} {
		if why := secret.Weakness(token); token != "" && why != "" {
			return &configError{msg: name + " " + why + "; " + secret.How}
		}
	}
	if s := os.Getenv("HOSTUP_MCP_TOKEN_SECRET"); s != "" {
		key, err := secret.SigningKey(s)
		if err != nil {
			// A weak secret would make tokens forgeable.
			return &configError{msg: "HOSTUP_MCP_TOKEN_SECRET " + err.Error() + "; " + secret.How + ", and set the same value on every replica"}
		}
		cfg.tokenSecret = key
	}
	if cfg.sandbox {
		return nil
	}
	cfg.apiKey = strings.TrimSpace(os.Getenv("HOSTUP_API_KEY"))
	if isPlaceholder(cfg.apiKey) {
		cfg.apiKey = "" // the bundle's key setting left empty
	}
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
	if secret.Placeholder(cfg.apiKey) {
		return &configError{msg: cfg.keySource() + ": the API key is the example the docs print, not a key: put your HostUp API key there (create one in HostUp's control panel), or try the simulated account with --sandbox"}
	}
	if cfg.apiKey != "" && !hostup.ValidKey(cfg.apiKey) {
		// Checked here rather than in hostup.New so the line names where the key came from.
		return &configError{msg: cfg.keySource() + ": the API key contains spaces, line breaks or other characters no key has; it must hold only the key as HostUp's control panel shows it, on one line"}
	}
	if cfg.apiKey == "" && cfg.transport != "stdio" {
		if cfg.httpToken != "" {
			return &configError{msg: "HOSTUP_MCP_HTTP_TOKEN is set, so the server calls HostUp with its own key: set HOSTUP_API_KEY or pass --api-key-file PATH, or unset HOSTUP_MCP_HTTP_TOKEN to let each client send its own HostUp key"}
		}
		return nil
	}
	if cfg.apiKey == "" {
		return &configError{msg: "no HostUp API key: set HOSTUP_API_KEY or pass --api-key-file PATH (create a key in HostUp's control panel), or try the simulated account with --sandbox (HOSTUP_SANDBOX=1); in Claude Desktop, enter the key in the extension's settings or turn on its sandbox"}
	}
	return nil
}

// keySource names where the API key came from, for a line about it.
func (cfg *config) keySource() string {
	if cfg.apiKeyFile != "" {
		return "--api-key-file: " + cfg.apiKeyFile
	}
	return "HOSTUP_API_KEY"
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	var c config
	fs := newFlagSet(&c, func(string) string { return "" })
	fs.VisitAll(func(f *flag.Flag) {
		kind, text := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if kind != "" {
			name += " " + strings.ToUpper(kind)
		}
		if f.DefValue != "" && f.DefValue != "false" {
			text += " [default " + f.DefValue + "]"
		}
		fmt.Fprintf(w, "  %-26s %s\n", name, text)
	})
	fmt.Fprint(w, envOnlyUsage)
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

// newDeps builds what the tools need; m, when not nil, hears of every tool call
// and HostUp request.
func newDeps(cfg config, logger *slog.Logger, m *metrics.Metrics) (*tools.Deps, error) {
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
	if m != nil {
		opts.OnAttempt = m.HostUpAttempt
	}
	c, err := hostup.New(opts)
	if err != nil {
		// The key was checked by loadAPIKey, so what New refuses is the URL; the
		// user needs the setting's name, not the Go package's.
		return nil, &configError{msg: "--api-url (HOSTUP_API_URL): " + strings.TrimPrefix(err.Error(), "hostup: ")}
	}
	deps := &tools.Deps{
		Client:  c,
		Display: cfg.location,
		Sandbox: cfg.sandbox,
		Logger:  logger,
		Confirm: tools.NewConfirmer(cfg.tokenSecret), ElicitationOnly: cfg.confirm == confirmDialogOnly,
		RestoreByToken: cfg.restore == restoreByToken,
	}
	if m != nil {
		deps.Observer = m
	}
	return deps, nil
}

// leaseTTL is how long a VPS's lease outlives a replica that died holding it.
// Tests of a killed replica shorten it.
var leaseTTL = redisstate.DefaultLeaseTTL

// openSharedState connects to the Redis of --redis-url, which must answer
// within 5 seconds and must not evict keys: a server that would run with
// replicas unsafely is better stopped at start.
func openSharedState(cfg config, logger *slog.Logger) (*redisstate.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	store, err := redisstate.Open(ctx, cfg.redisURL, redisstate.Options{LeaseTTL: leaseTTL, Logger: logger})
	if err != nil {
		return nil, &configError{msg: "--redis-url (HOSTUP_MCP_REDIS_URL): " + err.Error() + "; start that Redis or correct the URL"}
	}
	warning, err := store.CheckEviction(ctx)
	if err != nil {
		store.Close()
		return nil, &configError{msg: "--redis-url (HOSTUP_MCP_REDIS_URL): " + err.Error()}
	}
	if warning != "" {
		logger.Warn("HOSTUP_MCP_REDIS_URL: " + warning)
	}
	logger.Info("confirm tokens and changes per VPS are shared with every replica using the same Redis", "redis", store.Addr())
	return store, nil
}

// instructions hold the rules every tool shares, once; list_vps's description
// holds the rules for ids. Tool descriptions say only what is their own.
const instructions = `This server manages the backups of the user's HostUp VPSes.
Get VPS ids from list_vps, as its description says; never guess them. Before a change, read the VPS's limits and gates (list_backup_schedules or list_backups), call the write tool with dry_run=true and show the plan to the user. A result with outcome confirmation_required changed nothing: ask the user, and only after they agree call again with the same arguments and its confirm_token. HostUp schedules run in UTC.`

func newServer(cfg config, deps *tools.Deps) *server.MCPServer {
	srv := tools.NewServer(deps, tools.ServerOptions{
		Name: "hostup-mcp", Version: version, ReadOnly: cfg.readOnly, Toolsets: cfg.selected, Instructions: instructions,
	}, server.WithPromptCapabilities(false))
	prompts.Register(srv)
	return srv
}

func serve(ctx context.Context, cfg config, srv *server.MCPServer, m *metrics.Metrics, logger *slog.Logger, stdin io.Reader, stdout, stderr io.Writer) int {
	if cfg.transport != "stdio" {
		opts := transport.Options{
			Kind:           transport.Kind(cfg.transport),
			Addr:           cfg.addr,
			Token:          cfg.httpToken,
			MetricsToken:   cfg.metricsToken,
			PerRequestKeys: cfg.apiKey == "" && !cfg.sandbox,
			AllowedOrigins: strings.FieldsFunc(cfg.allowedOrigins, func(r rune) bool { return r == ',' || r == ' ' }),
			Logger:         logger,
		}
		if m != nil {
			opts.Metrics = m.Handler()
		}
		hs, err := transport.New(srv, opts)
		if err == nil && m != nil {
			m.WatchTransport(hs)
		}
		if err == nil {
			if cfg.tokenSecret == nil {
				logger.Info("confirm tokens are valid on this process only; with several replicas set HOSTUP_MCP_TOKEN_SECRET, the same on each")
			}
			if cfg.redisURL == "" {
				logger.Info("this process is the unit of safety (single-use tokens, one change per VPS at a time): run one replica, or set HOSTUP_MCP_REDIS_URL on each")
			}
			err = hs.ListenAndServe(ctx)
		}
		if err != nil {
			fmt.Fprintf(stderr, "hostup-mcp: %v\n", err)
			return 2
		}
		return 0
	}
	if isTerminal(stdin) {
		fmt.Fprintln(stderr, "hostup-mcp is waiting for an MCP client on stdin (JSON-RPC); it is meant to be started by Claude Desktop, Claude Code, VS Code or Cursor. To try it by hand: hostup-mcp call list_vps --sandbox")
	}
	logger.Info("serving MCP on stdio", "version", version, "sandbox", cfg.sandbox, "read_only", cfg.readOnly)
	if err := transport.ServeStdio(ctx, srv, stdin, stdout, logger, 25*time.Second); err != nil {
		logger.Error("stdio server stopped", "error", err)
		return 1
	}
	return 0
}

func listTools(w io.Writer, deps *tools.Deps, cfg config) int {
	for _, t := range tools.Visible(deps, tools.Selection{ReadOnly: cfg.readOnly, Toolsets: cfg.selected}) {
		fmt.Fprintf(w, "%-24s %-34s %s\n", t.Tool.Name, "["+annotationSummary(t.Tool.Annotations)+"]", firstSentence(t.Tool.Description))
	}
	if cfg.readOnly {
		fmt.Fprintln(w, "(read-only mode: the write tools are not listed)")
	}
	if cfg.selected != nil {
		fmt.Fprintf(w, "(toolsets %s: the tools of other areas are not listed)\n", cfg.toolsets)
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

// The confirmation modes (--confirm-mode).
const (
	confirmEither     = "elicitation-or-token"
	confirmDialogOnly = "elicitation-only"
)

// Who confirms a restore (--restore-confirm): the user alone, or also the model
// through a confirm_token.
const (
	restoreByUser  = "user"
	restoreByToken = "token"
)
