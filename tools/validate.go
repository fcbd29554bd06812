package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Arguments are validated against each tool's own input schema here rather than
// by mcp-go's built-in validation: the checks are the same (mcp-go uses this very
// library), but mcp-go's messages read like "&{Properties:[bogus]}", and the
// person or model that sent the arguments needs to know what to change.

// inputValidator checks one tool's arguments against its input schema. The schema
// is compiled on the tool's first call, not at start-up: compiling all of them
// (and the library's meta-schemas) would more than double the time from spawn
// to the first answer, which a client pays on every launch.
type inputValidator struct {
	name  string
	json  []byte
	once  sync.Once
	cache *jsonschema.Schema
}

func newInputValidator(name string, schema []byte) *inputValidator {
	return &inputValidator{name: name, json: schema}
}

func (v *inputValidator) schema() *jsonschema.Schema {
	v.once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(v.json))
		c := jsonschema.NewCompiler()
		url := "mem://tools/" + v.name + ".json"
		if err == nil {
			err = c.AddResource(url, doc)
		}
		if err == nil {
			v.cache, err = c.Compile(url)
		}
		if err != nil {
			// Our schemas are generated from Go structs: one that does not compile
			// is a programming error that the metadata test shows at once.
			panic(fmt.Sprintf("input schema of %s: %v", v.name, err))
		}
	})
	return v.cache
}

// check returns nil, or an *inputError listing every problem in plain words.
func (v *inputValidator) check(raw []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return badInput("the arguments are not valid JSON")
	}
	if name, dup := duplicateKey(raw); dup {
		// JSON decoders disagree on which copy wins: the client may show the user
		// the first vps_id while we would act on the last. Refuse both.
		return badInput("argument %s is given more than once; give each argument once", quoteName(name))
	}
	err = v.schema().Validate(doc)
	if err == nil {
		return plainText(doc)
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return badInput("the arguments do not fit this tool: %v", err)
	}
	var problems []string
	collectProblems(verr, &problems)
	sort.Strings(problems)
	return badInput("%s", strings.Join(problems, "; "))
}

func collectProblems(e *jsonschema.ValidationError, out *[]string) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collectProblems(c, out)
		}
		return
	}
	if msg := describeProblem(e); msg != "" {
		*out = append(*out, msg)
	}
}

func describeProblem(e *jsonschema.ValidationError) string {
	field := strings.Join(e.InstanceLocation, ".")
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		return fmt.Sprintf("missing required argument %s", joinQuoted(prefixed(field, k.Missing)))
	case *kind.AdditionalProperties:
		return fmt.Sprintf("unknown argument %s (this tool does not take it)", joinQuoted(prefixed(field, k.Properties)))
	case *kind.Type:
		return fmt.Sprintf("%q must be %s, not %s", field, strings.Join(k.Want, " or "), k.Got)
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprint(w)
		}
		return fmt.Sprintf("%q must be one of %s, not %v", field, strings.Join(want, ", "), k.Got)
	case *kind.Minimum:
		return fmt.Sprintf("%q must be at least %s, not %s", field, k.Want.RatString(), k.Got.RatString())
	case *kind.Maximum:
		return fmt.Sprintf("%q must be at most %s, not %s", field, k.Want.RatString(), k.Got.RatString())
	case *kind.MinLength:
		return fmt.Sprintf("%q is too short (at least %s)", field, quantity(k.Want, "character"))
	case *kind.MaxLength:
		return fmt.Sprintf("%q is too long (at most %s)", field, quantity(k.Want, "character"))
	case *kind.MaxItems:
		return fmt.Sprintf("%q has too many items (at most %d)", field, k.Want)
	case *kind.Pattern:
		return fmt.Sprintf("%q has the wrong form: %s", field, patternHint(field))
	}
	return fmt.Sprintf("%q: %v", field, e.ErrorKind)
}

