package hostup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

const seedVolid = "pbs-offsite-10g:backup/vm/10877/2026-02-10T00:00:00.000Z"

// v1OK wraps data in the v1 success envelope.
func v1OK(data string) string {
	return `{"success":true,"timestamp":"2026-02-10T00:00:00.000Z","requestId":"2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba","data":` + data + `}`
}

func TestV1EndpointsSendTheDocumentedRequests(t *testing.T) {
	ctx := context.Background()
	seedMeta := V1Meta{Success: true, Timestamp: "2026-02-10T00:00:00.000Z", RequestID: "2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba"}
	tests := []struct {
		name       string
		call       func(c *Client) (any, error)
		response   string
		wantMethod string
		wantPath   string
		wantBody   string // "" means no body
		wantBearer bool   // GET /api/jobs keeps v2's Bearer (see doc.go)
		check      func(t *testing.T, got any)
	}{
		{
			name:       "GetVMBackupSchedules",
			call:       func(c *Client) (any, error) { return c.GetVMBackupSchedules(ctx, "10000") },
			response:   string(readTestdata(t, "v1_backup_schedules.json")),
			wantMethod: "GET", wantPath: "/api/vm/10000/backup-schedules",
			check: func(t *testing.T, got any) {
				if s := got.(*VMBackupSchedules); len(s.Schedules) != 1 || s.Meta != seedMeta {
					t.Errorf("got %+v", s)
				}
			},
		},
		{
			name: "UpsertVMBackupSchedule weekly",
			call: func(c *Client) (any, error) {
				return c.UpsertVMBackupSchedule(ctx, "10000", VMScheduleRequest{ScheduleType: FrequencyWeekly, Hour: 5, Minute: 23,
					DayOfWeek: new(5), RetentionCount: 7, Enabled: true, Notes: "Example note"})
			},
			response: v1OK(`{"success":true,"schedule":{"id":2464,"client_id":"30000","account_id":"20000","vm_id":"10000","enabled":true,
				"schedule_type":"weekly","hour":5,"minute":23,"day_of_week":5,"day_of_month":null,"retention_count":7,"backup_mode":"snapshot",
				"compress":"zstd","notes":"Example note","last_run":null,"next_run":"2026-02-13T05:23:00.000Z",
				"created_at":"2026-02-10T00:00:00.000Z","updated_at":"2026-02-10T00:00:00.000Z"},"message":"Backup schedule updated successfully"}`),
			wantMethod: "POST", wantPath: "/api/vm/10000/backup-schedules",
			wantBody: `{"schedule_type":"weekly","hour":5,"minute":23,"day_of_week":5,"retention_count":7,"enabled":true,"notes":"Example note"}`,
			check: func(t *testing.T, got any) {
				s := got.(*VMScheduleSaved)
				if s.Schedule == nil || s.Schedule.ID != "2464" || *s.Schedule.DayOfWeek != "5" || s.Schedule.DayOfMonth != nil ||
					s.Schedule.Time() != "05:23" || s.Message != "Backup schedule updated successfully" || !s.Success || s.Meta != seedMeta {
					t.Errorf("got %+v", s)
				}
			},
		},
		{
			name: "UpsertVMBackupSchedule daily sends no day and an empty note",
			call: func(c *Client) (any, error) {
				return c.UpsertVMBackupSchedule(ctx, "10000", VMScheduleRequest{ScheduleType: FrequencyDaily, RetentionCount: 1})
			},
			response:   v1OK(`{"success":true,"message":"saved"}`),
			wantMethod: "POST", wantPath: "/api/vm/10000/backup-schedules",
			wantBody: `{"schedule_type":"daily","hour":0,"minute":0,"retention_count":1,"enabled":false,"notes":""}`,
			check: func(t *testing.T, got any) {
				if s := got.(*VMScheduleSaved); s.Schedule != nil || s.Message != "saved" {
					t.Errorf("got %+v", s)
				}
			},
		},
		{
			name: "UpsertVMBackupSchedule monthly",
			call: func(c *Client) (any, error) {
				return c.UpsertVMBackupSchedule(ctx, "10000", VMScheduleRequest{ScheduleType: FrequencyMonthly, Hour: 4, Minute: 59,
					DayOfMonth: new(31), RetentionCount: 2, Enabled: true})
			},
			response:   v1OK(`{"success":true,"schedule":{"id":"77","schedule_type":"monthly","day_of_month":"31"}}`),
			wantMethod: "POST", wantPath: "/api/vm/10000/backup-schedules",
			wantBody: `{"schedule_type":"monthly","hour":4,"minute":59,"day_of_month":31,"retention_count":2,"enabled":true,"notes":""}`,
			check: func(t *testing.T, got any) {
				if s := got.(*VMScheduleSaved); s.Schedule == nil || s.Schedule.ID != "77" || *s.Schedule.DayOfMonth != "31" {
					t.Errorf("got %+v", s)
				}
			},
		},
		{
			name:       "ListVMBackups",
			call:       func(c *Client) (any, error) { return c.ListVMBackups(ctx, "10000") },
			response:   v1OK(`[{"volid":"` + seedVolid + `","vmid":"10000","size":214748366059,"ctime":1770681600,"content":"pbs-vm","format":"pbs","storage":"pbs-offsite-10g","notes":"n","protected":false,"scheduled":true,"scheduleId":2464,"backupType":"scheduled","files":[{"filename":"drive-scsi0.img.fidx","size":214748364800,"crypt-mode":"none"}]}]`),
			wantMethod: "GET", wantPath: "/api/vm/10000/backups",
			check: func(t *testing.T, got any) {
				want := []VMBackup{{Volid: seedVolid, VMID: "10000", Size: "214748366059", Ctime: 1770681600, Content: "pbs-vm", Format: "pbs",
					Storage: "pbs-offsite-10g", Notes: "n", Scheduled: true, ScheduleID: new(ExactInt("2464")), BackupType: "scheduled",
					Files: []VMBackupFile{{Filename: "drive-scsi0.img.fidx", Size: "214748364800", CryptMode: "none"}}}}
				if l := got.(*VMBackupList); !reflect.DeepEqual(l.Backups, want) || l.Meta != seedMeta {
					t.Errorf("got %+v", l)
				}
			},
		},
		{
			name:       "ListVMBackups with no backups",
			call:       func(c *Client) (any, error) { return c.ListVMBackups(ctx, "10000") },
			response:   v1OK(`[]`),
			wantMethod: "GET", wantPath: "/api/vm/10000/backups",
			check: func(t *testing.T, got any) {
				if l := got.(*VMBackupList); l.Backups == nil || len(l.Backups) != 0 {
					t.Errorf("got %+v", l)
				}
			},
		},
		{
			name:       "DeleteVMBackup escapes the volid into one segment",
			call:       func(c *Client) (any, error) { return c.DeleteVMBackup(ctx, "10000", seedVolid) },
			response:   v1OK(`{"success":true,"message":"Backup deleted successfully"}`),
			wantMethod: "DELETE", wantPath: "/api/vm/10000/backups/pbs-offsite-10g%3Abackup%2Fvm%2F10877%2F2026-02-10T00%3A00%3A00.000Z",
			check: func(t *testing.T, got any) {
				if r := got.(*V1Result); !r.Success || r.Message != "Backup deleted successfully" || r.Meta != seedMeta {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name:       "GetJob with a v1 job id and the v1 envelope",
			call:       func(c *Client) (any, error) { return c.GetJob(ctx, "backup-17910-1769734006476") },
			response:   string(readTestdata(t, "job_v1.json")),
			wantMethod: "GET", wantPath: "/api/jobs/backup-17910-1769734006476",
			check: func(t *testing.T, got any) {
				if j := got.(*Job); j.ID != "backup-17910-1769734006476" || j.Status != JobCompleted || *j.Progress != 100 ||
					j.Message != "Backup finished" || *j.FinishedAt != "2026-02-10T00:00:04.000Z" {
					t.Errorf("got %+v", j)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tt.response) })
			got, err := tt.call(c)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			reqs := rec.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.wantMethod || r.Path != tt.wantPath || r.RawQuery != "" {
				t.Errorf("sent %s %s?%s, want %s %s", r.Method, r.Path, r.RawQuery, tt.wantMethod, tt.wantPath)
			}
			if string(r.Body) != tt.wantBody {
				t.Errorf("body = %s, want %s", r.Body, tt.wantBody)
			}
			h := r.Header
			if tt.wantBearer {
				if h.Get("Authorization") != "Bearer "+testKey || h.Get("X-API-Key") != "" {
					t.Errorf("auth headers: Authorization %q, X-API-Key %q", h.Get("Authorization"), h.Get("X-API-Key"))
				}
			} else if h.Get("X-API-Key") != testKey || h.Get("Authorization") != "" {
				t.Errorf("auth headers: X-API-Key %q, Authorization %q; v1 wants X-API-Key only", h.Get("X-API-Key"), h.Get("Authorization"))
			}
			wantCT := ""
			if tt.wantBody != "" {
				wantCT = "application/json"
			}
			if h.Get("Accept") != "application/json" || h.Get("User-Agent") != "hostup-mcp/test" || h.Get("Content-Type") != wantCT {
				t.Errorf("headers Accept %q, User-Agent %q, Content-Type %q", h.Get("Accept"), h.Get("User-Agent"), h.Get("Content-Type"))
			}
			tt.check(t, got)
		})
	}
}

