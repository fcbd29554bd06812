package tools

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// Row actions (what the plan does to a VPS) and row outcomes (how it ended).
const (
	actionCreate   = "create"
	actionUpdate   = "update"
	actionNoChange = "no_change"
	actionRefused  = "refused"
	actionSkipped  = "skipped"

	rowPlanned          = "planned"
	rowApplied          = "applied"
	rowNotVisible       = "accepted_not_visible"
	rowFailed           = "failed"
	rowUnknown          = "outcome_unknown"
	rowChangedSincePlan = "changed_since_plan"
)

// ApplyBackupPolicyInput is one schedule policy for many VPSes.
type ApplyBackupPolicyInput struct {
	Frequency       string   `json:"frequency" jsonschema:"enum=daily,enum=weekly,enum=monthly" jsonschema_description:"Backup frequency."`
	Hour            int      `json:"hour" jsonschema:"minimum=0,maximum=23" jsonschema_description:"Start hour (the spread window's first)."`
	DayOfWeek       *int     `json:"day_of_week,omitempty" jsonschema:"minimum=0,maximum=6" jsonschema_description:"Required for weekly: 0=Sunday."`
	DayOfMonth      *int     `json:"day_of_month,omitempty" jsonschema:"minimum=1,maximum=31" jsonschema_description:"Required for monthly."`
	RetentionCount  int      `json:"retention_count" jsonschema:"minimum=1,maximum=1000" jsonschema_description:"Scheduled backups each VPS keeps."`
	Timezone        string   `json:"timezone,omitempty" jsonschema:"maxLength=64" jsonschema_description:"IANA zone of hour and day; default UTC."`
	VPSIDs          []string `json:"vps_ids,omitempty" jsonschema:"maxItems=1000,pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"Default: the whole account."`
	SpreadHours     int      `json:"spread_hours,omitempty" jsonschema:"minimum=0,maximum=23" jsonschema_description:"Spread start hours over hour…hour+spread_hours."`
	CapRetention    bool     `json:"cap_retention,omitempty" jsonschema_description:"A VPS whose max_retention is lower gets it, not a refusal."`
	ReplaceExisting bool     `json:"replace_existing,omitempty" jsonschema_description:"Replace schedules of another frequency."`
	DryRun          bool     `json:"dry_run,omitempty" jsonschema_description:"Plan only."`
	ConfirmToken    string   `json:"confirm_token,omitempty" jsonschema:"maxLength=100000" jsonschema_description:"Once the user agreed to the plan."`
}

// PolicyGroup is the plan and, once applied, the outcome of one or more VPSes
// whose rows are alike: the same action, changes and outcome, or the same
// refusal or failure. A policy makes many rows alike, so a fleet of 1,000
// VPSes reads as a few dozen groups, and each VPS's change is still here
// whole. What differs from VPS to VPS only in its id is left out: the sentence
// naming it (kept when every VPS of the group has the same one), the exact
// requests (upsert_backup_schedule with the same values and dry_run shows them
// for one VPS) and the schedule read back (list_backup_schedules).
type PolicyGroup struct {
	// The VPSes of the group, in the account's order (or the order of
	// vps_ids).
	VPSIDs []string `json:"vps_ids"`
	// create or update: the plan sends requests. refused: HostUp's gates or
	// limits say it would fail (see code, fix). skipped: the VPS could not be
	// read (see error). no_change is not a group: see no_change.
	Action string `json:"action" jsonschema:"enum=create,enum=update,enum=no_change,enum=refused,enum=skipped"`
	// planned: nothing was sent for this row. applied: done, and the state read
	// back shows it. accepted_not_visible: HostUp accepted the request but the
	// state read back does not show the change (see notes); not done as far as
	// HostUp shows. failed: not done, see error (a request HostUp refused is
	// not repeated). outcome_unknown: HostUp's answer was lost or an error;
	// notes say what the state read back shows. changed_since_plan: the VPS's
	// schedule, settings, limits or gates changed since the confirmed plan (or
	// it was not in it), so it was not touched.
	Outcome string `json:"outcome" jsonschema:"enum=planned,enum=applied,enum=accepted_not_visible,enum=failed,enum=outcome_unknown,enum=changed_since_plan"`
	// One sentence: what the rows do, or why not, when it is the same for
	// each.
	Summary string `json:"summary,omitempty"`
	// True when the rows delete something or can make HostUp delete backups.
	Destructive bool `json:"destructive,omitempty"`
	// Values before and after, the same on each VPS of the group.
	Changes []FieldChange `json:"changes,omitempty"`
	Deletes []string      `json:"deletes,omitempty"`
	// Among them, when cap_retention gave these VPSes their max_retention
	// rather than retention_count, that it did and how many they keep.
	Warnings []string `json:"warnings,omitempty"`
	// Refused: HostUp's gate code (e.g. pending_order) or ours (e.g.
	// retention_above_limit, no_free_slot). Skipped, failed or
	// changed_since_plan: the failure's code, as a failed tool result carries
	// it (e.g. vps_not_found, http_500).
	Code string `json:"code,omitempty"`
	// Refused, skipped, failed or changed_since_plan: what the user can do,
	// when there is something to say.
	Fix string `json:"fix,omitempty"`
	// skipped, failed or changed_since_plan: what went wrong, in HostUp's words
	// where it gave some.
	Error string `json:"error,omitempty"`
	// After applying: what happened and what the state read back shows.
	Notes []string `json:"notes,omitempty"`
}

