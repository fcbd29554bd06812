package tools_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/contract"
	"github.com/hostup/hostup-mcp/tools"
)

// The tool definitions are the server's contract with every model that uses it:
// a change to a name, a description, an annotation or a schema must be made on
// purpose. Each tool's definition lives in __toolsnaps__/<name>.snap; run
// go generate ./... to accept a change, and review the diff.

var snapDir = filepath.Join("..", contract.SnapshotDir)

var writeTools = []string{"upsert_backup_schedule", "apply_backup_policy", "update_backup_settings", "delete_backup_schedule", "create_backup", "delete_backup", "restore_backup", "set_snapshot_schedule", "delete_snapshot_schedule"}
var readTools = []string{"list_vps", "list_backup_schedules", "audit_backup_coverage", "list_backups", "get_job", "list_snapshot_schedule"}

// listTools returns the tools as a client sees them, raw JSON per tool.
func listTools(t *testing.T, e *env) map[string]map[string]json.RawMessage {
	t.Helper()
	res, err := e.client.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list failed: %v", err)
	}
	out := map[string]map[string]json.RawMessage{}
	for _, tool := range res.Tools {
		m, err := contract.ToolJSON(tool)
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[tool.Name]; dup {
			t.Errorf("tool %s is listed twice", tool.Name)
		}
		out[tool.Name] = m
	}
	return out
}

func TestToolSnapshotsMatch(t *testing.T) {
	e := sandboxEnv(t)
	listed := listTools(t, e)
	for name, tool := range listed {
		t.Run(name, func(t *testing.T) {
			got, err := contract.Snapshot(tool)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(snapDir, name+".snap")
			want, err := os.ReadFile(path)
			if errors.Is(err, os.ErrNotExist) {
				t.Fatalf("%s is missing: run %s and commit it", path, contract.Command)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("tool %s changed; if on purpose, run %s and review the diff.\ngot:\n%s", name, contract.Command, got)
			}
		})
	}
	// A snapshot without a tool is a tool that was removed or renamed.
	files, _ := filepath.Glob(filepath.Join(snapDir, "*.snap"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".snap")
		if _, ok := listed[name]; !ok {
			t.Errorf("%s has no tool any more: delete it (or run %s)", f, contract.Command)
		}
	}
}

func TestEveryToolHasCompleteMetadata(t *testing.T) {
	all := tools.All(&tools.Deps{})
	seen := map[string]bool{}
	for _, st := range all {
		tool := st.Tool
		t.Run(tool.Name, func(t *testing.T) {
			if seen[tool.Name] {
				t.Errorf("duplicate tool name %s", tool.Name)
			}
			seen[tool.Name] = true
			if tool.Description == "" || tool.Annotations.Title == "" {
				t.Error("description and title are required")
			}
			a := tool.Annotations
			if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil {
				t.Fatalf("all four annotations must be set explicitly: %+v", a)
			}
			isRead := slices.Contains(readTools, tool.Name)
			if *a.ReadOnlyHint != isRead {
				t.Errorf("readOnlyHint = %v, want %v", *a.ReadOnlyHint, isRead)
			}
			if isRead && (*a.DestructiveHint || !*a.IdempotentHint) {
				t.Errorf("a read-only tool is destructive=false and idempotent=true, got %v/%v", *a.DestructiveHint, *a.IdempotentHint)
			}
			if !*a.OpenWorldHint {
				t.Error("every tool talks to HostUp: openWorldHint true")
			}
			if len(tool.InputSchema.Properties) > 0 || tool.InputSchema.Type != "" {
				t.Error("only the raw input schema may be set, or tools/list fails for every tool")
			}
			for kind, raw := range map[string]json.RawMessage{"input": tool.RawInputSchema, "output": tool.RawOutputSchema} {
				checkSchema(t, kind, raw)
			}
		})
	}
	want := append(slices.Clone(readTools), writeTools...)
	var got []string
	for name := range seen {
		got = append(got, name)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("tools = %v, want %v (SPEC.md names)", got, want)
	}
}

