package hostup

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"testing"
)

func TestEndpointsSendTheDocumentedRequests(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		call       func(c *Client) (any, error)
		status     int
		response   string
		wantMethod string
		wantPath   string
		wantQuery  string
		wantBody   string // "" means no body
		check      func(t *testing.T, got any)
	}{
		{
			name:   "ListVPS",
			call:   func(c *Client) (any, error) { return c.ListVPS(ctx, ListVPSParams{}) },
			status: 200, response: `{"data":[{"id":"vps_1","name":"app-01"}],"hasMore":false,"nextCursor":null}`,
			wantMethod: "GET", wantPath: "/api/v2/vps", wantQuery: "limit=100",
			check: func(t *testing.T, got any) {
				l := got.(*VPSList)
				if len(l.VPS) != 1 || l.VPS[0].ID != "vps_1" || l.Truncated {
					t.Errorf("got %+v", l)
				}
			},
		},
		{
			name:   "GetVPS",
			call:   func(c *Client) (any, error) { return c.GetVPS(ctx, "vps_01hxa3b4c5d6e7f8g9h0j1k2m3") },
			status: 200, response: string(readTestdata(t, "vps.json")),
			wantMethod: "GET", wantPath: "/api/v2/vps/vps_01hxa3b4c5d6e7f8g9h0j1k2m3",
			check: func(t *testing.T, got any) {
				if v := got.(*VPS); v.Name != "app-01" || *v.PrimaryIP != "203.0.113.10" {
					t.Errorf("got %+v", v)
				}
			},
		},
		{
			name:   "GetBackupSchedules",
			call:   func(c *Client) (any, error) { return c.GetBackupSchedules(ctx, "vps_1") },
			status: 200, response: string(readTestdata(t, "backup_schedules.json")),
			wantMethod: "GET", wantPath: "/api/v2/vps/vps_1/backup-schedules",
			check: func(t *testing.T, got any) {
				if s := got.(*BackupSchedules); len(s.Schedules) != 1 || s.Limits.MaxRetention != 5 {
					t.Errorf("got %+v", s)
				}
			},
		},
		{
			name: "UpsertBackupSchedule",
			call: func(c *Client) (any, error) {
				return c.UpsertBackupSchedule(ctx, "vps_1", ScheduleRequest{Frequency: FrequencyWeekly, Hour: 2, DayOfWeek: new(1),
					RetentionCount: 3, Enabled: true, Name: new("Weekly backup")})
			},
			status: 201, response: `{"schedule":{"id":"bks_9","frequency":"weekly","retentionCount":3,"enabled":true}}`,
			wantMethod: "POST", wantPath: "/api/v2/vps/vps_1/backup-schedules",
			wantBody: `{"frequency":"weekly","hour":2,"dayOfWeek":1,"retentionCount":3,"enabled":true,"name":"Weekly backup"}`,
			check: func(t *testing.T, got any) {
				if a := got.(Answer); a.Status != 201 || a.Job != nil {
					t.Errorf("got %+v, want status 201 and no job", a)
				}
			},
		},
		{
			name: "UpdateBackupSettings",
			call: func(c *Client) (any, error) {
				return c.UpdateBackupSettings(ctx, "vps_1", SettingsRequest{MaxTotalBackups: new(7)})
			},
			status: 200, response: string(readTestdata(t, "settings.json")),
			wantMethod: "PATCH", wantPath: "/api/v2/vps/vps_1/backup-schedules", wantBody: `{"maxTotalBackups":7}`,
			check: func(t *testing.T, got any) {
				if a := got.(Answer); a.Status != 200 || a.Job != nil {
					t.Errorf("got %+v, want status 200 and no job", a)
				}
			},
		},
		{
			name:   "DeleteBackupSchedule",
			call:   func(c *Client) (any, error) { return c.DeleteBackupSchedule(ctx, "vps_1", "bks_2") },
			status: 204, wantMethod: "DELETE", wantPath: "/api/v2/vps/vps_1/backup-schedules/bks_2",
		},
		{
			name:   "DeleteBackupSchedule answered with 200 and a body",
			call:   func(c *Client) (any, error) { return c.DeleteBackupSchedule(ctx, "vps_1", "bks_2") },
			status: 200, response: `{"success":true,"data":{"message":"deleted"}}`,
			wantMethod: "DELETE", wantPath: "/api/v2/vps/vps_1/backup-schedules/bks_2",
		},
		{
			name:   "ListBackups",
			call:   func(c *Client) (any, error) { return c.ListBackups(ctx, "vps_1") },
			status: 200, response: string(readTestdata(t, "backups.json")),
			wantMethod: "GET", wantPath: "/api/v2/vps/vps_1/backups",
			check: func(t *testing.T, got any) {
				if b := got.(*Backups); len(b.Backups) != 1 || b.QuotaInfo.Used != 1 {
					t.Errorf("got %+v", b)
				}
			},
		},
		{
			name: "CreateBackup with a note",
			call: func(c *Client) (any, error) {
				return c.CreateBackup(ctx, "vps_1", CreateBackupRequest{Note: new("Before upgrade")})
			},
			status: 202, response: string(readTestdata(t, "operation.json")),
			wantMethod: "POST", wantPath: "/api/v2/vps/vps_1/backups", wantBody: `{"note":"Before upgrade"}`,
			check: func(t *testing.T, got any) {
				if op := got.(Answer).Job; op == nil || op.JobID != "job_01hxa3b4c5d6e7f8g9h0j1k2m3" || op.Status != "queued" {
					t.Errorf("got %+v", op)
				}
			},
		},
		{
			name:   "CreateBackup without a note sends no body and tolerates a missing operation",
			call:   func(c *Client) (any, error) { return c.CreateBackup(ctx, "vps_1", CreateBackupRequest{}) },
			status: 202, response: `{}`,
			wantMethod: "POST", wantPath: "/api/v2/vps/vps_1/backups",
			check: func(t *testing.T, got any) {
				if op := got.(Answer).Job; op != nil {
					t.Errorf("got %+v, want nil", op)
				}
			},
		},
		{
			name:   "DeleteBackup",
			call:   func(c *Client) (any, error) { return c.DeleteBackup(ctx, "vps_1", "bkp_3") },
			status: 204, wantMethod: "DELETE", wantPath: "/api/v2/vps/vps_1/backups/bkp_3",
		},
		{
			name:   "GetJob",
			call:   func(c *Client) (any, error) { return c.GetJob(ctx, "job_01hxa3b4c5d6e7f8g9h0j1k2m3") },
			status: 200, response: `{"status":"in_progress","result":null}`,
			wantMethod: "GET", wantPath: "/api/jobs/job_01hxa3b4c5d6e7f8g9h0j1k2m3",
			check: func(t *testing.T, got any) {
				if j := got.(*Job); j.ID != "job_01hxa3b4c5d6e7f8g9h0j1k2m3" || j.Status != JobInProgress {
					t.Errorf("got %+v", j)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.response)
			})
			got, err := tt.call(c)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			reqs := rec.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.wantMethod || r.Path != tt.wantPath || r.RawQuery != tt.wantQuery {
				t.Errorf("sent %s %s?%s, want %s %s?%s", r.Method, r.Path, r.RawQuery, tt.wantMethod, tt.wantPath, tt.wantQuery)
			}
			if string(r.Body) != tt.wantBody {
				t.Errorf("body = %s, want %s", r.Body, tt.wantBody)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func TestScheduleRequestSendsOnlyTheDayFieldOfItsFrequency(t *testing.T) {
	tests := []struct {
		name string
		req  ScheduleRequest
		want string
	}{
		{"daily with zero values still sends hour and enabled",
			ScheduleRequest{Frequency: FrequencyDaily, Hour: 0, RetentionCount: 1, Enabled: false},
			`{"frequency":"daily","hour":0,"retentionCount":1,"enabled":false}`},
		{"weekly on Sunday sends dayOfWeek 0",
			ScheduleRequest{Frequency: FrequencyWeekly, Hour: 23, DayOfWeek: new(0), RetentionCount: 7, Enabled: true},
			`{"frequency":"weekly","hour":23,"dayOfWeek":0,"retentionCount":7,"enabled":true}`},
		{"monthly sends dayOfMonth",
			ScheduleRequest{Frequency: FrequencyMonthly, Hour: 4, DayOfMonth: new(31), RetentionCount: 2, Enabled: true, Name: new("Monthly")},
			`{"frequency":"monthly","hour":4,"dayOfMonth":31,"retentionCount":2,"enabled":true,"name":"Monthly"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.req)
			if err != nil || string(b) != tt.want {
				t.Errorf("Marshal = %s, %v; want %s", b, err, tt.want)
			}
		})
	}
}

// Every answer HostUp's docs leave possible for the POST (hostup-api.md §2: status
// and body UNKNOWN) is an accepted change, and its status is kept for the verdict;
// what the change made is read back, never taken from the body.
func TestUpsertBackupScheduleAcceptsEveryPlausibleResponse(t *testing.T) {
	const row = `{"id":"bks_7","name":"Nightly backup","frequency":"daily","time":"02:00","daySpecifier":null,"retentionCount":3,"enabled":true,"lastRun":null,"nextRun":"2026-04-28T02:00:00.000Z","status":null}`
	tests := []struct {
		name    string
		status  int
		body    string
		wantJob string // the job of an operation envelope; "" when none
	}{
		{"wrapped in schedule", 200, `{"schedule":` + row + `}`, ""},
		{"bare schedule, 201", 201, row, ""},
		{"wrapped in data.schedule", 200, `{"success":true,"data":{"success":true,"schedule":` + row + `,"message":"Backup schedule updated successfully"}}`, ""},
		{"empty body", 200, ``, ""},
		{"204", 204, ``, ""},
		{"v1 row with an integer id", 200, `{"data":{"schedule":{"id":2075,"schedule_type":"daily"}}}`, ""},
		{"not JSON", 200, `<html>ok</html>`, ""},
		{"unrelated JSON", 201, `{"message":"saved"}`, ""},
		{"queued as a job", 202, `{"operation":{"status":"queued","jobId":"job_9","pollUrl":"/api/jobs/job_9"}}`, "job_9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			a, err := c.UpsertBackupSchedule(context.Background(), "vps_1", ScheduleRequest{Frequency: FrequencyDaily, Hour: 2, RetentionCount: 3, Enabled: true})
			if err != nil {
				t.Fatalf("a 2xx must not be an error: %v", err)
			}
			gotJob := ""
			if a.Job != nil {
				gotJob = a.Job.JobID
			}
			if a.Status != tt.status || gotJob != tt.wantJob {
				t.Errorf("answer %+v (job %q), want status %d and job %q", a, gotJob, tt.status, tt.wantJob)
			}
		})
	}
}

func TestUpdateBackupSettingsWithNothingToChangeSendsNothing(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	if _, err := c.UpdateBackupSettings(context.Background(), "vps_1", SettingsRequest{}); err == nil {
		t.Error("want an error")
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests, want 0", n)
	}
}

// vpsPages serves total VPSes in pages of the requested limit, with the offset as cursor.
func vpsPages(total int) http.HandlerFunc { return shortVPSPages(total, maxPageSize) }

// shortVPSPages is vpsPages serving at most served VPSes a page, whatever the
// limit asked, as HostUp may (its docs bound limit, not the page).
func shortVPSPages(total, served int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		limit = min(limit, served)
		start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		end := min(start+limit, total)
		page := VPSPage{Data: []VPS{}, HasMore: end < total}
		for i := start; i < end; i++ {
			page.Data = append(page.Data, VPS{ID: fmt.Sprintf("vps_%d", i)})
		}
		if page.HasMore {
			page.NextCursor = new(strconv.Itoa(end))
		}
		b, _ := json.Marshal(page)
		writeJSON(w, 200, string(b))
	}
}

func TestListVPSFollowsCursorsUpToMaxItems(t *testing.T) {
	tests := []struct {
		name          string
		total         int
		params        ListVPSParams
		wantItems     int
		wantRequests  int
		wantTruncated bool
	}{
		{"all pages", 5, ListVPSParams{PageSize: 2}, 5, 3, false},
		{"cap inside a page", 5, ListVPSParams{PageSize: 2, MaxItems: 3}, 3, 2, true},
		{"cap at a page boundary with more left", 5, ListVPSParams{PageSize: 2, MaxItems: 4}, 4, 2, true},
		{"cap equal to the total", 4, ListVPSParams{PageSize: 2, MaxItems: 4}, 4, 2, false},
		{"page size above 100 is clamped", 150, ListVPSParams{PageSize: 500}, 150, 2, false},
		{"default cap of 1000", 1200, ListVPSParams{}, 1000, 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newTestClient(t, vpsPages(tt.total))
			list, err := c.ListVPS(context.Background(), tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if len(list.VPS) != tt.wantItems || list.Truncated != tt.wantTruncated {
				t.Errorf("got %d items truncated=%v, want %d truncated=%v", len(list.VPS), list.Truncated, tt.wantItems, tt.wantTruncated)
			}
			if n := len(rec.requests()); n != tt.wantRequests {
				t.Errorf("%d requests, want %d", n, tt.wantRequests)
			}
			for i, v := range list.VPS {
				if v.ID != fmt.Sprintf("vps_%d", i) {
					t.Fatalf("item %d = %s: pages out of order or repeated", i, v.ID)
				}
			}
		})
	}
}

// HostUp may serve fewer VPSes a page than asked; an account of 150 served 5 a
// page once came back as 100 with Truncated set.
func TestListVPSReadsSmallPagesToTheEnd(t *testing.T) {
	tests := []struct {
		name          string
		total, served int
		params        ListVPSParams
		wantItems     int
		wantRequests  int
		wantTruncated bool
	}{
		{"150 VPSes 5 a page", 150, 5, ListVPSParams{}, 150, 30, false},
		{"1000 VPSes one a page", 1000, 1, ListVPSParams{}, 1000, 1000, false},
		{"cap reached on small pages", 30, 5, ListVPSParams{MaxItems: 12}, 12, 3, true},
		{"cap reached one a page", 30, 1, ListVPSParams{MaxItems: 7}, 7, 7, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newTestClient(t, shortVPSPages(tt.total, tt.served))
			list, err := c.ListVPS(context.Background(), tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if len(list.VPS) != tt.wantItems || list.Truncated != tt.wantTruncated {
				t.Errorf("got %d items truncated=%v, want %d truncated=%v", len(list.VPS), list.Truncated, tt.wantItems, tt.wantTruncated)
			}
			if n := len(rec.requests()); n != tt.wantRequests {
				t.Errorf("%d requests, want %d", n, tt.wantRequests)
			}
		})
	}
}

func TestListVPSPassesFiltersOnEveryPage(t *testing.T) {
	c, rec := newTestClient(t, vpsPages(3))
	if _, err := c.ListVPS(context.Background(), ListVPSParams{Name: "app 01", PrimaryIP: "203.0.113.10", PageSize: 2}); err != nil {
		t.Fatal(err)
	}
	want := []string{"limit=2&name=app+01&primaryIp=203.0.113.10", "cursor=2&limit=2&name=app+01&primaryIp=203.0.113.10"}
	var got []string
	for _, r := range rec.requests() {
		got = append(got, r.RawQuery)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("queries = %q, want %q", got, want)
	}
}

func TestListVPSStopsOnACursorLoop(t *testing.T) {
	tests := []struct {
		name         string
		page         string
		wantRequests int
	}{
		{"repeated cursor", `{"data":[{"id":"vps_1"}],"hasMore":true,"nextCursor":"same"}`, 2},
		{"hasMore without a cursor", `{"data":[{"id":"vps_1"}],"hasMore":true,"nextCursor":null}`, 1},
		{"empty page that claims more", `{"data":[],"hasMore":true,"nextCursor":"next"}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tt.page) })
			list, err := c.ListVPS(context.Background(), ListVPSParams{})
			if err != nil {
				t.Fatal(err)
			}
			if !list.Truncated {
				t.Error("want Truncated")
			}
			if n := len(rec.requests()); n != tt.wantRequests {
				t.Errorf("%d requests, want %d", n, tt.wantRequests)
			}
		})
	}
}

