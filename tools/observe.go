package tools

import (
	"context"
	"errors"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Observer hears what the tool calls did, for metrics (Deps.Observer; nil hears
// nothing). Every value it gets is one of a few fixed words, a tool name or a
// refusal's code: never an id, a name or a key.
type Observer interface {
	// ToolCall: tool ended with outcome after d. The outcomes are ok (a read),
	// a write tool's own (applied, accepted_not_visible, dry_run, no_change,
	// confirmation_required, declined, outcome_unknown), refused,
	// invalid_input and error; code is a failure's code, the one its result
	// carries (ToolError.Code).
	ToolCall(tool, outcome, code string, d time.Duration)
	// Confirmation: asked, accepted (a confirmed change went ahead), declined,
	// or stale (the state changed since the plan the token was issued for).
	Confirmation(event string)
	// UnknownTool: a client called a tool this server does not offer. Its
	// name is not passed on: a client may choose any.
	UnknownTool()
}

// Outcomes the observer hears besides a write tool's own (MutationOutput.Outcome).
const (
	outcomeOK           = "ok"
	outcomeRefused      = "refused"
	outcomeInvalidInput = "invalid_input"
	outcomeError        = "error"
)

// observation is what an output says about how its call went.
type observation interface {
	observed() (outcome string, destructive bool)
}

func (o *MutationOutput) observed() (string, bool) { return o.Outcome, o.Plan.Destructive }

// observeCall tells the observer how one call of tool went: out is a pointer to
// the handler's output, err its error.
func (d *Deps) observeCall(tool string, out any, err error, start time.Time) {
	if d.Observer == nil {
		return
	}
	outcome, code, confirmation := classify(out, err)
	d.Observer.ToolCall(tool, outcome, code, time.Since(start))
	if confirmation != "" {
		d.Observer.Confirmation(confirmation)
	}
}

// observeUnknownTools tells the observer of each call of a tool this server
// does not offer: mcp-go answers it with a protocol error, before any handler
// (and so observeCall) runs.
func (d *Deps) observeUnknownTools(h *server.Hooks) {
	if d.Observer == nil {
		return
	}
	h.AddOnError(func(_ context.Context, _ any, method mcp.MCPMethod, _ any, err error) {
		if method == mcp.MethodToolsCall && errors.Is(err, server.ErrToolNotFound) {
			d.Observer.UnknownTool()
		}
	})
}

// classify reads a call's outcome, refusal code and confirmation event (if any)
// from what its handler returned.
func classify(out any, err error) (outcome, code, confirmation string) {
	var asked *inputRequired
	switch {
	case errors.As(err, &asked):
		return outcomeNeedsConfirm, "", "asked"
	case err != nil:
		failure := classifyError(err)
		switch failure.Kind {
		case kindRefused:
			if failure.Code == "stale_confirm_token" {
				confirmation = "stale"
			}
			return outcomeRefused, failure.Code, confirmation
		case kindInvalidInput:
			return outcomeInvalidInput, failure.Code, ""
		}
		return outcomeError, failure.Code, ""
	}
	o, ok := out.(observation)
	if !ok {
		return outcomeOK, "", ""
	}
	outcome, destructive := o.observed()
	switch {
	case outcome == outcomeNeedsConfirm:
		confirmation = "asked"
	case outcome == outcomeDeclined:
		confirmation = "declined"
	case destructive && (outcome == outcomeApplied || outcome == outcomeNotVisible || outcome == outcomeUnknown):
		// A destructive plan goes ahead only once confirmed.
		confirmation = "accepted"
	}
	return outcome, "", confirmation
}
