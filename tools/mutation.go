package tools

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// Every write tool goes through one safety path (SPEC "Before any mutation"), in
// three steps that can also run apart:
//
//   - prepare: choose the VPS's backend (backend.go) and refuse what its API
//     lacks, then read the state, refuse locally what HostUp's gates and limits
//     say would fail, and plan. A tool's constructor (upsertOperation, …)
//     returns an operation; prepare runs it. No lock is held: a dry run stops
//     here.
//   - authorize: the user's confirmation of one operation or of a set of them
//     (confirm.go), needed when a plan is destructive.
//   - execute: take the VPS's lock (and, with replicas, its lease), make sure
//     what decided the plan is unchanged (reading it again when another change
//     may have run since), send the change, read the state back, and give the
//     verdict from what the state shows (verdict.go).
//
// write strings the three together for the single-VPS tools; the fleet tool
// prepares every row, authorizes them all at once and executes row by row.

// Outcomes of a write tool.
const (
	outcomeDryRun       = "dry_run"
	outcomeNeedsConfirm = "confirmation_required"
	outcomeDeclined     = "declined"
	outcomeApplied      = "applied"
	outcomeNotVisible   = "accepted_not_visible"
	outcomeUnknown      = "outcome_unknown"
	outcomeNoChange     = "no_change"
)

// PlannedRequest is one request the change sends to HostUp, shown to the user.
type PlannedRequest struct {
	Method string `json:"method" jsonschema:"enum=POST,enum=PATCH,enum=DELETE"`
	// HostUp API path the request goes to.
	Endpoint string `json:"endpoint"`
	// Body is the JSON body that would be sent. Its description is stripped
	// from the output schema like every other, but it stays: without one,
	// invopop writes the schema of an any as true rather than {}. Both accept
	// any JSON; clients have been checked against {}.
	Body any `json:"body,omitempty" jsonschema_description:"JSON body that would be sent."`
}

// FieldChange is one value before and after the change.
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Plan is what a write tool would do, computed from the state just read.
type Plan struct {
	// One sentence: what would change.
	Summary string `json:"summary"`
	// True when the change deletes something or can make HostUp delete backups;
	// it then needs the user's confirmation.
	Destructive bool `json:"destructive"`
	// The requests that would be sent to HostUp, in order.
	Requests []PlannedRequest `json:"requests"`
	// Values before and after.
	Changes []FieldChange `json:"changes"`
	// What would be deleted, if anything.
	Deletes []string `json:"deletes"`
	// Things the user should know before agreeing.
	Warnings []string `json:"warnings"`
}

// MutationOutput is embedded in every write tool's output.
type MutationOutput struct {
	Common
	// dry_run: nothing sent. confirmation_required: nothing sent; show the plan
	// to the user and call again with confirm_token once they agree. declined:
	// the user said no; nothing changed. applied: done, and the state read back
	// from HostUp shows it. accepted_not_visible: HostUp accepted the request,
	// but the state read back does not show the change (or could not be read):
	// never report it as done; see notes. outcome_unknown: HostUp's answer was
	// lost; see notes for what the state shows. no_change: already as
	// requested; nothing sent.
	Outcome string `json:"outcome" jsonschema:"enum=dry_run,enum=confirmation_required,enum=declined,enum=applied,enum=accepted_not_visible,enum=outcome_unknown,enum=no_change"`
	VPSID   string `json:"vps_id"`
	Plan    Plan   `json:"plan"`
	// ConfirmToken is what the caller passes back as confirm_token, with the
	// same arguments, once the user agreed to the plan. It works once, within
	// 10 minutes, for the same HostUp API key, and only while what decided the
	// plan (schedule settings, retention settings, limits, gates) is unchanged.
	ConfirmToken     string   `json:"confirm_token,omitempty"`
	ConfirmExpiresAt string   `json:"confirm_expires_at,omitempty"`
	Notes            []string `json:"notes,omitempty"`
}

// change is what an operation would do to one VPS, and what that was decided
// from: the part of an operation a confirmation covers.
type change struct {
	tool  string // the single-VPS tool whose change this is
	vpsID string
	plan  Plan
	// basis is what decided the plan: the schedules' settings, the settings,
	// limits and gates the planner used, never run history or run times. A
	// confirmation binds to it, so a backup that ran in between does not void
	// the user's agreement, while a changed setting does.
	basis any
	// typed, when set, makes the confirmation typed (restore_backup: the VPS's
	// name); the constructor fills it from the state read and the call's argument.
	typed *typedConfirmation
}