// policyRow is one VPS's part of the plan and, once applied, how it ended: what
// the text and the dialog show of each VPS. PolicyGroup documents the fields.
type policyRow struct {
	VPSID, Name     string
	Action, Outcome string
	Summary         string
	RetentionCount  int
	RetentionCapped bool
	Destructive     bool
	Changes         []FieldChange
	Requests        []PlannedRequest // the requests the row sends to HostUp, in order
	Deletes         []string
	Warnings        []string
	Code, Fix       string
	Error           string
	Notes           []string
}

// PolicyTotals counts the rows.
type PolicyTotals struct {
	VPS int `json:"vps"`
	// Rows per action: create, update, no_change, refused, skipped.
	ByAction map[string]int `json:"by_action"`
	// Rows per outcome: planned, applied, accepted_not_visible, failed,
	// outcome_unknown, changed_since_plan.
	ByOutcome map[string]int `json:"by_outcome"`
	// Mutating requests the plan's create and update rows send (POST, and
	// DELETE when replacing).
	Requests int `json:"requests"`
}

// ApplyBackupPolicyOutput is the fleet's plan and, once applied, every row's outcome.
type ApplyBackupPolicyOutput struct {
	Common
	// dry_run: nothing sent. confirmation_required: nothing sent; show the plan
	// to the user and call again with the same arguments and confirm_token once
	// they agree. declined: the user said no; nothing changed. no_change: no
	// VPS needs a change; nothing sent. applied: the confirmed rows were sent;
	// each row's outcome says how it ended.
	Outcome string `json:"outcome" jsonschema:"enum=dry_run,enum=confirmation_required,enum=declined,enum=no_change,enum=applied"`
	// The policy in words, in UTC as HostUp stores it.
	Policy string `json:"policy"`
	// What holds for every row, e.g. the time zone conversion.
	Notes  []string     `json:"notes"`
	Totals PolicyTotals `json:"totals"`
	// Every VPS whose row sends something, or is not as the policy asks, in a
	// group of the VPSes whose rows are alike: creates and updates first, then
	// refusals and the VPSes that could not be read.
	Groups []PolicyGroup `json:"groups"`
	// The VPSes already as the policy says, in the account's order: nothing
	// is sent to them (totals.by_action counts them).
	NoChange []string `json:"no_change"`
	// ConfirmToken is what the caller passes back as confirm_token, with the
	// same arguments, once the user agreed to the plan. It covers exactly the
	// create and update rows shown, for 10 minutes, and only for this set of
	// VPSes: the groups' and no_change's.
	ConfirmToken     string `json:"confirm_token,omitempty"`
	ConfirmExpiresAt string `json:"confirm_expires_at,omitempty"`
	// How many VPSes of the account are not in the plan, as far as HostUp's
	// list was read. Pass their ids in vps_ids.
	LeftOut int `json:"left_out"`
	// Of the account's list of VPSes: truncated when not every VPS of the
	// account is in the plan (one call covers up to 1,000); unknown when HostUp
	// did not say whether more follow, so some VPSes may be missing from it.
	Completeness string `json:"completeness" jsonschema:"enum=complete,enum=truncated,enum=unknown"`
}

