package tools_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/tools"
)

// browser is the user of a client that can open a page (URL-mode elicitation)
// but shows no dialog: they agree to open the page, read it, and answer on it,
// typing each of tries in turn and then confirming, or cancelling.
type browser struct {
	open   bool     // agree to open the page
	tries  []string // what they type, one submission each
	cancel bool     // cancel on the page instead
	// later answers the page only after the client reported it opened, as a
	// person does, rather than before.
	later bool

	mu    sync.Mutex
	asked []mcp.ElicitationParams
	shown []string // each page as the browser showed it, unescaped
	done  sync.WaitGroup
}

func (b *browser) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	b.mu.Lock()
	b.asked = append(b.asked, req.Params)
	b.mu.Unlock()
	if req.Params.Mode != mcp.ElicitationModeURL {
		return nil, errors.New("this client shows no form dialog")
	}
	if !b.open {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
	}
	b.done.Add(1)
	visit := func() {
		defer b.done.Done()
		b.show(get(req.Params.URL))
		for _, typed := range b.tries {
			b.show(post(req.Params.URL, url.Values{"typed": {typed}, "action": {"confirm"}}))
		}
		if b.cancel {
			b.show(post(req.Params.URL, url.Values{"action": {"cancel"}}))
		}
	}
	if b.later {
		go func() { time.Sleep(50 * time.Millisecond); visit() }()
	} else {
		visit()
	}
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept}}, nil
}

func (b *browser) show(page string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.shown = append(b.shown, html.UnescapeString(page))
}

func get(u string) string {
	resp, err := http.Get(u)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// post submits the page's form as the browser does, from the page's origin.
func post(u string, form url.Values) string {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	parsed, _ := url.Parse(u)
	req.Header.Set("Origin", "http://"+parsed.Host)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// A client that can open a page but shows no dialog confirms a restore on the
// server's one-time page: the plan is shown there, the name typed there, and
// the client and the model see neither; over both protocols (a multi round-trip
// request on 2026-07-28, a server-initiated request before).
func TestRestoreIsConfirmedOnTheConfirmationPage(t *testing.T) {
	for _, protocol := range []string{mcp.ProtocolVersion20260728, mcp.ProtocolVersion20251125} {
		for _, c := range []struct {
			name    string
			b       *browser
			outcome string // "" when refused
			pageSay string
		}{
			{"typed right", &browser{open: true, tries: []string{"web"}}, "applied", "Confirmed"},
			{"typed right, after the client reported", &browser{open: true, tries: []string{" web "}, later: true}, "applied", "Confirmed"},
			{"mistyped, then right", &browser{open: true, tries: []string{"db", "web"}}, "applied", "That is not what the page asks you to type"},
			{"cancelled on the page", &browser{open: true, tries: []string{"db"}, cancel: true}, "declined", "Nothing is changed"},
			{"mistyped five times", &browser{open: true, tries: []string{"a", "b", "c", "d", "e"}}, "declined", "Nothing is changed"},
			{"did not open it", &browser{}, "declined", ""},
		} {
			t.Run(protocol+"/"+c.name, func(t *testing.T) {
				sim, id := restoreSim(t)
				e := newEnv(t, sim, withPageClient(c.b), withProtocol(protocol), fastJobs)
				args := map[string]any{"vps_id": id, "backup_id": backupIDs(t, e, id)[0]}
				var out tools.RestoreBackupOutput
				text := e.ok("restore_backup", args, &out)
				c.b.done.Wait()
				if out.Outcome != c.outcome {
					t.Fatalf("outcome %q, want %q:\n%s", out.Outcome, c.outcome, text)
				}
				if restored := len(sim.Restored(id)) == 1; restored != (c.outcome == "applied") || len(e.mutations()) > 1 {
					t.Errorf("restored %v with %d mutations", sim.Restored(id), len(e.mutations()))
				}
				if len(c.b.asked) != 1 || !strings.HasPrefix(c.b.asked[0].URL, "http://127.0.0.1:") || c.b.asked[0].ElicitationID == "" {
					t.Fatalf("asked %+v, want one page on the loopback address", c.b.asked)
				}
				contains(t, c.b.asked[0].Message, "one-time page", "typing the VPS's name")
				lacks(t, text, c.b.asked[0].URL)
				if c.pageSay == "" {
					return
				}
				contains(t, c.b.shown[0], "Restore VPS "+id+` ("web") in place`, "Type the VPS's name", `type the VPS's name, without the quotes: "web"`)
				contains(t, strings.Join(c.b.shown[1:], "\n"), c.pageSay)
				// The page answers once.
				contains(t, get(c.b.asked[0].URL), "Confirmation page closed")
			})
		}
	}
}

// Any destructive change can be confirmed on the page, with a button where no
// name is typed: for a client without a dialog, the page is the user's, where a
// token would be the model's.
func TestADestructiveChangeIsConfirmedOnThePageInsteadOfAToken(t *testing.T) {
	sim := newSim()
	id := vpsWithDaily(sim)
	b := &browser{open: true, tries: []string{""}}
	e := newEnv(t, sim, withPageClient(b))
	var out tools.DeleteBackupScheduleOutput
	text := e.ok("delete_backup_schedule", map[string]any{"vps_id": id, "schedule_id": "bks_daily1"}, &out)
	if out.Outcome != "applied" || out.ConfirmToken != "" || len(e.mutations()) != 1 {
		t.Fatalf("outcome %q, token %q, %d mutations:\n%s", out.Outcome, out.ConfirmToken, len(e.mutations()), text)
	}
	contains(t, b.shown[0], "Delete", "Confirm", "Cancel")
	lacks(t, b.shown[0], "Type the")
}

// Without pages (over HTTP, or in a task) a client that can only open a page
// cannot be asked: a restore is refused as for a client without a dialog.
func TestRestoreForAPageClientWithoutPagesIsRefused(t *testing.T) {
	sim, id := restoreSim(t)
	b := &browser{open: true, tries: []string{"web"}}
	e := newEnv(t, sim, withPageClient(b))
	e.deps.ConfirmPages = nil
	e.refused("restore_backup", map[string]any{"vps_id": id, "backup_id": backupIDs(t, e, id)[0]}, "user_confirmation_unavailable")
	if len(b.asked) != 0 {
		t.Errorf("asked %d times", len(b.asked))
	}
}
