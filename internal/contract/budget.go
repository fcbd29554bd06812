package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/mark3labs/mcp-go/server"
)

// Every conversation pays for tools/list before the user types a word. The
// context budget records, per tool, the bytes of what the model reads of it:
// the compact JSON of its ModelFacingKeys, as sent on the wire.

// ModelFacingKeys are the parts of a tool a client puts in front of the model;
// outputSchema and _meta are for programs and hosts.
var ModelFacingKeys = []string{"name", "title", "description", "inputSchema", "annotations"}

// ModelFacingGoal bounds the average model-facing bytes per tool, below the
// comparable servers .ci/bench measures (the leanest Go peer reads 1,077 bytes
// a tool): what one more tool must fit under.
const ModelFacingGoal = 850

// OutputSchemaGoal bounds one tool's output schema, as tools/list sends it
// (compact): programs read it, the model does not, and every client loads
// every tool's schema whether or not it calls the tool.
const OutputSchemaGoal = 2048

// OutputSchemasAboveGoal are the tools whose output schema is larger than
// OutputSchemaGoal, each at the size it has now: it may shrink, never grow
// (TestEveryOutputSchemaFitsItsBudget, and .ci/bench row 6b). What is left in
// them is strictness (required lists, additionalProperties: false, enums, the
// error alternative) and facts said once. Fitting 2 KiB would take data out
// of them that a program needs: one VPS's limits, gates and recent runs
// (list_backup_schedules: even without every debatable field it stays near
// 2,600 B), the backup a restore overwrote the disk with, the fleet's refused
// and failed rows' codes and fixes, and the schedules a write leaves behind.
// That was judged a worse trade than some hundred bytes of a document the
// model never reads; a new tool must fit the goal.
var OutputSchemasAboveGoal = map[string]int{
	"list_backup_schedules":  2829,
	"restore_backup":         2305,
	"apply_backup_policy":    2247,
	"audit_backup_coverage":  2213,
	"upsert_backup_schedule": 2117,
	"delete_backup_schedule": 2117,
}

// WithinOutputSchemaBudget says whether a tool's output schema of size bytes
// keeps its budget: OutputSchemaGoal, or its recorded size for a tool above it.
func WithinOutputSchemaBudget(name string, size int) bool {
	if limit, above := OutputSchemasAboveGoal[name]; above {
		return size <= limit
	}
	return size <= OutputSchemaGoal
}

// GrowthAllowed is how much a tool may grow over its recorded size before the
// test fails: a tool worth growing more gets its number raised by hand, in
// review.
const GrowthAllowed = 0.10

// ModelFacingSize is the size of tool's model-facing part, from its JSON by key.
func ModelFacingSize(tool map[string]json.RawMessage) int {
	part := map[string]json.RawMessage{}
	for _, k := range ModelFacingKeys {
		if v, ok := tool[k]; ok {
			part[k] = v
		}
	}
	b, _ := json.Marshal(part) // raw JSON values, which marshal as they are
	return len(b)
}

// ModelFacingBytes lists srv's tools and returns the model-facing bytes of
// each, measured on the JSON-RPC answer itself.
func ModelFacingBytes(ctx context.Context, srv *server.MCPServer) (map[string]int, error) {
	answer, err := json.Marshal(srv.HandleMessage(ctx, []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)))
	if err != nil {
		return nil, err
	}
	var list struct {
		Result struct {
			Tools []map[string]json.RawMessage `json:"tools"`
		} `json:"result"`
	}
	if err := json.Unmarshal(answer, &list); err != nil || len(list.Result.Tools) == 0 {
		return nil, fmt.Errorf("tools/list answered %.300s (%v)", answer, err)
	}
	sizes := map[string]int{}
	for _, tool := range list.Result.Tools {
		var name string
		_ = json.Unmarshal(tool["name"], &name)
		sizes[name] = ModelFacingSize(tool)
	}
	return sizes, nil
}

// NextBudget is the budget after measured: a new tool is recorded, a tool that
// shrank is recorded smaller (the bound follows it down), a removed tool is
// dropped. A record is never raised: grown names each tool that grew beyond
// GrowthAllowed, whose record stays.
func NextBudget(recorded, measured map[string]int) (next map[string]int, grown []string) {
	next = map[string]int{}
	for name, size := range measured {
		was, ok := recorded[name]
		switch {
		case !ok || size < was:
			next[name] = size
		case float64(size) > float64(was)*(1+GrowthAllowed):
			grown = append(grown, fmt.Sprintf("%s: the model reads %d bytes of it, %d%% more than the %d recorded", name, size, (size-was)*100/was, was))
			next[name] = was
		default:
			next[name] = was
		}
	}
	return next, grown
}

// BudgetJSON is the content of the budget file, tools in name order.
func BudgetJSON(sizes map[string]int) ([]byte, error) {
	return byName(sizes, func(b *bytes.Buffer, n int) error {
		b.WriteString(strconv.Itoa(n))
		return nil
	})
}
