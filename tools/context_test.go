package tools_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"sort"
	"testing"

	"github.com/hostup/hostup-mcp/tools"
)

// Every conversation pays for tools/list before the user types a word. These tests weigh what the model reads of each tool, as
// `go run ./.ci/bench` does from the built binary: the compact JSON of name,
// title, description, inputSchema and annotations, as sent on the wire.

const (
	// contextBudgetFile holds each tool's model-facing bytes when it was last
	// recorded. A tool may grow by growthAllowed before the test fails.
	contextBudgetFile = "testdata/context_budget.json"
	growthAllowed     = 0.10
	// goalModelFacingPerTool is the goal for the average over all tools: the
	// leanest Go peer measured reads 1,077 bytes a tool.
	goalModelFacingPerTool = 850
)

var modelFacingKeys = []string{"name", "title", "description", "inputSchema", "annotations"}

// modelFacingBytes lists every tool through the real server and returns the
// model-facing bytes of each, measured on the JSON-RPC answer itself.
func modelFacingBytes(t *testing.T) map[string]int {
	t.Helper()
	srv := tools.NewServer(&tools.Deps{}, tools.ServerOptions{Name: "hostup-mcp", Version: "test"})
	answer, err := json.Marshal(srv.HandleMessage(context.Background(), []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)))
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Result struct {
			Tools []map[string]json.RawMessage `json:"tools"`
		} `json:"result"`
	}
	if err := json.Unmarshal(answer, &list); err != nil || len(list.Result.Tools) == 0 {
		t.Fatalf("tools/list answered %.300s (%v)", answer, err)
	}
	sizes := map[string]int{}
	for _, tool := range list.Result.Tools {
		var name string
		_ = json.Unmarshal(tool["name"], &name)
		part := map[string]json.RawMessage{}
		for _, k := range modelFacingKeys {
			if v, ok := tool[k]; ok {
				part[k] = v
			}
		}
		b, err := json.Marshal(part)
		if err != nil {
			t.Fatal(err)
		}
		sizes[name] = len(b)
	}
	return sizes
}

// TestModelFacingPartOfAToolDoesNotGrowUnnoticed fails when a tool's
// model-facing part grows by more than 10% over its recorded size. A new tool
// has no record yet: UPDATE_CONTEXT_BUDGET=true records it (and records a tool
// that shrank, so that the bound follows it down). It never raises a record: a
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
	update := os.Getenv("UPDATE_CONTEXT_BUDGET") == "true"
	next := map[string]int{}
	for name, size := range got {
		was, ok := recorded[name]
		switch {
		case !ok && update, ok && size < was && update:
			next[name] = size
		case !ok:
			t.Errorf("%s has no recorded size in %s: run UPDATE_CONTEXT_BUDGET=true go test ./tools/ -run TestModelFacing and commit it", name, contextBudgetFile)
		case float64(size) > float64(was)*(1+growthAllowed):
			t.Errorf("%s: the model reads %d bytes of it, %d%% more than the %d recorded in %s (at most %d%%). Every conversation pays for them: say it shorter, or, if the growth is worth it, raise its number there by hand",
				name, size, (size-was)*100/was, was, contextBudgetFile, int(growthAllowed*100))
			next[name] = was
		default:
			next[name] = was
		}
	}
	if update && !t.Failed() {
		writeContextBudget(t, next)
	}
	for name := range recorded {
		if _, ok := got[name]; !ok && !update {
			t.Errorf("%s records %s, which is no tool: run UPDATE_CONTEXT_BUDGET=true go test ./tools/ -run TestModelFacing", contextBudgetFile, name)
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
	if avg := total / len(sizes); avg > goalModelFacingPerTool {
		t.Errorf("the model reads %d bytes per tool on average over %d tools; the goal is at most %d: %v", avg, len(sizes), goalModelFacingPerTool, sizes)
	}
}

func writeContextBudget(t *testing.T, sizes map[string]int) {
	t.Helper()
	names := make([]string, 0, len(sizes))
	for n := range sizes {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, n := range names {
		key, _ := json.Marshal(n)
		b.WriteString("  " + string(key) + ": ")
		num, _ := json.Marshal(sizes[n])
		b.Write(num)
		if i < len(names)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(contextBudgetFile, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