// operation is one prepared change to one VPS, as a value: the change, how to
// send it, and how to read back what it made. apply's result is readBack's
// input, and readBack returns what the state shows: no step writes into
// another's variables or into a tool's output. V is the tool's view of the
// state read back (the schedules, the settings, …).
type operation[V any] struct {
	change
	// apply sends the change and returns what HostUp answered.
	apply func(ctx context.Context) (sent, error)
	// readBack reads the state after apply and says what it shows.
	readBack func(ctx context.Context, s sent) (sight[V], error)

	// build makes the operation again from a fresh read, through the same
	// backend; seen is the VPS locks' change count before this one's read (see
	// execute). prepare fills both.
	build func(ctx context.Context) (*operation[V], error)
	seen  uint64
}

// builder is a tool's constructor of an operation: it reads the VPS through
// api, plans or refuses, and returns the operation.
type builder[V any] func(ctx context.Context, api backend) (*operation[V], error)

// sent is what apply returns: HostUp's answer to the request that made the
// change, and what happened on the way (a replace's steps), for the result.
type sent struct {
	answer hostup.Answer
	notes  []string
}

// sight is what the state read back after a change shows.
type sight[V any] struct {
	view  V      // the tool's view of the state
	shows bool   // the state shows the change made
	now   string // the state in a few words, for the verdict
	// verdict, when set, is the verdict in the operation's own words, where
	// "shows" or "does not show" would say less: a restore that left no trace
	// either way, a replace half done.
	verdict string
}

// newOperation is how constructors start an operation: the plan in the form
// every result shows and every token hashes. A plan checked against gates the
// API does not report says so.
func newOperation[V any](api backend, tool string, plan Plan, basis any) *operation[V] {
	if !api.hasGates() && len(plan.Requests) > 0 {
		plan.Warnings = append(plan.Warnings, noGatesWarning)
	}
	return &operation[V]{change: change{tool: tool, vpsID: api.vpsID(), plan: normalizePlan(plan), basis: basis}}
}

// prepare runs a tool's constructor through the API vpsID names, once that API
// is known to have what the change needs: it reads the VPS, plans or refuses,
// and returns the operation. It holds no lock, so a caller who cannot read the
// VPS never holds it, and a dry run waits for nobody.
func prepare[V any](ctx context.Context, d *Deps, vpsID string, needs ability, build builder[V]) (*operation[V], error) {
	api := d.backendFor(vpsID)
	if r := api.lacks(needs); r != nil {
		return nil, r
	}
	rebuild := func(ctx context.Context) (*operation[V], error) { return build(ctx, api) }
	seen := d.locks.changes()
	op, err := rebuild(ctx)
	if err != nil {
		return nil, err
	}
	op.build, op.seen = rebuild, seen
	return op, nil
}

// binding is what a confirmation covers of one operation: the exact change
// (tool, VPS, requests) and the basis it was decided from, each as a digest.
type binding struct {
	Plan, Basis digest
}

func (c *change) binding() (binding, error) {
	plan, err := digestOf([]any{c.tool, c.vpsID, c.plan.Requests, c.plan.Destructive})
	if err != nil {
		return binding{}, err
	}
	basis, err := digestOf(c.basis)
	return binding{Plan: plan, Basis: basis}, err
}

// writeArgs are what a single-VPS write tool's call gives the safety path.
type writeArgs struct {
	vpsID        string
	needs        ability // what the change needs of HostUp's API
	dryRun       bool
	confirmToken string
}

// write is the single-VPS write tools' safety path, whole: prepare the
// operation build makes, then the dry run or the confirmation, then execute.
// The view is what the read-back showed, nil when nothing was read back.
func write[V any](ctx context.Context, call *Call, w writeArgs, build builder[V]) (MutationOutput, *V, error) {
	op, err := prepare(ctx, call.deps, w.vpsID, w.needs, build)
	if err != nil {
		return MutationOutput{}, nil, err
	}
	return mutateOne(ctx, call, op, w.dryRun, w.confirmToken)
}

// mutateOne is write once the operation is prepared: the dry run or the
// confirmation, then execute.
func mutateOne[V any](ctx context.Context, call *Call, op *operation[V], dryRun bool, confirmToken string) (MutationOutput, *V, error) {
	d := call.deps
	out := MutationOutput{VPSID: op.vpsID, Plan: op.plan}
	if dryRun {
		out.Outcome = outcomeDryRun
		return out, nil, nil
	}
	if len(op.plan.Requests) == 0 {
		out.Outcome = outcomeNoChange
		return out, nil, nil
	}
	var g *grant
	if op.plan.Destructive {
		a, err := d.authorize(ctx, call, confirmation{tool: op.tool, token: confirmToken, changes: []*change{&op.change}, typed: op.typed})
		if err != nil {
			return out, nil, err
		}
		if a.note != "" {
			out.Notes = append(out.Notes, a.note)
		}
		switch {
		case a.declined:
			out.Outcome = outcomeDeclined
			out.Notes = append(out.Notes, "The user did not confirm the change, so nothing was sent to HostUp.")
			return out, nil, nil
		case a.token != "":
			out.Outcome = outcomeNeedsConfirm
			out.ConfirmToken = a.token
			out.ConfirmExpiresAt = a.expires.UTC().Format(time.RFC3339)
			return out, nil, nil
		}
		g = a.grant
	}
	done, view, err := execute(ctx, d, op, g)
	done.Notes = append(out.Notes, done.Notes...)
	return done, view, err
}

