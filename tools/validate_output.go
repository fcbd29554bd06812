package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Every result's structuredContent is checked against its tool's output schema
// here, on the very bytes sent, rather than by mcp-go's output validation:
// that one encodes the result, decodes it into a generic document and walks
// it with a general JSON Schema validator, which cost more than the rest of a
// list_backup_schedules call together. Our output schemas use a small part of
// JSON Schema (schema_test.go generates them from the result structs), so a
// validator of that part walks the encoded result once, allocating next to
// nothing; a keyword it does not know stops the server at the tool's first
// call, as an input schema that does not compile does.

// outNode is one compiled subschema. A zero node accepts any value.
type outNode struct {
	types    []string // "object", "array", "string", "integer", "number", "boolean"; none: any
	props    map[string]*outNode
	required []string
	closed   bool     // additionalProperties: false
	extra    *outNode // additionalProperties: a schema
	items    *outNode
	enum     []string
	anyOf    [][]string // anyOf of required lists (a result's own fields, or its error)
	ref      string     // "#/$defs/Name", resolved into target
	target   *outNode
	// bit gives each name that required or anyOf lists a bit, so that an
	// object's fields are tallied without a list of the names seen.
	bit     map[string]uint64
	need    uint64   // the bits of required
	needAny []uint64 // the bits of each anyOf alternative
}

// outputValidator checks one tool's results. The schema is compiled on the
// tool's first result, like the input schema, to keep start-up short.
type outputValidator struct {
	name string
	json []byte
	once sync.Once
	root *outNode
}

func newOutputValidator(name string, schema []byte) *outputValidator {
	return &outputValidator{name: name, json: schema}
}

func (v *outputValidator) schema() *outNode {
	v.once.Do(func() {
		root, err := compileOutput(v.json)
		if err != nil {
			// Our schemas are generated: one this validator cannot read is a
			// programming error that every test of the tool shows at once.
			panic(fmt.Sprintf("output schema of %s: %v", v.name, err))
		}
		v.root = root
	})
	return v.root
}

// check returns nil when doc, a result encoded by encoding/json, fits the
// tool's output schema; otherwise an error saying where it does not.
func (v *outputValidator) check(doc []byte) error {
	s := &outScan{b: doc}
	err := s.value(v.schema())
	if err == nil {
		return nil
	}
	at, why, ok := strings.Cut(err.Error(), ": ")
	if !ok || at == "" {
		at, why = "the top", strings.TrimPrefix(err.Error(), ": ")
	}
	return fmt.Errorf("the result of %s does not fit its output schema at %s: %s", v.name, at, why)
}

func compileOutput(raw []byte) (*outNode, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	defs := map[string]*outNode{}
	var rawDefs map[string]json.RawMessage
	if d, ok := doc["$defs"]; ok {
		if err := json.Unmarshal(d, &rawDefs); err != nil {
			return nil, err
		}
		delete(doc, "$defs")
	}
	for name, d := range rawDefs {
		n, err := compileNode(d)
		if err != nil {
			return nil, fmt.Errorf("$defs/%s: %w", name, err)
		}
		defs[name] = n
	}
	root, err := compileObject(doc)
	if err != nil {
		return nil, err
	}
	if len(root.anyOf) > 0 && len(root.props) == 0 {
		return nil, fmt.Errorf("anyOf is checked only beside properties")
	}
	seen := map[*outNode]bool{}
	if err := resolve(root, defs, seen); err != nil {
		return nil, err
	}
	return root, nil
}

func compileNode(raw json.RawMessage) (*outNode, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return compileObject(m)
}

