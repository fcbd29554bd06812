package tools

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hostup/hostup-mcp/hostup"
)

func TestClassifyNamesEachOutcomeAndConfirmationOnce(t *testing.T) {
	write := func(outcome string, destructive bool) *MutationOutput {
		return &MutationOutput{Outcome: outcome, Plan: Plan{Destructive: destructive}}
	}
	for _, tc := range []struct {
		name                        string
		out                         any
		err                         error
		outcome, code, confirmation string
	}{
		{"a read", &struct{ Common }{}, nil, "ok", "", ""},
		{"a dry run", write(outcomeDryRun, true), nil, "dry_run", "", ""},
		{"a token asked for", write(outcomeNeedsConfirm, true), nil, "confirmation_required", "", "asked"},
		{"a dialog asked", nil, &inputRequired{}, "confirmation_required", "", "asked"},
		{"the user said no", write(outcomeDeclined, true), nil, "declined", "", "declined"},
		{"a confirmed delete", write(outcomeApplied, true), nil, "applied", "", "accepted"},
		{"a confirmed delete whose answer was lost", write(outcomeUnknown, true), nil, "outcome_unknown", "", "accepted"},
		{"a change that needed no confirmation", write(outcomeApplied, false), nil, "applied", "", ""},
		{"a closed gate", nil, &Refusal{Code: "pending_order"}, "refused", "pending_order", ""},
		{"a stale token", nil, fmt.Errorf("wrapped: %w", &Refusal{Code: "stale_confirm_token"}), "refused", "stale_confirm_token", "stale"},
		// A failure's code is the one its result carries (ToolError).
		{"bad input", nil, badInput("hour must be 0-23"), "invalid_input", "invalid_arguments", ""},
		{"a bad id", nil, &hostup.InvalidIDError{}, "invalid_input", "invalid_arguments", ""},
		{"HostUp unreachable", nil, errors.New("hostup: connection reset"), "error", "hostup_unreachable", ""},
		{"HostUp answered an error", nil, &hostup.APIError{Status: 503}, "error", "http_503", ""},
		{"an accepted change not shown", write(outcomeNotVisible, true), nil, "accepted_not_visible", "", "accepted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outcome, code, confirmation := classify(tc.out, tc.err)
			if outcome != tc.outcome || code != tc.code || confirmation != tc.confirmation {
				t.Fatalf("classify = %q, %q, %q; want %q, %q, %q", outcome, code, confirmation, tc.outcome, tc.code, tc.confirmation)
			}
		})
	}
}
