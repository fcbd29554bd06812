package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hostup/hostup-mcp/internal/contract"
	"github.com/hostup/hostup-mcp/tools"
)

// Every conversation pays for tools/list before the user types a word. These
// tests weigh what the model reads of each tool, as `go run ./.ci/bench` does
// from the built binary: the compact JSON of name, title, description,
// inputSchema and annotations, as sent on the wire.

// contextBudgetFile holds each tool's model-facing bytes when it was last
// recorded. A tool may grow by contract.GrowthAllowed before the test fails.
var contextBudgetFile = filepath.Join("..", contract.BudgetFile)

// modelFacingBytes lists every tool through the real server and returns the
// model-facing bytes of each, measured on the JSON-RPC answer itself.
func modelFacingBytes(t *testing.T) map[string]int {
	t.Helper()
	srv := tools.NewServer(&tools.Deps{}, tools.ServerOptions{Name: "hostup-mcp", Version: "test"})
	sizes, err := contract.ModelFacingBytes(context.Background(), srv)
	if err != nil {
		t.Fatal(err)
	}
	return sizes
}

// TestModelFacingPartOfAToolDoesNotGrowUnnoticed fails when a tool's
// model-facing part grows by more than 10% over its recorded size. A new tool
// has no record yet: go generate ./... records it (and records a tool that
// shrank, so that the bound follows it down). It never raises a record: a
// tool worth growing more than 10% gets its number raised by hand, in review.
func TestModelFacingPartOfAToolDoesNotGrowUnnoticed(t *testing.T) {
	got := modelFacingBytes(t)
	recorded := map[string]int{}
	raw, err := os.ReadFile(contextBudgetFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		t.Fatal(err)
	default:
		if err := json.Unmarshal(raw, &recorded); err != nil {
			t.Fatalf("%s: %v", contextBudgetFile, err)
		}
	}
	for name, size := range got {
		was, ok := recorded[name]
		switch {
		case !ok:
			t.Errorf("%s has no recorded size in %s: run %s and commit it", name, contextBudgetFile, contract.Command)
		case float64(size) > float64(was)*(1+contract.GrowthAllowed):
			t.Errorf("%s: the model reads %d bytes of it, %d%% more than the %d recorded in %s (at most %d%%). Every conversation pays for them: say it shorter, or, if the growth is worth it, raise its number there by hand",
				name, size, (size-was)*100/was, was, contextBudgetFile, int(contract.GrowthAllowed*100))
		}
	}
	for name := range recorded {
		if _, ok := got[name]; !ok {
			t.Errorf("%s records %s, which is no tool: run %s", contextBudgetFile, name, contract.Command)
		}
	}
}

// The average over every tool is what one more tool must fit under.
func TestModelFacingBytesPerToolStayWithinTheGoal(t *testing.T) {
	sizes := modelFacingBytes(t)
	total := 0
	for _, n := range sizes {
		total += n
	}
	if avg := total / len(sizes); avg > contract.ModelFacingGoal {
		t.Errorf("the model reads %d bytes per tool on average over %d tools; the goal is at most %d: %v", avg, len(sizes), contract.ModelFacingGoal, sizes)
	}
}
