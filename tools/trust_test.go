package tools_test

// Confirmation you can trust: each test drives the server through an
// MCP client, as the security review did, and failed before its fix.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// vpsKeepingThree has a daily schedule keeping 3 and 3 scheduled backups, so
// lowering the retention deletes some.
func vpsKeepingThree(sim *hostuptest.Simulator) string {
	return sim.AddVPS(testAccount, hostuptest.VPSSpec{
		Name: "db", TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{ID: "bks_daily1", Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 3, Since: 30 * 24 * time.Hour},
		Backups: []hostuptest.BackupSpec{
			{Type: "scheduled", Age: 72 * time.Hour}, {Type: "scheduled", Age: 48 * time.Hour}, {Type: "scheduled", Age: 24 * time.Hour},
			{Type: "manual", Age: 96 * time.Hour},
		},
	})
}

// 13.1: a token applies its change once. Raising the retention back (which
// needs no confirmation) returns the state the token was bound to; the token
// must still not apply the cut a second time.
func TestConfirmTokenIsSingleUseEvenWhenTheStateReturns(t *testing.T) {
	sim := newSim()
	vps := vpsKeepingThree(sim)
	careful := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "careful", TotalBackupLimit: 7})
	for _, c := range []struct {
		tool      string
		cut, back map[string]any
	}{
		{"upsert_backup_schedule",
			map[string]any{"vps_id": vps, "frequency": "daily", "hour": 2, "retention_count": 1},
			map[string]any{"vps_id": vps, "frequency": "daily", "hour": 2, "retention_count": 3}},
		{"update_backup_settings",
			map[string]any{"vps_id": careful, "auto_delete_oldest": true},
			map[string]any{"vps_id": careful, "auto_delete_oldest": false}},
	} {
		t.Run(c.tool, func(t *testing.T) {
			e := newEnv(t, sim)
			sim.ResetLog()
			tok := planToken(t, e, c.tool, c.cut)
			var out tools.MutationOutput
			if e.ok(c.tool, with(c.cut, "confirm_token", tok), &out); out.Outcome != "applied" {
				t.Fatalf("first use: outcome %q, want applied", out.Outcome)
			}
			if e.ok(c.tool, c.back, &out); out.Outcome != "applied" || out.Plan.Destructive {
				t.Fatalf("setting it back: outcome %q destructive %v, want applied without confirmation", out.Outcome, out.Plan.Destructive)
			}
			sim.ResetLog()
			e.refused(c.tool, with(c.cut, "confirm_token", tok), "used_confirm_token", "used already")
		})
	}
}

// declining answers every dialog with "no".
func declining() *elicitor { return &elicitor{action: mcp.ElicitationResponseActionDecline} }

// 13.2: a client that can ask its user asks, whatever token the call carries:
// a token got by another caller (here another client of the same account) is
// no way around the dialog.
func TestClientThatCanElicitAsksItsUserWhateverTokenItIsHanded(t *testing.T) {
	sim := newSim()
	vps := vpsWithDaily(sim)
	args := map[string]any{"vps_id": vps, "schedule_id": "bks_daily1"}
	elsewhere := newEnv(t, sim) // e.g. a plain HTTP POST from an agent's shell tool
	tok := planToken(t, elsewhere, "delete_backup_schedule", args)

	user := declining()
	e := newEnv(t, sim, withElicitation(user))
	var out tools.MutationOutput
	text := e.ok("delete_backup_schedule", with(args, "confirm_token", tok), &out)
	if out.Outcome != "declined" || len(user.asked()) != 1 {
		t.Fatalf("outcome %q after %d dialogs, want declined after 1:\n%s", out.Outcome, len(user.asked()), text)
	}
	e.noMutations()
}

// stateRecorder keeps the requestState of every input_required result.
type stateRecorder struct {
	transport.Interface
	mu     sync.Mutex
	states []string
}

func (r *stateRecorder) SendRequest(ctx context.Context, req transport.JSONRPCRequest) (*transport.JSONRPCResponse, error) {
	resp, err := r.Interface.SendRequest(ctx, req)
	if err == nil && resp != nil {
		var res struct {
			RequestState string `json:"requestState"`
		}
		if json.Unmarshal(resp.Result, &res) == nil && res.RequestState != "" {
			r.mu.Lock()
			r.states = append(r.states, res.RequestState)
			r.mu.Unlock()
		}
	}
	return resp, err
}

