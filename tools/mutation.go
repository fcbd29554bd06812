package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/internal/coord"
)

// Every write tool goes through one safety path (SPEC "Before any mutation"), in
// three steps that can also run apart:
//
//   - prepare: read the state, refuse locally what HostUp's gates and limits say
//     would fail, and plan. A tool's constructor (upsertOperation, …) returns an
//     operation; d.prepare runs it. No lock is held: a dry run stops here.
//   - authorize: the user's confirmation of one operation or of a set of them
//     (confirm.go), needed when a plan is destructive.
//   - execute: take the VPS's lock (and, with replicas, its lease), make sure
//     what decided the plan is unchanged (reading it again when another change
//     may have run since), send the change, and read the state back.
//
// mutateOne strings the three together for the single-VPS tools; the fleet tool
// prepares every row, authorizes them all at once and executes row by row.

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
	Outcome          string   `json:"outcome" jsonschema:"enum=dry_run,enum=confirmation_required,enum=declined,enum=applied,enum=outcome_unknown,enum=no_change" jsonschema_description:"dry_run: nothing sent. confirmation_required: nothing sent; show the plan to the user and call again with confirm_token once they agree. declined: the user said no; nothing changed. applied: done; what it changed, read back from HostUp, is included. outcome_unknown: HostUp's answer was lost; see notes for what the state shows. no_change: already as requested; nothing sent."`
	VPSID            string   `json:"vps_id"`
	Plan             Plan     `json:"plan"`
	ConfirmToken     string   `json:"confirm_token,omitempty" jsonschema_description:"Pass this back as confirm_token (with the same arguments) after the user agreed to the plan. Works once, within 10 minutes, for the same HostUp API key, and only while what decided the plan (schedule settings, retention settings, limits, gates) is unchanged."`
	ConfirmExpiresAt string   `json:"confirm_expires_at,omitempty"`
	Notes            []string `json:"notes,omitempty"`
}

// operation is one prepared change to one VPS: what it would do, what that was
// decided from, and how to send it and read the result back. Operations come
// from d.prepare, which also fills in build and seen.
type operation struct {
	tool  string // the single-VPS tool whose change this is
	vpsID string
	plan  Plan
	// basis is what decided the plan: the schedules' settings, the settings,
	// limits and gates the planner used, never run history or run times. A
	// confirmation binds to it, so a backup that ran in between does not void
	// the user's agreement, while a changed setting does.
	basis any
	// apply sends the change.
	apply func(ctx context.Context) error
	// readBack reads the state after apply and adds what it shows to out.
	readBack func(ctx context.Context, out *MutationOutput) error

	// typed, when set, makes the confirmation typed (restore_backup: the VPS's
	// name); the constructor fills it from the state read and the call's argument.
	typed *typedConfirmation

	// build makes the operation again from a fresh read; seen is the VPS locks'
	// change count before this one's read (see execute).
	build func(ctx context.Context) (*operation, error)
	seen  uint64
}

// newOperation is how constructors start an operation: the plan in the form
// every result shows and every token hashes.
func newOperation(tool, vpsID string, plan Plan, basis any) *operation {
	if isVMID(vpsID) && len(plan.Requests) > 0 {
		plan.Warnings = append(plan.Warnings, noGatesWarning)
	}
	return &operation{tool: tool, vpsID: vpsID, plan: normalizePlan(plan), basis: basis}
}

// prepare runs a tool's constructor: it reads the VPS, plans or refuses, and
// returns the operation. It holds no lock, so a caller who cannot read the VPS
// never holds it, and a dry run waits for nobody.
func (d *Deps) prepare(ctx context.Context, build func(ctx context.Context) (*operation, error)) (*operation, error) {
	seen := d.locks.changes()
	op, err := build(ctx)
	if err != nil {
		return nil, err
	}
	op.build, op.seen = build, seen
	return op, nil
}

// binding is what a confirmation covers of one operation: the exact change
// (tool, VPS, requests) and the basis it was decided from.
type binding struct {
	Plan  string `json:"p"`
	Basis string `json:"b"`
}

func (op *operation) binding() (binding, error) {
	plan, err := fingerprint([]any{op.tool, op.vpsID, op.plan.Requests, op.plan.Destructive})
	if err != nil {
		return binding{}, err
	}
	basis, err := fingerprint(op.basis)
	return binding{Plan: plan, Basis: basis}, err
}