func TestDestructiveToolsAreAnnotatedSo(t *testing.T) {
	want := map[string]bool{
		"upsert_backup_schedule": true, "update_backup_settings": true,
		// Replacing schedules or lowering retention across the fleet deletes.
		"apply_backup_policy":    true,
		"delete_backup_schedule": true, "delete_backup": true,
		// A backup on a full quota with auto_delete_oldest on makes HostUp delete the oldest.
		"create_backup": true,
		// It replaces the VPS's disk.
		"restore_backup": true,
		// Pausing stops future snapshots; deleting deletes the schedule.
		"set_snapshot_schedule": true, "delete_snapshot_schedule": true,
	}
	for _, st := range tools.All(&tools.Deps{}) {
		if d, ok := want[st.Tool.Name]; ok && *st.Tool.Annotations.DestructiveHint != d {
			t.Errorf("%s: destructiveHint = %v, want %v", st.Tool.Name, !d, d)
		}
	}
}

// TestEveryOutputSchemaFitsItsBudget keeps each output schema within
// contract.OutputSchemaGoal, or, for a tool listed in
// contract.OutputSchemasAboveGoal, at its recorded size: the list and its
// sizes only come down.
func TestEveryOutputSchemaFitsItsBudget(t *testing.T) {
	goal := contract.OutputSchemaGoal
	for _, st := range tools.All(&tools.Deps{}) {
		name, size := st.Tool.Name, len(st.Tool.RawOutputSchema)
		limit, over := contract.OutputSchemasAboveGoal[name]
		switch {
		case !over && size > goal:
			t.Errorf("%s: output schema %d B, over %d B: say each fact once (see internal/contract/schemas.go), or drop one a read tool already gives", name, size, goal)
		case over && size > limit:
			t.Errorf("%s: output schema %d B, grown from %d B (already over %d B)", name, size, limit, goal)
		case over && size <= goal:
			t.Errorf("%s: output schema %d B now fits %d B: take it out of contract.OutputSchemasAboveGoal", name, size, goal)
		case over && size < limit:
			t.Errorf("%s: output schema %d B, down from %d B: lower its entry in contract.OutputSchemasAboveGoal", name, size, limit)
		}
	}
}

// isErrorAlternative says whether an output schema's top-level anyOf is the one
// it may have: the tool's own required fields, or the error of a failed result
// (errorResult), each a plain required list.
func isErrorAlternative(v any) bool {
	alts, ok := v.([]any)
	if !ok || len(alts) != 2 {
		return false
	}
	for _, a := range alts {
		m, ok := a.(map[string]any)
		if _, has := m["required"]; !ok || !has || len(m) != 1 {
			return false
		}
	}
	last := alts[1].(map[string]any)["required"].([]any)
	return len(last) == 1 && last[0] == "error"
}

// checkSchema enforces what MCP clients need of a schema: an object at the top,
// no top-level combinators, input schemas flat (no references) with a
// description on every property, output schemas without repetition, and valid
// JSON Schema (mcp-go silently skips validation against a schema that does not
// compile).
func checkSchema(t *testing.T, kind string, raw json.RawMessage) {
	t.Helper()
	if len(raw) == 0 {
		t.Fatalf("%s schema missing", kind)
	}
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s schema: %v", kind, err)
	}
	if s["type"] != "object" {
		t.Errorf("%s schema type = %v, want object", kind, s["type"])
	}
	for _, k := range []string{"oneOf", "anyOf", "allOf", "not", "$schema", "$id"} {
		if _, ok := s[k]; ok && !(kind == "output" && k == "anyOf" && isErrorAlternative(s[k])) {
			t.Errorf("%s schema has top-level %s", kind, k)
		}
	}
	if kind == "input" {
		// Models read input schemas: flat, every property described where it is.
		for _, k := range []string{"$ref", "$defs", "definitions"} {
			if strings.Contains(string(raw), `"`+k+`"`) {
				t.Errorf("input schema contains %s: input schemas must be flat", k)
			}
		}
	} else {
		checkSaysEachThingOnce(t, s)
	}
	if kind == "input" {
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			pm, _ := p.(map[string]any)
			if d, _ := pm["description"].(string); strings.TrimSpace(d) == "" {
				t.Errorf("input property %s has no description", name)
			}
		}
	}
	compileSchema(t, kind, raw)
}