// 13.2: the request state of a dialog, replayed as a confirm_token with no
// answer, confirms nothing.
func TestDialogRequestStateIsNotAConfirmToken(t *testing.T) {
	sim := newSim()
	vps := vpsWithDaily(sim)
	args := map[string]any{"vps_id": vps, "schedule_id": "bks_daily1"}
	rec := &stateRecorder{}
	user := declining()
	e := newEnv(t, sim, withElicitation(user), withTransport(func(in transport.Interface) transport.Interface {
		rec.Interface = in
		return rec
	}))
	var out tools.MutationOutput
	if e.ok("delete_backup_schedule", args, &out); out.Outcome != "declined" || len(rec.states) != 1 {
		t.Fatalf("outcome %q with %d request states, want declined with 1", out.Outcome, len(rec.states))
	}
	tokenClient := newEnv(t, sim)
	tokenClient.refused("delete_backup_schedule", with(args, "confirm_token", rec.states[0]), "invalid_confirm_token", "request state of a confirmation dialog")
}

// 13.2: in elicitation-only mode no token is issued or accepted: a client that
// cannot show the dialog is told so, and nothing is sent.
func TestElicitationOnlyModeAcceptsNoToken(t *testing.T) {
	sim := newSim()
	vps := vpsWithDaily(sim)
	args := map[string]any{"vps_id": vps, "schedule_id": "bks_daily1"}
	tok := planToken(t, newEnv(t, sim), "delete_backup_schedule", args)

	e := newEnv(t, sim, withElicitationOnly())
	for _, a := range []map[string]any{args, with(args, "confirm_token", tok)} {
		text := e.refused("delete_backup_schedule", a, "confirmation_dialog_unavailable", "elicitation-only")
		lacks(t, text, "confirm_token=")
	}
	// The dialog still works.
	user := accepting()
	e = newEnv(t, sim, withElicitationOnly(), withElicitation(user))
	var out tools.MutationOutput
	if e.ok("delete_backup_schedule", args, &out); out.Outcome != "applied" || len(user.asked()) != 1 {
		t.Fatalf("outcome %q after %d dialogs, want applied after 1", out.Outcome, len(user.asked()))
	}
	if m := e.mutations(); len(m) != 1 || m[0].Method != http.MethodDelete {
		t.Fatalf("want one DELETE:%s", describeRequests(m))
	}
}

// 13.4: changes that reduce protection need confirmation, and the plan says what
// is lost.
func TestChangesThatReduceProtectionNeedConfirmation(t *testing.T) {
	sim := newSim()
	// A schedule was deleted; its 3 scheduled backups are still kept.
	orphaned := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "orphaned", TotalBackupLimit: 7, AutoDeleteOldest: true,
		Backups: []hostuptest.BackupSpec{{Type: "scheduled", Age: 72 * time.Hour}, {Type: "scheduled", Age: 48 * time.Hour}, {Type: "scheduled", Age: 24 * time.Hour}}})
	daily := vpsWithDaily(sim)
	// The quota is full and HostUp makes room by deleting the oldest, a manual backup.
	full := func(vmid int) string {
		return sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "full", VMID: vmid, TotalBackupLimit: 2, AutoDeleteOldest: true,
			Backups: []hostuptest.BackupSpec{{Type: "manual", Note: "before upgrade", Age: 96 * time.Hour}, {Type: "scheduled", Age: 24 * time.Hour}}})
	}
	fullV2, fullV1 := full(0), "10444"
	full(10444)
	e := newEnv(t, sim)
	oldestV2 := e.ok("list_backups", map[string]any{"vps_id": fullV2}, nil)

	for _, c := range []struct {
		name  string
		args  map[string]any
		wants []string
	}{
		{"new schedule keeping fewer than are kept",
			map[string]any{"vps_id": orphaned, "frequency": "daily", "hour": 3, "retention_count": 1},
			[]string{"up to 2 of the oldest scheduled backups", "first run"}},
		{"pausing the schedule",
			map[string]any{"vps_id": daily, "frequency": "daily", "hour": 2, "retention_count": 3, "enabled": false},
			[]string{"Pausing the schedule stops every scheduled backup", "enabled: true -> false"}},
		{"new schedule on a full quota (v2)",
			map[string]any{"vps_id": fullV2, "frequency": "daily", "hour": 3, "retention_count": 1},
			[]string{"the oldest backup bkp_", "manual", "quota is full and auto_delete_oldest is on"}},
		{"new schedule on a full quota (v1)",
			map[string]any{"vps_id": fullV1, "frequency": "daily", "hour": 3, "retention_count": 1},
			[]string{"the oldest backup pbs-offsite", "manual", "quota is full and auto_delete_oldest is on"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim.ResetLog()
			var out tools.MutationOutput
			text := e.ok("upsert_backup_schedule", c.args, &out)
			if out.Outcome != "confirmation_required" || !out.Plan.Destructive {
				t.Fatalf("outcome %q destructive %v, want confirmation_required:\n%s", out.Outcome, out.Plan.Destructive, text)
			}
			contains(t, text, c.wants...)
			e.noMutations()
		})
	}
	if !strings.Contains(oldestV2, "before upgrade") {
		t.Fatalf("setup: the full VPS's oldest backup is not the manual one:\n%s", oldestV2)
	}
}

