package tools

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/invopop/jsonschema"
)

// inputReflector turns a tool's input struct into its input schema: flat, with
// every description, because models read it; see schema.go.
var inputReflector = &jsonschema.Reflector{
	DoNotReference: true,
	ExpandedStruct: true,
}

// outputReflector names every struct type in $defs; leanOutput then keeps only
// the definitions used more than once.
var outputReflector = &jsonschema.Reflector{
	ExpandedStruct: true,
}

func reflectSchema(t *testing.T, r *jsonschema.Reflector, typ reflect.Type) json.RawMessage {
	t.Helper()
	s := r.ReflectFromType(typ)
	s.Version = ""
	s.ID = ""
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("schema of %s: %v", typ, err)
	}
	return b
}

// leanOutput makes an output schema say each thing once: a type used more than
// once is defined once in $defs and referenced locally, a type used once is
// inlined where it is used, and descriptions are dropped (the model reads the
// result's text, not this schema; programs read the field names and types).
// Every property, type, enum, required list and additionalProperties stays; the
// top-level required list becomes one of two (see below).
func leanOutput(t *testing.T, raw json.RawMessage) json.RawMessage {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	defs, _ := root["$defs"].(map[string]any)
	delete(root, "$defs")
	uses := map[string]int{}
	var count func(node any)
	count = func(node any) {
		walkSchema(node, func(s map[string]any) {
			if name, ok := defName(s); ok {
				uses[name]++
				if uses[name] == 1 {
					count(defs[name]) // a definition's own references count once
				}
			}
		})
	}
	count(root)
	var expand func(node any)
	expand = func(node any) {
		walkSchema(node, func(s map[string]any) {
			delete(s, "description")
			if name, ok := defName(s); ok && uses[name] == 1 {
				delete(s, "$ref")
				for k, v := range defs[name].(map[string]any) {
					s[k] = v
				}
				expand(s)
			}
		})
	}
	expand(root)
	kept := map[string]any{}
	for name, n := range uses {
		if n > 1 {
			expand(defs[name])
			kept[name] = defs[name]
		}
	}
	if len(kept) > 0 {
		root["$defs"] = kept
	}
	// A failed result carries only Common's error (errorResult): it must fit
	// the schema too, since clients validate structuredContent whether or not
	// the result is an error. So the tool's own required fields are one
	// alternative, the error the other; every property keeps its type.
	if req, ok := root["required"].([]any); ok && len(req) > 0 {
		delete(root, "required")
		root["anyOf"] = []any{map[string]any{"required": req}, map[string]any{"required": []any{"error"}}}
	}
	b, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// defName is the definition a local reference points at.
func defName(s map[string]any) (string, bool) {
	ref, ok := s["$ref"].(string)
	if !ok {
		return "", false
	}
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	return name, ok
}

// walkSchema calls visit on node and on every subschema below it that our
// structs produce (properties, items, additionalProperties), not on $defs.
// visit runs before the walk goes down, so it may rewrite a node in place.
func walkSchema(node any, visit func(map[string]any)) {
	s, ok := node.(map[string]any)
	if !ok {
		return
	}
	visit(s)
	if props, ok := s["properties"].(map[string]any); ok {
		for _, p := range props {
			walkSchema(p, visit)
		}
	}
	walkSchema(s["items"], visit)
	walkSchema(s["additionalProperties"], visit)
}

// The schemas a client sees are the ones the handlers' structs define: a field
// added, renamed or re-tagged without regenerating schemas.json fails here.
func TestEmbeddedSchemasMatchTheStructs(t *testing.T) {
	update := os.Getenv("UPDATE_SCHEMAS") == "true"
	allowMissingSchemas = update // a new tool has none yet
	defer func() { allowMissingSchemas = false }()
	All(&Deps{}) // builds every tool, recording its types
	want := map[string]toolSchemas{}
	toolTypes.Range(func(name, types any) bool {
		ts := types.([2]reflect.Type)
		want[name.(string)] = toolSchemas{
			Input:  reflectSchema(t, inputReflector, ts[0]),
			Output: leanOutput(t, reflectSchema(t, outputReflector, ts[1])),
		}
		return true
	})
	if len(want) == 0 {
		t.Fatal("no tool recorded its types")
	}
	if update {
		writeSchemas(t, want)
		return
	}
	got := embeddedSchemas()
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("schemas.json has no entry for %s", name)
		case !bytes.Equal(g.Input, w.Input):
			t.Errorf("the input schema of %s in schemas.json differs from its struct", name)
		case !bytes.Equal(g.Output, w.Output):
			t.Errorf("the output schema of %s in schemas.json differs from its struct", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("schemas.json has an entry for %s, which is no tool", name)
		}
	}
	if t.Failed() {
		t.Log("run UPDATE_SCHEMAS=true go test ./tools/ -run TestEmbeddedSchemas, review the diff and commit it")
	}
}

// writeSchemas writes schemas.json indented, tools in name order, so that a
// change reads as a small diff.
func writeSchemas(t *testing.T, all map[string]toolSchemas) {
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, n := range names {
		key, _ := json.Marshal(n)
		b.WriteString("  " + string(key) + ": {\n    \"input\": ")
		writeIndented(&b, all[n].Input)
		b.WriteString(",\n    \"output\": ")
		writeIndented(&b, all[n].Output)
		b.WriteString("\n  }")
		if i < len(names)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	if err := os.WriteFile("schemas.json", b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeIndented(b *bytes.Buffer, raw json.RawMessage) {
	if err := json.Indent(b, raw, "    ", "  "); err != nil {
		panic(err)
	}
}

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
