package tools

import (
	"testing"
	"time"
)

// A failure HostUp words the same in message and error is said once, whether or
// not one of them ends with a full stop.
func TestJobTextSaysTheSameFailureOnce(t *testing.T) {
	tests := []struct {
		job  JobView
		want string
	}{
		{JobView{ID: "job_1", Status: "failed", Message: "Disk full.", Error: "Disk full"},
			"Job job_1: failed. Disk full."},
		{JobView{ID: "job_1", Status: "failed", Message: "Backup failed", Error: "Disk full."},
			"Job job_1: failed. Backup failed. Error: Disk full."},
		{JobView{ID: "job_1", Status: "failed", Error: "Disk full."},
			"Job job_1: failed. Error: Disk full."},
	}
	for _, tt := range tests {
		if got := tt.job.text(time.UTC); got != tt.want {
			t.Errorf("text() = %q, want %q", got, tt.want)
		}
	}
}

// Text shows HostUp's UTC timestamps in the display zone, as schedule times are.
func TestJobTextShowsTimesInTheDisplayZone(t *testing.T) {
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	job := JobView{ID: "job_1", Status: "completed", FinishedAt: "2026-11-30T02:07:00.000Z"}
	if got, want := job.text(stockholm), "Job job_1: completed. Finished 2026-11-30 03:07 CET."; got != want {
		t.Errorf("text() = %q, want %q", got, want)
	}
}