// decodeStrict proves that our types hold every field of a documented example.
func decodeStrict(t *testing.T, file string, out any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(readTestdata(t, file)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func TestDocumentedExamplesDecodeWithoutLoss(t *testing.T) {
	t.Run("backup schedules (seed 003)", func(t *testing.T) {
		var got BackupSchedules
		decodeStrict(t, "backup_schedules.json", &got)
		want := BackupSchedules{
			Schedules: []Schedule{{
				ID: "bks_01hxa3b4c5d6e7f8g9h0j1k2m3", Name: "Nightly backup", Frequency: "weekly", Time: new("02:00"),
				DaySpecifier: new("1"), RetentionCount: 7, Enabled: true, LastRun: new("2026-04-27T02:00:00.000Z"),
				NextRun: new("2026-05-04T02:00:00.000Z"), Status: nil,
			}},
			Settings: &BackupSettings{TotalBackupLimit: 5, ManualBackupsActive: 1, ScheduledBackupsActive: 2, AvailableScheduledSlots: 2, AutoDeleteOldest: true},
			History: []HistoryEntry{{BackupType: new("scheduled"), Status: "running", CreatedAt: new("2026-04-27T02:00:00.000Z"),
				UpdatedAt: nil, Note: new("Nightly backup")}},
			Limits: ScheduleLimits{MaxSchedules: 1, TotalBackups: 5, MaxRetention: 5, CurrentSchedules: 1, ManualBackupsActive: 1,
				ScheduledBackupsActive: 2, AvailableScheduledSlots: 2},
			Actions: ScheduleActions{
				CanCreate:         Gate{Allowed: false, Reason: new("A backup schedule already exists. Update or delete it before creating another.")},
				CanUpdateSettings: Gate{Allowed: true},
				CanDelete:         Gate{Allowed: true},
			},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("vps", func(t *testing.T) {
		var got VPS
		decodeStrict(t, "vps.json", &got)
		want := VPS{
			ID: "vps_01hxa3b4c5d6e7f8g9h0j1k2m3", Name: "app-01", PrimaryIP: new("203.0.113.10"), ServiceStatus: "active",
			PowerState:      new("running"),
			OperatingSystem: &OperatingSystem{DisplayName: "Ubuntu 24.04", Family: "ubuntu", Version: "24.04", Variant: "server"},
			Billing:         &Billing{Amount: 199, CurrencyCode: "SEK", BillingCycle: new("monthly"), IsPayg: false},
			Resources:       &Resources{CPUCores: 2, MemoryGB: 4, StorageGB: 80},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("backups", func(t *testing.T) {
		var got Backups
		decodeStrict(t, "backups.json", &got)
		want := Backups{
			Backups: []Backup{{ID: "bkp_01hxa3b4c5d6e7f8g9h0j1k2m3", DisplayID: "2026-04-27T10:00:00.000Z (vzdump-qemu-101.vma.zst)",
				StorageKey: "vzdump-qemu-101.vma.zst", CreatedAt: new("2026-04-27T10:00:00.000Z"), SizeGB: 12.4, BackupType: "manual",
				Note: new("Before upgrade")}},
			QuotaInfo: QuotaInfo{Used: 1, Limit: new(5), Remaining: new(4)},
			Actions: BackupActions{
				CanCreateBackup: Gate{Allowed: true},
				CanRestore:      Gate{Allowed: false, Reason: new("A backup job is already running."), Code: new("pending_order")},
			},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("operation envelope", func(t *testing.T) {
		var got OperationEnvelope
		decodeStrict(t, "operation.json", &got)
		want := &Operation{Status: "queued", JobID: "job_01hxa3b4c5d6e7f8g9h0j1k2m3", PollURL: "/api/jobs/job_01hxa3b4c5d6e7f8g9h0j1k2m3", Result: json.RawMessage("null")}
		if !reflect.DeepEqual(got.Operation, want) {
			t.Errorf("got %+v, want %+v", got.Operation, want)
		}
	})
	t.Run("settings", func(t *testing.T) {
		var got SettingsResponse
		decodeStrict(t, "settings.json", &got)
		want := BackupSettings{TotalBackupLimit: 5, ManualBackupsActive: 1, ScheduledBackupsActive: 2, AvailableScheduledSlots: 2, AutoDeleteOldest: true}
		if got.Settings != want {
			t.Errorf("got %+v", got.Settings)
		}
	})
}
