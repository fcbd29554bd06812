package tools

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/internal/coord"
)

// The authorize step of the safety path: the user's agreement to one or more
// prepared operations, given in the client's dialog (elicitation) or, when the
// client cannot show one, through a confirm_token the model passes back after
// showing the plan. The rules:
//   - the dialog comes first: a client that can ask the user is asked, whatever
//     token the call carries;
//   - a token has a purpose: a dialog's request state is never a confirm_token,
//     nor the other way round;
//   - a token is bound to the tool, to each operation's change and decision
//     basis, and to the HostUp key of the caller who obtained it; a token for
//     many rows (a fleet) also to the rows shown, so it confirms no other set;
//   - a token is used once: it is recorded when issued, and execute switches
//     that record to used, under the VPS's lock, right before it sends the
//     change; a token without its record is refused.

// grant is a confirmation the user gave: the operations it covers, and the
// token that carried it, which is used once.
type grant struct {
	rows  []binding
	shown string // the token's rows shown (tokenClaims.Shown)

	id     string // the token's id; "" when nothing can be replayed
	record coord.TokenRecord

	mu      sync.Mutex
	claimed bool
	done    bool // sent was recorded
}

// check says whether the confirmation covers op as it is now: the same change,
// decided from the same basis. Each refusal says which of the two differs.
func (g *grant) check(c *change) error {
	b, err := c.binding()
	if err != nil {
		return err
	}
	samePlan := false
	for _, r := range g.rows {
		if r == b {
			return nil
		}
		samePlan = samePlan || r.Plan == b.Plan
	}
	if !samePlan {
		return &Refusal{Reason: "The confirm_token was issued for a different change (another tool, VPS or arguments)", Code: "mismatched_confirm_token", Fix: redo}
	}
	return &Refusal{Reason: "The VPS's backup state changed since this plan was made (its schedule, settings, limits or gates), so the confirmed plan may no longer be what would happen", Code: "stale_confirm_token", Fix: redo}
}

// covers refuses a grant for many rows whose rows shown are not the call's
// (shown, as shownRows gives it): a token for a whole fleet must not apply to
// a part of it, nor to more. A row whose state changed stays check's to refuse.
func (g *grant) covers(shown string) error {
	if g.shown == shown {
		return nil
	}
	return &Refusal{
		Reason: "The confirm_token was issued for a plan of other VPSes: it confirms exactly the rows the user was shown, and this call's vps_ids (or the account's VPSes) make other rows",
		Code:   "other_rows_confirm_token",
		Fix:    redo + " To apply to fewer VPSes, plan with exactly those vps_ids and confirm that plan.",
	}
}

// claim records the grant's token as used, the first time a change it covers is
// about to be sent: execute calls it under the VPS's lock (and lease), right
// before apply, and calls sent once apply returned. A token someone already used
// is refused; one whose earlier use on this VPS was cut off before its answer
// came is errInterrupted: that change must not be sent again. Later rows of the
// same grant (a fleet confirmed at once) go ahead. A token the record does not
// hold is refused: its use, if any, was forgotten. shared says whether the
// caller holds the VPS's lease across replicas: only then is an unanswered use
// on the same VPS one whose sender is gone, rather than one still running on a
// replica that shares the record but not the leases.
func (g *grant) claim(ctx context.Context, vpsID string, shared bool) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.claimed || g.id == "" {
		return nil
	}
	use, err := g.record.Use(ctx, g.id, vpsID)
	if err != nil {
		return &Refusal{Reason: "Whether the confirm_token was used already could not be checked (" + err.Error() + ")", Code: "confirm_record_unavailable", Fix: "try again in a moment; " + redo}
	}
	switch {
	case use == coord.TokenInterrupted && shared:
		return errInterrupted
	case use == coord.TokenUnknown:
		return &Refusal{
			Reason: "This server has no record of the confirm_token: the record of confirmations was lost since it was issued (a restart of the server or of its Redis), or the token comes from a replica that does not share that record, so whether it was used already cannot be known",
			Code:   "unknown_confirm_token",
			Fix:    redo + " With several replicas, give each the same Redis (HOSTUP_MCP_REDIS_URL). A client that starts a new server for every call, such as MCP Inspector --cli, cannot complete a token confirmation: confirm with hostup-mcp call … --yes.",
		}
	case use != coord.TokenFresh:
		return &Refusal{Reason: "The confirm_token was used already: each confirmation applies its change once", Code: "used_confirm_token", Fix: redo}
	}
	g.claimed = true
	return nil
}

