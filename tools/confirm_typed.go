package tools

import (
	"fmt"
	"strings"
)

// A typed confirmation (restore_backup) asks the user to type a name instead of
// ticking a box: a click can be a reflex, typing the VPS's name cannot. It extends
// authorize in three places only: the dialog's schema and message, the dialog's
// answer, and the token path, which also needs the typed name as an argument.

// typedConfirmation is what the user must type, and what the call passed.
type typedConfirmation struct {
	what  string // what is typed, e.g. "the VPS's name"
	want  string // the exact text, e.g. "web-01"
	arg   string // the tool argument carrying it on the token path
	given string // that argument's value in this call; "" when absent
}

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
				"description": fmt.Sprintf("Type %s exactly: %s", c.typed.what, c.typed.want),
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
		message += fmt.Sprintf("\n\nTo go ahead, type %s: %s", c.typed.what, c.typed.want)
	}
	return message
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
	if strings.TrimSpace(typed) == t.want {
		return nil
	}
	return &Refusal{
		Reason: fmt.Sprintf("The text typed %s (%q) is not %s (%q), so the change was not confirmed", where, typed, t.what, t.want),
		Code:   "typed_confirmation_mismatch",
		Fix:    fmt.Sprintf("show the plan to the user again; if they still want it, they type %s exactly.", t.what),
	}
}
