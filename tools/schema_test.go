package tools

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"testing"

	"github.com/invopop/jsonschema"
)

// reflector turns a tool's structs into its schemas; see schema.go.
var reflector = &jsonschema.Reflector{
	DoNotReference: true,
	ExpandedStruct: true,
}

func reflectSchema(t *testing.T, typ reflect.Type) json.RawMessage {
	t.Helper()
	s := reflector.ReflectFromType(typ)
	s.Version = ""
	s.ID = ""
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("schema of %s: %v", typ, err)
	}
	return b
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
		want[name.(string)] = toolSchemas{Input: reflectSchema(t, ts[0]), Output: reflectSchema(t, ts[1])}
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
