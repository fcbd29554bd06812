package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// GetJobInput names one job.
type GetJobInput struct {
	JobID string `json:"job_id" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9_-]{0\\,127}$" jsonschema_description:"From create_backup or a schedule's history (job_…)."`
}

// JobView is a backup job's state.
type JobView struct {
	ID     string `json:"id"`
	Status string `json:"status" jsonschema:"enum=queued,enum=in_progress,enum=completed,enum=failed,enum=unknown"`
	// Percent done, when HostUp reports it.
	Progress   *float64 `json:"progress,omitempty"`
	Message    string   `json:"message,omitempty"`
	Error      string   `json:"error,omitempty"`
	CreatedAt  string   `json:"created_at,omitempty"`
	FinishedAt string   `json:"finished_at,omitempty"`
}

// Done says whether the job reached an end state.
func (j JobView) Done() bool { return j.Status == hostup.JobCompleted || j.Status == hostup.JobFailed }

// GetJobOutput is one job.
type GetJobOutput struct {
	Common
	Job JobView `json:"job"`
}

func getJob(d *Deps) server.ServerTool {
	return newTool(d, "get_job", "Get a backup job",
		"Shows a backup job's state and progress, e.g. create_backup's.",
		readOnlyHints,
		func(ctx context.Context, _ *Call, in GetJobInput) (GetJobOutput, string, error) {
			j, err := d.Client.GetJob(ctx, in.JobID)
			if err != nil {
				return GetJobOutput{}, "", err
			}
			v := jobView(j)
			return GetJobOutput{Job: v}, v.text(d.display()), nil
		})
}

func jobView(j *hostup.Job) JobView {
	return JobView{ID: j.ID, Status: j.Status, Progress: j.Progress, Message: j.Message, Error: j.Error, CreatedAt: deref(j.CreatedAt), FinishedAt: deref(j.FinishedAt)}
}

func (j JobView) text(zone *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Job %s: %s", j.ID, strings.ReplaceAll(j.Status, "_", " "))
	if j.Progress != nil && !j.Done() {
		fmt.Fprintf(&b, " (%.0f%%)", *j.Progress)
	}
	msg, errText := strings.TrimSuffix(j.Message, "."), strings.TrimSuffix(j.Error, ".")
	if msg != "" {
		fmt.Fprintf(&b, ". %s", msg)
	}
	// HostUp may put the same words in both fields, with or without a full stop.
	if errText != "" && errText != msg {
		fmt.Fprintf(&b, ". Error: %s", errText)
	}
	if j.FinishedAt != "" {
		fmt.Fprintf(&b, ". Finished %s", localTimestamp(j.FinishedAt, zone))
	}
	b.WriteString(".")
	return b.String()
}
