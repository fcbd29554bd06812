package config

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/tools"
)

const usage = `hostup-mcp: an MCP server for the backups of your HostUp VPSes.

Usage:
  hostup-mcp [serve] [flags]                serve MCP (stdio unless --transport says otherwise)
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

// PrintUsage writes --help: the commands, then every flag with its default
// and its environment variable.
func PrintUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	Flags().VisitAll(func(f *flag.Flag) {
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

// Flags is every flag with its built-in default, as --help shows them.
func Flags() *flag.FlagSet {
	return newFlagSet(&Config{}, func(string) string { return "" })
}

// newFlagSet defines every flag once, for parsing and for --help. Each flag's
// default comes from its environment variable, read through getenv; every usage
// names its variable, which --help shows and a test checks.
func newFlagSet(cfg *Config, getenv func(string) string) *flag.FlagSet {
	env := func(name, fallback string) string {
		if v := getenv(name); v != "" && !isPlaceholder(v) {
			return v
		}
		return fallback
	}
	envBool := func(name string) bool { return cfg.envBool(getenv, name) }
	fs := flag.NewFlagSet("hostup-mcp", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&cfg.APIKeyFile, "api-key-file", "", "`PATH` of a file holding only the HostUp API key (env HOSTUP_API_KEY holds the key itself)")
	fs.StringVar(&cfg.APIURL, "api-url", env("HOSTUP_API_URL", hostup.DefaultBaseURL), "HostUp API base `URL` (env HOSTUP_API_URL)")
	fs.BoolVar(&cfg.ReadOnly, "read-only", envBool("HOSTUP_READ_ONLY"), "list only the read-only tools (env HOSTUP_READ_ONLY=1)")
	fs.StringVar(&cfg.Toolsets, "toolsets", env("HOSTUP_TOOLSETS", ""), "comma-separated `LIST` of tool areas to offer ("+tools.ToolsetNames()+"); list_vps always; default: all (env HOSTUP_TOOLSETS)")
	fs.BoolVar(&cfg.Sandbox, "sandbox", envBool("HOSTUP_SANDBOX"), "serve a simulated account: no key, no network (env HOSTUP_SANDBOX=1)")
	fs.StringVar(&cfg.Transport, "transport", env("HOSTUP_MCP_TRANSPORT", "stdio"), "MCP transport `NAME`: stdio, http or sse (env HOSTUP_MCP_TRANSPORT)")
	fs.StringVar(&cfg.Addr, "addr", env("HOSTUP_MCP_ADDR", "127.0.0.1:8765"), "`HOST:PORT` to listen on for http and sse (env HOSTUP_MCP_ADDR)")
	fs.StringVar(&cfg.AllowedOrigins, "allowed-origins", env("HOSTUP_MCP_ALLOWED_ORIGINS", ""), "comma-separated browser `ORIGINS` that may call http and sse besides loopback and the server's own host (env HOSTUP_MCP_ALLOWED_ORIGINS)")
	fs.BoolVar(&cfg.Metrics, "metrics", envBool("HOSTUP_MCP_METRICS"), "http and sse: serve Prometheus metrics at /metrics, to the holder of HOSTUP_MCP_METRICS_TOKEN, else behind the same authentication as /mcp; per-request HostUp keys need that token (env HOSTUP_MCP_METRICS=1)")
	fs.StringVar(&cfg.RedisURL, "redis-url", env("HOSTUP_MCP_REDIS_URL", ""), "`URL` of a Redis (redis://[:password@]host:6379/0, rediss:// for TLS) where replicas share used confirm tokens and per-VPS leases; without it one process is the unit of safety (env HOSTUP_MCP_REDIS_URL)")
	fs.StringVar(&cfg.LogLevel, "log-level", env("HOSTUP_LOG_LEVEL", "info"), "log `LEVEL`: debug, info, warn or error; logs go to stderr (env HOSTUP_LOG_LEVEL)")
	fs.StringVar(&cfg.Timezone, "timezone", env("HOSTUP_TIMEZONE", ""), "IANA time `ZONE` results show local times in, e.g. Europe/Stockholm; default: the system's (env HOSTUP_TIMEZONE)")
	fs.StringVar(&cfg.Confirm, "confirm-mode", env("HOSTUP_MCP_CONFIRM_MODE", confirmEither), "how the user confirms destructive changes: "+confirmEither+" (the client's dialog, or a confirm_token when the client has none) or "+confirmDialogOnly+" (the dialog only; no token is issued or accepted) (env HOSTUP_MCP_CONFIRM_MODE)")
	fs.StringVar(&cfg.Restore, "restore-confirm", env("HOSTUP_RESTORE_CONFIRM", restoreByUser), "`WHO` confirms a restore: "+restoreByUser+" (the user, in the client's dialog or on a one-time confirmation page; a client with neither is refused) or "+restoreByToken+" (also a confirm_token with the typed VPS name, which lets the model confirm a restore) (env HOSTUP_RESTORE_CONFIRM)")
	fs.BoolVar(&cfg.JSON, "json", false, "with call: print the structured result as JSON (no env: it belongs to one command line)")
	fs.BoolVar(&cfg.ShowVersion, "version", false, "print the version, as the version command does")
	fs.BoolVar(&cfg.Yes, "yes", false, "with call: you confirm a destructive change yourself; its plan is printed, then it is applied (no env: it belongs to one command line)")
	return fs
}

// envBool reads a boolean variable. A mistyped one must not silently mean
// false: HOSTUP_READ_ONLY=enabled turning read-only off would be the opposite
// of what the user asked, so it is noted for check to report.
func (cfg *Config) envBool(getenv func(string) string, name string) bool {
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