func applyBackupPolicy(d *Deps) server.ServerTool {
	return newTool(d, "apply_backup_policy", "Apply a backup policy",
		"One backup schedule for many VPSes (default: all): plans each, asks the user once, applies, reads back; "+
			"for one VPS, upsert_backup_schedule.",
		setterHints,
		func(ctx context.Context, call *Call, in ApplyBackupPolicyInput) (ApplyBackupPolicyOutput, string, error) {
			p, err := newPolicy(in, d.now())
			if err != nil {
				return ApplyBackupPolicyOutput{}, "", err
			}
			targets, left, err := d.auditTargets(ctx, in.VPSIDs)
			if err != nil {
				return ApplyBackupPolicyOutput{}, "", err
			}
			f := d.planFleet(ctx, call, p, targets)
			out := policyOutput(p, left)
			changing := f.changing()
			switch {
			case in.DryRun:
				out.Outcome = outcomeDryRun
			case len(changing) == 0:
				out.Outcome = outcomeNoChange
			default:
				if err := f.confirmAndApply(ctx, call, in.ConfirmToken, changing, &out); err != nil {
					return out, "", err
				}
			}
			out = f.output(out)
			return out, f.text(out), nil
		})
}

// policyOutput starts the result with what holds for every row: the policy,
// its notes, and which VPSes of the account the plan leaves out.
func policyOutput(p policy, left leftOut) ApplyBackupPolicyOutput {
	out := ApplyBackupPolicyOutput{Policy: p.describe(), Notes: p.notes, LeftOut: left.count, Completeness: completeness(left.truncated, left.unknown)}
	if left.truncated {
		out.Notes = append(out.Notes, leftOutNote(left))
	}
	if out.Completeness == listUnknown {
		out.Notes = append(out.Notes, completenessUnknownNote+" A VPS beyond them is not in this plan; pass its id in vps_ids.")
	}
	return out
}

// confirmAndApply asks the user once for every row that sends something,
// destructive or not: the user agrees to the fleet's plan as a whole. When
// they have, it applies those rows; out gets the outcome and, when the answer
// is a token to come back with, the token.
func (f *fleet) confirmAndApply(ctx context.Context, call *Call, token string, changing []*fleetRow, out *ApplyBackupPolicyOutput) error {
	changes := make([]*change, len(changing))
	for i, r := range changing {
		changes[i] = &r.op.change
	}
	// Bound to every row shown: the token confirms this set of VPSes,
	// not a part of it (vps_ids) the user never saw alone.
	shown := make([]string, len(f.rows))
	for i, r := range f.rows {
		shown[i] = r.VPSID
	}
	a, err := f.d.authorize(ctx, call, confirmation{
		tool: "apply_backup_policy", token: token, changes: changes, shown: shown,
		message: f.dialog(ApplyBackupPolicyOutput{Policy: out.Policy, Notes: out.Notes}),
	})
	switch {
	case err != nil:
		return err
	case a.declined:
		out.Outcome = outcomeDeclined
	case a.token != "":
		out.Outcome = outcomeNeedsConfirm
		out.ConfirmToken = a.token
		out.ConfirmExpiresAt = a.expires.UTC().Format(time.RFC3339)
	default:
		// The one place the user's confirmation is used: once, for every row
		// it covers.
		f.execute(ctx, call, changing, a.grant)
		out.Outcome = outcomeApplied
	}
	return nil
}

