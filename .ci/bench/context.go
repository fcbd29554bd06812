package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hostup/hostup-mcp/internal/contract"
)

// Row 6b weighs each tool's output schema on its own: programs read it, the
// model does not, and a tool's schema is its own document (no $defs shared
// between tools), so it is judged per tool, not averaged, against
// contract.OutputSchemaGoal, or, for the tools contract.OutputSchemasAboveGoal
// lists (and says why), against the size recorded there. The part the model
// reads has its own goal, contract.ModelFacingGoal, which a test keeps.

// The references are comparable MCP servers' figures per tool, measured as
// this command measures hostup-mcp (tools/list over stdio, compact JSON, in
// one run).
const (
	contextPeersModel = "terraform-mcp-server 1072, github-mcp-server 1150, mcp-grafana 1271, server-everything 511"
	contextPeersAll   = "terraform-mcp-server 1080, github-mcp-server 2724, mcp-grafana 1278, server-everything 589"
)

// benchContext lists the tools of the built server, every tool on (no read-only,
// no toolset selection), and weighs the answer.
func benchContext(bin string) ([]row, string, error) {
	logf("context: tools/list")
	p, err := spawn("hostup-mcp", []string{bin, "--sandbox"}, childEnv(), "")
	if err != nil {
		return nil, "", err
	}
	defer p.close(3 * time.Second)
	if err := p.handshake(); err != nil {
		return nil, "", err
	}
	list, err := p.request("tools/list", map[string]any{})
	if err != nil {
		return nil, "", err
	}
	var answer struct {
		Tools []map[string]json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(list, &answer); err != nil {
		return nil, "", fmt.Errorf("tools/list answer: %w", err)
	}
	n := len(answer.Tools)
	if n == 0 {
		return nil, "", fmt.Errorf("tools/list lists no tool")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "6. context: tools/list of %d tools, %d bytes ≈ %d tokens (compact JSON, tokens ≈ bytes/4)\n", n, len(list), len(list)/4)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "   tool\tmodel-facing B\toutputSchema B\twhole tool B\t")
	modelFacing, largest, largestName := 0, 0, ""
	var withinGoal int
	var aboveBudget []string
	for _, t := range answer.Tools {
		var name string
		_ = json.Unmarshal(t["name"], &name)
		mf := contract.ModelFacingSize(t)
		whole, _ := json.Marshal(t)
		modelFacing += mf
		out := len(t["outputSchema"])
		if out > largest {
			largest, largestName = out, name
		}
		if out <= contract.OutputSchemaGoal {
			withinGoal++
		}
		if !contract.WithinOutputSchemaBudget(name, out) {
			aboveBudget = append(aboveBudget, fmt.Sprintf("%s %d B", name, out))
		}
		fmt.Fprintf(tw, "   %s\t%d\t%d\t%d\t\n", name, mf, len(t["outputSchema"]), len(whole))
	}
	tw.Flush()
	fmt.Fprintf(&b, "   output schemas: %d of %d within %d B; the others at most their size recorded in contract.OutputSchemasAboveGoal", withinGoal, n, contract.OutputSchemaGoal)
	if len(aboveBudget) > 0 {
		fmt.Fprintf(&b, ", except %s", strings.Join(aboveBudget, ", "))
	}
	b.WriteString("\n")
	avgModel, avgAll := modelFacing/n, len(list)/n
	return []row{
		{
			num: "6a", figure: fmt.Sprintf("context: model-facing bytes per tool, %d tools", n),
			measured:  fmt.Sprintf("%d B ≈ %d tok", avgModel, avgModel/4),
			reference: contextPeersModel,
			goal:      fmt.Sprintf("≤ %d B", contract.ModelFacingGoal),
			judged:    true, pass: avgModel <= contract.ModelFacingGoal,
		},
		{
			num: "6b", figure: fmt.Sprintf("context: output schema of each tool, the largest of %d", n),
			measured:  fmt.Sprintf("largest %d B (%s); %d of %d ≤ %d B", largest, largestName, withinGoal, n, contract.OutputSchemaGoal),
			reference: fmt.Sprintf("all of tools/list: %d B per tool; %s", avgAll, contextPeersAll),
			goal:      fmt.Sprintf("each ≤ %d B, or ≤ its recorded size (%d tools, contract.OutputSchemasAboveGoal)", contract.OutputSchemaGoal, len(contract.OutputSchemasAboveGoal)),
			judged:    true, pass: len(aboveBudget) == 0,
		},
	}, b.String(), nil
}
