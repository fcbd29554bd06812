package hostup

import (
	"unicode/utf16"
	"unicode/utf8"
)

// jsonReader reads JSON the way encoding/json reads it into Go values, for
// the answers it can read exactly, without reflection: decoding the schedules
// answer with encoding/json was about half of what list_backup_schedules costs
// beyond HostUp's own answer (docs/benchmarks.md, row 2b), and faster JSON
// libraries cost more than a mebibyte of resident memory (row 3). It gives up
// (ok turns false) at anything where encoding/json's reading takes more than a
// few lines to match: a member name that is not plain ASCII, a name given
// twice, a lone surrogate or invalid UTF-8 in a string, a number a field's
// type does not hold, a value of another type, nesting deeper than
// maxReadDepth. The caller then decodes with encoding/json, which also words
// the error, so both paths read an answer the same way; FuzzSchedulesDecode
// holds them to it.
type jsonReader struct {
	b     []byte
	i     int
	ok    bool
	depth int
}

const maxReadDepth = 64

func newJSONReader(b []byte) *jsonReader { return &jsonReader{b: b, ok: true} }

// done reports whether the whole input was one value, read exactly.
func (r *jsonReader) done() bool {
	r.space()
	return r.ok && r.i == len(r.b)
}

func (r *jsonReader) fail() { r.ok = false }

func (r *jsonReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\r', '\n':
			r.i++
		default:
			return
		}
	}
}

// next is the first byte of the next value, or 0 at the end (or after a failure).
func (r *jsonReader) next() byte {
	r.space()
	if !r.ok || r.i >= len(r.b) {
		r.fail()
		return 0
	}
	return r.b[r.i]
}

// word consumes the literal w (null, true or false).
func (r *jsonReader) word(w string) {
	if len(r.b)-r.i < len(w) || string(r.b[r.i:r.i+len(w)]) != w {
		r.fail()
		return
	}
	r.i += len(w)
}

// null consumes a null and reports whether there was one.
func (r *jsonReader) null() bool {
	if r.next() != 'n' {
		return false
	}
	r.word("null")
	return r.ok
}

// object reads an object, calling member with each member's name with the
// reader at its value; member must read the value (skip, for a name it does
// not know). Names are plain ASCII without escapes, or the reading fails.
func (r *jsonReader) object(member func(name []byte)) {
	if r.next() != '{' {
		r.fail()
		return
	}
	r.i++
	if r.depth++; r.depth > maxReadDepth {
		r.fail()
		return
	}
	defer func() { r.depth-- }()
	if r.next() == '}' {
		r.i++
		return
	}
	for r.ok {
		if r.next() != '"' {
			r.fail()
			return
		}
		start := r.i + 1
		end := start
		for end < len(r.b) && r.b[end] != '"' {
			if c := r.b[end]; c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				r.fail() // an escaped or non-ASCII name: encoding/json folds it its own way
				return
			}
			end++
		}
		if end >= len(r.b) {
			r.fail()
			return
		}
		r.i = end + 1
		if r.next() != ':' {
			r.fail()
			return
		}
		r.i++
		member(r.b[start:end])
		switch r.next() {
		case ',':
			r.i++
		case '}':
			r.i++
			return
		default:
			r.fail()
		}
	}
}

// array reads an array, calling elem with the reader at each element.
// empty is true for [] (encoding/json makes an empty, non-nil slice of it).
func (r *jsonReader) array(elem func()) (empty bool) {
	if r.next() != '[' {
		r.fail()
		return false
	}
	r.i++
	if r.depth++; r.depth > maxReadDepth {
		r.fail()
		return false
	}
	defer func() { r.depth-- }()
	if r.next() == ']' {
		r.i++
		return true
	}
	for r.ok {
		elem()
		switch r.next() {
		case ',':
			r.i++
		case ']':
			r.i++
			return false
		default:
			r.fail()
		}
	}
	return false
}

// str reads a string.
func (r *jsonReader) str() string {
	if r.next() != '"' {
		r.fail()
		return ""
	}
	start := r.i + 1
	for i := start; i < len(r.b); i++ {
		switch c := r.b[i]; {
		case c == '"':
			r.i = i + 1
			if !utf8.Valid(r.b[start:i]) {
				r.fail() // encoding/json would write U+FFFD for each bad byte
				return ""
			}
			return string(r.b[start:i])
		case c == '\\':
			return r.escapedStr(start)
		case c < 0x20:
			r.fail()
			return ""
		}
	}
	r.fail()
	return ""
}

