package hostup

import (
	"cmp"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// Job is a backup job's state, normalized from whichever shape HostUp returned.
type Job struct {
	ID         string          `json:"id"`
	Status     string          `json:"status"`             // JobQueued, JobInProgress, JobCompleted, JobFailed or JobUnknown
	RawState   string          `json:"rawState,omitempty"` // HostUp's own word, for messages and debugging
	Progress   *float64        `json:"progress,omitempty"` // percent, 0-100
	Message    string          `json:"message,omitempty"`
	Error      string          `json:"error,omitempty"`
	CreatedAt  *string         `json:"createdAt,omitempty"`
	FinishedAt *string         `json:"finishedAt,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`
}

// decodeJob reads the v1 envelope {success, data:{…}}, a bare v1 data object, a v2
// {status, result} object or a v2 {operation:{…}}. Fields are read one by one so that a
// field of an unexpected type loses only that field, not the job.
func decodeJob(body []byte) (*Job, error) {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || top == nil {
		return nil, errors.New("the job response is not a JSON object")
	}
	f := top
	for _, wrapper := range []string{"data", "operation", "job"} {
		if inner := object(top[wrapper]); inner != nil {
			f = inner
			break
		}
	}
	details := object(f["progressDetails"])
	j := &Job{
		ID:         cmp.Or(text(f["jobId"]), text(f["id"])),
		Status:     jobStatus(f),
		RawState:   cmp.Or(text(f["state"]), text(f["status"])),
		Progress:   percent(f["progress"], details["percentage"]),
		Message:    cmp.Or(text(f["progressMessage"]), text(details["message"]), text(f["message"])),
		Error:      cmp.Or(text(f["failedReason"]), text(f["errorMessage"]), text(f["error"]), text(object(f["error"])["message"])),
		CreatedAt:  optionalText(f["createdAt"]),
		FinishedAt: optionalText(f["finishedAt"]),
	}
	if r := f["result"]; len(r) > 0 && string(r) != "null" {
		j.Result = r
	}
	// A finished job can say completed and still report result.success: false
	// (the v1 result object carries its own success): the backup failed, whatever
	// the state word says.
	if res := object(f["result"]); j.Status == JobCompleted && isFalse(res["success"]) {
		j.Status = JobFailed
		j.Error = cmp.Or(j.Error, text(res["error"]), text(object(res["error"])["message"]), text(res["message"]),
			"HostUp reported the job completed with result.success false and gave no reason")
	}
	return j, nil
}

// jobStatus prefers v1's boolean flags, which HostUp's docs call the safest fields to
// branch on, then the status and state words.
func jobStatus(f map[string]json.RawMessage) string {
	flag := func(name string) bool {
		var b bool
		return json.Unmarshal(f[name], &b) == nil && b
	}
	switch {
	case flag("isFailed"):
		return JobFailed
	case flag("isCompleted"):
		return JobCompleted
	case flag("isRunning"):
		return JobInProgress
	case flag("isWaiting"), flag("isScheduled"):
		return JobQueued
	}
	for _, word := range []string{text(f["status"]), text(f["state"])} {
		if s := normalizeJobState(word); s != JobUnknown {
			return s
		}
	}
	return JobUnknown
}

// normalizeJobState maps v2 operation statuses and queue-style v1 states (whose values
// HostUp does not enumerate) onto the five Job statuses.
func normalizeJobState(word string) string {
	switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(word)), "-", "_") {
	case "pending", "queued", "waiting", "waiting_children", "delayed", "scheduled", "prioritized":
		return JobQueued
	case "in_progress", "active", "running", "processing", "started":
		return JobInProgress
	case "completed", "complete", "succeeded", "success", "done", "finished":
		return JobCompleted
	case "failed", "failure", "error", "errored", "cancelled", "canceled":
		return JobFailed
	}
	return JobUnknown
}

// percent reads progress as a number or numeric string, falling back to
// progressDetails.percentage, and clamps it to 0-100.
func percent(candidates ...json.RawMessage) *float64 {
	for _, raw := range candidates {
		v, err := strconv.ParseFloat(text(raw), 64)
		if err == nil {
			v = min(max(v, 0), 100)
			return &v
		}
	}
	return nil
}

func object(raw json.RawMessage) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

func optionalText(raw json.RawMessage) *string {
	if s := text(raw); s != "" {
		return &s
	}
	return nil
}