func TestV1PerRequestKeyGoesInXAPIKey(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, v1OK(`[]`)) })
	if _, err := c.ListVMBackups(WithAPIKey(context.Background(), "hk_caller"), "10000"); err != nil {
		t.Fatal(err)
	}
	if got := rec.requests()[0].Header.Get("X-API-Key"); got != "hk_caller" {
		t.Errorf("X-API-Key = %q, want the context's key", got)
	}
}

// TestV1SeedExampleDecodesWithoutLoss decodes HostUp's own example (seeds/000_…, minus
// the documentation's "_truncated" marker) and asserts every field. Strict decoding
// of the same bytes proves that no field lacks a home in the models.
func TestV1SeedExampleDecodesWithoutLoss(t *testing.T) {
	body := readTestdata(t, "v1_backup_schedules.json")
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, string(body)) })
	got, err := c.GetVMBackupSchedules(context.Background(), "10000")
	if err != nil {
		t.Fatal(err)
	}
	ts := "2026-02-10T00:00:00.000Z"
	entry := func(id, size, job string) VMHistoryEntry {
		return VMHistoryEntry{ID: ExactInt(id), ClientID: "30000", AccountID: "20000", VMID: "10000", BackupType: "manual",
			Volid: seedVolid, Size: new(ExactInt(size)), Notes: new("Example note"), Status: VMBackupActive, CreatedAt: ts, JobID: job}
	}
	want := &VMBackupSchedules{
		Meta:    V1Meta{Success: true, Timestamp: ts, RequestID: "2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba"},
		Success: true,
		Schedules: []VMSchedule{{
			ID: "2464", ClientID: "30000", AccountID: "20000", VMID: "10000", Enabled: true, ScheduleType: FrequencyWeekly,
			Hour: 5, Minute: 23, DayOfWeek: new(ExactInt("5")), RetentionCount: 7, BackupMode: "snapshot", Compress: "zstd",
			Notes: new("Example note"), LastRun: new(ts), NextRun: new(ts), CreatedAt: ts, UpdatedAt: ts,
			ScheduleName: "Auto weekly backup schedule", ScheduleTime: "05:23", ScheduleDays: "5",
		}},
		Settings: &VMBackupSettings{
			ID: "2312", ClientID: "30000", AccountID: "20000", VMID: "10000", MaxTotalBackups: 7, MaxManualBackups: 7,
			AutoDeleteOldest: true, CreatedAt: ts, UpdatedAt: ts, ManualBackupsActive: 7, TotalBackupsActive: 7,
		},
		History: []VMHistoryEntry{
			entry("136070", "214748366059", "backup-17910-1769734006476"),
			entry("135007", "214748366060", "backup-17910-1769639733370"),
		},
		Limits: ScheduleLimits{MaxSchedules: 1, TotalBackups: 7, MaxRetention: 7, CurrentSchedules: 1, ManualBackupsActive: 7},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("decoded:\n%s", g)
	}
	if got.Schedules[0].Time() != got.Schedules[0].ScheduleTime {
		t.Errorf("Time() = %s, schedule_time %s", got.Schedules[0].Time(), got.Schedules[0].ScheduleTime)
	}

	var env struct {
		Success   bool              `json:"success"`
		Timestamp string            `json:"timestamp"`
		RequestID string            `json:"requestId"`
		Data      VMBackupSchedules `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		t.Errorf("a field of the seed has no home in the models: %v", err)
	}
}

func TestV1SizeAbove2Pow53StaysExact(t *testing.T) {
	const huge = "9007199254740993" // 2^53+1: a float64 would read it as 2^53
	body := v1OK(`{"success":true,"schedules":[],"settings":null,"limits":{},"history":[{"id":1,"volid":"` + seedVolid +
		`","size":"` + huge + `","status":"active","job_id":"backup-1-2"}]}`)
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/backups") {
			writeJSON(w, 200, v1OK(`[{"volid":"`+seedVolid+`","size":`+huge+`}]`))
			return
		}
		writeJSON(w, 200, body)
	})
	s, err := c.GetVMBackupSchedules(context.Background(), "10000")
	if err != nil {
		t.Fatal(err)
	}
	size := *s.History[0].Size
	if n, ok := size.Int64(); size != huge || !ok || n != 1<<53+1 {
		t.Errorf("history size = %q (%d, %v), want %s", size, n, ok, huge)
	}
	if out, _ := json.Marshal(size); string(out) != `"`+huge+`"` {
		t.Errorf("re-encoded as %s, want a string", out)
	}
	l, err := c.ListVMBackups(context.Background(), "10000")
	if err != nil {
		t.Fatal(err)
	}
	if l.Backups[0].Size != huge {
		t.Errorf("a JSON number size decoded as %q, want %s", l.Backups[0].Size, huge)
	}
}