// mutateOne is the single-VPS tools' path: prepare (done by the caller), then
// the dry run or the confirmation, then execute.
func (d *Deps) mutateOne(ctx context.Context, call *Call, op *operation, dryRun bool, confirmToken string) (MutationOutput, error) {
	out := MutationOutput{VPSID: op.vpsID, Plan: op.plan}
	if dryRun {
		out.Outcome = outcomeDryRun
		return out, nil
	}
	if len(op.plan.Requests) == 0 {
		out.Outcome = outcomeNoChange
		return out, nil
	}
	var g *grant
	if op.plan.Destructive {
		a, err := d.authorize(ctx, call, confirmation{tool: op.tool, token: confirmToken, ops: []*operation{op}, typed: op.typed})
		if err != nil {
			return out, err
		}
		if a.note != "" {
			out.Notes = append(out.Notes, a.note)
		}
		switch {
		case a.declined:
			out.Outcome = outcomeDeclined
			out.Notes = append(out.Notes, "The user did not confirm the change, so nothing was sent to HostUp.")
			return out, nil
		case a.token != "":
			out.Outcome = outcomeNeedsConfirm
			out.ConfirmToken = a.token
			out.ConfirmExpiresAt = a.expires.UTC().Format(time.RFC3339)
			return out, nil
		}
		g = a.grant
	}
	done, err := d.execute(ctx, op, g)
	done.Notes = append(out.Notes, done.Notes...)
	return done, err
}

