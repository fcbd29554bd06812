package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// CreateBackupInput asks for one manual backup.
type CreateBackupInput struct {
	VPSID        string  `json:"vps_id" jsonschema:"pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_vps."`
	Note         *string `json:"note,omitempty" jsonschema:"maxLength=200" jsonschema_description:"Label, e.g. Before upgrade."`
	Wait         bool    `json:"wait,omitempty" jsonschema_description:"Follow the job until it ends (bounded)."`
	DryRun       bool    `json:"dry_run,omitempty" jsonschema_description:"Plan only."`
	ConfirmToken string  `json:"confirm_token,omitempty" jsonschema:"maxLength=600" jsonschema_description:"Once the user agreed to the plan."`
}

// CreateBackupOutput is the outcome and the backup job.
type CreateBackupOutput struct {
	MutationOutput
	// The backup job; poll it with get_job when it has not ended.
	Job *JobView `json:"job,omitempty"`
}

func createBackup(d *Deps) server.ServerTool {
	return newTool(d, "create_backup", "Create a manual backup",
		"Queues a manual backup (job id for get_job); on a full quota with auto-delete on, HostUp deletes the oldest backup.",
		creatorHints,
		func(ctx context.Context, call *Call, in CreateBackupInput) (CreateBackupOutput, string, error) {
			var out CreateBackupOutput
			op, err := prepare(ctx, d, in.VPSID, canCreateBackup, func(ctx context.Context, api backend) (*operation[*JobView], error) {
				return d.createBackupOperation(ctx, api, in)
			})
			if err != nil {
				return out, "", err
			}
			if !in.DryRun {
				call.taskNote("Cancelled while the backup request may have been on its way to HostUp: list_backups shows whether a backup job started; check before queueing another.")
			}
			mo, job, err := mutateOne(ctx, call, op, in.DryRun, in.ConfirmToken)
			out.MutationOutput = mo
			if job != nil {
				out.Job = *job
			}
			if err != nil {
				return out, "", err
			}
			if out.Outcome != outcomeApplied {
				return out, out.summaryText(""), nil
			}
			if out.Job != nil {
				call.taskNote(fmt.Sprintf("Stopped following job %s only: HostUp goes on with the backup of %s; cancelling the task neither stops nor undoes it. Follow it with get_job job_id=%s.", out.Job.ID, in.VPSID, out.Job.ID))
			}
			// Waiting happens outside the VPS lock: a backup can take minutes, and
			// other changes to the VPS should not queue behind it.
			if in.Wait && out.Job != nil {
				out.Job = d.waitForJob(ctx, call, *out.Job, "backup")
			}
			return out, out.summaryText(createdText(out.Job, d.display())), nil
		})
}

// createBackupBasis is what decides a manual backup's plan: the gate, the
// quota's limit, whether it is full and, when it is, which backup HostUp would
// delete to make room (the one the user agrees to lose).
type createBackupBasis struct {
	Gate   gateBasis `json:"gate"`
	Limit  *int      `json:"limit"`
	Full   bool      `json:"full"`
	Oldest string    `json:"oldest,omitempty"`
}