// errInterrupted is claim's answer when the token's change was already on its
// way to HostUp from a call that stopped before the answer came back.
var errInterrupted = errors.New("interrupted confirmation")

// sent records, once, that the change the grant's token was claimed for got its
// answer. A failure is only logged: the record then says interrupted, and a
// retry of the token reads the state back instead of sending.
func (g *grant) sent(ctx context.Context, log *slog.Logger) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.claimed || g.done {
		return
	}
	g.done = true
	if err := g.record.Sent(ctx, g.id); err != nil {
		log.WarnContext(ctx, "could not record a confirm_token's change as answered", "error", err)
	}
}

// confirmation asks for one agreement covering every change in changes.
type confirmation struct {
	tool    string    // the tool being called; a token only works for it
	token   string    // the confirm_token argument, "" when none
	changes []*change // what the user agrees to, all at once
	// message is the dialog's text; empty means the plans' own (confirmMessage).
	message string
	// typed, when set, makes the user type a text rather than tick a box
	// (confirm_typed.go).
	typed *typedConfirmation
	// shown, when set, are the VPS ids of every row the plan showed, for a
	// confirmation of many rows: a token then confirms exactly those rows,
	// never a part of them the user did not see alone.
	shown []string
}

// authorization is authorize's answer: one of grant, declined and token is set.
type authorization struct {
	grant    *grant    // go ahead: execute each operation the grant covers
	declined bool      // the user said no: send nothing
	token    string    // ask the user: show the plans and ask for this confirm_token
	expires  time.Time // when token expires
	// note, when set, tells why the token path was taken although the client
	// can show a dialog: the dialog failed.
	note string
}

// elicitID names our one elicitation in a multi-round-trip exchange.
const elicitID = "confirm"

// authorize gets the user's agreement to the operations in c. A client that can
// show a dialog is asked through it, always, and its answer decides, whatever
// token the call carries. Only when no dialog can be shown does the token path
// apply: the answer is then a confirm_token to ask the user with, or the grant of
// the token the call carries; in elicitation-only mode no token is accepted.
//
// A client on protocol 2026-07-28 or later gets the dialog as an *inputRequired
// error, which the caller returns as is: the client asks the user and calls
// again with the answer. An older client is asked from here, while the call
// waits.
func (d *Deps) authorize(ctx context.Context, call *Call, c confirmation) (authorization, error) {
	q, err := d.question(ctx, c)
	if err != nil {
		return authorization{}, err
	}
	params := call.Request.Params
	if id, answer := pageResponse(params.InputResponses); answer != nil {
		return d.pageAnswer(ctx, q, params.RequestState, id, answer)
	}
	if answer := server.ElicitationResponse(params.InputResponses, elicitID); answer != nil {
		return d.dialogAnswer(q, params.RequestState, answer)
	}
	if call.inTaskOfAskableClient() {
		// The user must be asked in the dialog, which a task cannot show; a
		// token, wherever it came from, is not the user's answer to it.
		return authorization{}, &Refusal{
			Reason: "This change needs the user's confirmation, and this client can ask for it in its confirmation dialog, which a task cannot show: a client that can show the dialog is always asked, and no confirm_token replaces it",
			Code:   "confirmation_needs_dialog",
			Fix:    "call the tool again without a task: the client's dialog asks the user, then that call makes the change and follows its job, if it has one.",
		}
	}
	var failure string // why the client's dialog could not be shown
	if clientCanElicit(ctx) {
		var a authorization
		if a, failure, err = d.askInDialog(ctx, q); failure == "" {
			return a, err
		}
	}
	if failure == "" && d.ConfirmPages != nil && clientCanOpenURL(ctx) {
		if call.task == nil {
			return d.confirmOnPage(ctx, q)
		}
		failure = "a task cannot send the user to the confirmation page; call the tool again without a task"
	}
	return d.byToken(ctx, q, failure)
}

