package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/hostup/hostup-mcp/tools"
)

// Schemas are one tool's input and output schemas, as tools/schemas.json
// holds them.
type Schemas struct {
	Input  json.RawMessage `json:"input"`
	Output json.RawMessage `json:"output"`
}

// ReflectSchemas makes every tool's schemas from its Go structs, compact.
//
// Input schemas are flat and keep every description: models read them. Output
// schemas are for programs and say each thing once (leanOutput).
func ReflectSchemas() (map[string]Schemas, error) {
	all := map[string]Schemas{}
	for name, t := range tools.ToolTypes() {
		in, err := reflectSchema(inputReflector, t.In)
		if err != nil {
			return nil, err
		}
		out, err := reflectSchema(outputReflector, t.Out)
		if err == nil {
			out, err = leanOutput(out)
		}
		if err != nil {
			return nil, fmt.Errorf("the output schema of %s: %w", name, err)
		}
		all[name] = Schemas{Input: in, Output: out}
	}
	return all, nil
}

// ParseSchemas reads a tools/schemas.json, its schemas made compact as
// ReflectSchemas makes them.
func ParseSchemas(file []byte) (map[string]Schemas, error) {
	var all map[string]Schemas
	if err := json.Unmarshal(file, &all); err != nil {
		return nil, err
	}
	for name, s := range all {
		var in, out bytes.Buffer
		if err := json.Compact(&in, s.Input); err != nil {
			return nil, err
		}
		if err := json.Compact(&out, s.Output); err != nil {
			return nil, err
		}
		all[name] = Schemas{Input: in.Bytes(), Output: out.Bytes()}
	}
	return all, nil
}

// SchemasJSON is the content of tools/schemas.json: indented for review,
// tools in name order.
func SchemasJSON(all map[string]Schemas) ([]byte, error) {
	return byName(all, func(b *bytes.Buffer, s Schemas) error {
		b.WriteString("{\n    \"input\": ")
		if err := json.Indent(b, s.Input, "    ", "  "); err != nil {
			return err
		}
		b.WriteString(",\n    \"output\": ")
		if err := json.Indent(b, s.Output, "    ", "  "); err != nil {
			return err
		}
		b.WriteString("\n  }")
		return nil
	})
}

// inputReflector turns a tool's input struct into its input schema: flat, with
// every description, because models read it.
var inputReflector = &jsonschema.Reflector{
	DoNotReference: true,
	ExpandedStruct: true,
}

// outputReflector names every struct type in $defs; leanOutput then keeps only
// the definitions used more than once.
var outputReflector = &jsonschema.Reflector{
	ExpandedStruct: true,
}

func reflectSchema(r *jsonschema.Reflector, typ reflect.Type) (json.RawMessage, error) {
	s := r.ReflectFromType(typ)
	s.Version = ""
	s.ID = ""
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("schema of %s: %w", typ, err)
	}
	return b, nil
}

// leanOutput makes an output schema say each thing once: a type used more than
// once is defined once in $defs and referenced locally (the TypeScript SDK's
// validator, the Inspector, the conformance suite and mcp-go's own validation
// all resolve that), a type used once is inlined where it is used, and
// descriptions are dropped (the model reads the result's text, not this
// schema; programs read the field names and types). Every property, type,
// enum, required list and additionalProperties stays; the top-level required
// list becomes one of two (see below). A field without `omitempty` is required.
func leanOutput(raw json.RawMessage) (json.RawMessage, error) {
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, err
	}
	defs, _ := root["$defs"].(map[string]any)
	delete(root, "$defs")
	uses := countUses(root, defs)
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
	return json.Marshal(root)
}

// countUses counts the references to each definition in defs, from root and
// from the definitions it reaches; a definition's own references count once.
func countUses(root map[string]any, defs map[string]any) map[string]int {
	uses := map[string]int{}
	var count func(node any)
	count = func(node any) {
		walkSchema(node, func(s map[string]any) {
			if name, ok := defName(s); ok {
				uses[name]++
				if uses[name] == 1 {
					count(defs[name])
				}
			}
		})
	}
	count(root)
	return uses
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
