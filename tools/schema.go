package tools

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/invopop/jsonschema"
)

// reflector builds every tool's input and output schema from the tool's own Go
// structs, so a schema can never drift from what the handler decodes or returns.
// One rule decides what is required: a field without `omitempty` is required.
// Schemas are flat (no $ref/$defs) because several MCP clients do not resolve
// references.
var reflector = &jsonschema.Reflector{
	DoNotReference: true,
	ExpandedStruct: true,
}

// schemaOf returns the JSON schema of T's zero value, ready for tools/list.
func schemaOf[T any]() json.RawMessage {
	var zero T
	s := reflector.ReflectFromType(reflect.TypeOf(zero))
	s.Version = ""
	s.ID = ""
	b, err := json.Marshal(s)
	if err != nil {
		// The structs are ours and fixed at compile time: a failure is a programming
		// error that every test run would show at once.
		panic(fmt.Sprintf("schema for %T: %v", zero, err))
	}
	return b
}