func TestExactIntAcceptsEveryCapturedForm(t *testing.T) {
	tests := []struct {
		json    string
		want    ExactInt
		wantErr bool
	}{
		{`5`, "5", false},
		{`"5"`, "5", false},
		{`null`, "", false},
		{`""`, "", false},
		{`-3`, "-3", false},
		{`123456789012345678901234567890`, "123456789012345678901234567890", false},
		{`"n/a"`, "n/a", false}, // kept verbatim rather than lost
		{`true`, "", true},
		{`{}`, "", true},
	}
	for _, tt := range tests {
		var n ExactInt
		err := json.Unmarshal([]byte(tt.json), &n)
		if (err != nil) != tt.wantErr || n != tt.want {
			t.Errorf("Unmarshal(%s) = %q, %v; want %q, err %v", tt.json, n, err, tt.want, tt.wantErr)
		}
	}
	var p struct {
		D *ExactInt `json:"d"`
	}
	if err := json.Unmarshal([]byte(`{"d":null}`), &p); err != nil || p.D != nil {
		t.Errorf("null into a pointer: %v, %v", p.D, err)
	}
	if _, ok := ExactInt("n/a").Int64(); ok {
		t.Error("Int64 accepted a non-number")
	}
}

func TestV1ErrorBodiesDecodeIntoAPIError(t *testing.T) {
	validation := `{"error":"Bad Request","message":"Validation failed","code":"VALIDATION_ERROR","timestamp":"2026-02-10T00:00:00.000Z",
		"requestId":"2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba","details":[{"field":"retention_count","message":"Retention count cannot exceed 7","code":"max_exceeded"},
		{"field":"minute","message":"Minute must be 0-59","code":"out_of_range"}]}`
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 400, validation) })
	_, err := c.UpsertVMBackupSchedule(context.Background(), "10000", VMScheduleRequest{ScheduleType: FrequencyDaily, Minute: 60, RetentionCount: 8})
	apiErr, ok := errors.AsType[*APIError](err)
	if !ok {
		t.Fatalf("err = %v, want *APIError", err)
	}
	want := &APIError{Status: 400, Code: "VALIDATION_ERROR", Title: "Bad Request", Detail: "Validation failed",
		FieldErrors: []FieldError{
			{Pointer: "retention_count", Detail: "Retention count cannot exceed 7", Code: "max_exceeded"},
			{Pointer: "minute", Detail: "Minute must be 0-59", Code: "out_of_range"},
		},
		RequestID: "2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba", Method: "POST", Path: "/api/vm/10000/backup-schedules"}
	if !reflect.DeepEqual(apiErr, want) {
		t.Errorf("got  %+v\nwant %+v", apiErr, want)
	}
	if errors.Is(err, ErrOutcomeUnknown) || len(rec.requests()) != 1 {
		t.Errorf("a 400 is a definite refusal, sent once: %v, %d requests", err, len(rec.requests()))
	}
}

