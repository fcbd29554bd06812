package tools

import (
	"slices"
	"testing"
)

// Every tool sits in an area a user can choose, or in core, which is always
// listed: a tool in an undeclared area could never be selected.
func TestEveryToolIsInADeclaredToolset(t *testing.T) {
	for _, r := range registry {
		name := r.build(&Deps{}).Tool.Name
		if r.toolset != ToolsetCore && !slices.Contains(Toolsets, r.toolset) {
			t.Errorf("%s is in toolset %q, which is not in Toolsets", name, r.toolset)
		}
	}
}