// plainText refuses a text argument that holds a line break, a control
// character or a bidi control. Every string a tool takes (a schedule's name, a
// backup's note, a search, a time zone, a token, a typed name) is one line of
// plain text; the model writes these, and such a character would let its text
// stand on a line of its own in a plan or a confirmation dialog, reorder what
// the user reads there, or pass for the server's own words. The rule follows
// the schema: a document that passed it holds a string only where the tool's
// schema says "string", so every such place is checked, whatever tool it is.
func plainText(doc any) error {
	var problems []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case string:
			if r, at, bad := firstNonPlain(v); bad {
				problems = append(problems, fmt.Sprintf("%s must be one line of plain text, but holds %s at character %d; write it without line breaks, control characters or bidi controls", quoteName(path), describeRune(r), at))
			}
		case map[string]any:
			for k, e := range v {
				walk(joinPath(path, k), e)
			}
		case []any:
			for i, e := range v {
				walk(joinPath(path, fmt.Sprint(i)), e)
			}
		}
	}
	walk("", doc)
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	if len(problems) > maxEchoedNames {
		problems = append(problems[:maxEchoedNames], fmt.Sprintf("and %d more", len(problems)-maxEchoedNames))
	}
	return badInput("%s; nothing was sent", strings.Join(problems, "; "))
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// firstNonPlain returns the first rune of s that plain text must not hold, and
// its position in characters, counted from 1.
func firstNonPlain(s string) (rune, int, bool) {
	at := 0
	for _, r := range s {
		at++
		if !isPlain(r) {
			return r, at, true
		}
	}
	return 0, 0, false
}

// isPlain is false for what can break a line or change how a line reads: C0
// and C1 controls (line feed, carriage return, tab, NEL, …), the Unicode line
// and paragraph separators, and the bidi embeddings, overrides and isolates.
func isPlain(r rune) bool {
	switch {
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return false
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return false
	}
	return true
}

// describeRune names a character without writing it: the message must not
// carry the very character it refuses.
func describeRune(r rune) string {
	switch r {
	case '\n':
		return "a line break (U+000A)"
	case '\r':
		return "a carriage return (U+000D)"
	case '\t':
		return "a tab (U+0009)"
	case '\u2028', '\u2029':
		return fmt.Sprintf("a line separator (U+%04X)", r)
	}
	if unicode.IsControl(r) {
		return fmt.Sprintf("a control character (U+%04X)", r)
	}
	return fmt.Sprintf("a bidi control (U+%04X)", r)
}

// patternHint says where a valid value comes from, instead of quoting a regexp
// (and never echoes the rejected value, which may be long or hostile).
func patternHint(field string) string {
	switch {
	case strings.HasSuffix(field, "vps_id") || strings.HasPrefix(field, "vps_ids"):
		return "use a VPS id exactly as list_vps returns it (vps_…), or a numeric vmid (e.g. 10000) exactly as the user gave it, never a name or IP"
	case field == "schedule_id":
		return "use a schedule id (bks_…) from list_backup_schedules"
	case field == "backup_id":
		return "use a backup id from list_backups: bkp_… for a vps_… id, the volid (storage:path) for a numeric vmid"
	case field == "job_id":
		return "use a job id from create_backup or a schedule's history"
	}
	return "see the tool's input schema"
}

func prefixed(parent string, names []string) []string {
	if parent == "" {
		return names
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = parent + "." + n
	}
	return out
}

// joinQuoted lists names for a message. Names may come from the caller, so each
// is cut short and at most maxEchoedNames are listed: an error or log line must
// not grow with whatever a request sends.
func joinQuoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteName(n)
	}
	sort.Strings(q)
	if len(q) > maxEchoedNames {
		return strings.Join(q[:maxEchoedNames], ", ") + fmt.Sprintf(" and %d more", len(q)-maxEchoedNames)
	}
	return strings.Join(q, ", ")
}

const (
	maxEchoedNames    = 5
	maxEchoedNameSize = 40 // bytes
)

// quoteName quotes a caller's argument name, cut to maxEchoedNameSize bytes.
func quoteName(name string) string {
	if len(name) <= maxEchoedNameSize {
		return fmt.Sprintf("%q", name)
	}
	cut := maxEchoedNameSize
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", name[:cut], len(name))
}

// duplicateKey reports the first name that appears twice in one JSON object,
// at any depth. raw is valid JSON (checked before).
func duplicateKey(raw []byte) (string, bool) {
	var stack []*jsonLevel
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false // io.EOF: the end of the document
		}
		var top *jsonLevel
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.names != nil && top.wantsName {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				valueDone(stack)
				continue
			}
			name, _ := tok.(string)
			if top.names[name] {
				return name, true
			}
			top.names[name] = true
			top.wantsName = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &jsonLevel{names: map[string]bool{}, wantsName: true})
		case json.Delim('['):
			stack = append(stack, &jsonLevel{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone(stack)
		default:
			valueDone(stack)
		}
	}
}

// jsonLevel is one open object or array while duplicateKey walks a document.
type jsonLevel struct {
	names     map[string]bool // the names seen so far; nil for an array
	wantsName bool            // in an object: the next token is a name
}

// valueDone notes that a value ended: in an object, a name comes next.
func valueDone(stack []*jsonLevel) {
	if len(stack) > 0 && stack[len(stack)-1].names != nil {
		stack[len(stack)-1].wantsName = true
	}
}
