package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// Every write tool goes through mutate, the product's safety path (SPEC "Before any
// mutation"): read the state, refuse locally what HostUp's gates and limits say
// would fail, return the plan on dry_run, get the user's confirmation for
// destructive changes, send the change, and let the tool read the state back.

// Outcomes of a write tool.
const (
	outcomeDryRun       = "dry_run"
	outcomeNeedsConfirm = "confirmation_required"
	outcomeDeclined     = "declined"
	outcomeApplied      = "applied"
	outcomeUnknown      = "outcome_unknown"
	outcomeNoChange     = "no_change"
)

// PlannedRequest is one request the change sends to HostUp, shown to the user.
type PlannedRequest struct {
	Method   string `json:"method" jsonschema:"enum=POST,enum=PATCH,enum=DELETE"`
	Endpoint string `json:"endpoint" jsonschema_description:"HostUp API path the request goes to."`
	Body     any    `json:"body,omitempty" jsonschema_description:"JSON body that would be sent."`
}

// FieldChange is one value before and after the change.
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Plan is what a write tool would do, computed from the state just read.
type Plan struct {
	Summary     string           `json:"summary" jsonschema_description:"One sentence: what would change."`
	Destructive bool             `json:"destructive" jsonschema_description:"True when the change deletes something or can make HostUp delete backups; it then needs the user's confirmation."`
	Requests    []PlannedRequest `json:"requests" jsonschema_description:"The requests that would be sent to HostUp, in order."`
	Changes     []FieldChange    `json:"changes" jsonschema_description:"Values before and after."`
	Deletes     []string         `json:"deletes" jsonschema_description:"What would be deleted, if anything."`
	Warnings    []string         `json:"warnings" jsonschema_description:"Things the user should know before agreeing."`
}

// MutationOutput is embedded in every write tool's output.
type MutationOutput struct {
	Common
	Outcome          string   `json:"outcome" jsonschema:"enum=dry_run,enum=confirmation_required,enum=declined,enum=applied,enum=outcome_unknown,enum=no_change" jsonschema_description:"dry_run: nothing sent. confirmation_required: nothing sent; show the plan to the user and call again with confirm_token once they agree. declined: the user said no; nothing changed. applied: done; the state read back from HostUp is included. outcome_unknown: HostUp's answer was lost; see notes for what the state shows. no_change: already as requested; nothing sent."`
	VPSID            string   `json:"vps_id"`
	Plan             Plan     `json:"plan"`
	ConfirmToken     string   `json:"confirm_token,omitempty" jsonschema_description:"Pass this back as confirm_token (with the same arguments) after the user agreed to the plan. Valid 10 minutes and only while the state is unchanged."`
	ConfirmExpiresAt string   `json:"confirm_expires_at,omitempty"`
	Notes            []string `json:"notes,omitempty"`
}

// mutation describes one write: how to plan it and how to apply it.
type mutation struct {
	tool    string
	vpsID   string
	dryRun  bool
	confirm string // the confirm_token argument, if any
	// plan reads the current state and returns the plan and the state it was
	// computed from, or a *Refusal when HostUp's gates or limits say no.
	plan func(ctx context.Context) (Plan, any, error)
	// apply sends the change.
	apply func(ctx context.Context) error
}

// elicitID names our one elicitation in a multi-round-trip exchange.
const elicitID = "confirm"