// createBackupOperation reads the VPS's backups and plans a manual backup. Its
// read-back is the backup job, nil when HostUp named none. Only v2 creates a
// backup, so it talks to v2 directly.
func (d *Deps) createBackupOperation(ctx context.Context, api backend, in CreateBackupInput) (*operation[*JobView], error) {
	before, err := d.Client.ListBackups(ctx, in.VPSID)
	if err != nil {
		return nil, err
	}
	p, err := planCreateBackup(in, before)
	if err != nil {
		return nil, err
	}
	basis := createBackupBasis{Gate: gateOf(before.Actions.CanCreateBackup), Limit: before.QuotaInfo.Limit}
	if q := before.QuotaInfo; q.Remaining != nil && *q.Remaining == 0 {
		basis.Full, basis.Oldest = true, oldestBackup(backupViews(before.Backups))
	}
	op := newOperation[*JobView](api, "create_backup", p, basis)
	op.apply = func(ctx context.Context) (sent, error) {
		a, err := d.Client.CreateBackup(ctx, in.VPSID, hostup.CreateBackupRequest{Note: in.Note})
		return sent{answer: a}, err
	}
	had := len(before.Backups)
	op.readBack = func(ctx context.Context, s sent) (sight[*JobView], error) {
		return d.jobTrace(ctx, in.VPSID, s, func(after *hostup.Backups) sight[*JobView] {
			// No job id came back: one more backup than before, or the gate that
			// was open at planning now closed (a job in flight closes it), is the
			// trace the request left.
			gate := after.Actions.CanCreateBackup
			now := fmt.Sprintf("%s has %s", in.VPSID, quantity(len(after.Backups), "backup"))
			if !gate.Allowed {
				now += "; new manual backups are blocked: " + gateReason(gate)
			}
			return sight[*JobView]{shows: len(after.Backups) > had || !gate.Allowed, now: strings.TrimSuffix(now, ".") + "."}
		})
	}
	return op, nil
}

// jobTrace is the read-back of a change HostUp runs as a job (a backup, a
// restore): the job HostUp named is the change's own record, so it shows the
// change taken up; without one, the backups are read and trace says what they
// show of it.
func (d *Deps) jobTrace(ctx context.Context, vpsID string, s sent, trace func(*hostup.Backups) sight[*JobView]) (sight[*JobView], error) {
	if j := s.answer.Job; j != nil && j.JobID != "" {
		view := &JobView{ID: j.JobID, Status: normalizeOperationStatus(j.Status)}
		return sight[*JobView]{view: view, shows: true, now: fmt.Sprintf("job %s is %s.", j.JobID, strings.ReplaceAll(view.Status, "_", " "))}, nil
	}
	after, err := d.Client.ListBackups(ctx, vpsID)
	if err != nil {
		return sight[*JobView]{}, err
	}
	return trace(after), nil
}

func planCreateBackup(in CreateBackupInput, b *hostup.Backups) (Plan, error) {
	if !b.Actions.CanCreateBackup.Allowed {
		r := gateRefusal("create a manual backup", b.Actions.CanCreateBackup)
		if q := b.QuotaInfo; q.Remaining != nil && *q.Remaining == 0 {
			r.Fix = "the backup quota is full: delete an old backup first (list_backups, delete_backup), turn on auto_delete_oldest (update_backup_settings), or raise the backup limit in HostUp's control panel."
		}
		return Plan{}, r
	}
	p := Plan{
		Summary:  fmt.Sprintf("Queue a manual backup of %s.", in.VPSID),
		Requests: []PlannedRequest{{Method: "POST", Endpoint: hostup.BackupsPath(in.VPSID), Body: hostup.CreateBackupRequest{Note: in.Note}}},
	}
	if q := b.QuotaInfo; q.Remaining != nil && *q.Remaining == 0 {
		// HostUp still allows it, so it will make room by deleting the oldest.
		p.Destructive = true
		oldest := oldestBackup(backupViews(b.Backups))
		p.Deletes = []string{"the oldest backup " + oldest + ", which HostUp deletes to make room (the quota is full and auto_delete_oldest is on)"}
	}
	return p, nil
}

// createdText says what became of the backup: for a job that ended (wait=true) a
// plain verdict last, so the model need not interpret a job status.
func createdText(job *JobView, zone *time.Location) string {
	switch {
	case job == nil:
		return "Backup queued. HostUp returned no job id; list_backups will show the backup once it is done."
	case job.Status == hostup.JobCompleted:
		return fmt.Sprintf("Job %s finished%s. Backup done.", job.ID, atTime(job.FinishedAt, zone))
	case job.Status == hostup.JobFailed:
		return fmt.Sprintf("Job %s ended%s. Backup failed: %s.", job.ID, atTime(job.FinishedAt, zone), job.failure())
	}
	return fmt.Sprintf("Backup queued. %s Follow it with get_job job_id=%s.", job.text(zone), job.ID)
}

