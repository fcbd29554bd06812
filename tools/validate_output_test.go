package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The output validator must judge every result as a general JSON Schema
// validator does. For each tool's output schema it is given a result with
// every field set, each alternative of the top-level anyOf, and that result
// broken in each way a bug could break it (a field of another type, null for
// a list, a value outside an enum, a required field left out, a field the
// schema does not name), and must agree with santhosh-tekuri/jsonschema, the
// library mcp-go's own validation uses, on every one.
func TestOutputValidatorAgreesWithJSONSchema(t *testing.T) {
	for name, s := range embeddedSchemas() {
		t.Run(name, func(t *testing.T) {
			general := compileGeneral(t, s.Output)
			ours := newOutputValidator(name, s.Output)
			var defs map[string]any
			var root map[string]any
			if err := json.Unmarshal(s.Output, &root); err != nil {
				t.Fatal(err)
			}
			defs, _ = root["$defs"].(map[string]any)
			full := instance(root, defs)
			cases := map[string]any{"every field": full}
			for i, alt := range anyOfRequired(root) {
				cases[fmt.Sprintf("only alternative %d", i)] = only(full, alt)
				for _, n := range alt {
					cases[fmt.Sprintf("alternative %d without %s", i, n)] = edit(only(full, alt), []string{n}, nil, true)
				}
			}
			for label, doc := range breakings(root, defs, full) {
				cases[label] = doc
			}
			valid := 0
			for label, doc := range cases {
				raw, err := json.Marshal(doc)
				if err != nil {
					t.Fatal(err)
				}
				want := general.Validate(decodeGeneral(t, raw)) == nil
				got := ours.check(raw)
				if (got == nil) != want {
					t.Errorf("%s: ours says %v, JSON Schema says valid=%v:\n%s", label, got, want, raw)
				}
				if want {
					valid++
				}
			}
			if valid < 2 || len(cases)-valid < 3 {
				t.Errorf("%d valid and %d invalid cases: the test does not exercise the schema", valid, len(cases)-valid)
			}
		})
	}
}

// A result that does not fit its schema never reaches the client: the call
// answers with an internal error that says a change may have been made.
func TestAResultThatDoesNotFitItsSchemaIsAnInternalError(t *testing.T) {
	v := newOutputValidator("list_vps", embeddedSchemas()["list_vps"].Output)
	if err := v.check([]byte(`{"vps":null,"total":1,"left_out":0,"completeness":"complete"}`)); err == nil {
		t.Fatal("null for a list passed")
	}
	text, failure := explain(&invalidResult{err: v.check([]byte(`{"vps":null}`))})
	if failure.Kind != kindInternal || failure.Code != "invalid_result" || failure.Retryable {
		t.Errorf("classified as %+v", failure)
	}
	for _, want := range []string{"does not fit the tool's output schema", "a change the call made stays made", "/vps"} {
		if !bytes.Contains([]byte(text), []byte(want)) {
			t.Errorf("text lacks %q: %s", want, text)
		}
	}
}

func compileGeneral(t *testing.T, schema []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("mem://out.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("mem://out.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func decodeGeneral(t *testing.T, raw []byte) any {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func resolveRef(s map[string]any, defs map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s = defs[ref[len("#/$defs/"):]].(map[string]any)
	}
}

// instance is a value that fits s, with every property set and two items in
// every list (so that a list's second item is checked too).
func instance(s map[string]any, defs map[string]any) any {
	s = resolveRef(s, defs)
	if enum, ok := s["enum"].([]any); ok {
		return enum[len(enum)-1]
	}
	switch s["type"] {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			out[name] = instance(p.(map[string]any), defs)
		}
		if extra, ok := s["additionalProperties"].(map[string]any); ok {
			out["any_key"] = instance(extra, defs)
		}
		return out
	case "array":
		item := instance(s["items"].(map[string]any), defs)
		return []any{item, item}
	case "string":
		return "text with \"quotes\" and <tags>"
	case "integer":
		return 3
	case "number":
		return 2.5
	case "boolean":
		return true
	}
	return map[string]any{"free": []any{1, "x", nil}}
}

func anyOfRequired(root map[string]any) [][]string {
	var out [][]string
	alts, _ := root["anyOf"].([]any)
	for _, a := range alts {
		var names []string
		for _, n := range a.(map[string]any)["required"].([]any) {
			names = append(names, n.(string))
		}
		out = append(out, names)
	}
	return out
}

// only keeps the fields of doc that names lists.
func only(doc any, names []string) any {
	out := map[string]any{}
	for _, n := range names {
		out[n] = doc.(map[string]any)[n]
	}
	return out
}

// breakings are full broken at each property, at any depth, in each way.
func breakings(root map[string]any, defs map[string]any, full any) map[string]any {
	out := map[string]any{}
	var walk func(s map[string]any, path []string)
	walk = func(s map[string]any, path []string) {
		s = resolveRef(s, defs)
		props, _ := s["properties"].(map[string]any)
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p := resolveRef(props[n].(map[string]any), defs)
			at := append(append([]string{}, path...), n)
			out[fmt.Sprint(at, " null")] = edit(full, at, nil, false)
			out[fmt.Sprint(at, " another type")] = edit(full, at, otherType(p), false)
			out[fmt.Sprint(at, " left out")] = edit(full, at, nil, true)
			if _, ok := p["enum"]; ok {
				out[fmt.Sprint(at, " outside the enum")] = edit(full, at, "not_in_the_enum", false)
			}
			out[fmt.Sprint(at, " unknown field beside it")] = edit(full, append(path[:len(path):len(path)], "not_in_the_schema"), 1, false)
			switch p["type"] {
			case "object":
				walk(p, at)
			case "array":
				if item, ok := p["items"].(map[string]any); ok {
					walk(item, append(at, "0"))
				}
			}
		}
	}
	walk(root, nil)
	return out
}

func otherType(s map[string]any) any {
	switch s["type"] {
	case "string":
		return 7
	case "integer":
		return 1.5
	case "object", "array", "number", "boolean":
		return "text"
	}
	return nil
}

// edit returns a copy of doc with the value at path set to v, or removed.
func edit(doc any, path []string, v any, remove bool) any {
	raw, _ := json.Marshal(doc)
	var cp any
	_ = json.Unmarshal(raw, &cp)
	node := cp
	for i, p := range path {
		last := i == len(path)-1
		switch n := node.(type) {
		case map[string]any:
			if last {
				if remove {
					delete(n, p)
				} else {
					n[p] = v
				}
				return cp
			}
			node = n[p]
		case []any:
			var k int
			fmt.Sscan(p, &k)
			if last {
				n[k] = v
				return cp
			}
			node = n[k]
		default:
			return cp
		}
	}
	return cp
}
