package hostup

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestErrorBodiesDecodeIntoAPIError(t *testing.T) {
	now := time.Date(2026, 4, 27, 12, 35, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		header http.Header
		body   []byte
		want   APIError
	}{
		{
			name: "RFC 7807 with errors[]", status: 400,
			body: readTestdata(t, "error_invalid_request.json"),
			want: APIError{Status: 400, Code: "invalid_request", Title: "Invalid request",
				Detail:      "The request body failed validation.",
				FieldErrors: []FieldError{{Pointer: "/items/0/domainName", Detail: "`domainName` is required.", Code: "invalid_request"}},
				RequestID:   "req_01hxa3b4c5d6e7f8g9h0j1k2m3"},
		},
		{
			name: "RFC 7807 429 with Retry-After header", status: 429,
			header: http.Header{"Retry-After": {"3"}, "X-Ratelimit-Remaining": {"0"}},
			body:   readTestdata(t, "error_rate_limited.json"),
			want: APIError{Status: 429, Code: "rate_limit_exceeded", Title: "Too many requests",
				Detail:    "Too many requests. Retry after the limit resets.",
				RequestID: "req_01hxa3b4c5d6e7f8g9h0j1k2m3", RetryAfter: 3 * time.Second},
		},
		{
			name: "v1 body with details[] and retryAfter", status: 400,
			body: readTestdata(t, "error_v1_validation.json"),
			want: APIError{Status: 400, Code: "VALIDATION_ERROR", Title: "Bad Request", Detail: "Validation failed",
				FieldErrors: []FieldError{{Pointer: "retention_count", Detail: "Retention count cannot exceed the purchased backup limit", Code: "max_exceeded"}},
				RequestID:   "2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba", RetryAfter: 26 * time.Second},
		},
		{
			name: "v1 401 example keeps its upper-case code", status: 401,
			body: readTestdata(t, "error_v1_unauthorized.json"),
			want: APIError{Status: 401, Code: "UNAUTHORIZED", Title: "Unauthorized", Detail: "Authentication required",
				RequestID: "2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba"},
		},
		{
			name: "v1 500 example", status: 500,
			body: readTestdata(t, "error_v1_internal.json"),
			want: APIError{Status: 500, Code: "INTERNAL_ERROR", Title: "Internal Server Error", Detail: "Failed to delete backup",
				RequestID: "2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba"},
		},
		{
			name: "HTML 502 from a proxy", status: 502,
			header: http.Header{"Content-Type": {"text/html"}, "X-Request-Id": {"edge-42"}},
			body:   []byte("<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"),
			want: APIError{Status: 502, Title: "Bad Gateway", Detail: "HostUp returned a non-JSON 502 response",
				RequestID: "edge-42"},
		},
		{
			name: "empty body", status: 503, body: nil,
			want: APIError{Status: 503, Title: "Service Unavailable", Detail: "HostUp returned an empty 503 response"},
		},
		{
			name: "JSON that is not an object", status: 500, body: []byte(`"oops"`),
			want: APIError{Status: 500, Title: "Internal Server Error", Detail: "HostUp returned a non-JSON 500 response"},
		},
		{
			name: "fields of unexpected types do not spoil the rest", status: 409,
			body: []byte(`{"code":409,"detail":{"x":1},"title":"Conflict","errors":"none"}`),
			want: APIError{Status: 409, Code: "409", Title: "Conflict"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			got := newAPIError(http.MethodPost, "/api/v2/vps/vps_1/backups", tt.status, h, tt.body, testKey, now)
			tt.want.Method, tt.want.Path = http.MethodPost, "/api/v2/vps/vps_1/backups"
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", *got, tt.want)
			}
		})
	}
}

func TestAPIErrorMessageSaysWhatFailedAndWhy(t *testing.T) {
	e := &APIError{Status: 400, Code: "invalid_request", Title: "Invalid request", Detail: "The request body failed validation.",
		FieldErrors: []FieldError{{Pointer: "/retentionCount", Detail: "must be at most 5"}},
		RequestID:   "req_1", RetryAfter: 1500 * time.Millisecond, Method: "POST", Path: "/api/v2/vps/vps_1/backup-schedules"}
	want := "hostup: POST /api/v2/vps/vps_1/backup-schedules: 400 invalid_request: The request body failed validation.; /retentionCount: must be at most 5; retry after 2s (request req_1)"
	if got := e.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestServerTextIsSanitized(t *testing.T) {
	long := strings.Repeat("x", 2000)
	body := fmt.Sprintf(`{"code":"bad","detail":"line1\nlevel=ERROR forged %s","title":"%s"}`, testKey, long)
	e := newAPIError("GET", "/p", 400, http.Header{}, []byte(body), testKey, time.Now())
	if strings.ContainsAny(e.Detail, "\n\r") || strings.Contains(e.Detail, testKey) {
		t.Errorf("Detail not sanitized: %q", e.Detail)
	}
	if len(e.Title) > maxTextLen+len("…") {
		t.Errorf("Title not bounded: %d bytes", len(e.Title))
	}
}

func TestIsNotFoundAndIsRateLimitedSeeThroughWrapping(t *testing.T) {
	notFound := fmt.Errorf("tool: %w", &APIError{Status: 404, Code: "vps_not_found"})
	limited := outcomeUnknown(&APIError{Status: 429})
	if !IsNotFound(notFound) || IsRateLimited(notFound) {
		t.Error("404 misclassified")
	}
	if !IsRateLimited(limited) || IsNotFound(limited) {
		t.Error("429 misclassified")
	}
	if IsNotFound(errors.New("404")) {
		t.Error("a plain error is not an APIError")
	}
}
