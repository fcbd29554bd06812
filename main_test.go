package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hostup/hostup-mcp/internal/callcmd"
	"github.com/hostup/hostup-mcp/internal/config"
	"github.com/hostup/hostup-mcp/internal/contract"
	"github.com/hostup/hostup-mcp/tools"
)

// settingsEnv is every variable main reads; each test starts with all of them
// empty so the developer's own environment cannot change a result.
var settingsEnv = []string{
	"HOSTUP_API_KEY", "HOSTUP_API_URL", "HOSTUP_READ_ONLY", "HOSTUP_SANDBOX",
	"HOSTUP_MCP_TRANSPORT", "HOSTUP_MCP_ADDR", "HOSTUP_MCP_ALLOWED_ORIGINS", "HOSTUP_MCP_METRICS",
	"HOSTUP_LOG_LEVEL", "HOSTUP_TIMEZONE", "HOSTUP_MCP_HTTP_TOKEN", "HOSTUP_MCP_TOKEN_SECRET",
	"HOSTUP_MCP_CONFIRM_MODE", "HOSTUP_MCP_REDIS_URL", "HOSTUP_RESTORE_CONFIRM", "HOSTUP_MCP_METRICS_TOKEN",
	"HOSTUP_TOOLSETS",
}

func cleanEnv(t *testing.T) {
	t.Helper()
	for _, name := range settingsEnv {
		t.Setenv(name, "")
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func runMain(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func TestHelpListsEveryFlagWithItsEnvironmentVariable(t *testing.T) {
	cleanEnv(t)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := runMain(t, "", args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q; want 0 and nothing on stderr", args, r.code, r.stderr)
		}
		config.Flags().VisitAll(func(f *flag.Flag) {
			line := flagLine(r.stdout, f.Name)
			if line == "" {
				t.Errorf("%v: --help does not list --%s", args, f.Name)
				return
			}
			if f.Name == "json" || f.Name == "yes" || f.Name == "version" {
				return // a switch of one command line, not a setting
			}
			if !regexp.MustCompile(`\(env HOSTUP_[A-Z_]+[^)]*\)`).MatchString(line) {
				t.Errorf("--help line for --%s names no environment variable: %q", f.Name, line)
			}
		})
		for _, name := range []string{"HOSTUP_API_KEY", "HOSTUP_MCP_HTTP_TOKEN", "HOSTUP_MCP_TOKEN_SECRET", "call", "tools", "version", "--sandbox"} {
			if !strings.Contains(r.stdout, name) {
				t.Errorf("%v: --help does not mention %s", args, name)
			}
		}
	}
}

func flagLine(help, name string) string {
	for line := range strings.Lines(help) {
		if strings.HasPrefix(strings.TrimSpace(line)+" ", "--"+name+" ") {
			return line
		}
	}
	return ""
}

func TestBadConfigurationStopsWithOneLineAndExitCode2(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty-key")
	twoLines := filepath.Join(dir, "two-line-key")
	for file, content := range map[string]string{empty: " \n", twoLines: "hu_live_key\nhu_live_key\n"} {
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const unlistenable = "127.0.0.1:99999"
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string // the setting the line must name
	}{
		{"transport flag", nil, []string{"--sandbox", "--transport", "carrier-pigeon"}, "--transport"},
		{"transport env", map[string]string{"HOSTUP_MCP_TRANSPORT": "websocket"}, []string{"--sandbox"}, "HOSTUP_MCP_TRANSPORT"},
		{"log level", nil, []string{"--sandbox", "--log-level", "loud"}, "--log-level"},
		{"log level env", map[string]string{"HOSTUP_LOG_LEVEL": "chatty"}, []string{"--sandbox"}, "HOSTUP_LOG_LEVEL"},
		{"time zone", nil, []string{"--sandbox", "--timezone", "Mars/Olympus_Mons"}, "--timezone"},
		{"time zone env", map[string]string{"HOSTUP_TIMEZONE": "Europe/Atlantis"}, []string{"tools"}, "HOSTUP_TIMEZONE"},
		{"missing key, serve", nil, nil, "HOSTUP_API_KEY"},
		{"missing key, call", nil, []string{"call", "list_vps"}, "HOSTUP_API_KEY"},
		{"unreadable key file", nil, []string{"--api-key-file", filepath.Join(dir, "missing")}, "--api-key-file"},
		{"key file is a directory", nil, []string{"--api-key-file", dir}, "--api-key-file"},
		{"empty key file", nil, []string{"--api-key-file", empty}, "--api-key-file"},
		{"bad API URL", map[string]string{"HOSTUP_API_KEY": "k"}, []string{"--api-url", "ftp://example.com"}, "--api-url"},
		{"API URL with HostUp's path", map[string]string{"HOSTUP_API_KEY": "k"}, []string{"--api-url", "https://cloud.hostup.se/api/v2"}, "--api-url"},
		{"key with a space", map[string]string{"HOSTUP_API_KEY": "hu_live key"}, []string{"call", "list_vps"}, "HOSTUP_API_KEY"},
		{"two-line key file", nil, []string{"--api-key-file", twoLines}, "--api-key-file"},
		{"unknown flag", nil, []string{"--sandbx"}, "--help"},
		{"mistyped read-only env", map[string]string{"HOSTUP_READ_ONLY": "enabled"}, []string{"tools"}, "HOSTUP_READ_ONLY"},
		{"mistyped sandbox env", map[string]string{"HOSTUP_SANDBOX": "sure"}, []string{"tools"}, "HOSTUP_SANDBOX"},
		{"unknown command", nil, []string{"serv", "--sandbox"}, "serv"},
		{"confirm mode", nil, []string{"--sandbox", "--confirm-mode", "dialog"}, "--confirm-mode"},
		{"confirm mode env", map[string]string{"HOSTUP_MCP_CONFIRM_MODE": "never"}, []string{"tools"}, "HOSTUP_MCP_CONFIRM_MODE"},
		{"restore confirm", nil, []string{"--sandbox", "--restore-confirm", "model"}, "--restore-confirm"},
		{"restore confirm env", map[string]string{"HOSTUP_RESTORE_CONFIRM": "yes"}, []string{"tools"}, "HOSTUP_RESTORE_CONFIRM"},
		// The README's own placeholder, and secrets too weak to sign with.
		{"token secret placeholder", map[string]string{"HOSTUP_MCP_TOKEN_SECRET": "replace with: openssl rand -hex 32"}, []string{"--sandbox"}, "whitespace"},
		{"token secret with a newline", map[string]string{"HOSTUP_MCP_TOKEN_SECRET": strings.Repeat("9f", 32) + "\n"}, []string{"--sandbox"}, "whitespace"},
		{"token secret short", map[string]string{"HOSTUP_MCP_TOKEN_SECRET": strings.Repeat("9f3a", 15)}, []string{"--sandbox"}, "fewer than the 32"},
		{"token secret not encoded", map[string]string{"HOSTUP_MCP_TOKEN_SECRET": "this-is-my-very-long-password-for-tokens!"}, []string{"--sandbox"}, "neither hex nor base64"},
		{"token secret repetitive", map[string]string{"HOSTUP_MCP_TOKEN_SECRET": strings.Repeat("ab", 40)}, []string{"--sandbox"}, "not random"},
		// Readable secrets decode as base64 too; the docs' placeholders are no key.
		// unlistenable: a server that wrongly started would stop at once.
		{"token secret of words", map[string]string{"HOSTUP_MCP_TOKEN_SECRET": "ThisIsMySuperSecretTokenSigningKeyForHostupMcp2026"}, []string{"--sandbox"}, "HOSTUP_MCP_TOKEN_SECRET is mostly the letters of words"},
		{"token secret YOUR_…_HERE", map[string]string{"HOSTUP_MCP_TOKEN_SECRET": "YOUR_SECRET_HERE_0123456789abcdef0123456789abcdef"}, []string{"--sandbox"}, "HOSTUP_MCP_TOKEN_SECRET is a placeholder, not a secret; generate one with: openssl rand -hex 32"},
		{"HTTP token of words", map[string]string{"HOSTUP_API_KEY": "k", "HOSTUP_MCP_HTTP_TOKEN": "ThisIsMySuperSecretTokenSigningKeyForHostupMcp2026"}, []string{"--transport", "http", "--addr", unlistenable}, "HOSTUP_MCP_HTTP_TOKEN is mostly the letters of words"},
		{"metrics token of words", map[string]string{"HOSTUP_MCP_METRICS_TOKEN": "MyPrometheusScrapeToken"}, []string{"--transport", "http", "--metrics", "--addr", unlistenable}, "HOSTUP_MCP_METRICS_TOKEN is mostly the letters of words"},
		{"metrics with per-request keys, no token", nil, []string{"--transport", "http", "--metrics", "--addr", unlistenable}, "HOSTUP_MCP_METRICS_TOKEN"},
		{"HTTP token placeholder", map[string]string{"HOSTUP_API_KEY": "k", "HOSTUP_MCP_HTTP_TOKEN": "REPLACE ME"}, []string{"--transport", "http", "--addr", unlistenable}, "HOSTUP_MCP_HTTP_TOKEN is a placeholder, not a secret; generate one with: openssl rand -hex 32"},
		{"README's key", map[string]string{"HOSTUP_API_KEY": "YOUR_HOSTUP_API_KEY"}, []string{"call", "list_vps"}, "HOSTUP_API_KEY: the API key is the example the docs print"},
		{"README's elided key", map[string]string{"HOSTUP_API_KEY": "…"}, []string{"--transport", "http", "--addr", unlistenable}, "HOSTUP_API_KEY: the API key is the example the docs print"},
		{"Secret example's key", map[string]string{"HOSTUP_API_KEY": "REPLACE ME"}, nil, "HOSTUP_API_KEY: the API key is the example the docs print"},
		{"metrics over stdio", nil, []string{"--sandbox", "--metrics"}, "--metrics"},
		{"metrics env over stdio", map[string]string{"HOSTUP_MCP_METRICS": "1"}, []string{"--sandbox"}, "HOSTUP_MCP_METRICS"},
		{"mistyped metrics env", map[string]string{"HOSTUP_MCP_METRICS": "maybe"}, []string{"tools"}, "HOSTUP_MCP_METRICS"},
		{"Redis URL", nil, []string{"--sandbox", "--redis-url", "localhost:6379"}, "--redis-url"},
		{"Redis URL env", map[string]string{"HOSTUP_MCP_REDIS_URL": "redis://:hu_live_pw@host:6379/zero"}, []string{"--sandbox"}, "HOSTUP_MCP_REDIS_URL"},
		{"Redis unreachable", map[string]string{"HOSTUP_MCP_REDIS_URL": "redis://:hu_live_pw@" + closedPort(t) + "/0"}, []string{"--sandbox"}, "does not answer"},
		{"unknown toolset", nil, []string{"tools", "--toolsets", "schedules,snapshot"}, `--toolsets (HOSTUP_TOOLSETS): unknown toolset "snapshot"; the toolsets are audit, schedules, backups, snapshots, restore, fleet, or all`},
		{"unknown toolset env", map[string]string{"HOSTUP_TOOLSETS": "everything"}, []string{"--sandbox"}, "HOSTUP_TOOLSETS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			r := runMain(t, "", tc.args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2 (stderr %q)", r.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing: stdout belongs to JSON-RPC", r.stdout)
			}
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "hostup-mcp: ") || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr %q: want one line starting hostup-mcp: that names %s", r.stderr, tc.want)
			}
			if strings.Contains(strings.TrimPrefix(r.stderr, "hostup-mcp: "), "hostup:") {
				t.Errorf("stderr %q shows the Go package prefix hostup:", r.stderr)
			}
			if strings.Contains(r.stderr, "hu_live") {
				t.Errorf("stderr %q shows the API key", r.stderr)
			}
		})
	}
}