// 13.4: the dialog shows the values before and after, not only the summary.
func TestDialogShowsValuesBeforeAndAfter(t *testing.T) {
	sim := newSim()
	vps := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "web", TotalBackupLimit: 3})
	user := accepting()
	e := newEnv(t, sim, withElicitation(user))
	var out tools.MutationOutput
	e.ok("update_backup_settings", map[string]any{"vps_id": vps, "max_total_backups": 50, "auto_delete_oldest": true}, &out)
	if out.Outcome != "applied" || len(user.asked()) != 1 {
		t.Fatalf("outcome %q after %d dialogs, want applied after 1", out.Outcome, len(user.asked()))
	}
	contains(t, user.asked()[0], "max_total_backups: 3 -> 50", "auto_delete_oldest: false -> true")
}

// endlessPages answers HostUp's VPS list as a broken or hostile HostUp might:
// always "more", with a new cursor every time; empty pages when empty is set.
type endlessPages struct {
	next  http.RoundTripper
	empty bool
	mu    sync.Mutex
	calls int
}

func (p *endlessPages) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet || r.URL.Path != "/api/v2/vps" {
		return p.next.RoundTrip(r)
	}
	// The simulator serves the first page every time: it knows no such cursor.
	first := r.Clone(r.Context())
	q := first.URL.Query()
	q.Del("cursor")
	first.URL.RawQuery = q.Encode()
	resp, err := p.next.RoundTrip(first)
	if err != nil {
		return resp, err
	}
	p.mu.Lock()
	p.calls++
	n := p.calls
	p.mu.Unlock()
	var page map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, err
	}
	resp.Body.Close()
	page["hasMore"], page["nextCursor"] = true, "cursor-"+strconv.Itoa(n)
	if p.empty {
		page["data"] = []any{}
	}
	b, _ := json.Marshal(page)
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// 13.6: listing VPSes stops on an empty page that claims more, and on a page
// that brings a new cursor but no VPS not listed before. (A page cap instead
// cut real accounts short when HostUp serves small pages.)
func TestListingVPSesStopsWhenHostUpKeepsSayingMore(t *testing.T) {
	for _, c := range []struct {
		name     string
		empty    bool
		maxPages int
	}{
		{"empty pages", true, 1},
		{"one VPS a page, new cursors forever", false, 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim()
			vpsWithDaily(sim)
			e := newEnv(t, sim)
			pages := &endlessPages{next: e.http.next, empty: c.empty}
			e.http.next = pages
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			res, err := e.client.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "list_vps", Arguments: map[string]any{}}})
			if err != nil {
				t.Fatalf("list_vps did not come back: %v (after %d pages)", err, pages.calls)
			}
			if pages.calls > c.maxPages {
				t.Errorf("list_vps asked HostUp for %d pages, want at most %d:\n%s", pages.calls, c.maxPages, textOf(res))
			}
		})
	}
}

