package hostup

// Fuzz targets (issue 6). `go test` runs each on its seeds and on the corpus
// committed under testdata/fuzz; .ci/run fuzzes each for a few seconds; to fuzz
// longer, see docs/development.md ("Fuzzing").

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const fuzzKey = "hu_fuzzcanary_5c1e7a"

// FuzzAPIError: any error body HostUp (or a proxy in front of it) could send is
// decoded without a panic into an error that keeps the status, never shows the
// key, has no control characters and stays short.
func FuzzAPIError(f *testing.F) {
	for _, name := range []string{"error_invalid_request.json", "error_rate_limited.json",
		"error_v1_internal.json", "error_v1_unauthorized.json", "error_v1_validation.json"} {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(400, "", string(body))
	}
	f.Add(502, "", "<html><body>502 Bad Gateway</body></html>")
	f.Add(429, "Wed, 21 Oct 2026 07:28:00 GMT", `{"error":"RATE_LIMITED","retryAfter":"30"}`)
	f.Add(401, "", `{"detail":"key `+fuzzKey+` is unknown","errors":[{"pointer":"/x","detail":"`+fuzzKey+`"}]}`)
	f.Add(500, "-1", `{"details":[{"field":1,"message":{}}],"requestId":12}`)
	now := time.Date(2026, 10, 21, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, status int, retryAfterHeader, body string) {
		h := http.Header{}
		h.Set("Retry-After", retryAfterHeader)
		e := newAPIError(http.MethodGet, "/api/v2/vps", status, h, []byte(body), fuzzKey, now)
		msg := e.Error()
		if e.Status != status {
			t.Fatalf("status %d became %d", status, e.Status)
		}
		if strings.Contains(msg, fuzzKey) {
			t.Fatalf("the key is in the error: %q", msg)
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative retry-after %s", e.RetryAfter)
		}
		for _, s := range append([]string{e.Code, e.Title, e.Detail, e.RequestID}, fieldTexts(e.FieldErrors)...) {
			if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
				t.Fatalf("control character in %q", s)
			}
			if len(s) > maxTextLen+len("…") {
				t.Fatalf("a %d-byte text was not shortened", len(s))
			}
		}
	})
}

func fieldTexts(fs []FieldError) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Pointer, f.Detail, f.Code)
	}
	return out
}

// FuzzResponseDecoders: the job decoder (which accepts several job shapes) and
// the v1 envelope never panic on what HostUp sends back.
func FuzzResponseDecoders(f *testing.F) {
	for _, name := range []string{"job_v1.json", "operation.json", "v1_backup_schedules.json"} {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Add([]byte(`{"success":false,"error":"X"}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if job, err := decodeJob(body); err == nil && job == nil {
			t.Fatal("decodeJob returned neither a job nor an error")
		}
		if json.Valid(body) && !json.Valid(wholeNumbers(body)) {
			t.Fatalf("wholeNumbers made %q invalid: %q", body, wholeNumbers(body))
		}
		data, _, failed := unwrapV1(body)
		if failed == nil && data != nil {
			var v VMBackupSchedules
			_ = decodeV1(http.MethodGet, "/api/vm/1/backup-schedules", data, &v, "")
		}
	})
}