// closedPort is a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// A 404 on the VPS list means the address is wrong, not an id: advising
// "call list_vps" after list_vps failed sent the user in a circle.
func TestA404OnTheVPSListPointsAtTheAPIURL(t *testing.T) {
	cleanEnv(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"status":404,"code":"not_found","title":"Not Found"}`)
	}))
	defer api.Close()
	t.Setenv("HOSTUP_API_KEY", "hu_test_key")
	r := runMain(t, "", "call", "list_vps", "--api-url", api.URL+"/wrong-prefix")
	if r.code != callcmd.ExitFailed || !strings.Contains(r.stderr, "HOSTUP_API_URL") || strings.Contains(r.stderr, "call list_vps") {
		t.Errorf("exit %d, want %d and advice about HOSTUP_API_URL, not to call list_vps again; stderr:\n%s", r.code, callcmd.ExitFailed, r.stderr)
	}
}

func TestToolsetsListOnlyTheChosenAreas(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"flag", nil, []string{"tools", "--toolsets", "backups"}, []string{"list_vps", "list_backups", "get_job", "create_backup", "delete_backup"}},
		{"env with read-only", map[string]string{"HOSTUP_TOOLSETS": "schedules, audit", "HOSTUP_READ_ONLY": "1"}, []string{"tools"}, []string{"list_vps", "list_backup_schedules", "audit_backup_coverage"}},
		{"flag wins over env", map[string]string{"HOSTUP_TOOLSETS": "backups"}, []string{"tools", "--toolsets", "audit"}, []string{"list_vps", "audit_backup_coverage"}},
		{"all", nil, []string{"tools", "--toolsets", "all"}, []string{"list_vps", "list_backup_schedules", "audit_backup_coverage", "list_backups", "get_job", "list_snapshot_schedule", "upsert_backup_schedule", "apply_backup_policy", "update_backup_settings", "delete_backup_schedule", "create_backup", "delete_backup", "restore_backup", "set_snapshot_schedule", "delete_snapshot_schedule"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			r := runMain(t, "", tc.args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				if name, _, _ := strings.Cut(line, " "); !strings.HasPrefix(line, "(") {
					got = append(got, name)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("tools listed %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUnsubstitutedBundlePlaceholderCountsAsUnset(t *testing.T) {
	cleanEnv(t)
	t.Setenv("HOSTUP_TIMEZONE", "${user_config.timezone}")
	t.Setenv("HOSTUP_READ_ONLY", "${user_config.read_only}")
	r := runMain(t, "", "tools")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q: an empty optional bundle setting must not stop the server", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "delete_backup") {
		t.Errorf("read-only turned on by a placeholder:\n%s", r.stdout)
	}
}

// What Claude Desktop starts the bundle with when the user left the key empty:
// the sandbox switch works alone, and without it the one line says what to set.
func TestBundleWithoutAKeyRunsTheSandboxOrSaysWhatToSet(t *testing.T) {
	cleanEnv(t)
	t.Setenv("HOSTUP_API_KEY", "${user_config.api_key}")
	t.Setenv("HOSTUP_SANDBOX", "true")
	r := runMain(t, "", "call", "list_vps")
	if r.code != callcmd.ExitDone || !strings.Contains(r.stdout, "SANDBOX") {
		t.Errorf("sandbox on, key empty: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	t.Setenv("HOSTUP_SANDBOX", "false")
	r = runMain(t, "", "call", "list_vps")
	if r.code != 2 || !strings.Contains(r.stderr, "HOSTUP_API_KEY") || !strings.Contains(r.stderr, "Claude Desktop") || !strings.Contains(r.stderr, "sandbox") {
		t.Errorf("sandbox off, key empty: exit %d, stderr %q; want exit 2 and a line naming the key and the sandbox", r.code, r.stderr)
	}
}

func TestToolsAndVersionNeedNoKey(t *testing.T) {
	cleanEnv(t)
	r := runMain(t, "", "tools")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("tools: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		"list_vps ", "[read-only]", "audit_backup_coverage ", "get_job ",
		"upsert_backup_schedule ", "[changes, destructive, idempotent]", "create_backup ", "delete_backup ", "apply_backup_policy ",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("tools output lacks %q:\n%s", want, r.stdout)
		}
	}
	if got, want := strings.Count(r.stdout, "\n"), len(tools.All(&tools.Deps{})); got != want {
		t.Errorf("tools printed %d lines, want one per tool (%d):\n%s", got, want, r.stdout)
	}
	if strings.Contains(r.stdout, " e.g\n") {
		t.Errorf("a description was cut inside an abbreviation:\n%s", r.stdout)
	}

	r = runMain(t, "", "tools", "--read-only")
	if r.code != 0 || strings.Contains(r.stdout, "upsert_backup_schedule") || !strings.Contains(r.stdout, "list_backups") {
		t.Errorf("tools --read-only: exit %d, output:\n%s", r.code, r.stdout)
	}

	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}, {"--version", "--sandbox"}} {
		r = runMain(t, "", args...)
		if r.code != 0 || r.stdout != "hostup-mcp "+version+"\n" || r.stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}

	// Metrics are a serving setting: an environment that turns them on (a
	// deployment's, a shell's) must not break the commands that serve nothing.
	t.Setenv("HOSTUP_MCP_METRICS", "1")
	for _, args := range [][]string{{"version"}, {"tools"}, {"call", "list_vps", "--sandbox"}} {
		if r = runMain(t, "", args...); r.code != 0 || r.stderr != "" {
			t.Errorf("%v with HOSTUP_MCP_METRICS=1: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

func TestCallPrintsAReadableSummaryOfTheSandbox(t *testing.T) {
	cleanEnv(t)
	r := runMain(t, "", "call", "list_backup_schedules", `{"vps_id":"vps_sandbox02"}`, "--sandbox")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("stderr %q, want nothing on success", r.stderr)
	}
	for _, want := range []string{"SANDBOX", "vps_sandbox02", "daily at 02:00", "keep 3", "Limits:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.HasPrefix(strings.TrimSpace(r.stdout), "{") {
		t.Errorf("without --json the summary must be text, got:\n%s", r.stdout)
	}

	r = runMain(t, "", "call", "audit_backup_coverage", "--sandbox")
	if r.code != 0 || !strings.Contains(r.stdout, "7 VPS audited") {
		t.Errorf("audit: exit %d, stdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

func TestCallJSONPrintsTheStructuredResult(t *testing.T) {
	cleanEnv(t)
	r := runMain(t, "", "--json", "call", "list_backup_schedules", `{"vps_id":"vps_sandbox02"}`, "--sandbox")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var out struct {
		Sandbox   bool   `json:"sandbox"`
		VPSID     string `json:"vps_id"`
		Schedules []struct {
			ID        string `json:"id"`
			Frequency string `json:"frequency"`
		} `json:"schedules"`
		Limits map[string]any `json:"limits"`
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, r.stdout)
	}
	if dec.More() {
		t.Errorf("--json printed more than one JSON value:\n%s", r.stdout)
	}
	if !out.Sandbox || out.VPSID != "vps_sandbox02" || len(out.Schedules) != 1 || out.Schedules[0].Frequency != "daily" || out.Limits == nil {
		t.Errorf("unexpected structured result: %+v", out)
	}
}

// call starts a fresh server each run, so a confirm_token cannot carry over to
// the next run: --yes is how the person at the terminal confirms instead.
func TestCallAppliesADestructiveChangeOnlyWithYes(t *testing.T) {
	cleanEnv(t)
	args := []string{"call", "delete_backup_schedule", `{"vps_id":"vps_sandbox02","schedule_id":"bks_sandbox02"}`, "--sandbox"}
	r := runMain(t, "", args...)
	if r.code != callcmd.ExitConfirmationRequired || !strings.Contains(r.stdout, "Plan: Delete the backup schedule bks_sandbox02") || !strings.Contains(r.stdout, "--yes") {
		t.Fatalf("without --yes: exit %d, want %d; stdout:\n%s\nstderr:\n%s", r.code, callcmd.ExitConfirmationRequired, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "confirm_token") {
		t.Errorf("without --yes: stdout offers a confirm_token that dies with this run:\n%s", r.stdout)
	}

	r = runMain(t, "", append(args, "--json")...)
	var pending struct {
		Outcome      string `json:"outcome"`
		ConfirmToken string `json:"confirm_token"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &pending); err != nil || r.code != callcmd.ExitConfirmationRequired || pending.Outcome != "confirmation_required" {
		t.Fatalf("--json without --yes: exit %d, want %d; stdout:\n%s", r.code, callcmd.ExitConfirmationRequired, r.stdout)
	}

	// The token of that earlier run, typed into this one.
	withToken := []string{"call", "delete_backup_schedule", `{"vps_id":"vps_sandbox02","schedule_id":"bks_sandbox02","confirm_token":"` + pending.ConfirmToken + `"}`, "--sandbox"}
	r = runMain(t, "", withToken...)
	if r.code != callcmd.ExitFailed || !strings.Contains(r.stderr, "invalid_confirm_token") || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("an earlier run's token: exit %d, want %d and a pointer to --yes; stderr:\n%s", r.code, callcmd.ExitFailed, r.stderr)
	}

	r = runMain(t, "", append(args, "--yes")...)
	if r.code != callcmd.ExitDone || !strings.Contains(r.stdout, "Deleted schedule bks_sandbox02") {
		t.Fatalf("with --yes: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "Plan: Delete the backup schedule bks_sandbox02") {
		t.Errorf("--yes must show the plan it applies; stderr:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "confirm_token") || strings.Contains(r.stderr, "call again") || strings.Contains(r.stderr, "Needs the user's confirmation") {
		t.Errorf("--yes shows the model's instructions instead of the plan only; stderr:\n%s", r.stderr)
	}
}

func TestCallRejectsBadInputClearly(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"arguments not JSON", []string{"call", "list_backups", `{vps_id: vps_sandbox02}`}, 2, []string{"one JSON object"}},
		{"arguments a JSON array", []string{"call", "list_backups", `["vps_sandbox02"]`}, 2, []string{"one JSON object"}},
		{"no tool named", []string{"call"}, 2, []string{"usage"}},
		{"unknown tool", []string{"call", "list_vms"}, 2, []string{`no tool named "list_vms"`, "list_vps"}},
		{"write tool in read-only mode", []string{"call", "delete_backup", `{}`, "--read-only"}, 2, []string{"read-only"}},
		{"missing required argument", []string{"call", "list_backups", `{}`}, 1, []string{"nothing was sent", `missing required argument "vps_id"`}},
		{"wrong type", []string{"call", "list_backups", `{"vps_id":42}`}, 1, []string{`"vps_id" must be string, not number`}},
		{"out of range", []string{"call", "upsert_backup_schedule", `{"vps_id":"vps_sandbox01","frequency":"daily","hour":24,"retention_count":2}`}, 1, []string{`"hour" must be at most 23, not 24`}},
		{"malformed id", []string{"call", "list_backups", `{"vps_id":"../admin"}`}, 1, []string{`"vps_id" has the wrong form`, "list_vps"}},
		{"id that does not exist", []string{"call", "list_backups", `{"vps_id":"vps_nothere"}`}, 1, []string{"not_found"}},
		{"refused by a limit", []string{"call", "upsert_backup_schedule", `{"vps_id":"vps_sandbox01","frequency":"daily","hour":2,"retention_count":99}`}, 1, []string{"Refused", "nothing was sent"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			r := runMain(t, "", append(tc.args, "--sandbox")...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", r.code, tc.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q: a failure goes to stderr", r.stdout)
			}
			for _, want := range tc.want {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "&{") || strings.Contains(r.stderr, "goroutine") {
				t.Errorf("stderr shows Go internals:\n%s", r.stderr)
			}
		})
	}
}

