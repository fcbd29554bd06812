package hostup

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

func TestSetSnapshotScheduleAcceptsEveryPlausibleAnswer(t *testing.T) {
	cases := []struct {
		name, body string
		status     int
		interval   int // 0: no schedules read from the body
	}{
		{"GET's shape, camelCase", `{"schedule":{"enabled":true,"intervalHours":6,"retentionDays":1,"lastRun":null,"nextRun":"2026-04-27T18:00:00.000Z"},"limits":{"totalSnapshots":2},"available":true,"reason":null,"actions":{"canEnable":{"allowed":true,"reason":null}}}`, 200, 6},
		{"v1's names inside v2", `{"schedule":{"enabled":true,"interval_hours":12.9,"retention_days":1,"last_run":null,"next_run":null},"available":true}`, 201, 12},
		{"wrapped in data", `{"data":{"schedule":{"enabled":false,"intervalHours":8},"available":true}}`, 200, 8},
		{"empty body", ``, 204, 0},
		{"a message only", `{"message":"Snapshot schedule saved"}`, 200, 0},
		{"not JSON", `<html>ok</html>`, 200, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, tc.status, tc.body) })
			got, _, err := c.SetSnapshotSchedule(context.Background(), "vps_abc", SnapshotScheduleRequest{Enabled: true, IntervalHours: 6})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.interval == 0 && got != nil:
				t.Errorf("read %+v from a body without a schedule", got)
			case tc.interval != 0 && (got == nil || got.Schedule == nil || got.Schedule.IntervalHours != tc.interval):
				t.Errorf("got %+v, want interval %d", got, tc.interval)
			}
			reqs := rec.requests()
			if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/api/v2/vps/vps_abc/snapshot-schedules" || string(reqs[0].Body) != `{"enabled":true,"intervalHours":6}` {
				t.Errorf("sent %+v", reqs)
			}
		})
	}
}

func TestRestoreBackupSendsNoBodyAndIsNeverResent(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 202, `{"operation":{"status":"queued","jobId":"job_1","pollUrl":"/api/jobs/job_1","result":null}}`)
	})
	a, err := c.RestoreBackup(context.Background(), "vps_abc", "bkp_123")
	if err != nil || a.Job == nil || a.Job.JobID != "job_1" || a.Status != 202 {
		t.Fatalf("answer %+v, err %v", a, err)
	}
	reqs := rec.requests()
	if len(reqs) != 1 || reqs[0].Path != "/api/v2/vps/vps_abc/backups/bkp_123/actions/restore" || len(reqs[0].Body) != 0 {
		t.Fatalf("sent %+v", reqs)
	}

	c, rec = newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeProblem(w, 503, "upstream_unavailable") })
	if _, err := c.RestoreBackup(context.Background(), "vps_abc", "bkp_123"); !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("a 503 on the restore: %v, want an unknown outcome", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("the restore was sent %d times", n)
	}
	if _, err := c.RestoreBackup(context.Background(), "vps_abc", "../x"); err == nil || len(rec.requests()) != 1 {
		t.Errorf("a bad backup id: %v, %d requests", err, len(rec.requests()))
	}
}
