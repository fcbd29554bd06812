package callcmd

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

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
			sim := hostuptest.Sandbox(hostuptest.WithJobTiming(0, 0))
			api, err := hostup.New(hostup.Options{APIKey: hostuptest.SandboxAPIKey, HTTPClient: &http.Client{Transport: sim.Transport()}})
			if err != nil {
				t.Fatal(err)
			}
			srv := tools.NewServer(&tools.Deps{Client: api, Confirm: tools.NewConfirmer(nil), JobPoll: time.Millisecond, JobWait: 5 * time.Second},
				tools.ServerOptions{Name: "hostup-mcp", Version: "test"})
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), srv, Options{Version: "test", Yes: true, Terminal: true},
				[]string{"restore_backup", `{"vps_id":"vps_sandbox02","backup_id":"bkp_sim000001"}`}, strings.NewReader(c.typed), &stdout, &stderr)
			out := stdout.String() + stderr.String()
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