// mutate runs the safety path. On success the caller reads back the state (while
// still holding the VPS's lock, via readBack) and fills in its own fields.
func (d *Deps) mutate(ctx context.Context, call *Call, m mutation, readBack func(ctx context.Context, out *MutationOutput) error) (MutationOutput, error) {
	unlock := d.locks.lock(m.vpsID)
	defer unlock()

	out := MutationOutput{VPSID: m.vpsID}
	plan, state, err := m.plan(ctx)
	if err != nil {
		return out, err
	}
	if isVMID(m.vpsID) && len(plan.Requests) > 0 {
		plan.Warnings = append(plan.Warnings, noGatesWarning)
	}
	out.Plan = normalizePlan(plan)
	planHash := fingerprint([]any{m.tool, m.vpsID, out.Plan.Requests})
	stateHash := fingerprint(state)

	if m.dryRun {
		out.Outcome = outcomeDryRun
		return out, nil
	}
	if len(out.Plan.Requests) == 0 {
		out.Outcome = outcomeNoChange
		return out, nil
	}
	if out.Plan.Destructive {
		confirmed, err := d.confirmed(ctx, call, m, &out, planHash, stateHash)
		if err != nil || !confirmed {
			return out, err
		}
	}

	if err := m.apply(ctx); err != nil {
		if !errors.Is(err, hostup.ErrOutcomeUnknown) {
			return out, err
		}
		// The request left but its answer did not come back: read the state and
		// let the caller say what it shows, rather than guess or resend.
		out.Outcome = outcomeUnknown
		out.Notes = append(out.Notes, "HostUp's answer to the change was lost, so it was not sent again; the state was read back to see what happened. ("+strings.TrimSuffix(firstLine(describeError(err)), ".")+".)")
		if rbErr := readBack(ctx, &out); rbErr != nil {
			out.Notes = append(out.Notes, "Reading the state back also failed: "+describeError(rbErr))
		}
		return out, nil
	}
	out.Outcome = outcomeApplied
	if err := readBack(ctx, &out); err != nil {
		out.Notes = append(out.Notes, "The change was applied, but reading the state back failed: "+describeError(err))
	}
	return out, nil
}

// confirmed decides whether a destructive change may go ahead now. It returns
// false with out filled in when the user must still (or did not) agree.
func (d *Deps) confirmed(ctx context.Context, call *Call, m mutation, out *MutationOutput, planHash, stateHash string) (bool, error) {
	now := d.now()
	if m.confirm != "" {
		return true, d.Confirm.Check(m.confirm, m.tool, m.vpsID, planHash, stateHash, now)
	}
	params := call.Request.Params
	if answer := server.ElicitationResponse(params.InputResponses, elicitID); answer != nil {
		// Second round of an elicitation: the token we issued travels as the
		// request state, so the answer only counts for the plan the user saw.
		if err := d.Confirm.Check(params.RequestState, m.tool, m.vpsID, planHash, stateHash, now); err != nil {
			return false, err
		}
		if answer.Action == mcp.ElicitationResponseActionAccept && accepted(answer.Content) {
			return true, nil
		}
		out.Outcome = outcomeDeclined
		out.Notes = append(out.Notes, "The user did not confirm the change, so nothing was sent to HostUp.")
		return false, nil
	}
	token, exp := d.Confirm.Issue(m.tool, m.vpsID, planHash, stateHash, now)
	if clientCanElicit(ctx) {
		return false, &inputRequired{result: server.NewInputRequestBuilder(token).Elicit(elicitID, mcp.ElicitationParams{
			Message:         confirmMessage(out.Plan),
			RequestedSchema: confirmSchema,
		}).ToolResult()}
	}
	out.Outcome = outcomeNeedsConfirm
	out.ConfirmToken = token
	out.ConfirmExpiresAt = exp.UTC().Format(time.RFC3339)
	return false, nil
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

func confirmMessage(p Plan) string {
	var b strings.Builder
	b.WriteString(p.Summary)
	for _, d := range p.Deletes {
		b.WriteString("\nDeletes: " + d)
	}
	for _, w := range p.Warnings {
		b.WriteString("\nNote: " + w)
	}
	return b.String()
}

// clientCanElicit reports whether the client declared the elicitation capability
// on a session that can carry the request. Clients without it get a confirm_token.
func clientCanElicit(ctx context.Context) bool {
	session, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo)
	if !ok || session.GetClientCapabilities().Elicitation == nil {
		return false
	}
	if _, ok := session.(server.SessionWithElicitation); ok {
		return true
	}
	return server.RequestProtocolVersion(ctx) >= "2026-07-28"
}