func TestV1RetryAfterInTheBodyIsHonoured(t *testing.T) {
	n := 0
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n++; n == 1 {
			// No Retry-After header: only the v1 body's ISO timestamp says when.
			at := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339Nano)
			writeJSON(w, 429, `{"error":"Too Many Requests","message":"Slow down","code":"RATE_LIMITED","retryAfter":"`+at+`","requestId":"r1"}`)
			return
		}
		writeJSON(w, 200, v1OK(`[]`))
	})
	if _, err := c.ListVMBackups(context.Background(), "10000"); err != nil {
		t.Fatal(err)
	}
	waits := rec.slept()
	if len(waits) != 1 || waits[0] < 2*time.Second || waits[0] > 3*time.Second {
		t.Errorf("waited %v, want about 3s from the body's retryAfter", waits)
	}

	c, _ = newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		at := time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)
		writeJSON(w, 429, `{"error":"Too Many Requests","message":"Slow down","code":"RATE_LIMITED","retryAfter":"`+at+`"}`)
	})
	_, err := c.ListVMBackups(context.Background(), "10000")
	if apiErr, ok := errors.AsType[*APIError](err); !ok || !IsRateLimited(err) || apiErr.RetryAfter < 59*time.Minute {
		t.Errorf("err = %v, want a 429 that says to retry in about an hour", err)
	}
}

