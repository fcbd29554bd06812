package hostup

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ErrOutcomeUnknown is wrapped by the error of a POST, PATCH or DELETE that reached
// HostUp and then failed with a 5xx, a time-out or a broken connection: HostUp may or
// may not have applied it, so the caller must read the state again before deciding.
// A 4xx is a definite refusal and does not wrap it.
var ErrOutcomeUnknown = errors.New("hostup: outcome unknown, HostUp may have applied the request: read the state again")

func outcomeUnknown(err error) error { return fmt.Errorf("%w (%w)", err, ErrOutcomeUnknown) }

// FieldError is one field-level validation failure.
type FieldError struct {
	Pointer string `json:"pointer"` // JSON pointer into the request body, e.g. /retentionCount (v1: the field name)
	Detail  string `json:"detail"`
	Code    string `json:"code,omitempty"`
}

// APIError is any non-2xx answer from HostUp, decoded from an RFC 7807 body, a v1
// error body, or (for HTML or empty bodies) summarized from the status alone.
type APIError struct {
	Status      int          // HTTP status
	Code        string       // HostUp's stable code as given (v2 "vps_not_found", v1 "UNAUTHORIZED"); "" for non-JSON bodies
	Title       string       // short title; HTTP status text when HostUp gave none
	Detail      string       // human text; never parse it
	FieldErrors []FieldError // RFC 7807 errors[] or v1 details[]
	RequestID   string       // quote it to HostUp support
	RetryAfter  time.Duration
	Method      string // what we called: method and escaped path, never host or query
	Path        string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hostup: %s %s: %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if msg := cmp.Or(e.Detail, e.Title); msg != "" {
		b.WriteString(": " + msg)
	}
	for _, f := range e.FieldErrors {
		fmt.Fprintf(&b, "; %s: %s", f.Pointer, f.Detail)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, "; retry after %s", time.Duration(math.Ceil(e.RetryAfter.Seconds()))*time.Second)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// JobAuthError is GET /api/jobs/{id} refused with 401 under both headers HostUp
// documents (X-API-Key on the jobs page, Bearer for v2's pollUrl). The key itself
// may well be good: the job came from a request it authorized.
type JobAuthError struct {
	Path           string
	APIKey, Bearer error
}

func (e *JobAuthError) Error() string {
	return fmt.Sprintf("hostup: GET %s: HostUp answered 401 both with X-API-Key (%v) and with Authorization: Bearer (%v)", e.Path, e.APIKey, e.Bearer)
}

// IsNotFound reports whether err is HostUp's 404 (an unknown id, or one of another account).
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsRateLimited reports whether err is a 429 that outlasted the client's retries.
func IsRateLimited(err error) bool { return hasStatus(err, http.StatusTooManyRequests) }

func hasStatus(err error, status int) bool {
	e, ok := errors.AsType[*APIError](err)
	return ok && e.Status == status
}

// newAPIError decodes an error response. key is redacted from every text HostUp sent,
// in case an error message echoes the credential it rejected.
func newAPIError(method, path string, status int, h http.Header, body []byte, key string, now time.Time) *APIError {
	e := &APIError{Status: status, Method: method, Path: path, Title: http.StatusText(status)}
	var bodyRetryAfter string
	var fields map[string]json.RawMessage
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		e.Detail = fmt.Sprintf("HostUp returned an empty %d response", status)
	case json.Unmarshal(trimmed, &fields) != nil || fields == nil:
		// An HTML page from a proxy says nothing useful and may be large: summarize.
		e.Detail = fmt.Sprintf("HostUp returned a non-JSON %d response", status)
	default:
		// RFC 7807 names first, then the v1 {error, message, details, retryAfter} names.
		e.Code = clean(text(fields["code"]), key)
		e.Title = cmp.Or(clean(text(fields["title"]), key), clean(text(fields["error"]), key), e.Title)
		e.Detail = cmp.Or(clean(text(fields["detail"]), key), clean(text(fields["message"]), key))
		e.RequestID = clean(text(fields["requestId"]), key)
		e.FieldErrors = append(fieldErrors(fields["errors"], "pointer", "detail", key),
			fieldErrors(fields["details"], "field", "message", key)...)
		bodyRetryAfter = text(fields["retryAfter"])
	}
	e.RequestID = cmp.Or(e.RequestID, clean(h.Get("X-Request-Id"), key))
	e.RetryAfter = retryAfter(h, bodyRetryAfter, now)
	return e
}

func fieldErrors(raw json.RawMessage, pointerName, detailName, key string) []FieldError {
	var items []map[string]json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil
	}
	var out []FieldError
	for _, it := range items {
		out = append(out, FieldError{
			Pointer: clean(text(it[pointerName]), key),
			Detail:  clean(text(it[detailName]), key),
			Code:    clean(text(it["code"]), key),
		})
	}
	return out
}

// text returns a JSON string's value, or a number's literal; anything else is "".
// HostUp's docs disagree on some field types, so decoding never fails on them.
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

const maxTextLen = 500

