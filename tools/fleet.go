package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// The fleet behind apply_backup_policy: a row per VPS, each planned on the
// single-VPS tools' safety path (prepare), confirmed once for all, and applied
// row by row (execute), with bounded concurrency and progress per VPS.

// fleetConcurrency bounds the fleet's parallel requests as auditConcurrency does
// the audit's: the client waits out HostUp's 429s, so a larger fleet costs time,
// never failed rows.
const fleetConcurrency = auditConcurrency

// fleet is the plan of one call: a row per VPS, with the prepared operation of
// each row that sends something.
type fleet struct {
	d    *Deps
	rows []*fleetRow
	// progress counts every VPS planned and applied in this call: MCP wants it
	// to grow with each notification.
	mu       sync.Mutex
	progress int
}

type fleetRow struct {
	policyRow
	op *operation[[]ScheduleView]
	// replanRefusal is the refusal of the row's last plan: under the lock,
	// execute plans the row again, and this tells its refusal (the VPS's gates
	// or limits changed) from the confirmation's and the lease's.
	replanRefusal *Refusal
}

// planFleet prepares every VPS's row with bounded concurrency, each on the
// single-VPS tools' safety path (prepare with upsertOperationFrom), and reports
// progress per VPS.
func (d *Deps) planFleet(ctx context.Context, call *Call, p policy, targets []auditTarget) *fleet {
	f := &fleet{d: d, rows: make([]*fleetRow, len(targets))}
	offsets := spreadOffsets(targets, p.in.SpreadHours)
	bounded(len(targets), fleetConcurrency, func(i int) {
		t := targets[i]
		r := &fleetRow{policyRow: policyRow{VPSID: t.id, Name: t.name, Outcome: rowPlanned}}
		f.rows[i] = r
		op, err := prepare(ctx, d, t.id, anyAPI, func(ctx context.Context, api backend) (*operation[[]ScheduleView], error) {
			op, err := d.policyOperation(ctx, api, p, p.wants[offsets[t.id]], r)
			r.replanRefusal = nil
			errors.As(err, &r.replanRefusal)
			return op, err
		})
		r.planned(op, err)
		f.tick(ctx, call, len(targets), fmt.Sprintf("planned %s", t.id))
	})
	return f
}

// spreadOffsets gives each VPS its hour in the window: round robin over the
// sorted ids, so the hours are even and the same VPSes get the same hours on
// every call (the plan, its confirmation and a re-run must agree).
func spreadOffsets(targets []auditTarget, spread int) map[string]int {
	ids := make([]string, len(targets))
	for i, t := range targets {
		ids[i] = t.id
	}
	slices.Sort(ids)
	out := make(map[string]int, len(ids))
	for i, id := range ids {
		out[id] = i % (spread + 1)
	}
	return out
}

// policyOperation plans one VPS: upsert_backup_schedule's operation for want,
// with the retention fitted to the VPS's maximum when cap_retention allows it,
// and refused when no scheduled run could ever store its backup.
func (d *Deps) policyOperation(ctx context.Context, api backend, p policy, want scheduleRequest, r *fleetRow) (*operation[[]ScheduleView], error) {
	in := UpsertBackupScheduleInput{
		VPSID: r.VPSID, Frequency: p.in.Frequency, RetentionCount: want.RetentionCount,
		Enabled: &want.Enabled, ReplaceExisting: p.in.ReplaceExisting,
	}
	read, err := api.schedules(ctx)
	if err != nil {
		return nil, err
	}
	bs := read.state()
	r.RetentionCapped = false
	if limit, known := retentionLimit(bs); p.in.CapRetention && known && want.RetentionCount > limit && limit > 0 {
		want.RetentionCount, in.RetentionCount, r.RetentionCapped = limit, limit, true
	}
	r.RetentionCount = want.RetentionCount
	op, err := d.upsertOperationFrom(ctx, api, in, want, nil, bs)
	slots, slotsKnown := freeSlots(bs)
	auto, autoKnown := autoDeleteOldest(bs)
	noSlot := slotsKnown && slots <= 0 && autoKnown && !auto
	// No free slot wins over a retention above the limit: a lower retention
	// cannot cure it, so advising one would only lead to this refusal.
	var refusal *Refusal
	if noSlot && ((err == nil && len(op.plan.Requests) > 0) || (errors.As(err, &refusal) && refusal.Code == "retention_above_limit")) {
		return nil, &Refusal{
			Reason: fmt.Sprintf("%s has no free backup slot and does not delete the oldest backups automatically, so every scheduled run would fail", r.VPSID),
			Code:   "no_free_slot",
			Fix:    "delete manual backups (delete_backup), turn on auto_delete_oldest (update_backup_settings) or raise the VPS's backup limit in HostUp's control panel, then apply the policy again.",
		}
	}
	if err != nil {
		return nil, err
	}
	if len(bs.Schedules) > 0 {
		r.Action = actionUpdate
	} else {
		r.Action = actionCreate
	}
	return op, nil
}

