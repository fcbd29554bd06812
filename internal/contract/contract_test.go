package contract

import (
	"maps"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// The budget follows a tool down, never up: a record is raised by hand.
func TestNextBudgetRecordsNewAndSmallerToolsOnly(t *testing.T) {
	recorded := map[string]int{"same": 100, "smaller": 100, "a bit larger": 100, "much larger": 100, "removed": 100}
	measured := map[string]int{"same": 100, "smaller": 80, "a bit larger": 110, "much larger": 111, "new": 50}
	next, grown := NextBudget(recorded, measured)
	want := map[string]int{"same": 100, "smaller": 80, "a bit larger": 100, "much larger": 100, "new": 50}
	if !maps.Equal(next, want) {
		t.Errorf("next budget %v, want %v", next, want)
	}
	if len(grown) != 1 || !strings.HasPrefix(grown[0], "much larger: ") {
		t.Errorf("grown %q, want only the tool that grew more than 10%%", grown)
	}
}

// The lists follow the server; the manifest keeps its order, its prompts'
// texts and every byte outside the two lists.
func TestManifestTakesTheListsFromTheServer(t *testing.T) {
	manifest := `{
  "name": "x",
  "tools": [
    {
      "name": "b",
      "description": "old"
    },
    {
      "name": "gone",
      "description": "removed"
    }
  ],
  "prompts": [
    {
      "name": "p",
      "description": "old",
      "text": "hand-written ${arguments.id}"
    }
  ],
  "keywords": []
}
`
	l := Listing{
		Tools: []mcp.Tool{{Name: "a", Description: "new & first"}, {Name: "b", Description: "changed"}},
		Prompts: []mcp.Prompt{
			{Name: "q", Description: "new"},
			{Name: "p", Description: "changed", Arguments: []mcp.PromptArgument{{Name: "id"}}},
		},
	}
	out, withoutText, err := Manifest([]byte(manifest), l)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "name": "x",
  "tools": [
    {
      "name": "b",
      "description": "changed"
    },
    {
      "name": "a",
      "description": "new & first"
    }
  ],
  "prompts": [
    {
      "name": "p",
      "description": "changed",
      "arguments": [
        "id"
      ],
      "text": "hand-written ${arguments.id}"
    },
    {
      "name": "q",
      "description": "new",
      "text": ""
    }
  ],
  "keywords": []
}
`
	if string(out) != want {
		t.Errorf("manifest:\n%s\nwant:\n%s", out, want)
	}
	if len(withoutText) != 1 || withoutText[0] != "q" {
		t.Errorf("prompts without text %q, want [q]", withoutText)
	}
}