func atTime(t string, zone *time.Location) string {
	if t == "" {
		return ""
	}
	return " at " + localTimestamp(t, zone)
}

// failure is why a failed job failed, without the "Backup failed:" HostUp's
// message may already start with.
func (j JobView) failure() string {
	reason := j.Error
	if reason == "" {
		reason = j.Message
	}
	const said = "backup failed:"
	reason = strings.TrimSpace(reason)
	if len(reason) >= len(said) && strings.EqualFold(reason[:len(said)], said) {
		reason = strings.TrimSpace(reason[len(said):])
	}
	reason = strings.TrimSuffix(reason, ".")
	if reason == "" {
		return "HostUp gave no reason (get_job job_id=" + j.ID + " shows the job)"
	}
	return reason
}

// oldestBackup names the backup HostUp deletes first to make room, with its
// kind, creation time and note (how a user recognizes a manual backup kept on
// purpose). The order is by parsed time, not text: a backup whose createdAt is
// missing or unreadable (HostUp allows null) could be the oldest, so then none
// is named.
func oldestBackup(views []BackupView) string {
	var oldest *BackupView
	var at time.Time
	for i := range views {
		t, ok := parseTime(views[i].CreatedAt)
		if !ok {
			return fmt.Sprintf("(which one is not known: HostUp gave no readable creation time for %s)", views[i].ID)
		}
		if oldest == nil || t.Before(at) {
			oldest, at = &views[i], t
		}
	}
	if oldest == nil {
		return "(which one could not be read)"
	}
	desc := fmt.Sprintf("%s (%s, created %s", oldest.ID, oldest.Type, at.UTC().Format(time.RFC3339))
	if oldest.Note != "" {
		desc += fmt.Sprintf(", note %q", oldest.Note)
	}
	return desc + ")"
}

func normalizeOperationStatus(s string) string {
	switch s {
	case "pending", "queued":
		return hostup.JobQueued
	case hostup.JobInProgress, hostup.JobCompleted, hostup.JobFailed:
		return s
	}
	return hostup.JobUnknown
}

// jobNotFoundPolls bounds how many 404s a job may answer before it was first
// read: HostUp says nothing of when a job queued by a 202 can be polled, and a
// queue may not know it yet, so a 404 then is asked again, not the end of it.
const jobNotFoundPolls = 3

// waitForJob polls the job until it ends, the wait limit passes or the call is
// cancelled, reporting progress to the client on every change.
func (d *Deps) waitForJob(ctx context.Context, call *Call, job JobView, what string) *JobView {
	poll, limit := d.JobPoll, d.JobWait
	if poll <= 0 {
		poll = 2 * time.Second
	}
	if limit <= 0 {
		limit = 10 * time.Minute
	}
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	last, sent := job, 0.0
	notFound, read := 0, false // 404s before the job was first read, and whether it was
	for !last.Done() {
		select {
		case <-ctx.Done():
			return &last
		case <-deadline.C:
			last.Message = fmt.Sprintf("still %s after waiting %s; the %s goes on at HostUp", strings.ReplaceAll(last.Status, "_", " "), limit, what)
			return &last
		case <-ticker.C:
		}
		j, err := d.Client.GetJob(ctx, job.ID)
		if hostup.IsNotFound(err) && !read && notFound < jobNotFoundPolls {
			notFound++
			continue
		}
		if err != nil {
			last.Message = "could not read the job: " + describeError(err)
			return &last
		}
		last, read = jobView(j), true
		// MCP requires progress to increase with every notification; HostUp's
		// percentage may stand still or be missing between polls.
		pct := sent + 0.1
		if last.Progress != nil && *last.Progress > pct {
			pct = *last.Progress
		}
		sent = min(pct, 100)
		call.progress(ctx, sent, 100, last.text(d.display()))
	}
	return &last
}