// execute sends one prepared operation and reads the state back, under the
// VPS's lock. g is the confirmation the user gave, nil when op's plan needed
// none; with one, op is sent only if g covers it. When another change may have
// run on the VPS since op was prepared, the VPS is read again: a changed basis
// sends nothing when the user confirmed the old plan, or when the new plan needs
// a confirmation it does not have; an unconfirmed change otherwise goes ahead as
// newly planned. Executing one operation needs nothing but op and g, so a fleet
// runs it per row and a task can run it alone.
func execute[V any](ctx context.Context, d *Deps, op *operation[V], g *grant) (MutationOutput, *V, error) {
	if g != nil {
		if err := g.check(&op.change); err != nil {
			return MutationOutput{VPSID: op.vpsID, Plan: op.plan}, nil, err
		}
	}
	unlock, err := d.locks.lock(ctx, op.vpsID)
	if err != nil {
		return MutationOutput{VPSID: op.vpsID, Plan: op.plan}, nil, err
	}
	defer unlock()
	lease, err := d.lease(ctx, op.vpsID)
	if err != nil {
		return MutationOutput{VPSID: op.vpsID, Plan: op.plan}, nil, err
	}
	defer lease.Release()
	if op, err = replan(ctx, d, op, g); err != nil {
		return MutationOutput{VPSID: op.vpsID, Plan: op.plan}, nil, err
	}
	out := MutationOutput{VPSID: op.vpsID, Plan: op.plan}
	if len(op.plan.Requests) == 0 {
		out.Outcome = outcomeNoChange
		return out, nil, nil
	}
	if err := lease.Check(ctx); err != nil {
		return out, nil, leaseRefusal(op.vpsID, err)
	}
	if g != nil {
		err := g.claim(ctx, op.vpsID, d.Leases != nil)
		if errors.Is(err, errInterrupted) {
			// An earlier use of the token sent this change and never heard
			// back: read the state and say what it shows, never send again.
			out.Outcome = outcomeUnknown
			out.Notes = append(out.Notes, "An earlier call with this confirm_token was sending this change when it stopped (its server was stopped or lost) before HostUp's answer came back, so the change was not sent again; the state was read back to see what happened.")
			view := readBackUnknown(ctx, op, sent{}, &out)
			return out, view, nil
		}
		if err != nil {
			return out, nil, err
		}
		defer g.sent(context.WithoutCancel(ctx), d.logger())
	}
	return send(ctx, d, op, out)
}

// replan makes op again from a fresh read when another change may have run on
// the VPS since it was prepared. The lock's count only knows this process's
// changes: with replicas, one of them may have changed the VPS since op's read,
// so then it is read again every time. On a refusal it returns the operation
// whose plan the result shows.
func replan[V any](ctx context.Context, d *Deps, op *operation[V], g *grant) (*operation[V], error) {
	if d.Leases == nil && !d.locks.changedSince(op.seen) {
		return op, nil
	}
	fresh, err := op.build(ctx)
	if err != nil {
		return op, err
	}
	switch {
	case g != nil:
		if err := g.check(&fresh.change); err != nil {
			return op, err
		}
	case fresh.plan.Destructive:
		return fresh, &Refusal{
			Reason: "Another change to " + op.vpsID + " ran while this one waited, and the change now needs the user's confirmation",
			Code:   "state_changed",
			Fix:    "call the tool again to get the new plan, and show it to the user.",
		}
	}
	fresh.build, fresh.seen = op.build, op.seen
	return fresh, nil
}

// send applies op, under the lock execute holds, and gives the verdict from
// the state read back after it.
func send[V any](ctx context.Context, d *Deps, op *operation[V], out MutationOutput) (MutationOutput, *V, error) {
	taskSending(ctx)
	s, err := op.apply(ctx)
	out.Notes = append(out.Notes, s.notes...)
	switch {
	case errors.Is(err, hostup.ErrOutcomeUnknown):
		// The request left but its answer did not come back: read the state and
		// say what it shows, rather than guess or resend.
		out.Outcome = outcomeUnknown
		out.Notes = append(out.Notes, "HostUp's answer to the change was lost, so it was not sent again; the state was read back to see what happened. ("+strings.TrimSuffix(firstLine(describeError(err)), ".")+".)")
		view := readBackUnknown(ctx, op, s, &out)
		return out, view, nil
	case err != nil:
		return out, nil, err
	}
	view, err := verdict(ctx, d, op, s, &out)
	return out, view, err
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
