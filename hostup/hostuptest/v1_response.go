package hostuptest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// v1Envelope is v1's success body (hostup-api.md §0); writeResponse fills in the
// timestamp and request id.
type v1Envelope struct {
	Success   bool   `json:"success"`
	Timestamp string `json:"timestamp"`
	RequestID string `json:"requestId"`
	Data      any    `json:"data"`
}

func v1OK(data any) response { return ok200(&v1Envelope{Success: true, Data: data}) }

// v1ErrorBody is v1's error body as the seed lists it: error is the HTTP status
// title, code is upper case, details[] names fields without a JSON pointer's slash,
// and retryAfter is an ISO timestamp.
type v1ErrorBody struct {
	Error      string          `json:"error"`
	Message    string          `json:"message"`
	Code       string          `json:"code"`
	Timestamp  string          `json:"timestamp"`
	RequestID  string          `json:"requestId"`
	Details    []v1FieldDetail `json:"details,omitempty"`
	RetryAfter string          `json:"retryAfter,omitempty"`
}

type v1FieldDetail struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Code    string `json:"code"`
}

// v1Codes maps the simulator's v2 codes where v1's word is known to differ; the rest
// are upper-cased, as v1's UNAUTHORIZED and INTERNAL_ERROR are.
var v1Codes = map[string]string{"invalid_request": "VALIDATION_ERROR"}

func v1Error(p *problemBody, reqID string, now time.Time, retryAfterHeader string) *v1ErrorBody {
	code, ok := v1Codes[p.Code]
	if !ok {
		code = strings.ToUpper(p.Code)
	}
	e := &v1ErrorBody{
		Error:     http.StatusText(p.Status),
		Message:   p.Detail,
		Code:      code,
		Timestamp: isoTime(now),
		RequestID: reqID,
	}
	for _, f := range p.Errors {
		e.Details = append(e.Details, v1FieldDetail{Field: strings.TrimPrefix(f.Pointer, "/"), Message: f.Detail, Code: f.Code})
	}
	if secs, err := strconv.Atoi(retryAfterHeader); err == nil {
		e.RetryAfter = isoTime(now.Add(time.Duration(secs) * time.Second))
	}
	return e
}