func normalizePlan(p Plan) Plan {
	// Empty lists, not null: output schemas say "array".
	if p.Requests == nil {
		p.Requests = []PlannedRequest{}
	}
	if p.Changes == nil {
		p.Changes = []FieldChange{}
	}
	if p.Deletes == nil {
		p.Deletes = []string{}
	}
	if p.Warnings == nil {
		p.Warnings = []string{}
	}
	return p
}

// vpsLocks serializes mutations per VPS inside the process, so two concurrent
// changes never plan from the same state and then both send. An entry lives only
// while someone holds or waits for it: ids come from callers, and a map that kept
// every id ever seen would grow without bound on a long-running HTTP server.
type vpsLocks struct {
	mu    sync.Mutex
	locks map[string]*vpsLock
}

type vpsLock struct {
	sync.Mutex
	users int // holders and waiters; guarded by vpsLocks.mu
}

func (l *vpsLocks) lock(vpsID string) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*vpsLock{}
	}
	m, ok := l.locks[vpsID]
	if !ok {
		m = &vpsLock{}
		l.locks[vpsID] = m
	}
	m.users++
	l.mu.Unlock()
	m.Lock()
	return func() {
		m.Unlock()
		l.mu.Lock()
		if m.users--; m.users == 0 {
			delete(l.locks, vpsID)
		}
		l.mu.Unlock()
	}
}

// noteOutcome tells, after an outcome_unknown, what the state read back shows:
// whether the change happened, so the model neither repeats a change that went
// through nor reports one that did not. now describes the state in a few words.
func (o *MutationOutput) noteOutcome(happened bool, now string) {
	if o.Outcome != outcomeUnknown {
		return
	}
	verdict := "The state read back does NOT show the change: it most likely did not happen, and it is safe to try again."
	if happened {
		verdict = "The state read back shows the change: it happened; do not send it again."
	}
	o.Notes = append(o.Notes, verdict+" HostUp now reports: "+now)
}

// summaryText renders a write tool's outcome for a person: a few lines.
func (o *MutationOutput) summaryText(applied string) string {
	var b strings.Builder
	switch o.Outcome {
	case outcomeDryRun:
		fmt.Fprintf(&b, "Dry run, nothing was sent. Plan: %s", o.Plan.Summary)
	case outcomeNeedsConfirm:
		fmt.Fprintf(&b, "Needs the user's confirmation, nothing was sent yet. Plan: %s", o.Plan.Summary)
	case outcomeDeclined:
		fmt.Fprintf(&b, "Not confirmed: nothing was changed. The plan was: %s", o.Plan.Summary)
	case outcomeApplied:
		b.WriteString(applied)
	case outcomeUnknown:
		fmt.Fprintf(&b, "Outcome unknown (HostUp's answer was lost) for: %s", o.Plan.Summary)
	case outcomeNoChange:
		b.WriteString(o.Plan.Summary)
	}
	for _, c := range o.Plan.Changes {
		fmt.Fprintf(&b, "\n  %s: %s -> %s", c.Field, c.Before, c.After)
	}
	for _, del := range o.Plan.Deletes {
		fmt.Fprintf(&b, "\n  deletes: %s", del)
	}
	for _, w := range o.Plan.Warnings {
		fmt.Fprintf(&b, "\n  warning: %s", w)
	}
	for _, n := range o.Notes {
		fmt.Fprintf(&b, "\n%s", n)
	}
	if o.Outcome == outcomeNeedsConfirm {
		fmt.Fprintf(&b, "\nShow this plan to the user. If they agree, call again with the same arguments and confirm_token=%q (valid until %s).", o.ConfirmToken, o.ConfirmExpiresAt)
	}
	return b.String()
}