// policy is the input checked once for the whole fleet: the schedule each
// start hour of the window asks for.
type policy struct {
	in     ApplyBackupPolicyInput
	wants  []scheduleRequest // by offset from in.Hour, 0 … in.SpreadHours
	notes  []string
	window string // the spread in words, "" without one
}

func newPolicy(in ApplyBackupPolicyInput, now time.Time) (policy, error) {
	p := policy{in: in, notes: []string{}}
	if in.SpreadHours > 0 && in.Frequency != hostup.FrequencyDaily && in.Hour+in.SpreadHours > 23 {
		return p, badInput("hour %d with spread_hours %d runs past midnight, which would move some %s backups to the next day; choose an hour of at most %d or fewer spread_hours",
			in.Hour, in.SpreadHours, in.Frequency, 23-in.SpreadHours)
	}
	enabled := true
	for offset := range in.SpreadHours + 1 {
		want, notes, err := desiredSchedule(UpsertBackupScheduleInput{
			Frequency: in.Frequency, Hour: (in.Hour + offset) % 24, DayOfWeek: in.DayOfWeek, DayOfMonth: in.DayOfMonth,
			RetentionCount: in.RetentionCount, Enabled: &enabled, Timezone: in.Timezone,
		}, now)
		if err != nil {
			return p, err
		}
		p.wants = append(p.wants, want)
		// The conversion of the first hour explains the others of its UTC day.
		// When the window crosses midnight UTC, the later hours fall on the next
		// day, so the first of them gets its own conversion note too (a weekly
		// Monday 00:00 in Stockholm spread over 3 hours is Sunday 23:00 UTC for
		// some VPSes and Monday for the others).
		if offset == 0 || (!sameDay(want, p.wants[0]) && sameDay(p.wants[offset-1], p.wants[0])) {
			for _, n := range notes {
				if !slices.Contains(p.notes, n) {
					p.notes = append(p.notes, n)
				}
			}
		}
	}
	if in.SpreadHours > 0 {
		first, last := p.wants[0], p.wants[len(p.wants)-1]
		p.window = fmt.Sprintf("start hours spread over %02d:00-%02d:00 UTC", first.Hour, last.Hour)
		if !sameDay(first, last) {
			p.window = fmt.Sprintf("start times spread over %s %02d:00 to %s %02d:00 UTC, so the day depends on the VPS", dayOf(first), first.Hour, dayOf(last), last.Hour)
		}
	}
	return p, nil
}

// sameDay says whether two of the policy's schedules run on the same UTC day
// of the week or month (daily ones always do).
func sameDay(a, b scheduleRequest) bool {
	return dayOf(a) == dayOf(b)
}

// dayOf names the UTC day a weekly or monthly schedule runs on, "" for daily.
func dayOf(r scheduleRequest) string {
	switch {
	case r.DayOfWeek != nil:
		return weekdayName(*r.DayOfWeek)
	case r.DayOfMonth != nil:
		return fmt.Sprintf("day %d", *r.DayOfMonth)
	}
	return ""
}

func (p policy) describe() string {
	s := describeRequest(p.wants[0])
	if p.window != "" {
		s += ", " + p.window
	}
	return s
}

// output fills out's groups, no_change and totals from the fleet.
func (f *fleet) output(out ApplyBackupPolicyOutput) ApplyBackupPolicyOutput {
	out.Totals = f.totals()
	out.Groups, out.NoChange = f.groups()
	return out
}

func (f *fleet) totals() PolicyTotals {
	t := PolicyTotals{
		VPS:       len(f.rows),
		ByAction:  map[string]int{actionCreate: 0, actionUpdate: 0, actionNoChange: 0, actionRefused: 0, actionSkipped: 0},
		ByOutcome: map[string]int{rowPlanned: 0, rowApplied: 0, rowNotVisible: 0, rowFailed: 0, rowUnknown: 0, rowChangedSincePlan: 0},
	}
	for _, r := range f.rows {
		t.ByAction[r.Action]++
		t.ByOutcome[r.Outcome]++
		if r.Action == actionCreate || r.Action == actionUpdate {
			t.Requests += len(r.Requests)
		}
	}
	return t
}
