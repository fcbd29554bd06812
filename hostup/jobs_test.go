package hostup

import (
	"context"
	"net/http"
	"testing"
)

func TestJobShapesDecodeToOneStatus(t *testing.T) {
	tests := []struct {
		name         string
		body         string
		wantID       string
		wantStatus   string
		wantRaw      string
		wantProgress float64 // -1 means no progress
		wantMessage  string
		wantError    string
	}{
		{"v1 envelope, running", `{"success":true,"data":{"jobId":"backup-1-2","state":"active","status":"running","progress":42,"progressMessage":"Copying","isRunning":true,"isCompleted":false,"isFailed":false}}`,
			"backup-1-2", JobInProgress, "active", 42, "Copying", ""},
		{"v1 envelope, waiting", `{"success":true,"data":{"jobId":"backup-1-2","state":"waiting","isWaiting":true}}`,
			"backup-1-2", JobQueued, "waiting", -1, "", ""},
		{"bare v1 data, failed", `{"jobId":"backup-1-2","state":"failed","isFailed":true,"isCompleted":false,"failedReason":"storage full","progressDetails":{"percentage":"60","message":"Uploading"}}`,
			"backup-1-2", JobFailed, "failed", 60, "Uploading", "storage full"},
		{"flags win over words", `{"jobId":"j1","state":"active","isCompleted":true}`,
			"j1", JobCompleted, "active", -1, "", ""},
		{"v1 state only, delayed", `{"jobId":"j1","state":"delayed"}`,
			"j1", JobQueued, "delayed", -1, "", ""},
		{"v2 status and result", `{"status":"completed","result":{"backupId":"bkp_1"}}`,
			"", JobCompleted, "completed", -1, "", ""},
		{"v2 pending", `{"status":"pending","result":null}`,
			"", JobQueued, "pending", -1, "", ""},
		{"v2 operation envelope", `{"operation":{"status":"in_progress","jobId":"job_1","pollUrl":"/api/jobs/job_1","result":null}}`,
			"job_1", JobInProgress, "in_progress", -1, "", ""},
		{"v2 failed with an error object", `{"id":"job_1","status":"failed","error":{"code":"x","message":"disk error"}}`,
			"job_1", JobFailed, "failed", -1, "", "disk error"},
		{"progress out of range is clamped", `{"status":"in_progress","progress":250}`,
			"", JobInProgress, "in_progress", 100, "", ""},
		{"unknown words stay unknown", `{"status":"teleporting","progress":"n/a"}`,
			"", JobUnknown, "teleporting", -1, "", ""},
		{"empty object", `{}`, "", JobUnknown, "", -1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := decodeJob([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if j.ID != tt.wantID || j.Status != tt.wantStatus || j.RawState != tt.wantRaw || j.Message != tt.wantMessage || j.Error != tt.wantError {
				t.Errorf("got id=%q status=%q raw=%q message=%q error=%q", j.ID, j.Status, j.RawState, j.Message, j.Error)
			}
			switch {
			case tt.wantProgress < 0 && j.Progress != nil:
				t.Errorf("progress = %v, want none", *j.Progress)
			case tt.wantProgress >= 0 && (j.Progress == nil || *j.Progress != tt.wantProgress):
				t.Errorf("progress = %v, want %v", j.Progress, tt.wantProgress)
			}
		})
	}
}

func TestDocumentedV1JobDecodesWithoutLoss(t *testing.T) {
	j, err := decodeJob(readTestdata(t, "job_v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if j.ID != "backup-17910-1769734006476" || j.Status != JobCompleted || j.RawState != "completed" ||
		j.Progress == nil || *j.Progress != 100 || j.Message != "Backup finished" ||
		*j.CreatedAt != "2026-02-10T00:00:00.000Z" || *j.FinishedAt != "2026-02-10T00:00:04.000Z" {
		t.Errorf("got %+v", j)
	}
	if r := object(j.Result); text(r["type"]) != "backup" || object(r["result"]) == nil {
		t.Errorf("result lost: %s", j.Result)
	}
}

func TestGetJobRejectsANonObjectBody(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `<html>`) })
	if _, err := c.GetJob(context.Background(), "job_1"); err == nil {
		t.Error("want an error for an unreadable job")
	}
}