// compileObject reads the keywords of one subschema; it refuses any keyword
// this validator does not check, so that none is silently ignored.
func compileObject(m map[string]json.RawMessage) (*outNode, error) {
	n := &outNode{}
	for k, raw := range m {
		var err error
		switch k {
		case "type":
			n.types, err = oneOrMany(raw)
		case "required":
			err = json.Unmarshal(raw, &n.required)
		case "enum":
			err = json.Unmarshal(raw, &n.enum)
		case "$ref":
			err = json.Unmarshal(raw, &n.ref)
		case "properties":
			n.props, err = compileProperties(raw)
		case "items":
			n.items, err = compileNode(raw)
		case "additionalProperties":
			n.closed, n.extra, err = compileAdditional(raw)
		case "anyOf":
			n.anyOf, err = compileAnyOf(raw)
		default:
			err = fmt.Errorf("keyword %q is not checked by the output validator", k)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	return n, n.number()
}

// number gives each name required or anyOf lists its bit.
func (n *outNode) number() error {
	n.bit = map[string]uint64{}
	mask := func(names []string) (uint64, error) {
		var m uint64
		for _, name := range names {
			b, ok := n.bit[name]
			if !ok {
				if len(n.bit) == 64 {
					return 0, fmt.Errorf("more than 64 required names")
				}
				b = 1 << len(n.bit)
				n.bit[name] = b
			}
			m |= b
		}
		return m, nil
	}
	var err error
	if n.need, err = mask(n.required); err != nil {
		return err
	}
	for _, alt := range n.anyOf {
		m, err := mask(alt)
		if err != nil {
			return err
		}
		n.needAny = append(n.needAny, m)
	}
	return nil
}

func oneOrMany(raw json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	err := json.Unmarshal(raw, &many)
	return many, err
}

func compileProperties(raw json.RawMessage) (map[string]*outNode, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	props := make(map[string]*outNode, len(m))
	for name, p := range m {
		n, err := compileNode(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		props[name] = n
	}
	return props, nil
}

func compileAdditional(raw json.RawMessage) (closed bool, extra *outNode, err error) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return !b, nil, nil
	}
	extra, err = compileNode(raw)
	return false, extra, err
}

// compileAnyOf reads the one anyOf our schemas have: alternatives that each
// only require fields.
func compileAnyOf(raw json.RawMessage) ([][]string, error) {
	var alts []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &alts); err != nil {
		return nil, err
	}
	out := make([][]string, len(alts))
	for i, a := range alts {
		if len(a) != 1 || a["required"] == nil {
			return nil, fmt.Errorf("only alternatives of required fields are checked")
		}
		if err := json.Unmarshal(a["required"], &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// resolve points every $ref at its definition.
func resolve(n *outNode, defs map[string]*outNode, seen map[*outNode]bool) error {
	if n == nil || seen[n] {
		return nil
	}
	seen[n] = true
	if n.ref != "" {
		name, ok := strings.CutPrefix(n.ref, "#/$defs/")
		if n.target = defs[name]; !ok || n.target == nil {
			return fmt.Errorf("$ref %q names no definition", n.ref)
		}
		if err := resolve(n.target, defs, seen); err != nil {
			return err
		}
	}
	for _, p := range n.props {
		if err := resolve(p, defs, seen); err != nil {
			return err
		}
	}
	if err := resolve(n.items, defs, seen); err != nil {
		return err
	}
	return resolve(n.extra, defs, seen)
}

// outScan walks a JSON document that encoding/json wrote (valid, compact).
type outScan struct {
	b []byte
	i int
}

// value checks the value at the scan's position against n and moves past it.
// The path to a value that does not fit is built only then, on the way back.
func (s *outScan) value(n *outNode) error {
	for n != nil && n.target != nil {
		n = n.target
	}
	if s.i >= len(s.b) {
		return errors.New("the document ends early")
	}
	kind := s.kind()
	if n != nil && len(n.types) > 0 && !slices.Contains(n.types, kind) && !(kind == "integer" && slices.Contains(n.types, "number")) {
		return fmt.Errorf("%s where %s is expected", kind, strings.Join(n.types, " or "))
	}
	switch kind {
	case "object":
		return s.object(n)
	case "array":
		return s.array(n)
	case "string":
		str, err := s.str()
		if err == nil && n != nil && len(n.enum) > 0 && !inEnum(n.enum, str) {
			err = fmt.Errorf("%q is not one of %s", str, strings.Join(n.enum, ", "))
		}
		return err
	}
	return s.literal()
}

func inEnum(enum []string, v []byte) bool {
	for _, e := range enum {
		if e == string(v) {
			return true
		}
	}
	return false
}

// kind names the JSON type of the value at the scan's position; a number
// without a fraction or an exponent is an integer.
func (s *outScan) kind() string {
	switch c := s.b[s.i]; {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	}
	end := s.i
	for end < len(s.b) && strings.IndexByte("+-.0123456789eE", s.b[end]) >= 0 {
		end++
	}
	if bytes.ContainsAny(s.b[s.i:end], ".eE") {
		return "number"
	}
	return "integer"
}

func (s *outScan) object(n *outNode) error {
	s.i++ // {
	var have uint64
	for s.b[s.i] != '}' {
		name, err := s.str()
		if err != nil {
			return err
		}
		s.i++ // :
		var sub *outNode
		switch {
		case n == nil:
		case n.props[string(name)] != nil:
			sub = n.props[string(name)]
			have |= n.bit[string(name)]
		case n.closed:
			return fmt.Errorf("/%s: the property is not in the schema", name)
		default:
			sub = n.extra
		}
		if err := s.value(sub); err != nil {
			return fmt.Errorf("/%s%w", name, pathed(err))
		}
		if s.b[s.i] == ',' {
			s.i++
		}
	}
	s.i++ // }
	if n == nil {
		return nil
	}
	if have&n.need != n.need {
		return fmt.Errorf(": missing a required property of %s", strings.Join(n.required, ", "))
	}
	for _, alt := range n.needAny {
		if have&alt == alt {
			return nil
		}
	}
	if len(n.needAny) > 0 {
		return fmt.Errorf(": has neither all of %s nor the alternative", strings.Join(n.anyOf[0], ", "))
	}
	return nil
}

// pathed marks an error of the value itself, so that the path before it ends
// with a colon; an error from deeper down goes on with its own path.
func pathed(err error) error {
	if m := err.Error(); m != "" && (m[0] == '/' || m[0] == ':') {
		return err
	}
	return fmt.Errorf(": %w", err)
}

func (s *outScan) array(n *outNode) error {
	s.i++ // [
	var items *outNode
	if n != nil {
		items = n.items
	}
	for k := 0; s.b[s.i] != ']'; k++ {
		if err := s.value(items); err != nil {
			return fmt.Errorf("/%d%w", k, pathed(err))
		}
		if s.b[s.i] == ',' {
			s.i++
		}
	}
	s.i++ // ]
	return nil
}

// str reads a string and returns its text; escapes are rare in names and
// enum values, so only a string that has one is decoded by encoding/json.
func (s *outScan) str() ([]byte, error) {
	start := s.i
	s.i++
	escaped := false
	for s.b[s.i] != '"' {
		if s.b[s.i] == '\\' {
			escaped = true
			s.i++
		}
		s.i++
	}
	s.i++
	raw := s.b[start:s.i]
	if !escaped {
		return raw[1 : len(raw)-1], nil
	}
	var out string
	err := json.Unmarshal(raw, &out)
	return []byte(out), err
}

// literal moves past a number, true, false or null.
func (s *outScan) literal() error {
	start := s.i
	for s.i < len(s.b) && strings.IndexByte(",]}", s.b[s.i]) < 0 {
		s.i++
	}
	if s.i == start {
		return fmt.Errorf("unexpected %q at byte %d", s.b[s.i], s.i)
	}
	return nil
}