func TestV1ErrorsNeverEchoTheKey(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, `{"error":"Unauthorized","message":"Key `+r.Header.Get("X-API-Key")+` is invalid","code":"UNAUTHORIZED"}`)
	})
	_, err := c.GetVMBackupSchedules(context.Background(), "10000")
	if err == nil || strings.Contains(err.Error(), testKey) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("err = %v", err)
	}
}

func TestV1SuccessFalseIsAnError(t *testing.T) {
	tests := []struct {
		name, body string
		wantCode   string
		wantDetail string
	}{
		{"top level", `{"success":false,"code":"BACKUP_BUSY","message":"A backup is running"}`, "BACKUP_BUSY", "A backup is running"},
		{"inside data", v1OK(`{"success":false,"message":"Failed to delete backup"}`), "", "Failed to delete backup"},
		{"no message", `{"success":false}`, "", "HostUp answered 200 but reported success: false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tt.body) })
			_, err := c.GetVMBackupSchedules(context.Background(), "10000")
			apiErr, ok := errors.AsType[*APIError](err)
			if !ok || apiErr.Status != 200 || apiErr.Code != tt.wantCode || apiErr.Detail != tt.wantDetail || errors.Is(err, ErrOutcomeUnknown) {
				t.Errorf("GET: err = %#v", err)
			}
			_, err = c.DeleteVMBackup(context.Background(), "10000", seedVolid)
			apiErr, ok = errors.AsType[*APIError](err)
			if !ok || apiErr.Status != 200 || apiErr.Detail != tt.wantDetail || errors.Is(err, ErrOutcomeUnknown) {
				t.Errorf("DELETE: err = %v, want HostUp's refusal, not an unknown outcome: its answer arrived", err)
			}
		})
	}
}

func TestV1BodiesWithoutTheEnvelopeAreAccepted(t *testing.T) {
	tests := []struct {
		name string
		body string
		call func(c *Client) (string, error)
		want string
	}{
		{"bare schedules", `{"schedules":[{"id":1,"schedule_type":"daily"}],"history":[],"limits":{"maxRetention":3}}`,
			func(c *Client) (string, error) {
				s, err := c.GetVMBackupSchedules(context.Background(), "1")
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("%s %d %q", s.Schedules[0].ID, s.Limits.MaxRetention, s.Meta.RequestID), nil
			}, `1 3 ""`},
		{"bare schedule after POST", `{"id":9,"schedule_type":"daily"}`,
			func(c *Client) (string, error) {
				s, err := c.UpsertVMBackupSchedule(context.Background(), "1", VMScheduleRequest{ScheduleType: FrequencyDaily, RetentionCount: 1})
				if err != nil || s.Schedule == nil {
					return "", err
				}
				return string(s.Schedule.ID), nil
			}, "9"},
		{"empty 200 after DELETE", ``,
			func(c *Client) (string, error) {
				r, err := c.DeleteVMBackup(context.Background(), "1", seedVolid)
				if err != nil {
					return "", err
				}
				return fmt.Sprint(r.Success), nil
			}, "true"},
		{"unreadable POST body is still a success", `<html>ok</html>`,
			func(c *Client) (string, error) {
				s, err := c.UpsertVMBackupSchedule(context.Background(), "1", VMScheduleRequest{ScheduleType: FrequencyDaily, RetentionCount: 1})
				if err != nil {
					return "", err
				}
				return fmt.Sprint(s.Schedule == nil), nil
			}, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tt.body) })
			got, err := tt.call(c)
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestV1MutationIsNotRetriedAfterA5xx(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 500, `{"code":"INTERNAL_ERROR","error":"Internal Server Error","message":"Failed to delete backup","requestId":"r"}`)
	})
	_, err := c.DeleteVMBackup(context.Background(), "10000", seedVolid)
	if !errors.Is(err, ErrOutcomeUnknown) || len(rec.requests()) != 1 {
		t.Errorf("err = %v after %d requests; want one request and ErrOutcomeUnknown", err, len(rec.requests()))
	}
}