// clean makes server text safe to show: the key redacted, control characters removed
// (they could forge log lines), and the length bounded.
func clean(s, key string) string {
	if key != "" {
		s = strings.ReplaceAll(s, key, "[redacted]")
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxTextLen {
		s = strings.ToValidUTF8(s[:maxTextLen], "") + "…"
	}
	return s
}

// retryAfter takes HostUp's hint in the documented order of preference: Retry-After
// (seconds or an HTTP date), X-RateLimit-Reset (an ISO timestamp), then the v1 body's
// retryAfter. It returns 0 when there is no usable hint.
func retryAfter(h http.Header, bodyValue string, now time.Time) time.Duration {
	for _, v := range []string{h.Get("Retry-After"), h.Get("X-RateLimit-Reset"), bodyValue} {
		if d, ok := parseRetryAfter(v, now); ok {
			return d
		}
	}
	return 0
}

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		switch {
		case math.IsNaN(secs) || secs < 0:
			return 0, false
		case secs > 1e9:
			// Epoch seconds, as many APIs send in X-RateLimit-Reset, although HostUp
			// documents an ISO timestamp; read as a duration it would be decades.
			return max(time.Unix(int64(secs), 0).Sub(now), 0), true
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return max(t.Sub(now), 0), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// DecodeError is a 2xx answer whose body could not be read into its model: a
// field of another type than HostUp documents, or a body that is not the JSON
// it documents. HostUp answered, and asking again gets the same answer, so it
// is no reason to retry; it names where the answer differs and what was there.
type DecodeError struct {
	Method, Path string // what we called
	// Field is where in the answer, e.g. "schedules.retentionCount" (array
	// indices are not named); "" for the answer as a whole.
	Field string
	// Value is the JSON HostUp sent there, cut short and with control
	// characters blanked; "" when it could not be found.
	Value string
	// Want says what the field should hold, e.g. "a whole number".
	Want string
	Err  error // the decoder's own error
}

func (e *DecodeError) Error() string {
	field := cmp.Or(e.Field, "the answer")
	return fmt.Sprintf("hostup: %s %s: the answer could not be read: %s is %s where %s was expected", e.Method, e.Path, field, cmp.Or(e.Value, "(not found)"), e.Want)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// maxDecodeValue bounds the value a DecodeError quotes: enough to recognize
// it, never a whole page.
const maxDecodeValue = 60

// newDecodeError describes err, from decoding body (the answer to method
// path), as a DecodeError. prefix names where in the answer body sits, e.g.
// "data" when body is the answer's data member; key is redacted from the value.
func newDecodeError(method, path string, body []byte, err error, prefix, key string) *DecodeError {
	e := &DecodeError{Method: method, Path: path, Err: err, Field: prefix, Want: "JSON as HostUp documents it"}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		e.Field = strings.Trim(prefix+"."+typeErr.Field, ".")
		e.Want = jsonWords(typeErr.Type)
		e.Value = valueAt(body, typeErr.Offset)
		if e.Value == "" {
			e.Value = typeErr.Value
		}
	case errors.As(err, &syntaxErr):
		e.Want = "JSON"
		// Where the JSON breaks, with some of what comes before it.
		e.Value = string(body[min(len(body), max(0, int(syntaxErr.Offset)-maxDecodeValue/2)):])
	default:
		e.Value = string(body)
	}
	e.Value = cutValue(e.Value, key)
	return e
}

// cutValue makes a value HostUp sent fit a DecodeError: cut short, control
// characters blanked and the key redacted.
func cutValue(s, key string) string {
	s = clean(s, key) // before cutting, which could leave half a key
	if len(s) > maxDecodeValue {
		s = strings.ToValidUTF8(s[:maxDecodeValue], "") + "…"
	}
	return s
}

// valueAt is the JSON value that ends at offset in body (where encoding/json
// reports a type error: after a scalar, or just inside an object or a list).
func valueAt(body []byte, offset int64) string {
	end := int(offset)
	if end <= 0 || end > len(body) {
		return ""
	}
	start := end - 1
	switch body[start] {
	case '{', '[':
		var raw json.RawMessage
		if json.NewDecoder(bytes.NewReader(body[start:])).Decode(&raw) != nil {
			return string(body[start:end])
		}
		return string(raw)
	case '"':
		for start--; start >= 0; start-- {
			if body[start] != '"' {
				continue
			}
			backslashes := 0
			for i := start - 1; i >= 0 && body[i] == '\\'; i-- {
				backslashes++
			}
			if backslashes%2 == 0 {
				break
			}
		}
	default:
		for start > 0 && strings.IndexByte("+-.0123456789eEtruefalsn", body[start-1]) >= 0 {
			start--
		}
	}
	if start < 0 {
		return ""
	}
	return string(body[start:end])
}

// jsonWords says in words what a Go type holds as JSON.
func jsonWords(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	if t == reflect.TypeFor[ExactInt]() {
		return "a whole number"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonWords(t.Elem())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a text"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another type"
}
