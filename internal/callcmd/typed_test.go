package callcmd

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

const restoreArgs = `{"vps_id":"vps_sandbox02","backup_id":"bkp_sim000001"`

// sandbox is the real server over the sandbox account, its jobs ending at once.
func sandbox(t *testing.T, restoreByToken bool) (*server.MCPServer, *hostuptest.Simulator) {
	t.Helper()
	sim := hostuptest.Sandbox(hostuptest.WithJobTiming(0, 0))
	return serverOver(t, sim, hostuptest.SandboxAPIKey, restoreByToken), sim
}

// serverOver is the real server over sim, calling it with key.
func serverOver(t *testing.T, sim *hostuptest.Simulator, key string, restoreByToken bool) *server.MCPServer {
	t.Helper()
	api, err := hostup.New(hostup.Options{APIKey: key, HTTPClient: &http.Client{Transport: sim.Transport()}})
	if err != nil {
		t.Fatal(err)
	}
	deps := &tools.Deps{Client: api, Confirm: tools.NewConfirmer(nil), JobPoll: time.Millisecond, JobWait: 5 * time.Second, RestoreByToken: restoreByToken}
	return tools.NewServer(deps, tools.ServerOptions{Name: "hostup-mcp", Version: "test"})
}

// run runs call with o and the restore's arguments (extra appended), and what
// the person types on stdin; it returns the exit code and stdout and stderr.
func run(t *testing.T, srv *server.MCPServer, o Options, extra, typed string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), srv, o, []string{"restore_backup", restoreArgs + extra + "}"}, strings.NewReader(typed), &stdout, &stderr)
	return code, stdout.String() + stderr.String()
}

// A restore is confirmed by typing the VPS's name; on the command line the
// person typing is the one confirming: --yes with the name as confirm_vps_name
// restores, whichever way the server lets restores be confirmed. Without the
// name, or with another, nothing is said to be applied and nothing is sent.
func TestRestoreWithYesTakesTheTypedName(t *testing.T) {
	srv, sim := sandbox(t, false)
	code, out := run(t, srv, Options{}, "", "")
	if code != ExitConfirmationRequired || !strings.Contains(out, `Plan: Restore VPS vps_sandbox02 ("db-01")`) ||
		!strings.Contains(out, "again with --yes") || !strings.Contains(out, `"confirm_vps_name"`) {
		t.Fatalf("without --yes: exit %d, want %d:\n%s", code, ExitConfirmationRequired, out)
	}
	for _, c := range []struct {
		name  string
		extra string
		code  int
		want  string
	}{
		{"no name, no terminal to ask at", "", ExitConfirmationRequired, `Type it into the arguments as "confirm_vps_name"`},
		{"another name", `,"confirm_vps_name":"db01"`, ExitFailed, `the text typed ("db01") is not the VPS's name ("db-01")`},
	} {
		code, out := run(t, srv, Options{Yes: true}, c.extra, "")
		if code != c.code || !strings.Contains(out, c.want) || strings.Contains(out, "Applying") {
			t.Errorf("%s: exit %d, want %d and %q, and nothing applied:\n%s", c.name, code, c.code, c.want, out)
		}
	}
	if n := len(sim.Mutations()); n != 0 {
		t.Fatalf("%d mutations before the name was typed", n)
	}
	for _, byToken := range []bool{false, true} {
		srv, sim := sandbox(t, byToken)
		code, out := run(t, srv, Options{Yes: true}, `,"confirm_vps_name":" db-01 "`, "")
		if code != ExitDone || !strings.Contains(out, `"db-01" now runs from backup bkp_sim000001: restore done.`) || len(sim.Mutations()) != 1 {
			t.Fatalf("restore by token %v, --yes and the name: exit %d, %d mutations:\n%s", byToken, code, len(sim.Mutations()), out)
		}
		if !strings.Contains(out, "Applying with --yes, confirmed by typing the VPS's name. Plan: Restore VPS vps_sandbox02") {
			t.Errorf("--yes must show the plan it applies:\n%s", out)
		}
		if strings.Contains(out, "confirm_token") || strings.Contains(out, "typed_confirmation") {
			t.Errorf("the command line shows the model's token path:\n%s", out)
		}
	}
}

// At a terminal, call asks the person for the VPS's name after showing the
// plan, and applies the restore only when what they typed is the name.
func TestRestoreAtATerminalAsksForTheName(t *testing.T) {
	for _, c := range []struct {
		name, typed string
		code        int
		want        string
		restored    bool
	}{
		{"the name", "db-01\n", ExitDone, "restore done.", true},
		{"the name with spaces, Windows line end", "  db-01 \r\n", ExitDone, "restore done.", true},
		{"nothing", "\n", ExitConfirmationRequired, "Nothing was typed, so nothing was changed.", false},
		{"end of input", "", ExitConfirmationRequired, "Nothing was typed, so nothing was changed.", false},
		{"another name", "db01\n", ExitFailed, `the text typed ("db01") is not the VPS's name ("db-01")`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, sim := sandbox(t, false)
			code, out := run(t, srv, Options{Yes: true, Terminal: true}, "", c.typed)
			if code != c.code || !strings.Contains(out, c.want) {
				t.Errorf("exit %d, want %d and %q:\n%s", code, c.code, c.want, out)
			}
			prompt := strings.Index(out, `To go ahead, type the VPS's name ("db-01"); to stop, press Enter:`)
			if plan := strings.Index(out, `Plan: Restore VPS vps_sandbox02 ("db-01")`); plan < 0 || prompt < plan {
				t.Errorf("the plan must come before the prompt:\n%s", out)
			}
			if applying := strings.Contains(out, "Applying"); applying != c.restored {
				t.Errorf("\"Applying\" printed: %v, want %v:\n%s", applying, c.restored, out)
			}
			if sent := len(sim.Mutations()) == 1; sent != c.restored {
				t.Errorf("restore sent: %v, want %v (%d mutations)", sent, c.restored, len(sim.Mutations()))
			}
		})
	}
}
