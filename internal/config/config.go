// Package config reads hostup-mcp's settings: flags over environment variables
// over defaults (SPEC.md's configuration table), every value checked at start,
// so that a bad one stops the program with one line naming the setting and the
// fix, never a panic and never a hang.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // time zones also on machines without a zoneinfo database (Windows)

	"github.com/hostup/hostup-mcp/internal/redisstate"
	"github.com/hostup/hostup-mcp/tools"
)

// ExitCode is the exit status of a program stopped by a bad setting.
const ExitCode = 2

// Error is a bad setting: one line naming the setting and the fix.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

// Errorf is a bad setting: also one found only while the server is built, such
// as a Redis that does not answer or a URL the HostUp client refuses.
func Errorf(format string, args ...any) error {
	return &Error{msg: fmt.Sprintf(format, args...)}
}

// Config is every setting of SPEC.md's configuration table, and the switches
// of one command line.
type Config struct {
	APIKeyFile  string
	APIKey      string // read by LoadSecrets
	APIURL      string
	ReadOnly    bool
	Toolsets    string
	Selected    []tools.Toolset // Toolsets, checked; nil: every toolset
	Sandbox     bool
	Transport   string
	Addr        string
	LogLevel    string
	Timezone    string
	JSON        bool // call --json
	Yes         bool // call --yes
	ShowVersion bool
	Confirm     string // --confirm-mode: confirmEither or confirmDialogOnly
	Restore     string // --restore-confirm: restoreByUser or restoreByToken
	Location    *time.Location
	Level       slog.Level

	// For --transport http and sse; the secrets come from the environment only,
	// read by LoadSecrets.
	AllowedOrigins string
	Metrics        bool   // serve Prometheus metrics at /metrics
	RedisURL       string // --redis-url: where replicas share used tokens and VPS leases
	HTTPToken      string // HOSTUP_MCP_HTTP_TOKEN: clients send it as their bearer token
	MetricsToken   string // HOSTUP_MCP_METRICS_TOKEN: the scraper sends it for /metrics
	TokenSecret    []byte // HOSTUP_MCP_TOKEN_SECRET: signs confirm tokens, the same on every replica

	getenv func(string) string
	badEnv []string // malformed boolean environment variables, reported by check
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

// ElicitationOnly says whether a change is confirmed only in the client's
// dialog: no confirm_token is issued or accepted.
func (cfg Config) ElicitationOnly() bool { return cfg.Confirm == confirmDialogOnly }

// RestoreByToken says whether a confirm_token may confirm a restore.
func (cfg Config) RestoreByToken() bool { return cfg.Restore == restoreByToken }

// Origins are the browser origins --allowed-origins lets call http and sse.
func (cfg Config) Origins() []string {
	return strings.FieldsFunc(cfg.AllowedOrigins, func(r rune) bool { return r == ',' || r == ' ' })
}

// Parse reads flags (anywhere on the line, so `call TOOL '{}' --sandbox` works)
// over the environment, read through getenv, over the defaults, and checks
// every value. It returns the arguments that are not flags, in order, and
// flag.ErrHelp for --help.
func Parse(args []string, getenv func(string) string) (Config, []string, error) {
	cfg := Config{getenv: getenv}
	fs := newFlagSet(&cfg, getenv)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return cfg, nil, err
			}
			return cfg, nil, &Error{msg: err.Error() + "; run hostup-mcp --help for the flags"}
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return cfg, positional, cfg.check()
}

func (cfg *Config) check() error {
	if len(cfg.badEnv) > 0 {
		return &Error{msg: cfg.badEnv[0]}
	}
	switch cfg.Transport {
	case "stdio", "http", "sse":
	default:
		return Errorf("--transport (HOSTUP_MCP_TRANSPORT) must be stdio, http or sse, not %q", cfg.Transport)
	}
	if cfg.Confirm != confirmEither && cfg.Confirm != confirmDialogOnly {
		return Errorf("--confirm-mode (HOSTUP_MCP_CONFIRM_MODE) must be %s or %s, not %q", confirmEither, confirmDialogOnly, cfg.Confirm)
	}
	if cfg.Restore != restoreByUser && cfg.Restore != restoreByToken {
		return Errorf("--restore-confirm (HOSTUP_RESTORE_CONFIRM) must be %s or %s, not %q", restoreByUser, restoreByToken, cfg.Restore)
	}
	if cfg.RedisURL != "" {
		if _, err := redisstate.ParseURL(cfg.RedisURL); err != nil {
			return Errorf("--redis-url (HOSTUP_MCP_REDIS_URL) is not a Redis URL (%v); write it as redis://[:password@]host:6379/0, or rediss://… for TLS", err)
		}
	}
	if err := cfg.Level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return Errorf("--log-level (HOSTUP_LOG_LEVEL) must be debug, info, warn or error, not %q", cfg.LogLevel)
	}
	selected, err := tools.ParseToolsets(cfg.Toolsets)
	if err != nil {
		return &Error{msg: "--toolsets (HOSTUP_TOOLSETS): " + err.Error()}
	}
	cfg.Selected = selected
	cfg.Location = systemZone()
	if cfg.Timezone != "" {
		loc, err := time.LoadLocation(cfg.Timezone)
		if err != nil {
			return Errorf("--timezone (HOSTUP_TIMEZONE) %q is not an IANA time zone such as Europe/Stockholm or UTC", cfg.Timezone)
		}
		cfg.Location = loc
	}
	return nil
}

// CheckServing checks what only serving needs: metrics need an HTTP endpoint
// to be served at. version, tools and call run under the same environment (a
// bundle's or a shell's) and work.
func (cfg Config) CheckServing() error {
	if cfg.Metrics && cfg.Transport == "stdio" {
		return &Error{msg: "--metrics (HOSTUP_MCP_METRICS) needs --transport http or sse: over stdio there is no HTTP endpoint to serve /metrics at"}
	}
	return nil
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