// planned fills the row from what prepare returned.
func (r *fleetRow) planned(op *operation[[]ScheduleView], err error) {
	var refusal *Refusal
	switch {
	case errors.As(err, &refusal):
		r.Action, r.Summary, r.Code, r.Fix = actionRefused, strings.TrimSuffix(refusal.Reason, ".")+".", refusal.Code, refusal.Fix
	case err != nil:
		failure := classifyError(err)
		r.Action, r.Summary, r.Error, r.Code, r.Fix = actionSkipped, "Could not be read, so it was not planned.", describeError(err), failure.Code, failure.Fix
	default:
		r.showPlan(op.plan)
		if len(op.plan.Requests) == 0 {
			r.Action = actionNoChange
			return
		}
		r.op = op
	}
}

func (r *fleetRow) showPlan(p Plan) {
	r.Summary, r.Destructive, r.Changes, r.Requests = p.Summary, p.Destructive, p.Changes, p.Requests
	r.Deletes, r.Warnings = nil, nil
	if len(p.Deletes) > 0 {
		r.Deletes = p.Deletes
	}
	if r.RetentionCapped {
		r.Warnings = append(r.Warnings, fmt.Sprintf("retention_count capped at %d, this VPS's max_retention (cap_retention).", r.RetentionCount))
	}
	r.Warnings = append(r.Warnings, p.Warnings...)
}

// changing returns the rows whose plan sends a request.
func (f *fleet) changing() []*fleetRow {
	var out []*fleetRow
	for _, r := range f.rows {
		if r.op != nil {
			out = append(out, r)
		}
	}
	return out
}

// execute sends each row under the user's one confirmation g: per row the
// single-VPS execute (lock, re-check against g, apply, read back), with bounded
// concurrency and progress per VPS. A row g does not cover is not touched; the
// others still go.
func (f *fleet) execute(ctx context.Context, call *Call, rows []*fleetRow, g *grant) {
	total := len(f.rows) + len(rows)
	bounded(len(rows), fleetConcurrency, func(i int) {
		r := rows[i]
		// The schedule read back decides the row's outcome; the result does
		// not repeat it (list_backup_schedules shows it).
		mo, _, err := execute(ctx, f.d, r.op, g)
		r.executed(mo, err)
		f.tick(ctx, call, total, fmt.Sprintf("%s %s", r.VPSID, r.Outcome))
	})
}

// executed records how the row's execute ended.
func (r *fleetRow) executed(mo MutationOutput, err error) {
	var refusal *Refusal
	switch {
	case errors.As(err, &refusal) && r.changedSincePlan(refusal):
		// Nothing was sent: the confirmation no longer covers what the VPS
		// would get, or the VPS now refuses the change.
		r.Outcome, r.Error, r.Code, r.Fix = rowChangedSincePlan, "Not touched: "+refusal.Error(), refusal.Code, refusal.Fix
		if refusal.Code == "stale_confirm_token" || refusal.Code == "mismatched_confirm_token" {
			r.Error = "Not touched: " + r.VPSID + "'s backup schedule, settings, limits or gates changed since the plan the user confirmed (or it was not in that plan). Apply the policy again for a new plan."
			r.Fix = "apply the policy again for a new plan."
		}
		return
	case err != nil:
		failure := classifyError(err)
		r.Outcome, r.Error, r.Code, r.Fix = rowFailed, describeError(err), failure.Code, failure.Fix
		return
	}
	r.showPlan(mo.Plan)
	r.Notes = mo.Notes
	switch mo.Outcome {
	case outcomeNoChange:
		r.Action = actionNoChange
		return
	case outcomeApplied:
		r.Outcome = rowApplied
	case outcomeNotVisible:
		r.Outcome = rowNotVisible
	default:
		r.Outcome = rowUnknown
	}
}

