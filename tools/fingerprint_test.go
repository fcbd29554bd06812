package tools

import (
	"errors"
	"math"
	"testing"
)

// A basis that cannot be encoded must not hash like every other such basis: a
// token would then bind to nothing. The confirmation is refused instead. No real
// basis fails to encode, so this is checked here rather than through a client.
func TestFingerprintFailsClosed(t *testing.T) {
	op := &change{tool: "update_backup_settings", vpsID: "vps_1", plan: normalizePlan(Plan{}), basis: math.NaN()}
	if _, err := op.binding(); err == nil {
		t.Fatal("a basis that cannot be encoded was fingerprinted")
	}
	g := &grant{rows: []binding{{}}}
	var r *Refusal
	if err := g.check(op); !errors.As(err, &r) || r.Code != "unhashable_plan" {
		t.Fatalf("a confirmation covered an operation whose basis cannot be hashed: %v", err)
	}
}
