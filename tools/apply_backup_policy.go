package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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
	Frequency       string   `json:"frequency" jsonschema:"enum=daily,enum=weekly,enum=monthly" jsonschema_description:"How often each VPS backs up."`
	Hour            int      `json:"hour" jsonschema:"minimum=0,maximum=23" jsonschema_description:"Start hour (first of the spread window)."`
	DayOfWeek       *int     `json:"day_of_week,omitempty" jsonschema:"minimum=0,maximum=6" jsonschema_description:"Required for weekly: 0=Sunday."`
	DayOfMonth      *int     `json:"day_of_month,omitempty" jsonschema:"minimum=1,maximum=31" jsonschema_description:"Required for monthly."`
	RetentionCount  int      `json:"retention_count" jsonschema:"minimum=1,maximum=1000" jsonschema_description:"Scheduled backups each VPS keeps."`
	Timezone        string   `json:"timezone,omitempty" jsonschema:"maxLength=64" jsonschema_description:"IANA zone of hour and day; default UTC."`
	VPSIDs          []string `json:"vps_ids,omitempty" jsonschema:"maxItems=1000,pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"Default: every VPS of the account."`
	SpreadHours     int      `json:"spread_hours,omitempty" jsonschema:"minimum=0,maximum=23" jsonschema_description:"Spread start hours over hour…hour+spread_hours."`
	CapRetention    bool     `json:"cap_retention,omitempty" jsonschema_description:"Give a VPS with a lower max_retention its maximum, not a refusal."`
	ReplaceExisting bool     `json:"replace_existing,omitempty" jsonschema_description:"Replace schedules of another frequency."`
	DryRun          bool     `json:"dry_run,omitempty" jsonschema_description:"Plan only; send nothing."`
	ConfirmToken    string   `json:"confirm_token,omitempty" jsonschema:"maxLength=100000" jsonschema_description:"From confirmation_required, after the user agreed."`
}

// PolicyRow is one VPS's part of the plan and, once applied, how it ended.
type PolicyRow struct {
	VPSID string `json:"vps_id"`
	Name  string `json:"name,omitempty"`
	// create or update: the plan sends requests. no_change: already as the
	// policy says. refused: HostUp's gates or limits say it would fail (see
	// reason, code, fix). skipped: the VPS could not be read (see error).
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
	// One sentence: what the row does, or why not.
	Summary string `json:"summary"`
	// The retention this VPS gets: retention_count, or its max_retention when
	// capped.
	RetentionCount int `json:"retention_count,omitempty"`
	// True when cap_retention lowered retention_count to this VPS's
	// max_retention.
	RetentionCapped bool `json:"retention_capped,omitempty"`
	// True when this row deletes something or can make HostUp delete backups.
	Destructive bool `json:"destructive,omitempty"`
	// Values before and after.
	Changes []FieldChange `json:"changes"`
	// The requests this row sends to HostUp, in order.
	Requests []PlannedRequest `json:"requests"`
	Deletes  []string         `json:"deletes,omitempty"`
	Warnings []string         `json:"warnings,omitempty"`
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
	// The VPS's schedule as HostUp reports it after the change.
	After *ScheduleView `json:"after,omitempty"`
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
	// One row per VPS, in the account's order (or the order of vps_ids).
	Rows []PolicyRow `json:"rows"`
	// ConfirmToken is what the caller passes back as confirm_token, with the
	// same arguments, once the user agreed to the plan. It covers exactly the
	// create and update rows shown, for 10 minutes.
	ConfirmToken     string `json:"confirm_token,omitempty"`
	ConfirmExpiresAt string `json:"confirm_expires_at,omitempty"`
	// True when not every VPS of the account is in the plan (one call covers up
	// to 1,000).
	Truncated bool `json:"truncated"`
	// How many VPSes of the account are not in the plan, as far as HostUp's
	// list was read. Pass their ids in vps_ids.
	LeftOut int `json:"left_out"`
	// Of the account's list of VPSes: unknown means HostUp did not say whether
	// more follow, so some VPSes may be missing from the plan.
	Completeness string `json:"completeness" jsonschema:"enum=complete,enum=truncated,enum=unknown"`
}

func applyBackupPolicy(d *Deps) server.ServerTool {
	return newTool(d, "apply_backup_policy", "Apply a backup policy to many VPSes",
		"One backup schedule for many VPSes (default: all): plans each, asks the user once, applies, reads back. "+
			"For one VPS use upsert_backup_schedule.",
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
			return f.output(out), f.text(out), nil
		})
}

