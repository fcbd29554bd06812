package contract

import (
	"bytes"
	"encoding/json"
)

// snapshotKeys are the parts of a tool its snapshot holds: its contract with
// every model and program that uses it.
var snapshotKeys = []string{"name", "description", "annotations", "inputSchema", "outputSchema", "execution"}

// Snapshot is the content of a tool's __toolsnaps__/<name>.snap, from the tool
// as a client lists it (its JSON, by key): indented, keys sorted, so that the
// file diffs cleanly whatever order the schema library wrote them in.
func Snapshot(tool map[string]json.RawMessage) ([]byte, error) {
	snap := map[string]json.RawMessage{}
	for _, k := range snapshotKeys {
		if v, ok := tool[k]; ok { // execution (task support) is set only where a tool declares it
			snap[k] = v
		}
	}
	var generic any
	b, _ := json.Marshal(snap)
	if err := json.Unmarshal(b, &generic); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(generic); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ToolJSON is a listed tool as a client reads it: its JSON, by key.
func ToolJSON(tool any) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(tool)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	err = json.Unmarshal(b, &m)
	return m, err
}
