package tools

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// A typed confirmation (restore_backup) asks the user to type a name instead of
// ticking a box: a click can be a reflex, typing the VPS's name cannot. It is the
// person's confirmation, not the model's: the model sees the name too, so by
// default a typed confirmation is given only where the model cannot give it, in
// the client's dialog or on a confirmation page, and the token path (where the
// model passes the typed name as an argument) is open only when the server's
// operator allows it (Deps.RestoreByToken). It extends authorize in four places:
// the dialog's schema and message, the dialog's answer, the refusal when no
// person can be asked, and the token path.

// typedLimit is the longest text a user is asked to type, in characters: the
// maxLength of restore_backup's confirm_vps_name, and of the dialog's field.
const typedLimit = 200

// typedConfirmation is what the user must type, and what the call passed.
type typedConfirmation struct {
	what  string // what is typed, e.g. "the VPS's name"
	want  string // the exact text, e.g. "web-01"
	arg   string // the tool argument carrying it on the token path
	given string // that argument's value in this call; "" when absent
	// change names what is confirmed ("A restore"), and cli how the person at a
	// terminal confirms it, for the refusal when nobody can be asked here.
	change, cli string
}

// typedVPSName says what the user types to confirm a change to a VPS: its name,
// or its id when the name cannot be typed: it has none, it is longer than a
// typed field takes, or it holds characters no keyboard types (control
// characters, bidi controls), which the typed argument may not hold either.
func typedVPSName(name, id string) (what, want string) {
	n := typedForm(name)
	if _, _, bad := firstNonPlain(n); n == "" || bad || utf8.RuneCountInString(norm.NFD.String(n)) > typedLimit {
		return "the VPS's id", id
	}
	return "the VPS's name", n
}

// typedForm is the form in which a typed text and what it must equal are
// compared: without surrounding spaces, and composed (Unicode NFC), so that a
// name stored or typed with "é" as e plus a combining accent still matches.
// The limit is checked on the decomposed form (NFD), the longest a keyboard
// may send.
func typedForm(s string) string { return norm.NFC.String(strings.TrimSpace(s)) }

// typedField is the dialog's one field.
const typedField = "typed_name"

// schema is the dialog's form: a plain tick box, or one required text field.
func (c confirmation) schema() map[string]any {
	if c.typed == nil {
		return confirmSchema
	}
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			typedField: map[string]any{
				"type":        "string",
				"title":       "Type " + c.typed.what + " to confirm",
				"description": fmt.Sprintf("Type %s exactly, without the quotes: %s", c.typed.what, quoted(c.typed.want)),
				"maxLength":   typedLimit,
			},
		},
		"required": []string{typedField},
	}
}

// dialogText is the dialog's message, which for a typed confirmation ends by
// saying what to type.
func (c confirmation) dialogText() string {
	message := c.message
	if message == "" {
		message = confirmMessage(c.changes)
	}
	if c.typed != nil {
		message += "\n\n" + c.typed.instruction()
	}
	return message
}

// instruction says what to type; the text is quoted, so that a name can never
// pass for more of the server's words.
func (t *typedConfirmation) instruction() string {
	return fmt.Sprintf("To go ahead, type %s, without the quotes: %s", t.what, quoted(t.want))
}

// answered says whether an accepted dialog's content is consent. A typed name that
// differs is a refusal, not a decline: the user meant to agree to something, but
// not, by their own typing, to this.
func (c confirmation) answered(content any) (bool, error) {
	if c.typed == nil {
		return accepted(content), nil
	}
	m, _ := content.(map[string]any)
	typed, _ := m[typedField].(string)
	return true, c.typed.match(typed, "in the dialog")
}

// checkGiven is the token path's half: the call must carry the typed name too.
func (t *typedConfirmation) checkGiven() error {
	if t == nil {
		return nil
	}
	if t.given == "" {
		return &Refusal{
			Reason: fmt.Sprintf("This change needs a typed confirmation: %s is missing", t.arg),
			Code:   "typed_confirmation_missing",
			Fix:    fmt.Sprintf("ask the user to type %s, and call again with the same arguments, the confirm_token and %s set to exactly what they typed. Never type it for them.", t.what, t.arg),
		}
	}
	return t.match(t.given, "as "+t.arg)
}

func (t *typedConfirmation) match(typed, where string) error {
	if t.matches(typed) {
		return nil
	}
	return &Refusal{
		Reason: fmt.Sprintf("The text typed %s (%s) is not %s (%s), so the change was not confirmed", where, quoted(typed), t.what, quoted(t.want)),
		Code:   "typed_confirmation_mismatch",
		Fix:    fmt.Sprintf("show the plan to the user again; if they still want it, they type %s exactly.", t.what),
	}
}

func (t *typedConfirmation) matches(typed string) bool { return TypedMatches(typed, t.want) }

// TypedMatches reports whether typed is want as a typed confirmation compares
// them. The call command checks what the person typed with it before it says
// it applies anything.
func TypedMatches(typed, want string) bool { return typedForm(typed) == typedForm(want) }

// personOnly is the refusal when the person cannot be asked: the client shows
// neither a dialog nor a confirmation page, and the token path is closed to a
// typed confirmation. failure, when set, says why the client's dialog failed.
func (t *typedConfirmation) personOnly(failure string) *Refusal {
	reason := t.change + " is confirmed by the user in person, by typing " + t.what + " in the client's confirmation dialog or on a one-time confirmation page; a confirm_token, which the model passes, cannot confirm it, and this client offers neither"
	if failure != "" {
		reason += " (" + failure + ")"
	}
	return &Refusal{
		Reason: reason,
		Code:   "user_confirmation_unavailable",
		Fix: "the user confirms it in one of three ways: from an MCP client whose confirmation dialog (elicitation) works; at a terminal, where the person typing is the one confirming: " + t.cli +
			"; or, if the server's operator accepts that the model may confirm it, with the server started with --restore-confirm token (HOSTUP_RESTORE_CONFIRM=token). Never run the command for the user.",
	}
}

// byTokenNote is what a change confirmed through a token says about that.
func (t *typedConfirmation) byTokenNote() string {
	return t.change + " was confirmed through a confirm_token with " + t.arg + ", not by the user in a dialog: this server's operator lets the model confirm it (--restore-confirm token), so the server cannot tell whether the user typed " + t.what + " or the model did."
}