// 13.6: an argument name of any length is cut short when the error echoes it
// and when the log records it; one request once made a 300 KB log line.
func TestLongArgumentNamesAreCutShortInErrorsAndLogs(t *testing.T) {
	long := strings.Repeat("n", 300_000)
	many := map[string]any{"vps_id": "vps_sandbox01"}
	for i := range 200 {
		many["unknown_"+strconv.Itoa(i)] = 1
	}
	for name, raw := range map[string]string{
		"unknown":        `{"vps_id":"vps_sandbox01","` + long + `":1}`,
		"duplicate":      `{"vps_id":"vps_sandbox01","` + long + `":1,"` + long + `":2}`,
		"many unknown":   mustJSON(many),
		"unknown nested": `{"vps_ids":["vps_sandbox01"],"` + long + `x":{"` + long + `":1}}`,
	} {
		t.Run(name, func(t *testing.T) {
			logs := &syncBuffer{}
			e := newEnv(t, newSim(), withRealHTTP(), withTightLimits(), withLogs(logs))
			res, err := e.callRaw("list_backup_schedules", raw)
			if err != nil {
				t.Fatal(err)
			}
			text := textOf(res)
			if !res.IsError || !strings.Contains(text, "nothing was sent") {
				t.Fatalf("want an input error, got:\n%.300s", text)
			}
			if len(text) > 1000 {
				t.Errorf("the error is %d bytes long:\n%.300s…", len(text), text)
			}
			if n := len(logs.String()); n > 2000 {
				t.Errorf("the logs hold %d bytes for one bad call:\n%.300s…", n, logs.String())
			}
		})
	}
}

// brokenDialog is a client that declares elicitation but whose dialog fails.
type brokenDialog struct{ err error }

func (b brokenDialog) Elicit(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return nil, b.err
}

// A client that declares elicitation but whose dialog throws, or
// answers "Method not found", gets the confirm_token path (plan plus token,
// nothing sent), not a JSON-RPC error; the token then counts, because the dialog
// cannot be shown. In elicitation-only mode it is a tool error that says so.
func TestFailedDialogFallsBackToTheConfirmToken(t *testing.T) {
	for _, failure := range []error{errors.New("the dialog crashed"), errors.New("Method not found")} {
		t.Run(failure.Error(), func(t *testing.T) {
			sim := newSim()
			vps := vpsWithDaily(sim)
			args := map[string]any{"vps_id": vps, "schedule_id": "bks_daily1"}
			e := newEnv(t, sim, withProtocol(mcp.ProtocolVersion20251125), withElicitation(brokenDialog{failure}))
			tok := planToken(t, e, "delete_backup_schedule", args)
			var out tools.MutationOutput
			text := e.ok("delete_backup_schedule", with(args, "confirm_token", tok), &out)
			if out.Outcome != "applied" {
				t.Fatalf("with the token: outcome %q, want applied:\n%s", out.Outcome, text)
			}
			contains(t, text, "could not be asked directly", "confirmation dialog could not be shown")

			only := newEnv(t, newSim(), withProtocol(mcp.ProtocolVersion20251125), withElicitation(brokenDialog{failure}), withElicitationOnly())
			other := vpsWithDaily(only.sim)
			only.refused("delete_backup_schedule", map[string]any{"vps_id": other, "schedule_id": "bks_daily1"},
				"confirmation_dialog_unavailable", "confirmation dialog could not be shown", "nothing was sent")
		})
	}
}

// stateSwapper replaces the request state a client echoes with an answer.
type stateSwapper struct {
	transport.Interface
	state string
}

func (s *stateSwapper) SendRequest(ctx context.Context, req transport.JSONRPCRequest) (*transport.JSONRPCResponse, error) {
	if req.Method == string(mcp.MethodToolsCall) {
		b, err := json.Marshal(req.Params)
		if err != nil {
			return nil, err
		}
		var params map[string]any
		if err := json.Unmarshal(b, &params); err != nil {
			return nil, err
		}
		if _, answering := params["requestState"]; answering {
			params["requestState"] = s.state
			req.Params = params
		}
	}
	return s.Interface.SendRequest(ctx, req)
}

// 13.2, the other way round: a confirm_token echoed as a dialog's request
// state, with an answer the client made up, confirms nothing.
func TestConfirmTokenIsNotADialogRequestState(t *testing.T) {
	sim := newSim()
	vps := vpsWithDaily(sim)
	args := map[string]any{"vps_id": vps, "schedule_id": "bks_daily1"}
	tok := planToken(t, newEnv(t, sim), "delete_backup_schedule", args)
	e := newEnv(t, sim, withElicitation(accepting()), withTransport(func(in transport.Interface) transport.Interface {
		return &stateSwapper{Interface: in, state: tok}
	}))
	e.refused("delete_backup_schedule", args, "invalid_confirm_token", "not the state of a dialog")
}
