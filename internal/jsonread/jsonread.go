package jsonread

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Reader reads JSON the way encoding/json reads it into Go values, for the
// documents it can read exactly, without reflection or allocating more than
// the values it returns. It gives up (OK turns false) at anything where
// encoding/json's reading takes more than a few lines to match: a member name
// that is not plain ASCII, a lone surrogate or invalid UTF-8 in a string it
// returns, a number an int does not hold, a value of another type than asked
// for, nesting deeper than maxDepth. Its callers then read the document with
// encoding/json, which also words the error, so that both paths read it the
// same way; each caller has a differential fuzz target that holds it to that.
//
// Two callers: hostup reads the schedules answer with it (encoding/json was
// about half of what list_backup_schedules costs beyond HostUp's own answer,
// docs/benchmarks.md row 2b, and faster JSON libraries cost more than a
// mebibyte of resident memory, row 3); the stdio transport tells requests
// from answers by their member names without decoding a tool's whole result.
type Reader struct {
	b     []byte
	i     int
	ok    bool
	depth int
}

const maxDepth = 64

// New reads b.
func New(b []byte) *Reader { return &Reader{b: b, ok: true} }

// Pos is the offset of the next byte to read: around Skip, it gives a value's
// raw bytes.
func (r *Reader) Pos() int { return r.i }

// Done reports whether the whole input was one value, read exactly.
func (r *Reader) Done() bool {
	r.space()
	return r.ok && r.i == len(r.b)
}

func (r *Reader) Fail() { r.ok = false }

func (r *Reader) space() {
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
func (r *Reader) next() byte {
	r.space()
	if !r.ok || r.i >= len(r.b) {
		r.Fail()
		return 0
	}
	return r.b[r.i]
}

// word consumes the literal w (null, true or false).
func (r *Reader) word(w string) {
	if len(r.b)-r.i < len(w) || string(r.b[r.i:r.i+len(w)]) != w {
		r.Fail()
		return
	}
	r.i += len(w)
}

// Null consumes a null and reports whether there was one.
func (r *Reader) Null() bool {
	if r.next() != 'n' {
		return false
	}
	r.word("null")
	return r.ok
}

// Object reads an object, calling member with each member's name with the
// reader at its value; member must read the value (Skip, for a name it does
// not know). Names are plain ASCII without escapes, or the reading fails.
func (r *Reader) Object(member func(name []byte)) {
	if r.next() != '{' {
		r.Fail()
		return
	}
	r.i++
	if r.depth++; r.depth > maxDepth {
		r.Fail()
		return
	}
	defer func() { r.depth-- }()
	if r.next() == '}' {
		r.i++
		return
	}
	for r.ok {
		if r.next() != '"' {
			r.Fail()
			return
		}
		start := r.i + 1
		end := start
		for end < len(r.b) && r.b[end] != '"' {
			if c := r.b[end]; c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				r.Fail() // an escaped or non-ASCII name: encoding/json folds it its own way
				return
			}
			end++
		}
		if end >= len(r.b) {
			r.Fail()
			return
		}
		r.i = end + 1
		if r.next() != ':' {
			r.Fail()
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
			r.Fail()
		}
	}
}

// Array reads an array, calling elem with the reader at each element.
// empty is true for [] (encoding/json makes an empty, non-nil slice of it).
func (r *Reader) Array(elem func()) (empty bool) {
	if r.next() != '[' {
		r.Fail()
		return false
	}
	r.i++
	if r.depth++; r.depth > maxDepth {
		r.Fail()
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
			r.Fail()
		}
	}
	return false
}

// Str reads a string.
func (r *Reader) Str() string {
	if r.next() != '"' {
		r.Fail()
		return ""
	}
	start := r.i + 1
	for i := start; i < len(r.b); i++ {
		switch c := r.b[i]; {
		case c == '"':
			r.i = i + 1
			if !utf8.Valid(r.b[start:i]) {
				r.Fail() // encoding/json would write U+FFFD for each bad byte
				return ""
			}
			return string(r.b[start:i])
		case c == '\\':
			return r.escapedStr(start)
		case c < 0x20:
			r.Fail()
			return ""
		}
	}
	r.Fail()
	return ""
}

// skipStr reads a string and drops it, checking only what makes it JSON (no
// control characters, escapes that exist): encoding/json checks no more of a
// value it does not keep.
func (r *Reader) skipStr() {
	r.next()
	for i := r.i + 1; i < len(r.b); i++ {
		switch c := r.b[i]; {
		case c == '"':
			r.i = i + 1
			return
		case c < 0x20:
			r.Fail()
			return
		case c != '\\' || i+1 >= len(r.b):
			continue
		}
		switch r.b[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i++
		case 'u':
			if _, ok := hex4(r.b, i+2); !ok {
				r.Fail()
				return
			}
			i += 5
		default:
			r.Fail()
			return
		}
	}
	r.Fail()
}

// escapedStr reads the rest of a string that holds an escape, from start
// (the byte after its opening quote).
func (r *Reader) escapedStr(start int) string {
	out := make([]byte, 0, 64)
	i := start
	for i < len(r.b) {
		c := r.b[i]
		switch {
		case c == '"':
			r.i = i + 1
			if !utf8.Valid(out) {
				r.Fail()
				return ""
			}
			return string(out)
		case c < 0x20:
			r.Fail()
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
				r.Fail()
				return ""
			}
			out = utf8.AppendRune(out, ru)
			i += n
			continue
		default:
			r.Fail()
			return ""
		}
		i += 2
	}
	r.Fail()
	return ""
}

// unicodeEscape reads \uXXXX at b[i], and the low half that must follow a
// high surrogate; n is the bytes read, 0 for what encoding/json would turn
// into U+FFFD (a lone surrogate) or refuse.
func (r *Reader) unicodeEscape(i int) (rune, int) {
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
func (r *Reader) number() []byte {
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
		r.Fail()
		return nil
	}
	if i < len(r.b) && r.b[i] == '.' {
		i++
		if digits() == 0 {
			r.Fail()
			return nil
		}
	}
	if i < len(r.b) && (r.b[i] == 'e' || r.b[i] == 'E') {
		i++
		if i < len(r.b) && (r.b[i] == '+' || r.b[i] == '-') {
			i++
		}
		if digits() == 0 {
			r.Fail()
			return nil
		}
	}
	r.i = i
	return r.b[start:i]
}

// Integer reads a number into an int, as encoding/json does: a whole number
// written without a fraction or an exponent that an int holds.
func (r *Reader) Integer() int {
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
			r.Fail() // a fraction, an exponent, or too large: encoding/json refuses it
			return 0
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		return -n
	}
	return n
}

func (r *Reader) Boolean() bool {
	switch r.next() {
	case 't':
		r.word("true")
		return true
	case 'f':
		r.word("false")
	default:
		r.Fail()
	}
	return false
}

// Skip reads any value and drops it, checking its grammar as encoding/json
// checks a whole answer before it decodes any of it.
func (r *Reader) Skip() {
	switch c := r.next(); {
	case c == '{':
		r.Object(func([]byte) { r.Skip() })
	case c == '[':
		r.Array(r.Skip)
	case c == '"':
		r.skipStr()
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

func (r *Reader) OptStr() *string {
	if r.Null() {
		return nil
	}
	s := r.Str()
	return &s
}

func (r *Reader) OptInt() *int {
	if r.Null() {
		return nil
	}
	n := r.Integer()
	return &n
}

func (r *Reader) OptBool() *bool {
	if r.Null() {
		return nil
	}
	b := r.Boolean()
	return &b
}