// execute sends one prepared operation and reads the state back, under the
// VPS's lock. g is the confirmation the user gave, nil when op's plan needed
// none; with one, op is sent only if g covers it. When another change may have
// run on the VPS since op was prepared, the VPS is read again: a changed basis
// sends nothing when the user confirmed the old plan, or when the new plan needs
// a confirmation it does not have; an unconfirmed change otherwise goes ahead as
// newly planned. Executing one operation needs nothing but op and g, so a fleet
// runs it per row and a task can run it alone.
func (d *Deps) execute(ctx context.Context, op *operation, g *grant) (MutationOutput, error) {
	if g != nil {
		if err := g.check(op); err != nil {
			return MutationOutput{VPSID: op.vpsID, Plan: op.plan}, err
		}
	}
	unlock, err := d.locks.lock(ctx, op.vpsID)
	if err != nil {
		return MutationOutput{VPSID: op.vpsID, Plan: op.plan}, err
	}
	defer unlock()
	lease, err := d.lease(ctx, op.vpsID)
	if err != nil {
		return MutationOutput{VPSID: op.vpsID, Plan: op.plan}, err
	}
	defer lease.Release()

	// The lock's count only knows this process's changes: with replicas, one
	// of them may have changed the VPS since op's read, so it is read again.
	if d.Leases != nil || d.locks.changedSince(op.seen) {
		fresh, err := op.build(ctx)
		if err != nil {
			return MutationOutput{VPSID: op.vpsID, Plan: op.plan}, err
		}
		switch {
		case g != nil:
			if err := g.check(fresh); err != nil {
				return MutationOutput{VPSID: op.vpsID, Plan: op.plan}, err
			}
		case fresh.plan.Destructive:
			return MutationOutput{VPSID: op.vpsID, Plan: fresh.plan}, &Refusal{
				Reason: "Another change to " + op.vpsID + " ran while this one waited, and the change now needs the user's confirmation",
				Code:   "state_changed",
				Fix:    "call the tool again to get the new plan, and show it to the user.",
			}
		}
		op = fresh
	}
	out := MutationOutput{VPSID: op.vpsID, Plan: op.plan}
	if len(op.plan.Requests) == 0 {
		out.Outcome = outcomeNoChange
		return out, nil
	}
	if err := lease.Check(ctx); err != nil {
		return out, leaseRefusal(op.vpsID, err)
	}
	if g != nil {
		err := g.claim(ctx, op.vpsID, d.Leases != nil)
		if errors.Is(err, errInterrupted) {
			out.Outcome = outcomeUnknown
			out.Notes = append(out.Notes, "An earlier call with this confirm_token was sending this change when it stopped (its server was stopped or lost) before HostUp's answer came back, so the change was not sent again; the state was read back to see what happened.")
			if rbErr := op.readBack(ctx, &out); rbErr != nil {
				out.Notes = append(out.Notes, "Reading the state back also failed: "+describeError(rbErr))
			}
			return out, nil
		}
		if err != nil {
			return out, err
		}
		defer g.sent(context.WithoutCancel(ctx), d.logger())
	}

	taskSending(ctx)
	if err := op.apply(ctx); err != nil {
		if !errors.Is(err, hostup.ErrOutcomeUnknown) {
			return out, err
		}
		// The request left but its answer did not come back: read the state and
		// let the operation say what it shows, rather than guess or resend.
		out.Outcome = outcomeUnknown
		out.Notes = append(out.Notes, "HostUp's answer to the change was lost, so it was not sent again; the state was read back to see what happened. ("+strings.TrimSuffix(firstLine(describeError(err)), ".")+".)")
		if rbErr := op.readBack(ctx, &out); rbErr != nil {
			out.Notes = append(out.Notes, "Reading the state back also failed: "+describeError(rbErr))
		}
		return out, nil
	}
	out.Outcome = outcomeApplied
	if err := op.readBack(ctx, &out); err != nil {
		out.Notes = append(out.Notes, "The change was applied, but reading the state back failed: "+describeError(err))
	}
	return out, nil
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
// changes never both send from the same state. An entry lives only while someone
// holds or waits for it: ids come from callers, and a map that kept every id ever
// seen would grow without bound on a long-running HTTP server.
type vpsLocks struct {
	mu    sync.Mutex
	locks map[string]*vpsLock
	// count goes up whenever a change takes or leaves a VPS's lock. When it has
	// not moved between an operation's read and its lock, no change of this
	// process can have run in between, and the read is as fresh as one made
	// under the lock.
	count atomic.Uint64
}

// vpsLock is a mutex whose waiting can be given up: a slot in a channel.
type vpsLock struct {
	slot  chan struct{}
	users int // holders and waiters; guarded by vpsLocks.mu
}

func (l *vpsLocks) changes() uint64 { return l.count.Load() }

// changedSince reports whether a change took or left a lock since changes()
// returned seen; the caller holds its own lock, whose taking counted once.
func (l *vpsLocks) changedSince(seen uint64) bool { return l.count.Load() != seen+1 }

// lock waits for the VPS's lock, or until ctx ends: a caller whose request was
// cancelled or timed out stops waiting, and sends nothing.
func (l *vpsLocks) lock(ctx context.Context, vpsID string) (unlock func(), err error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*vpsLock{}
	}
	m, ok := l.locks[vpsID]
	if !ok {
		m = &vpsLock{slot: make(chan struct{}, 1)}
		l.locks[vpsID] = m
	}
	m.users++
	l.mu.Unlock()
	leave := func() {
		l.mu.Lock()
		if m.users--; m.users == 0 {
			delete(l.locks, vpsID)
		}
		l.mu.Unlock()
	}
	select {
	case m.slot <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
	l.count.Add(1)
	return func() {
		l.count.Add(1)
		<-m.slot
		leave()
	}, nil
}

// Leases and Lease are coord's, so that redisstate implements them without
// importing tools: execute takes a VPS's lease after its lock.
type (
	Leases = coord.Leases
	Lease  = coord.Lease
)

// lease takes vpsID's lease when replicas share them, else returns one that
// this process's lock already covers.
func (d *Deps) lease(ctx context.Context, vpsID string) (Lease, error) {
	if d.Leases == nil {
		return processLease{}, nil
	}
	l, err := d.Leases.Acquire(ctx, vpsID)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, leaseRefusal(vpsID, err)
	}
	return l, nil
}

func leaseRefusal(vpsID string, err error) error {
	return &Refusal{
		Reason: "The lock the replicas share for changes to " + vpsID + " could not be taken or kept (" + err.Error() + "), so nothing was sent to HostUp",
		Code:   "vps_lease_unavailable",
		Fix:    "try again in a moment; if it keeps failing, the server's Redis (HOSTUP_MCP_REDIS_URL) needs looking at.",
	}
}

// processLease is the lease of a process that shares nothing: its lock is enough.
type processLease struct{}

func (processLease) Check(context.Context) error { return nil }
func (processLease) Release()                    {}

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