// checkSaysEachThingOnce fails when an output schema spells out the same object
// twice (a shared type belongs in $defs, referenced locally), references anything
// but its own $defs, or defines something it uses only once.
func checkSaysEachThingOnce(t *testing.T, schema map[string]any) {
	t.Helper()
	seen := map[string]int{}
	refs := map[string]int{}
	var walk func(node any)
	walk = func(node any) {
		switch n := node.(type) {
		case map[string]any:
			if ref, ok := n["$ref"].(string); ok {
				name, local := strings.CutPrefix(ref, "#/$defs/")
				if !local {
					t.Errorf("output schema references %s: only local #/$defs/ references resolve in every client", ref)
				}
				refs[name]++
			}
			if _, ok := n["properties"]; ok {
				b, _ := json.Marshal(n)
				seen[string(b)]++
			}
			for _, v := range n {
				walk(v)
			}
		case []any:
			for _, v := range n {
				walk(v)
			}
		}
	}
	walk(schema)
	for obj, n := range seen {
		if n > 1 {
			t.Errorf("output schema spells out this object %d times; define it once in $defs: %.200s", n, obj)
		}
	}
	defs, _ := schema["$defs"].(map[string]any)
	for name := range defs {
		if refs[name] < 2 {
			t.Errorf("output schema defines %s but uses it %d time(s): inline it", name, refs[name])
		}
	}
	for name := range refs {
		if _, ok := defs[name]; !ok {
			t.Errorf("output schema references #/$defs/%s, which it does not define", name)
		}
	}
}

func compileSchema(t *testing.T, kind string, raw json.RawMessage) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s schema: %v", kind, err)
	}
	c := jsonschema.NewCompiler()
	url := fmt.Sprintf("mem://%s.json", kind)
	if err := c.AddResource(url, doc); err != nil {
		t.Fatalf("%s schema: %v", kind, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("%s schema does not compile: %v", kind, err)
	}
	return sch
}

func TestReadOnlyModeListsOnlyReadOnlyTools(t *testing.T) {
	e := sandboxEnv(t, withReadOnly())
	listed := listTools(t, e)
	var names []string
	for name := range listed {
		names = append(names, name)
	}
	sort.Strings(names)
	want := slices.Clone(readTools)
	sort.Strings(want)
	if !slices.Equal(names, want) {
		t.Errorf("read-only mode lists %v, want %v", names, want)
	}
	// A write tool is not merely hidden: it cannot be called.
	res, err := e.client.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{
		Name: "delete_backup_schedule", Arguments: map[string]any{"vps_id": "vps_sandbox02", "schedule_id": "bks_sandbox02"},
	}})
	if err == nil && !res.IsError {
		t.Errorf("a write tool ran in read-only mode: %s", textOf(res))
	}
	e.noMutations()
}

func TestToolsListShowsOnlyTheRawInputSchema(t *testing.T) {
	e := sandboxEnv(t)
	for name, tool := range listTools(t, e) {
		var in map[string]any
		if err := json.Unmarshal(tool["inputSchema"], &in); err != nil || in["type"] != "object" {
			t.Errorf("%s: inputSchema %s", name, tool["inputSchema"])
		}
		if _, ok := tool["outputSchema"]; !ok {
			t.Errorf("%s has no outputSchema", name)
		}
	}
}

