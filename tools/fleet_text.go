package tools

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The fleet plan for a person: the text of the result, bounded, and the
// confirmation dialog, which lists every row the user's yes sends.

// fleetTextRows and fleetLineMax bound the text: a fleet of 1,000 VPSes reads
// like one of 30, and structuredContent still has every row.
const (
	fleetTextRows = 30
	fleetLineMax  = 240
	// fleetTokenInText is the longest confirm_token the text repeats; a token
	// covering hundreds of rows is only in structuredContent.
	fleetTokenInText = 4000
)

// text is the result o for a person: the policy and totals first, then only
// the rows that are not no_change, bounded.
func (f *fleet) text(o ApplyBackupPolicyOutput) string {
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
	for _, r := range f.rows {
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
		fmt.Fprintf(&b, "\n… and %d more rows that are not no_change (every one is in the structured result's groups).", left)
	}
	if o.Outcome == outcomeNeedsConfirm && o.ConfirmToken != "" {
		token := fmt.Sprintf("confirm_token=%q", o.ConfirmToken)
		if len(o.ConfirmToken) > fleetTokenInText || changesLeft > 0 {
			// The token grants every create and update row. When the text
			// leaves some out, it does not carry the token either: whoever
			// passes it on has the structured result, where every row's
			// change is, in its group.
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
func (f *fleet) dialog(o ApplyBackupPolicyOutput) string {
	o.Totals = f.totals()
	var b strings.Builder
	b.WriteString("Apply this plan? ")
	writeSummary(&b, o)
	a := o.Totals.ByAction
	fmt.Fprintf(&b, "\nYes sends the %d mutating requests of these %d VPS, and nothing to the others:", o.Totals.Requests, a[actionCreate]+a[actionUpdate])
	for _, r := range f.rows {
		if r.Action == actionCreate || r.Action == actionUpdate {
			b.WriteString("\n- " + r.line())
		}
	}
	return b.String()
}

// line is a row in one line of text.
func (r policyRow) line() string {
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
