package tools

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
)

// Every tool's input and output schema is generated from the tool's own Go
// structs (ToolTypes, reflected by internal/contract) and kept in schemas.json,
// which is embedded here: reflecting at every start-up cost several
// milliseconds of a ~40 ms start. A test fails as soon as a struct and
// schemas.json disagree, and `go generate ./...` rewrites the file.
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
		panic(fmt.Sprintf("tools/schemas.json is not valid JSON (%v): run go generate ./...", err))
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

// ToolType is the Go types of one tool's input and output.
type ToolType struct{ In, Out reflect.Type }

// ToolTypes builds every tool and returns its Go types by tool name: what its
// schemas are generated from. A tool need not have schemas yet, so that a new
// tool's can be generated.
func ToolTypes() map[string]ToolType {
	reflecting.Store(true)
	defer reflecting.Store(false)
	out := map[string]ToolType{}
	for _, r := range registry {
		name := r.build(&Deps{}).Tool.Name
		if t, ok := toolTypes.Load(name); ok {
			out[name] = t.(ToolType)
		}
	}
	return out
}

// toolTypes records each tool's input and output types as the tools are built.
var toolTypes sync.Map // tool name → ToolType

// reflecting is set while ToolTypes builds the tools: their schemas are about
// to be generated, so schemas.json may lack them.
var reflecting atomic.Bool

// schemasOf returns the tool's embedded schemas and notes its Go types.
func schemasOf[In, Out any](name string) toolSchemas {
	toolTypes.Store(name, ToolType{In: reflect.TypeFor[In](), Out: reflect.TypeFor[Out]()})
	if reflecting.Load() {
		return toolSchemas{}
	}
	s, ok := embeddedSchemas()[name]
	if !ok {
		// A new tool: every test run shows this at once.
		panic(fmt.Sprintf("tools/schemas.json has no schemas for %s: run go generate ./...", name))
	}
	return s
}
