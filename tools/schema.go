package tools

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
)

// Every tool's input and output schema is generated from the tool's own Go
// structs (schema_test.go reflects them with invopop/jsonschema) and kept in
// schemas.json, which is embedded here. Reflecting at every start-up cost
// several milliseconds of a ~40 ms start; TestEmbeddedSchemasMatchTheStructs
// fails as soon as a struct and schemas.json disagree, and
// UPDATE_SCHEMAS=true go test ./tools/ -run TestEmbeddedSchemas rewrites the file.
//
// Input schemas are flat and keep every description: models read them. Output
// schemas are for programs and say each thing once: a type used twice is defined
// in $defs and referenced locally (the TypeScript SDK's validator, the Inspector,
// the conformance suite and mcp-go's own validation all resolve that), and they
// carry no descriptions, since the model reads a result's text. Every field,
// type, enum, required list and additionalProperties stays. A field without
// `omitempty` is required.
//
//go:embed schemas.json
var schemasJSON []byte

type toolSchemas struct {
	Input  json.RawMessage `json:"input"`
	Output json.RawMessage `json:"output"`
}

var embeddedSchemas = sync.OnceValue(func() map[string]toolSchemas {
	var all map[string]toolSchemas
	if err := json.Unmarshal(schemasJSON, &all); err != nil {
		panic(fmt.Sprintf("tools/schemas.json is not valid JSON (%v): run UPDATE_SCHEMAS=true go test ./tools/ -run TestEmbeddedSchemas", err))
	}
	// The file is indented for review; tools/list sends them compact.
	for name, s := range all {
		all[name] = toolSchemas{Input: compact(s.Input), Output: compact(s.Output)}
	}
	return all
})

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		panic(err) // raw came out of a valid document
	}
	return b.Bytes()
}

// toolTypes records each tool's input and output types as the tools are built,
// for the test that checks schemas.json against them.
var toolTypes sync.Map // tool name → [2]reflect.Type{input, output}

// allowMissingSchemas is set only by the test that writes schemas.json.
var allowMissingSchemas bool

// schemasOf returns the tool's embedded schemas and notes its Go types.
func schemasOf[In, Out any](name string) toolSchemas {
	toolTypes.Store(name, [2]reflect.Type{reflect.TypeFor[In](), reflect.TypeFor[Out]()})
	if allowMissingSchemas {
		return toolSchemas{} // the test is about to write the file: its old content does not matter
	}
	s, ok := embeddedSchemas()[name]
	if !ok {
		// A new tool: every test run shows this at once.
		panic(fmt.Sprintf("tools/schemas.json has no schemas for %s: run UPDATE_SCHEMAS=true go test ./tools/ -run TestEmbeddedSchemas", name))
	}
	return s
}