func TestVMIDAndVolidValidation(t *testing.T) {
	tests := []struct {
		kind  IDKind
		id    string
		valid bool
	}{
		{KindVMID, "1", true},
		{KindVMID, "10000", true},
		{KindVMID, "9007199254740991", true}, // MaxVMID
		{KindVMID, "9007199254740992", false},
		{KindVMID, "99999999999999999", false},
		{KindVMID, "0", false},
		{KindVMID, "010000", false},
		{KindVMID, "-1", false},
		{KindVMID, "+1", false},
		{KindVMID, "1e5", false},
		{KindVMID, "10000.0", false},
		{KindVMID, "vps_1", false},
		{KindVMID, "١٠", false}, // Arabic-Indic digits
		{KindVolid, seedVolid, true},
		{KindVolid, "local:backup/vzdump-qemu-101-2026_02_10-00_00_00.vma.zst", true},
		{KindVolid, "pbs-offsite-10g:backup/vm/1/../../../etc", false},
		{KindVolid, "pbs:..", false},
		{KindVolid, "pbs:backup/./x", false},
		{KindVolid, "no-storage-prefix", false},
		{KindVolid, ":backup/vm/1", false},
		{KindVolid, "pbs:backup?x=1", false},
		{KindVolid, "pbs:backup#f", false},
		{KindVolid, "pbs:backup%2F..", false},
		{KindVolid, "pbs:back up", false},
		{KindVolid, "pbs:" + strings.Repeat("a", 401), false},
	}
	for _, tt := range tests {
		if err := ValidateID(tt.kind, tt.id); (err == nil) != tt.valid {
			t.Errorf("ValidateID(%s, %q) = %v, want valid=%v", tt.kind, tt.id, err, tt.valid)
		}
	}
	if msg := ValidateID(KindVMID, "0").Error(); !strings.Contains(msg, "numeric vmid") {
		t.Errorf("message %q should say what a vmid is", msg)
	}
}

func TestHostileVMIDsAndVolidsNeverReachTheServer(t *testing.T) {
	ctx := context.Background()
	calls := map[string]func(c *Client, id string) error{
		"GetVMBackupSchedules": func(c *Client, id string) error { _, err := c.GetVMBackupSchedules(ctx, id); return err },
		"UpsertVMBackupSchedule": func(c *Client, id string) error {
			_, err := c.UpsertVMBackupSchedule(ctx, id, VMScheduleRequest{ScheduleType: FrequencyDaily, RetentionCount: 1})
			return err
		},
		"ListVMBackups":       func(c *Client, id string) error { _, err := c.ListVMBackups(ctx, id); return err },
		"DeleteVMBackup vmid": func(c *Client, id string) error { _, err := c.DeleteVMBackup(ctx, id, seedVolid); return err },
		"DeleteVMBackup volid": func(c *Client, id string) error {
			_, err := c.DeleteVMBackup(ctx, "10000", id)
			return err
		},
	}
	hostile := append([]string{"0", "007", "10000/../1", "10000%2F..", "pbs:backup/.."}, hostileIDs...)
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, v1OK(`{}`)) })
	for name, fn := range calls {
		for _, id := range hostile {
			if _, ok := errors.AsType[*InvalidIDError](fn(c, id)); !ok {
				t.Errorf("%s(%q) was not refused as an invalid id", name, id)
			}
		}
	}
	if reqs := rec.requests(); len(reqs) != 0 {
		t.Errorf("%d requests reached the server, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}
}
