package tools

import "testing"

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
		if got := tt.job.text(); got != tt.want {
			t.Errorf("text() = %q, want %q", got, tt.want)
		}
	}
}