// policyOutput starts the result with what holds for every row: the policy,
// its notes, and which VPSes of the account the plan leaves out.
func policyOutput(p policy, left leftOut) ApplyBackupPolicyOutput {
	out := ApplyBackupPolicyOutput{Policy: p.describe(), Notes: p.notes, Truncated: left.truncated, LeftOut: left.count, Completeness: completeness(left.truncated, left.unknown)}
	if out.Truncated {
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

// output fills out's rows and totals from the fleet.
func (f *fleet) output(out ApplyBackupPolicyOutput) ApplyBackupPolicyOutput {
	out.Rows = make([]PolicyRow, len(f.rows))
	out.Totals = PolicyTotals{
		VPS:       len(f.rows),
		ByAction:  map[string]int{actionCreate: 0, actionUpdate: 0, actionNoChange: 0, actionRefused: 0, actionSkipped: 0},
		ByOutcome: map[string]int{rowPlanned: 0, rowApplied: 0, rowNotVisible: 0, rowFailed: 0, rowUnknown: 0, rowChangedSincePlan: 0},
	}
	for i, r := range f.rows {
		out.Rows[i] = r.PolicyRow
		out.Totals.ByAction[r.Action]++
		out.Totals.ByOutcome[r.Outcome]++
		if r.Action == actionCreate || r.Action == actionUpdate {
			out.Totals.Requests += len(r.Requests)
		}
	}
	return out
}

// fleetTextRows and fleetLineMax bound the text: a fleet of 1,000 VPSes reads
// like one of 30, and structuredContent still has every row.
const (
	fleetTextRows = 30
	fleetLineMax  = 240
	// fleetTokenInText is the longest confirm_token the text repeats; a token
	// covering hundreds of rows is only in structuredContent.
	fleetTokenInText = 4000
)

// text is the result for a person: the policy and totals first, then only the
// rows that are not no_change, bounded.
func (f *fleet) text(out ApplyBackupPolicyOutput) string {
	o := f.output(out)
	t := o.Totals
	var b strings.Builder
	switch o.Outcome {
	case outcomeDryRun:
		b.WriteString("Dry run, nothing was sent. ")
	case outcomeNeedsConfirm:
		b.WriteString("Needs the user's confirmation, nothing was sent yet. ")
	case outcomeDeclined:
		b.WriteString("Not confirmed: nothing was changed. ")
	case outcomeNoChange:
		b.WriteString("Nothing to change: nothing was sent. ")
	}
	writeSummary(&b, o)
	a := t.ByAction
	listed, left, changesLeft := 0, 0, 0
	for _, r := range o.Rows {
		if r.Action == actionNoChange && r.Outcome == rowPlanned {
			continue
		}
		if listed == fleetTextRows {
			left++
			if r.Action == actionCreate || r.Action == actionUpdate {
				changesLeft++
			}
			continue
		}
		listed++
		b.WriteString("\n- " + clip(r.line(), fleetLineMax))
	}
	if left > 0 {
		fmt.Fprintf(&b, "\n… and %d more rows that are not no_change (every row is in the structured result).", left)
	}
	if o.Outcome == outcomeNeedsConfirm && o.ConfirmToken != "" {
		token := fmt.Sprintf("confirm_token=%q", o.ConfirmToken)
		if len(o.ConfirmToken) > fleetTokenInText || changesLeft > 0 {
			// The token grants every create and update row. When the text
			// leaves some out, it does not carry the token either: whoever
			// passes it on has the structured result, where every row is.
			token = fmt.Sprintf("the confirm_token from the structured result (%d characters; it covers the %d create and update rows, all listed there)", len(o.ConfirmToken), a[actionCreate]+a[actionUpdate])
		}
		fmt.Fprintf(&b, "\nShow this plan to the user. If they agree, call again with the same arguments and %s (valid until %s).", token, o.ConfirmExpiresAt)
		if changesLeft > 0 {
			fmt.Fprintf(&b, " Without the structured result, plan again in parts of at most %d VPS with vps_ids: each part's text then lists every row its token grants.", fleetTextRows)
		}
	}
	return b.String()
}

// writeSummary writes the policy, the totals and the notes.
func writeSummary(b *strings.Builder, o ApplyBackupPolicyOutput) {
	t := o.Totals
	fmt.Fprintf(b, "Policy: %s.\n", o.Policy)
	a := t.ByAction
	fmt.Fprintf(b, "%d VPS: %d create, %d update, %d no_change, %d refused, %d skipped; %d mutating requests planned.",
		t.VPS, a[actionCreate], a[actionUpdate], a[actionNoChange], a[actionRefused], a[actionSkipped], t.Requests)
	if o.Outcome == outcomeApplied {
		c := t.ByOutcome
		fmt.Fprintf(b, "\nApplied: %d applied, %d failed, %d outcome_unknown, %d changed since plan (not touched).",
			c[rowApplied], c[rowFailed], c[rowUnknown], c[rowChangedSincePlan])
		if n := c[rowNotVisible]; n > 0 {
			fmt.Fprintf(b, "\nNOT CONFIRMED DONE: %d accepted by HostUp but not shown in the state read back (accepted_not_visible); do not report them as done.", n)
		}
	}
	for _, n := range o.Notes {
		fmt.Fprintf(b, "\nNote: %s", n)
	}
}

// dialog is the confirmation the user answers: the policy, the totals and
// every row the answer sends, each whole on its own line. Unlike text it is
// not bounded, because one "yes" grants every one of these rows, so none may
// be left out or cut; the rows that send nothing are only counted.
func (f *fleet) dialog(out ApplyBackupPolicyOutput) string {
	o := f.output(out)
	var b strings.Builder
	b.WriteString("Apply this plan? ")
	writeSummary(&b, o)
	a := o.Totals.ByAction
	fmt.Fprintf(&b, "\nYes sends the %d mutating requests of these %d VPS, and nothing to the others:", o.Totals.Requests, a[actionCreate]+a[actionUpdate])
	for _, r := range o.Rows {
		if r.Action == actionCreate || r.Action == actionUpdate {
			b.WriteString("\n- " + r.line())
		}
	}
	return b.String()
}

// line is a row in one line of text.
func (r PolicyRow) line() string {
	var b strings.Builder
	b.WriteString(r.VPSID)
	if r.Name != "" {
		b.WriteString(" " + inList(r.Name))
	}
	b.WriteString(": " + r.Action)
	switch r.Action {
	case actionRefused:
		fmt.Fprintf(&b, ": %s%s", strings.TrimSuffix(r.Summary, "."), codeSuffixed(r.Code))
	case actionSkipped:
		fmt.Fprintf(&b, ": %s", firstLine(r.Error))
	default:
		var parts []string
		for _, c := range r.Changes {
			switch {
			case r.Action == actionUpdate:
				parts = append(parts, fmt.Sprintf("%s %s -> %s", c.Field, c.Before, c.After))
			case c.Field != "enabled" && c.Field != "name":
				parts = append(parts, c.Field+" "+c.After)
			}
		}
		if len(parts) > 0 {
			b.WriteString(": " + strings.Join(parts, ", "))
		}
		if r.RetentionCapped {
			b.WriteString(" [retention capped at max_retention]")
		}
		if r.Destructive {
			b.WriteString(" [destructive: " + strings.Join(r.Deletes, "; ") + "]")
		}
	}
	switch r.Outcome {
	case rowApplied:
		b.WriteString(" => applied")
	case rowFailed:
		b.WriteString(" => FAILED: " + firstLine(r.Error))
	case rowUnknown:
		b.WriteString(" => OUTCOME UNKNOWN: " + strings.Join(r.Notes, " "))
	case rowNotVisible:
		b.WriteString(" => NOT CONFIRMED DONE: " + strings.Join(r.Notes, " "))
	case rowChangedSincePlan:
		b.WriteString(" => " + firstLine(r.Error))
	}
	return b.String()
}

func codeSuffixed(code string) string {
	if code == "" {
		return ""
	}
	return " (" + code + ")"
}

// clip cuts s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// leftOutNote says which VPSes of the account one call did not cover.
func leftOutNote(left leftOut) string {
	more := fmt.Sprintf("%d more VPS", left.count)
	if !left.exact {
		more = fmt.Sprintf("at least %d more VPS", max(1, left.count))
	}
	return fmt.Sprintf("Not in this plan: %s of the account (one call covers up to %d). Pass their ids in vps_ids to apply the policy to them.", more, auditMaxVPS)
}