// TestStructuredContentMatchesOutputSchema calls every tool successfully on the
// sandbox and validates its structuredContent against the outputSchema it
// lists, as a strict client (the TypeScript SDK) would.
func TestStructuredContentMatchesOutputSchema(t *testing.T) {
	e := sandboxEnv(t)
	schemas := map[string]*jsonschema.Schema{}
	for name, tool := range listTools(t, e) {
		schemas[name] = compileSchema(t, name, tool["outputSchema"])
	}
	var job tools.CreateBackupOutput
	e.ok("create_backup", map[string]any{"vps_id": "vps_sandbox01", "note": "schema test"}, &job)
	if job.Job == nil {
		t.Fatal("create_backup returned no job")
	}
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"list_vps", map[string]any{}},
		{"list_vps", map[string]any{"query": "nothing-matches"}},
		{"list_backup_schedules", map[string]any{"vps_id": "vps_sandbox02"}},
		{"list_backup_schedules", map[string]any{"vps_id": "vps_sandbox01"}},
		{"audit_backup_coverage", map[string]any{}},
		{"list_backups", map[string]any{"vps_id": "vps_sandbox02"}},
		{"list_backups", map[string]any{"vps_id": "vps_sandbox01"}},
		{"get_job", map[string]any{"job_id": job.Job.ID}},
		{"upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox01", "frequency": "daily", "hour": 3, "retention_count": 2, "dry_run": true}},
		{"upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox02", "frequency": "daily", "hour": 4, "retention_count": 3}},
		{"upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox02", "frequency": "weekly", "day_of_week": 1, "hour": 4, "retention_count": 3, "replace_existing": true}},
		{"apply_backup_policy", map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3, "cap_retention": true, "dry_run": true}},
		{"apply_backup_policy", map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3, "vps_ids": []string{"vps_sandbox05", "vps_nosuch1"}}},
		{"update_backup_settings", map[string]any{"vps_id": "vps_sandbox02", "max_total_backups": 6}},
		{"update_backup_settings", map[string]any{"vps_id": "vps_sandbox02", "max_total_backups": 6}},
		{"delete_backup_schedule", map[string]any{"vps_id": "vps_sandbox05", "schedule_id": "bks_sandbox05", "dry_run": true}},
		{"delete_backup_schedule", map[string]any{"vps_id": "vps_sandbox05", "schedule_id": "bks_sandbox05"}},
		{"create_backup", map[string]any{"vps_id": "vps_sandbox02", "dry_run": true}},
		{"delete_backup", map[string]any{"vps_id": "vps_sandbox04", "backup_id": firstBackup(t, e, "vps_sandbox04")}},
		{"restore_backup", map[string]any{"vps_id": "vps_sandbox04", "backup_id": firstBackup(t, e, "vps_sandbox04"), "dry_run": true}},
		{"list_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox02"}},
		{"set_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox02", "interval_hours": 8}},
		{"delete_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox02"}},
	}
	check := func(tool string, args map[string]any) map[string]any {
		res := e.call(tool, args)
		if res.IsError {
			t.Errorf("%s %v: %s", tool, args, textOf(res))
			return nil
		}
		if res.StructuredContent == nil {
			t.Errorf("%s: a successful result must carry structuredContent", tool)
			return nil
		}
		b, _ := json.Marshal(res.StructuredContent)
		doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err := schemas[tool].Validate(doc); err != nil {
			t.Errorf("%s %v: structuredContent does not match the outputSchema: %v\n%s", tool, args, err, b)
		}
		if strings.Contains(string(b), "null") {
			t.Errorf("%s: structuredContent has a null (lists must be empty, not nil): %s", tool, b)
		}
		out, _ := res.StructuredContent.(map[string]any)
		return out
	}
	var last map[string]any
	for _, c := range calls {
		last = check(c.tool, c.args)
	}
	// The last call asked for confirmation; the confirmed delete reads back
	// "no schedule", a shape of its own.
	if token, _ := last["confirm_token"].(string); token == "" {
		t.Errorf("delete_snapshot_schedule gave no confirm_token: %v", last)
	} else if out := check("delete_snapshot_schedule", map[string]any{"vps_id": "vps_sandbox02", "confirm_token": token}); out["outcome"] != "applied" || out["has_schedule"] != false {
		t.Errorf("confirmed delete_snapshot_schedule: %v", out)
	}
}

func firstBackup(t *testing.T, e *env, vpsID string) string {
	t.Helper()
	var out tools.ListBackupsOutput
	e.ok("list_backups", map[string]any{"vps_id": vpsID}, &out)
	if len(out.Backups) == 0 {
		t.Fatalf("%s has no backup", vpsID)
	}
	return out.Backups[len(out.Backups)-1].ID
}

func TestSandboxResultsSayTheyAreSimulated(t *testing.T) {
	sim := hostuptest.Sandbox()
	e := newEnv(t, sim, withKey(hostuptest.SandboxAPIKey), withSandbox())
	var out tools.ListVPSOutput
	text := e.ok("list_vps", map[string]any{}, &out)
	if !out.Sandbox {
		t.Error("structuredContent.sandbox must be true in sandbox mode")
	}
	contains(t, text, "SANDBOX")
	contains(t, e.fails("list_backups", map[string]any{"vps_id": "vps_nope"}), "SANDBOX")
}
