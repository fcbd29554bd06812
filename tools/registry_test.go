package tools_test

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/tools"
	"github.com/hostup/hostup-mcp/tools/ui"
)

func TestToolsetsListTheirAreasAndListVPS(t *testing.T) {
	cases := []struct {
		name     string
		toolsets []tools.Toolset
		readOnly bool
		want     []string
		view     bool // the coverage view is offered as a resource
	}{
		{"schedules", []tools.Toolset{tools.ToolsetSchedules}, false,
			[]string{"delete_backup_schedule", "list_backup_schedules", "list_vps", "update_backup_settings", "upsert_backup_schedule"}, true},
		{"backups, read-only", []tools.Toolset{tools.ToolsetBackups}, true,
			[]string{"get_job", "list_backups", "list_vps"}, false},
		{"audit and backups", []tools.Toolset{tools.ToolsetAudit, tools.ToolsetBackups}, false,
			[]string{"audit_backup_coverage", "create_backup", "delete_backup", "get_job", "list_backups", "list_vps"}, true},
		{"snapshots", []tools.Toolset{tools.ToolsetSnapshots}, false,
			[]string{"delete_snapshot_schedule", "list_snapshot_schedule", "list_vps", "set_snapshot_schedule"}, false},
		{"restore, read-only", []tools.Toolset{tools.ToolsetRestore}, true, []string{"list_vps"}, false},
		{"every area", nil, false, append(slices.Clone(readTools), writeTools...), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := []envOption{withToolsets(tc.toolsets...)}
			if tc.readOnly {
				opts = append(opts, withReadOnly())
			}
			e := sandboxEnv(t, opts...)
			var got []string
			for name := range listTools(t, e) {
				got = append(got, name)
			}
			sort.Strings(got)
			want := slices.Clone(tc.want)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("tools/list = %v, want %v", got, want)
			}
			// Without the view the server has no resources at all, and says so.
			res, err := e.client.ListResources(context.Background(), mcp.ListResourcesRequest{})
			view := err == nil && slices.ContainsFunc(res.Resources, func(r mcp.Resource) bool { return r.URI == ui.CoverageURI })
			if view != tc.view {
				t.Errorf("coverage view offered = %v, want %v (only when a listed tool shows its results there)", view, tc.view)
			}
		})
	}
}

// The coverage view offers a VPS's details only when list_backup_schedules is
// listed, and to plan a schedule only when upsert_backup_schedule is: a button
// calling a tool the server does not list would only fail. It says read-only
// only in read-only mode, not when toolsets leave the write tools of schedules out.
func TestCoverageViewOffersNoActionItsToolsetsLeaveOut(t *testing.T) {
	cases := []struct {
		name     string
		toolsets []tools.Toolset
		readOnly bool
		marks    string // the markers on the page's html element
	}{
		{"audit and schedules", []tools.Toolset{tools.ToolsetAudit, tools.ToolsetSchedules}, false, ``},
		{"audit alone", []tools.Toolset{tools.ToolsetAudit}, false, ` data-no-details data-no-plan`},
		{"audit and backups", []tools.Toolset{tools.ToolsetAudit, tools.ToolsetBackups}, false, ` data-no-details data-no-plan`},
		{"every area, read-only", nil, true, ` data-read-only data-no-plan`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := []envOption{withToolsets(tc.toolsets...)}
			if tc.readOnly {
				opts = append(opts, withReadOnly())
			}
			e := sandboxEnv(t, opts...)
			res, err := e.client.ReadResource(context.Background(), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: ui.CoverageURI}})
			if err != nil || len(res.Contents) != 1 {
				t.Fatalf("reading the view: %v", err)
			}
			html := res.Contents[0].(mcp.TextResourceContents).Text
			if want := `<html lang="en"` + tc.marks + `>`; !strings.Contains(html, want) {
				t.Errorf("the view starts %q, want %q", html[:min(80, len(html))], want)
			}
		})
	}
}

func TestAToolOutsideTheChosenToolsetsCannotBeCalled(t *testing.T) {
	e := sandboxEnv(t, withToolsets(tools.ToolsetAudit))
	res, err := e.client.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{
		Name: "delete_backup_schedule", Arguments: map[string]any{"vps_id": "vps_sandbox02", "schedule_id": "bks_sandbox02"},
	}})
	if err == nil && !res.IsError {
		t.Errorf("a tool of another toolset ran: %s", textOf(res))
	}
	e.noMutations()
}

func TestParseToolsets(t *testing.T) {
	cases := []struct {
		in      string
		want    []tools.Toolset
		wantErr string
	}{
		{"", nil, ""},
		{"all", nil, ""},
		{"schedules,backups", []tools.Toolset{tools.ToolsetSchedules, tools.ToolsetBackups}, ""},
		{" Fleet , restore,fleet ", []tools.Toolset{tools.ToolsetFleet, tools.ToolsetRestore}, ""},
		{"snapshots", []tools.Toolset{tools.ToolsetSnapshots}, ""},
		{"backup", nil, `unknown toolset "backup"; the toolsets are audit, schedules, backups, snapshots, restore, fleet, or all`},
		// list_vps is always listed; it is no area to choose.
		{"core", nil, `unknown toolset "core"`},
	}
	for _, tc := range cases {
		got, err := tools.ParseToolsets(tc.in)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("ParseToolsets(%q) error %v, want %q", tc.in, err, tc.wantErr)
		case tc.wantErr == "" && err != nil:
			t.Errorf("ParseToolsets(%q): %v", tc.in, err)
		case !slices.Equal(got, tc.want):
			t.Errorf("ParseToolsets(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
