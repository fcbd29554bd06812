package tools

import (
	"fmt"
	"strings"
)

// One way to render a plan for a person, used by every write tool's text, the
// confirmation dialog and the fleet's rows: what the change deletes and the
// server's own warnings come first, before the values; a value that neither this
// server nor the user wrote (a name) is shown quoted.

// textFields are the FieldChange fields whose values are free text: names the
// model passed or HostUp stored.
var textFields = map[string]bool{"name": true}

// values returns the change's before and after as a person reads them.
func (c FieldChange) values() (before, after string) {
	if !textFields[c.Field] {
		return c.Before, c.After
	}
	show := func(v string) string {
		if v == "(none)" {
			return v
		}
		return quoted(v)
	}
	return show(c.Before), show(c.After)
}

// line is the change as "field: before -> after".
func (c FieldChange) line() string {
	before, after := c.values()
	return c.Field + ": " + before + " -> " + after
}

// writeWarnings writes what the plan deletes and the server's warnings, each
// on its own line after indent.
func writeWarnings(b *strings.Builder, p Plan, indent string) {
	for _, d := range p.Deletes {
		b.WriteString("\n" + indent + "deletes: " + d)
	}
	for _, w := range p.Warnings {
		b.WriteString("\n" + indent + "warning: " + w)
	}
}

// writeChanges writes the plan's values before and after, a line each.
func writeChanges(b *strings.Builder, p Plan, indent string) {
	for _, c := range p.Changes {
		b.WriteString("\n" + indent + c.line())
	}
}

// Text is the plan for a person: its summary, then what it deletes and the
// server's warnings, then its values before and after, indented.
func (p Plan) Text() string {
	var b strings.Builder
	b.WriteString(p.Summary)
	writeWarnings(&b, p, "  ")
	writeChanges(&b, p, "  ")
	return b.String()
}

// confirmMessage is the dialog's text: for each plan, what it deletes and what
// the user should know, then what it does and its values before and after.
func confirmMessage(changes []*change) string {
	var b strings.Builder
	for i, c := range changes {
		if i > 0 {
			b.WriteString("\n\n")
		}
		p := c.plan
		b.WriteString(p.Summary)
		writeWarnings(&b, p, "")
		writeChanges(&b, p, "")
	}
	return b.String()
}

// summaryText renders a write tool's outcome for a person: a headline, then
// the plan's deletes and warnings, its values, and the notes. applied is the
// headline of an applied change, in the tool's words.
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
	case outcomeNotVisible:
		fmt.Fprintf(&b, "NOT CONFIRMED DONE: HostUp accepted the request, but the state read back does not show the change. The change was: %s", o.Plan.Summary)
	case outcomeUnknown:
		fmt.Fprintf(&b, "Outcome unknown (HostUp's answer was lost) for: %s", o.Plan.Summary)
	case outcomeNoChange:
		b.WriteString(o.Plan.Summary)
	}
	writeWarnings(&b, o.Plan, "  ")
	writeChanges(&b, o.Plan, "  ")
	for _, n := range o.Notes {
		fmt.Fprintf(&b, "\n%s", n)
	}
	if o.Outcome == outcomeNeedsConfirm {
		fmt.Fprintf(&b, "\nShow this plan to the user. If they agree, call again with the same arguments and confirm_token=%q (valid until %s).", o.ConfirmToken, o.ConfirmExpiresAt)
	}
	return b.String()
}