// jsonRPCLines sends requests to `hostup-mcp --sandbox` on stdio and returns
// what it wrote on stdout and stderr.
func serveStdio(t *testing.T, requests ...string) (stdout, stderr string) {
	t.Helper()
	cleanEnv(t)
	r := runMain(t, strings.Join(requests, "\n")+"\n", "--sandbox")
	if r.code != 0 {
		t.Fatalf("serve exit %d, stderr %q", r.code, r.stderr)
	}
	return r.stdout, r.stderr
}

func TestServeWritesOnlyJSONRPCOnStdout(t *testing.T) {
	stdout, stderr := serveStdio(t,
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_vps","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"prompts/list"}`,
	)
	ids := map[float64]bool{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var msg struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      *float64        `json:"id"`
			Result  json.RawMessage `json:"result"`
			Error   json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil || msg.JSONRPC != "2.0" {
			t.Fatalf("stdout line is not JSON-RPC: %q", sc.Text())
		}
		if msg.ID != nil {
			if msg.Error != nil {
				t.Errorf("request %v failed: %s", *msg.ID, msg.Error)
			}
			ids[*msg.ID] = true
		}
	}
	for _, id := range []float64{1, 2, 3, 4} {
		if !ids[id] {
			t.Errorf("no response to request %v; stdout:\n%s", id, stdout)
		}
	}
	if strings.Contains(stderr, "waiting for an MCP client") {
		t.Errorf("the terminal hint was printed although stdin is not a terminal:\n%s", stderr)
	}
	if !strings.Contains(stderr, "serving MCP on stdio") {
		t.Errorf("stderr lacks the start log line:\n%s", stderr)
	}
}

func TestServeGivesNoTerminalHintOnAPipe(t *testing.T) {
	cleanEnv(t)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pw.Close()
	defer pr.Close()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--sandbox"}, pr, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "waiting for an MCP client") || stdout.Len() != 0 {
		t.Errorf("stdout %q, stderr %q: no hint and no output expected on a pipe", stdout.String(), stderr.String())
	}
}

// manifest is the part of manifest.json that must agree with how hostup-mcp
// runs; its lists of tools and prompts are internal/contract's to check.
type manifest struct {
	ManifestVersion string `json:"manifest_version"`
	Name            string `json:"name"`
	Version         string `json:"version"`
	Server          struct {
		Type       string `json:"type"`
		EntryPoint string `json:"entry_point"`
		MCPConfig  struct {
			Command           string            `json:"command"`
			Args              []string          `json:"args"`
			Env               map[string]string `json:"env"`
			PlatformOverrides map[string]struct {
				Command string `json:"command"`
			} `json:"platform_overrides"`
		} `json:"mcp_config"`
	} `json:"server"`
	Compatibility struct {
		Platforms []string `json:"platforms"`
	} `json:"compatibility"`
	UserConfig map[string]struct {
		Type      string `json:"type"`
		Required  bool   `json:"required"`
		Sensitive bool   `json:"sensitive"`
	} `json:"user_config"`
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	b, err := os.ReadFile(contract.ManifestFile)
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	return m
}

func TestManifestRunsTheBundledBinaryWithTheUsersSettings(t *testing.T) {
	m := readManifest(t)
	if m.ManifestVersion != "0.3" || m.Server.Type != "binary" {
		t.Errorf("manifest_version %q, server.type %q: want 0.3 and binary", m.ManifestVersion, m.Server.Type)
	}
	if m.Name != "hostup-mcp" || m.Version != version {
		t.Errorf("name %q version %q: want hostup-mcp %s (main.version)", m.Name, m.Version, version)
	}
	cfg := m.Server.MCPConfig
	if m.Server.EntryPoint != "server/hostup-mcp" || cfg.Command != "${__dirname}/server/hostup-mcp" {
		t.Errorf("entry_point %q command %q: want the binary under server/", m.Server.EntryPoint, cfg.Command)
	}
	if win := cfg.PlatformOverrides["win32"].Command; win != "${__dirname}/server/hostup-mcp.exe" {
		t.Errorf("win32 command %q: want the .exe", win)
	}
	if !slices.Equal(m.Compatibility.Platforms, []string{"darwin", "win32", "linux"}) {
		t.Errorf("platforms %v", m.Compatibility.Platforms)
	}
	// The key is optional so the bundle can be tried on the sandbox without one;
	// the server says what to do when neither is set.
	key := m.UserConfig["api_key"]
	if key.Type != "string" || key.Required || !key.Sensitive || cfg.Env["HOSTUP_API_KEY"] != "${user_config.api_key}" {
		t.Errorf("api_key must be an optional sensitive string passed as HOSTUP_API_KEY: %+v, env %q", key, cfg.Env["HOSTUP_API_KEY"])
	}
	if sb := m.UserConfig["sandbox"]; sb.Type != "boolean" || sb.Required || cfg.Env["HOSTUP_SANDBOX"] != "${user_config.sandbox}" {
		t.Errorf("sandbox must be an optional boolean passed as HOSTUP_SANDBOX: %+v, env %q", sb, cfg.Env["HOSTUP_SANDBOX"])
	}
	if ro := m.UserConfig["read_only"]; ro.Type != "boolean" || cfg.Env["HOSTUP_READ_ONLY"] != "${user_config.read_only}" {
		t.Errorf("read_only must be a boolean passed as HOSTUP_READ_ONLY: %+v", ro)
	}
	var known []string
	config.Flags().VisitAll(func(f *flag.Flag) {
		if env := regexp.MustCompile(`env (HOSTUP_[A-Z_]+)`).FindStringSubmatch(f.Usage); env != nil {
			known = append(known, env[1])
		}
	})
	for name, value := range cfg.Env {
		if !slices.Contains(known, name) {
			t.Errorf("mcp_config.env sets %s, which hostup-mcp does not read", name)
		}
		for _, ref := range regexp.MustCompile(`\$\{user_config\.([a-z_]+)\}`).FindAllStringSubmatch(value, -1) {
			if _, ok := m.UserConfig[ref[1]]; !ok {
				t.Errorf("mcp_config.env %s uses user_config.%s, which is not declared", name, ref[1])
			}
		}
	}
}

// --confirm-mode elicitation-only reaches the tools: `call` has no dialog, so a
// destructive change is refused rather than confirmed with a token.
func TestElicitationOnlyModeRefusesTokensFromTheCommandLine(t *testing.T) {
	cleanEnv(t)
	t.Setenv("HOSTUP_MCP_CONFIRM_MODE", "elicitation-only")
	r := runMain(t, "", "call", "delete_backup_schedule", `{"vps_id":"vps_sandbox02","schedule_id":"bks_sandbox02"}`, "--sandbox", "--yes")
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "confirmation_dialog_unavailable") {
		t.Fatalf("exit %d, stdout %q, stderr %q: want the change refused for want of a dialog", r.code, r.stdout, r.stderr)
	}
}

// First-hour behaviour of the command line: serve is named in --help; a
// sandbox on a public address is told to set a token, not to unset a key it
// never set; the sandbox's debug log marks its requests as simulated.
func TestFirstHourCommandLine(t *testing.T) {
	cleanEnv(t)
	if r := runMain(t, "", "--help"); !strings.Contains(r.stdout, "hostup-mcp [serve] [flags]") {
		t.Errorf("--help does not name serve:\n%s", r.stdout)
	}

	r := runMain(t, "", "--transport", "http", "--sandbox", "--addr", "0.0.0.0:0")
	if r.code != 2 || !strings.Contains(r.stderr, "HOSTUP_MCP_HTTP_TOKEN") || strings.Contains(r.stderr, "unset HOSTUP_API_KEY") {
		t.Errorf("sandbox on 0.0.0.0: exit %d, stderr %q; want 2, HOSTUP_MCP_HTTP_TOKEN and no advice to unset a key", r.code, r.stderr)
	}

	r = runMain(t, "", "call", "list_vps", "--sandbox", "--log-level", "debug")
	if !strings.Contains(r.stderr, "hostup request") || !strings.Contains(r.stderr, "simulated=true") {
		t.Errorf("the sandbox's request log is not marked simulated:\n%s", r.stderr)
	}
}