// escapedStr reads the rest of a string that holds an escape, from start
// (the byte after its opening quote).
func (r *jsonReader) escapedStr(start int) string {
	out := make([]byte, 0, 64)
	i := start
	for i < len(r.b) {
		c := r.b[i]
		switch {
		case c == '"':
			r.i = i + 1
			if !utf8.Valid(out) {
				r.fail()
				return ""
			}
			return string(out)
		case c < 0x20:
			r.fail()
			return ""
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(r.b) {
			break
		}
		switch e := r.b[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			ru, n := r.unicodeEscape(i)
			if n == 0 {
				r.fail()
				return ""
			}
			out = utf8.AppendRune(out, ru)
			i += n
			continue
		default:
			r.fail()
			return ""
		}
		i += 2
	}
	r.fail()
	return ""
}

// unicodeEscape reads \uXXXX at b[i], and the low half that must follow a
// high surrogate; n is the bytes read, 0 for what encoding/json would turn
// into U+FFFD (a lone surrogate) or refuse.
func (r *jsonReader) unicodeEscape(i int) (rune, int) {
	ru, ok := hex4(r.b, i+2)
	if !ok {
		return 0, 0
	}
	if !utf16.IsSurrogate(ru) {
		return ru, 6
	}
	if len(r.b) < i+12 || r.b[i+6] != '\\' || r.b[i+7] != 'u' {
		return 0, 0
	}
	lo, ok := hex4(r.b, i+8)
	if !ok {
		return 0, 0
	}
	if pair := utf16.DecodeRune(ru, lo); pair != utf8.RuneError {
		return pair, 12
	}
	return 0, 0
}

func hex4(b []byte, i int) (rune, bool) {
	if len(b) < i+4 {
		return 0, false
	}
	var v rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// number reads a number's literal, checking its grammar.
func (r *jsonReader) number() []byte {
	c := r.next()
	start := r.i
	i := r.i
	if c == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(r.b) && r.b[i] >= '0' && r.b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(r.b) && r.b[i] == '0':
		i++
	case digits() == 0:
		r.fail()
		return nil
	}
	if i < len(r.b) && r.b[i] == '.' {
		i++
		if digits() == 0 {
			r.fail()
			return nil
		}
	}
	if i < len(r.b) && (r.b[i] == 'e' || r.b[i] == 'E') {
		i++
		if i < len(r.b) && (r.b[i] == '+' || r.b[i] == '-') {
			i++
		}
		if digits() == 0 {
			r.fail()
			return nil
		}
	}
	r.i = i
	return r.b[start:i]
}

// integer reads a number into an int, as encoding/json does: a whole number
// written without a fraction or an exponent that an int holds.
func (r *jsonReader) integer() int {
	lit := r.number()
	if !r.ok {
		return 0
	}
	neg := lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	const limit = int(^uint(0) >> 1)
	n := 0
	for _, c := range lit {
		if c < '0' || c > '9' || n > (limit-int(c-'0'))/10 {
			r.fail() // a fraction, an exponent, or too large: encoding/json refuses it
			return 0
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		return -n
	}
	return n
}

func (r *jsonReader) boolean() bool {
	switch r.next() {
	case 't':
		r.word("true")
		return true
	case 'f':
		r.word("false")
	default:
		r.fail()
	}
	return false
}

// skip reads any value and drops it, checking its grammar as encoding/json
// checks a whole answer before it decodes any of it.
func (r *jsonReader) skip() {
	switch c := r.next(); {
	case c == '{':
		r.object(func([]byte) { r.skip() })
	case c == '[':
		r.array(r.skip)
	case c == '"':
		r.str()
	case c == 't':
		r.word("true")
	case c == 'f':
		r.word("false")
	case c == 'n':
		r.word("null")
	default:
		r.number()
	}
}

// Nullable values: null is nil, as encoding/json reads it into a pointer.

func (r *jsonReader) optStr() *string {
	if r.null() {
		return nil
	}
	s := r.str()
	return &s
}

func (r *jsonReader) optInt() *int {
	if r.null() {
		return nil
	}
	n := r.integer()
	return &n
}

func (r *jsonReader) optBool() *bool {
	if r.null() {
		return nil
	}
	b := r.boolean()
	return &b
}
