package hostup

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// Readings of HostUp's answers where its docs leave the shape open (issue 19).

func TestJobPollingTriesBothDocumentedHeaders(t *testing.T) {
	const job = `{"success":true,"data":{"jobId":"job_1","state":"completed","isCompleted":true}}`
	t.Run("Bearer only: one 401, then Bearer for every later poll", func(t *testing.T) {
		c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+testKey {
				writeProblem(w, 401, "unauthorized")
				return
			}
			writeJSON(w, 200, job)
		})
		for range 2 {
			if j, err := c.GetJob(context.Background(), "job_1"); err != nil || j.Status != JobCompleted {
				t.Fatalf("job %+v, err %v", j, err)
			}
		}
		if n := len(rec.requests()); n != 3 {
			t.Errorf("%d requests, want 3 (X-API-Key refused once, then Bearer twice)", n)
		}
	})
	t.Run("both refused: the error says so", func(t *testing.T) {
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeProblem(w, 401, "unauthorized") })
		_, err := c.GetJob(context.Background(), "job_1")
		if _, ok := errors.AsType[*JobAuthError](err); !ok || !strings.Contains(err.Error(), "both with X-API-Key") {
			t.Fatalf("err = %v, want a JobAuthError", err)
		}
	})
}

func TestJobCompletedWithResultSuccessFalseHasFailed(t *testing.T) {
	j, err := decodeJob([]byte(`{"success":true,"data":{"jobId":"j","state":"completed","isCompleted":true,"result":{"success":false,"error":"storage full"}}}`))
	if err != nil || j.Status != JobFailed || j.Error != "storage full" {
		t.Fatalf("job %+v, err %v; want failed with HostUp's reason", j, err)
	}
}

func TestVPSListShapes(t *testing.T) {
	tests := []struct {
		name, body string
		want       int
		more       bool
		fails      bool
	}{
		{"documented", `{"data":[{"id":"vps_1"}],"hasMore":false,"nextCursor":null}`, 1, false, false},
		{"another member", `{"items":[{"id":"vps_1"},{"id":"vps_2"}],"nextCursor":null}`, 2, false, false},
		{"a bare list", `[{"id":"vps_1"}]`, 1, false, false},
		{"a cursor without hasMore", `{"data":[{"id":"vps_1"}],"nextCursor":"c2"}`, 1, true, false},
		{"hasMore false wins over a cursor", `{"data":[{"id":"vps_1"}],"hasMore":false,"nextCursor":"c2"}`, 1, false, false},
		{"no list at all", `{"total":3}`, 0, false, true},
		{"two lists", `{"a":[],"b":[]}`, 0, false, true},
		{"data null", `{"data":null}`, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decodeVPSPage([]byte(tt.body), "")
			if tt.fails {
				if err == nil {
					t.Fatalf("page %+v: want an error, never an empty list", p)
				}
				return
			}
			more := p.more()
			if err != nil || len(p.Data) != tt.want || more != tt.more {
				t.Fatalf("page %+v (more %v), err %v; want %d items, more %v", p, more, err, tt.want, tt.more)
			}
		})
	}
}

func TestBackupSchedulesRecordWhatHostUpLeftOut(t *testing.T) {
	var bs BackupSchedules
	if err := bs.UnmarshalJSON([]byte(`{"schedules":[],"settings":null,"limits":{"maxSchedules":1,"totalBackups":5,"maxRetention":null}}`)); err != nil {
		t.Fatal(err)
	}
	if bs.Has("limits.maxRetention") || bs.Has("settings.autoDeleteOldest") || bs.Has("limits.availableScheduledSlots") || !bs.Has("limits.totalBackups") {
		t.Errorf("unread %v", bs.Unread)
	}
}