// changedSincePlan says whether refusal means the VPS is no longer as the
// confirmed plan saw it. A used token, an unreadable record of used tokens or
// a lease that could not be taken say nothing about the VPS: those rows failed.
func (r *fleetRow) changedSincePlan(refusal *Refusal) bool {
	switch refusal.Code {
	case "stale_confirm_token", "mismatched_confirm_token", "state_changed":
		return true
	}
	return refusal == r.replanRefusal
}

func (f *fleet) tick(ctx context.Context, call *Call, total int, message string) {
	// Under the lock: progress must grow with every notification.
	f.mu.Lock()
	defer f.mu.Unlock()
	f.progress++
	call.progress(ctx, float64(f.progress), float64(total), message)
}

// bounded runs fn(0) … fn(n-1) with at most limit running at once.
func bounded(n, limit int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, limit)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}()
	}
	wg.Wait()
}

// fleetGroupsBudget bounds the encoded groups of one result. Rows that failed
// each say so in their own words, which often name the VPS; when a whole
// fleet fails, those words are left out of the groups so that alike failures
// share one (code and fix stay, and the text names the first rows).
const fleetGroupsBudget = 48 << 10

// groups puts every row into a group of the rows alike, or into no_change.
func (f *fleet) groups() ([]PolicyGroup, []string) {
	noChange := []string{}
	var rows []*fleetRow
	for _, r := range f.rows {
		if r.Action == actionNoChange && r.Outcome == rowPlanned {
			noChange = append(noChange, r.VPSID)
			continue
		}
		rows = append(rows, r)
	}
	groups := groupRows(rows, true)
	if size, err := json.Marshal(groups); err == nil && len(size) > fleetGroupsBudget {
		groups = groupRows(rows, false)
	}
	return groups, noChange
}

// groupRows groups rows by all they say but their VPS and its sentence
// (which often names it), and, unless withTexts, their error and notes: a
// group keeps a sentence, an error or notes only when each of its rows has
// the same. Groups are in the order of the actions, then of their first row.
func groupRows(rows []*fleetRow, withTexts bool) []PolicyGroup {
	groups := []PolicyGroup{}
	at := map[string]int{}
	for _, r := range rows {
		g := PolicyGroup{
			Action: r.Action, Outcome: r.Outcome, Destructive: r.Destructive,
			Changes: r.Changes, Deletes: r.Deletes, Warnings: r.Warnings, Code: r.Code, Fix: r.Fix,
		}
		if withTexts {
			g.Error, g.Notes = r.Error, r.Notes
		}
		k, _ := json.Marshal(g) // strings and numbers only
		i, ok := at[string(k)]
		if !ok {
			i, at[string(k)] = len(groups), len(groups)
			g.Summary, g.Error, g.Notes = r.Summary, r.Error, r.Notes
			groups = append(groups, g)
		}
		grp := &groups[i]
		grp.VPSIDs = append(grp.VPSIDs, r.VPSID)
		if grp.Summary != r.Summary {
			grp.Summary = ""
		}
		if grp.Error != r.Error {
			grp.Error = ""
		}
		if !slices.Equal(grp.Notes, r.Notes) {
			grp.Notes = nil
		}
	}
	order := []string{actionCreate, actionUpdate, actionRefused, actionSkipped, actionNoChange}
	slices.SortStableFunc(groups, func(a, b PolicyGroup) int {
		return slices.Index(order, a.Action) - slices.Index(order, b.Action)
	})
	return groups
}