// question is one authorize call's: the confirmation asked for, and what an
// answer to it is bound to.
type question struct {
	confirmation
	keyID string    // the caller's HostUp key, as the token binds it
	rows  []binding // each change with its decision basis
	shown string    // the rows shown (shownRows), for a confirmation of many rows
	now   time.Time
}

func (d *Deps) question(ctx context.Context, c confirmation) (question, error) {
	q := question{confirmation: c, keyID: d.Client.KeyID(ctx), rows: make([]binding, len(c.changes)), now: d.now()}
	for i, ch := range c.changes {
		b, err := ch.binding()
		if err != nil {
			return question{}, err
		}
		q.rows[i] = b
	}
	if c.shown != nil {
		var err error
		if q.shown, err = shownRows(c.shown); err != nil {
			return question{}, err
		}
	}
	return q, nil
}

// issuedFor is the grant of the dialog's request state that came back with an
// answer: it only counts for the plans the user saw, and for no other rows.
func (d *Deps) issuedFor(q question, state string) (*grant, error) {
	g, err := d.Confirm.Check(state, purposeDialog, q.tool, q.keyID, q.now)
	if err == nil {
		err = g.covers(q.shown)
	}
	return g, err
}

// pageAnswer is the second round of a confirmation page: as for a dialog, the
// state we issued says what the page was for, and the page says what the user
// did.
func (d *Deps) pageAnswer(ctx context.Context, q question, state, id string, answer *mcp.ElicitationResult) (authorization, error) {
	g, err := d.issuedFor(q, state)
	if err != nil {
		return authorization{}, err
	}
	owner, err := pageOwner(q.tool, q.keyID, g.rows)
	if err != nil {
		return authorization{}, err
	}
	if yes, err := d.pageAnswered(ctx, id, owner, answer); err != nil || !yes {
		return authorization{declined: err == nil}, err
	}
	return authorization{grant: g}, nil
}

// dialogAnswer is the second round of a dialog: the state we issued comes back
// with the answer.
func (d *Deps) dialogAnswer(q question, state string, answer *mcp.ElicitationResult) (authorization, error) {
	g, err := d.issuedFor(q, state)
	if err != nil {
		return authorization{}, err
	}
	return q.decided(answer, g)
}

// decided is the authorization the user's answer in the dialog gives: g when
// they agreed.
func (c confirmation) decided(answer *mcp.ElicitationResult, g *grant) (authorization, error) {
	yes, err := c.consent(answer)
	switch {
	case err != nil:
		return authorization{}, err
	case yes:
		return authorization{grant: g}, nil
	}
	return authorization{declined: true}, nil
}

// askInDialog asks the user in the client's dialog. A modern client gets it as
// an *inputRequired error; an older one answers on this very call. When the
// dialog could not be shown, failure says why, and the confirmation falls back
// to what remains (a page, a token).
func (d *Deps) askInDialog(ctx context.Context, q question) (a authorization, failure string, err error) {
	dialog := mcp.ElicitationParams{Message: q.dialogText(), RequestedSchema: q.schema()}
	if mcp.IsModernProtocol(server.RequestProtocolVersion(ctx)) {
		state, _, err := d.Confirm.Issue(ctx, purposeDialog, q.tool, q.keyID, q.rows, q.shown, q.now)
		if err != nil {
			return authorization{}, "", err
		}
		return authorization{}, "", &inputRequired{result: server.NewInputRequestBuilder(state).Elicit(elicitID, dialog).ToolResult()}
	}
	answer, err := server.ServerFromContext(ctx).RequestElicitation(ctx, mcp.ElicitationRequest{
		Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)}, Params: dialog,
	})
	switch {
	case err == nil && answer != nil:
		// The answer came on this very call: there is nothing to replay.
		a, err := q.decided(answer, &grant{rows: q.rows})
		return a, "", err
	case ctx.Err() != nil:
		return authorization{}, "", ctx.Err()
	}
	failure = "the client's confirmation dialog could not be shown"
	if err != nil {
		// The client's words, cut short: they may be long or hostile.
		failure += " (" + quoteName(firstLine(err.Error())) + ")"
	}
	d.logger().WarnContext(ctx, "confirmation dialog failed; falling back", "tool", q.tool, "error", failure)
	return authorization{}, failure, nil
}

