package tools

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/tools/ui"
)

// Toolset is an area of tools a user can choose to list (--toolsets), so that a
// conversation pays only for the tools it needs.
type Toolset string

const (
	// ToolsetCore is always listed: every other tool takes the ids it returns.
	ToolsetCore      Toolset = "core"
	ToolsetAudit     Toolset = "audit"
	ToolsetSchedules Toolset = "schedules"
	ToolsetBackups   Toolset = "backups"
	ToolsetSnapshots Toolset = "snapshots"
	ToolsetRestore   Toolset = "restore"
	ToolsetFleet     Toolset = "fleet"
)

// Toolsets are the areas a user may select, in the order --help shows them.
// An area may be declared before its first tool lands, so that a configuration
// naming it is accepted already.
var Toolsets = []Toolset{ToolsetAudit, ToolsetSchedules, ToolsetBackups, ToolsetSnapshots, ToolsetRestore, ToolsetFleet}

// registered is one tool of the server: how to build it, what decides whether
// it is listed, and what it offers beyond a plain call.
type registered struct {
	build   func(*Deps) server.ServerTool
	toolset Toolset
	view    bool // results render in the coverage view (MCP Apps) on hosts that show it
	tasks   bool // may run as an MCP Task (tasks.go): its waiting outlives the request
}

// registry is every tool, in the order tools/list shows them (read-only ones
// first). Adding a tool is adding its line here.
var registry = []registered{
	{build: listVPS, toolset: ToolsetCore},
	{build: listBackupSchedules, toolset: ToolsetSchedules, view: true},
	{build: auditBackupCoverage, toolset: ToolsetAudit, view: true},
	{build: listBackups, toolset: ToolsetBackups},
	{build: getJob, toolset: ToolsetBackups},
	{build: listSnapshotSchedule, toolset: ToolsetSnapshots},
	{build: upsertBackupSchedule, toolset: ToolsetSchedules},
	{build: updateBackupSettings, toolset: ToolsetSchedules},
	{build: deleteBackupSchedule, toolset: ToolsetSchedules},
	{build: createBackup, toolset: ToolsetBackups, tasks: true},
	{build: deleteBackup, toolset: ToolsetBackups},
	{build: restoreBackup, toolset: ToolsetRestore, tasks: true},
	{build: setSnapshotSchedule, toolset: ToolsetSnapshots},
	{build: deleteSnapshotSchedule, toolset: ToolsetSnapshots},
}

// Selection says which tools a server lists. The zero value lists every tool.
type Selection struct {
	// ReadOnly lists only the tools annotated read-only: the annotation is the
	// one source of truth, so a write tool can never slip through by its area.
	ReadOnly bool
	// Toolsets lists only these areas (and core); empty means every area.
	Toolsets []Toolset
}

func (s Selection) includes(ts Toolset) bool {
	return ts == ToolsetCore || len(s.Toolsets) == 0 || slices.Contains(s.Toolsets, ts)
}

// Visible returns the tools a client may see under sel, in registry order.
// It is the only place tools are filtered.
func Visible(d *Deps, sel Selection) []server.ServerTool {
	var out []server.ServerTool
	for _, r := range registry {
		if !sel.includes(r.toolset) {
			continue
		}
		t := r.build(d)
		if sel.ReadOnly && !*t.Tool.Annotations.ReadOnlyHint {
			continue
		}
		if r.view {
			t = ui.Link(t)
		}
		if r.tasks {
			t = withTasks(t)
		}
		out = append(out, t)
	}
	return out
}

// All returns every tool, in the order tools/list shows them.
func All(d *Deps) []server.ServerTool { return Visible(d, Selection{}) }

// ParseToolsets reads a comma-separated list of areas, as --toolsets and
// HOSTUP_TOOLSETS take it. Empty or "all" selects every area (nil).
func ParseToolsets(list string) ([]Toolset, error) {
	var out []Toolset
	for _, field := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		name := Toolset(strings.ToLower(field))
		switch {
		case name == "all":
			return nil, nil
		case !slices.Contains(Toolsets, name):
			return nil, fmt.Errorf("unknown toolset %q; the toolsets are %s, or all", field, ToolsetNames())
		case !slices.Contains(out, name):
			out = append(out, name)
		}
	}
	return out, nil
}

// ToolsetNames lists the selectable areas, comma-separated.
func ToolsetNames() string {
	names := make([]string, len(Toolsets))
	for i, ts := range Toolsets {
		names[i] = string(ts)
	}
	return strings.Join(names, ", ")
}
