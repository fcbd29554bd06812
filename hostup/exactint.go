package hostup

import (
	"bytes"
	"encoding/json"
	"math/big"
	"reflect"
	"strconv"
	"strings"
)

// ExactInt is a whole number that HostUp's v1 API sends as a JSON number in one place
// and as a string in another (ids, day_of_week, backup sizes), kept as the text HostUp
// wrote. A backup size can exceed 2^53, beyond what a float64 or a JavaScript client
// holds exactly, which is why HostUp sends history sizes as strings and why ExactInt
// never goes through a float.
//
// It decodes from a number, a string (kept verbatim, even when it is not a number, so
// that nothing is lost) or null (the empty value), and encodes as a JSON string.
type ExactInt string

// UnmarshalJSON accepts a JSON number, a JSON string or null.
func (n *ExactInt) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case string(data) == "null":
		*n = ""
		return nil
	case len(data) > 0 && data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*n = ExactInt(s)
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(data, &num); err != nil {
		// A type error, so that the decoder names the field it is in.
		return &json.UnmarshalTypeError{Value: string(data), Type: reflect.TypeFor[ExactInt]()}
	}
	*n = ExactInt(num.String())
	if whole, ok := wholeNumber(num.String()); ok {
		*n = ExactInt(whole)
	}
	return nil
}

// MarshalJSON writes a string, so that a large value reaches JavaScript clients intact.
func (n ExactInt) MarshalJSON() ([]byte, error) { return json.Marshal(string(n)) }

// String returns the text as HostUp sent it.
func (n ExactInt) String() string { return string(n) }

// Int64 returns the value when it is a whole number that fits an int64.
func (n ExactInt) Int64() (int64, bool) {
	v, err := strconv.ParseInt(string(n), 10, 64)
	return v, err == nil
}

// maxWholeDigits bounds the integer a number written with an exponent may
// become: 1e1000000 would otherwise make a million digits out of nine bytes.
// Whole numbers HostUp sends (ids, counts, byte sizes) are far shorter.
const maxWholeDigits = 40

// wholeNumbers rewrites every number in a JSON document that is a whole number
// written as a fraction or with an exponent ("3.0", "3e0", "300e-2") into its
// integer form ("3"), leaving strings and every other number as they are. JSON
// Schema's "integer" allows 3.0 and PHP writes it, and a Go int field refuses
// it: read this way, a count HostUp sends as 3.0 is 3 in every model, v2's and
// v1's. A number that is not whole (3.5) is left for the decoder to refuse.
func wholeNumbers(body []byte) []byte {
	var out []byte // nil until the first rewrite: most answers have none
	copied := 0
	inString, escaped := false, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		case c == '"':
			inString = true
			continue
		case c != '-' && (c < '0' || c > '9'):
			continue
		}
		end := i + 1
		for end < len(body) && strings.IndexByte("+-.0123456789eE", body[end]) >= 0 {
			end++
		}
		if whole, ok := wholeNumber(string(body[i:end])); ok {
			out = append(append(out, body[copied:i]...), whole...)
			copied = end
		}
		i = end - 1
	}
	if out == nil {
		return body
	}
	return append(out, body[copied:]...)
}

// wholeNumber returns the integer form of a JSON number literal that is a whole
// number written with a fraction or an exponent; ok is false for every other
// literal, integers already in integer form included.
func wholeNumber(lit string) (string, bool) {
	if !strings.ContainsAny(lit, ".eE") {
		return "", false
	}
	if whole, fraction, ok := strings.Cut(lit, "."); ok && !strings.ContainsAny(fraction, "eE") {
		// The common case needs no arithmetic: 3.0 is whole, 12.4 is not.
		if strings.Trim(fraction, "0") != "" || whole == "" || whole == "-" {
			return "", false
		}
		if whole == "-0" {
			whole = "0"
		}
		return whole, true
	}
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		exp, err := strconv.Atoi(lit[i+1:])
		if err != nil || exp > maxWholeDigits || exp < -maxWholeDigits {
			return "", false
		}
	}
	r, ok := new(big.Rat).SetString(lit)
	if !ok || !r.IsInt() {
		return "", false
	}
	s := r.Num().String()
	if len(s) > maxWholeDigits {
		return "", false
	}
	return s, true
}