// byToken is the token path, for a client that could not be asked directly
// (failure says why, when it had a dialog or a page): the grant of the token
// the call carries, or a new token to ask the user with.
func (d *Deps) byToken(ctx context.Context, q question, failure string) (authorization, error) {
	if d.ElicitationOnly {
		reason := "This server accepts a change that needs confirmation only through the client's confirmation dialog (elicitation-only mode), and this client cannot show one"
		if failure != "" {
			reason = "This server accepts a change that needs confirmation only through the client's confirmation dialog (elicitation-only mode), and " + failure
		}
		return authorization{}, &Refusal{Reason: reason, Code: "confirmation_dialog_unavailable",
			Fix: "make the change from an MCP client whose confirmation dialog works, or in HostUp's control panel."}
	}
	if q.typed != nil && !d.RestoreByToken {
		return authorization{}, q.typed.personOnly(failure)
	}
	note := ""
	if failure != "" {
		note = "The user could not be asked directly: " + failure + ", so the confirmation falls back to a confirm_token."
	}
	if q.token == "" {
		token, exp, err := d.Confirm.Issue(ctx, purposeConfirm, q.tool, q.keyID, q.rows, q.shown, q.now)
		return authorization{token: token, expires: exp, note: note}, err
	}
	if err := q.typed.checkGiven(); err != nil {
		return authorization{}, err
	}
	g, err := d.Confirm.Check(q.token, purposeConfirm, q.tool, q.keyID, q.now)
	if err == nil {
		err = g.covers(q.shown)
	}
	if err == nil && q.typed != nil {
		note = strings.TrimSpace(note + " " + q.typed.byTokenNote())
	}
	return authorization{grant: g, note: note}, err
}

// consent reports whether the user accepted the dialog and gave what it asked
// for: the ticked box, or the typed text (a mistyped one is a refusal).
func (c confirmation) consent(r *mcp.ElicitationResult) (bool, error) {
	if r.Action != mcp.ElicitationResponseActionAccept {
		return false, nil
	}
	return c.answered(r.Content)
}

// confirmSchema asks for one explicit yes: accepting the dialog with the box
// unticked does not count as consent.
var confirmSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"confirm": map[string]any{"type": "boolean", "title": "Apply this change", "description": "Tick to let the change go ahead.", "default": false},
	},
	"required": []string{"confirm"},
}

func accepted(content any) bool {
	m, ok := content.(map[string]any)
	if !ok {
		return false
	}
	yes, _ := m["confirm"].(bool)
	return yes
}

// clientCanElicit reports whether the client can show the confirmation dialog: it
// declared form-mode elicitation (an empty elicitation capability is form mode,
// as before modes existed) on a session that can carry the request. Clients
// without it get a confirmation page or a confirm_token.
func clientCanElicit(ctx context.Context) bool {
	form, _ := elicitModes(ctx)
	return form
}

// clientCanOpenURL reports whether the client declared URL-mode elicitation,
// which sends the user to a confirmation page, on a session that can carry it.
func clientCanOpenURL(ctx context.Context) bool {
	_, url := elicitModes(ctx)
	return url
}

func elicitModes(ctx context.Context) (form, url bool) {
	session, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo)
	if !ok {
		return false, false
	}
	e := session.GetClientCapabilities().Elicitation
	if e == nil {
		return false, false
	}
	if _, ok := session.(server.SessionWithElicitation); !ok && server.RequestProtocolVersion(ctx) < "2026-07-28" {
		return false, false
	}
	return e.Form != nil || e.URL == nil, e.URL != nil
}
