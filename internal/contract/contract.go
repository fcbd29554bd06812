// Package contract makes the golden files that pin what hostup-mcp offers its
// clients, so that every change to it is made on purpose and reviewed as a diff:
//
//   - tools/schemas.json: each tool's input and output schema, reflected from
//     its Go structs (the binary embeds the file: reflecting at start-up cost
//     several milliseconds);
//   - tools/__toolsnaps__/<tool>.snap: each tool's definition as a client lists it;
//   - tools/testdata/context_budget.json: the bytes of each tool the model reads;
//   - manifest.json's "tools" and "prompts": what the Claude Desktop bundle says
//     the server offers.
//
// Command writes them all (./generate); the tests compare each file with what
// the code makes of it now, and name Command when one is stale.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Command regenerates every golden file.
const Command = "go generate ./..."

// The golden files, from the module's root.
const (
	SchemasFile  = "tools/schemas.json"
	SnapshotDir  = "tools/__toolsnaps__"
	BudgetFile   = "tools/testdata/context_budget.json"
	ManifestFile = "manifest.json"
)

// Listing is what a client lists of a server.
type Listing struct {
	Tools   []mcp.Tool
	Prompts []mcp.Prompt
}

// List connects an in-process client to srv and lists its tools and prompts.
func List(ctx context.Context, srv *server.MCPServer) (Listing, error) {
	c, err := client.NewInProcessClient(srv)
	if err != nil {
		return Listing{}, err
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		return Listing{}, err
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo:      mcp.Implementation{Name: "contract", Version: "1"},
	}}); err != nil {
		return Listing{}, err
	}
	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return Listing{}, err
	}
	prompts, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil {
		return Listing{}, err
	}
	return Listing{Tools: tools.Tools, Prompts: prompts.Prompts}, nil
}

// byName writes a JSON object of values in name order, one line per entry,
// each value written by value: a change then reads as a small diff.
func byName[V any](all map[string]V, value func(*bytes.Buffer, V) error) ([]byte, error) {
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, n := range names {
		key, _ := json.Marshal(n)
		b.WriteString("  " + string(key) + ": ")
		if err := value(&b, all[n]); err != nil {
			return nil, err
		}
		if i < len(names)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}
