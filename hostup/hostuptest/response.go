package hostuptest

import (
	"encoding/json"
	"net/http"
	"time"
)

// timeLayout is how HostUp writes timestamps: UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

func isoTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func isoPtr(t time.Time) *string {
	s := isoTime(t)
	return &s
}

// response is what a handler decided; it is written after s.mu is released so a
// slow client never holds the simulator's lock.
type response struct {
	status int
	body   any // nil for 204; *problemBody for errors
	header http.Header
	// rewrite, when set, edits the encoded body as a variant says.
	rewrite func([]byte) []byte
}

func reply(status int, body any) response { return response{status: status, body: body} }

func ok200(body any) response { return reply(http.StatusOK, body) }

// problemBody is an RFC 7807 document in HostUp's shape (hostup-api.md §7).
type problemBody struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail"`
	Code      string       `json:"code"`
	Instance  string       `json:"instance"`
	RequestID string       `json:"requestId"`
	Timestamp string       `json:"timestamp"`
	Errors    []fieldError `json:"errors,omitempty"`
}

// fieldError is one entry of errors[] on a 400 invalid_request.
type fieldError struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
	Code    string `json:"code"`
}

var titles = map[string]string{
	"invalid_request":     "Invalid request",
	"invalid_cursor":      "Invalid cursor",
	"unauthorized":        "Unauthorized",
	"forbidden":           "Forbidden",
	"vps_not_found":       "VPS not found",
	"not_found":           "Not found",
	"vps_not_ready":       "VPS not ready",
	"pending_orders":      "Pending orders",
	"rate_limit_exceeded": "Too many requests",
	"internal_error":      "Internal server error",
}

func problem(status int, code, detail string, errs ...fieldError) response {
	title, ok := titles[code]
	if !ok {
		title = http.StatusText(status)
	}
	return response{status: status, body: &problemBody{
		Type:   "https://developer.hostup.se/errors/" + code,
		Title:  title,
		Status: status,
		Detail: detail,
		Code:   code,
		Errors: errs,
	}}
}

func invalidRequest(errs []fieldError) response {
	return problem(http.StatusBadRequest, "invalid_request", "The request body failed validation.", errs...)
}

// writeResponse writes resp. Errors are built as RFC 7807 everywhere and rewritten
// here, in one place, into v1's body on v1 paths, so that the rate limit and injected
// faults answer each API in its own shape too.
func writeResponse(w http.ResponseWriter, r *http.Request, reqID string, now time.Time, resp response) {
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	if resp.body == nil {
		w.WriteHeader(resp.status)
		return
	}
	contentType := "application/json"
	switch b := resp.body.(type) {
	case *problemBody:
		if isV1Path(r.URL.Path) {
			resp.body = v1Error(b, reqID, now, w.Header().Get("Retry-After"))
			break
		}
		contentType = "application/problem+json"
		b.Instance = r.URL.EscapedPath()
		b.RequestID = reqID
		b.Timestamp = isoTime(now)
	case *v1Envelope:
		b.RequestID = reqID
		b.Timestamp = isoTime(now)
	}
	data, err := json.Marshal(resp.body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if resp.rewrite != nil {
		data = resp.rewrite(data)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(resp.status)
	_, _ = w.Write(append(data, '\n'))
}
