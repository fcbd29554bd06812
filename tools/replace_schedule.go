package tools

import (
	"context"
	"errors"
	"fmt"

	"github.com/hostup/hostup-mcp/hostup"
)

// Replacing a schedule by one of another frequency (upsert_backup_schedule
// with replace_existing): HostUp keeps one schedule per VPS, so the old one is
// deleted first, and put back when the new one cannot be made.

// replaceSchedule deletes the old schedule and creates the new one. If the create
// fails, it puts the old schedule back, so the VPS is never left without backups
// because of a refused change. When an answer is lost it looks at the state before
// sending anything more, and sends nothing when the state cannot be read: the
// error then stays "outcome unknown" and the read-back tells the user. The notes
// say what happened along the way, for the result. Only v2 deletes a schedule
// (planUpsert refuses a replace otherwise), so the deletes and reads go to v2
// directly.
func (d *Deps) replaceSchedule(ctx context.Context, api backend, old hostup.Schedule, want scheduleRequest) (sent, error) {
	var s sent
	if err := d.deleteReplaced(ctx, api.vpsID(), old, &s.notes); err != nil {
		return s, err
	}
	var createErr error
	s.answer, createErr = api.postSchedule(ctx, want)
	if createErr == nil && s.answer.Queued() {
		// A create HostUp queued and then failed leaves the VPS without the
		// old schedule as surely as a refused one: its job decides.
		createErr = d.jobOutcome(ctx, s.answer)
	}
	if createErr == nil {
		return s, nil
	}
	return s, d.putBackReplaced(ctx, api, old, want, createErr, &s.notes)
}

// deleteReplaced deletes the schedule a replace replaces, and returns an error
// when the new one must not be sent. A delete HostUp queues as a job is
// followed until it ends: until then the old schedule is still there, and the
// new one would be refused.
func (d *Deps) deleteReplaced(ctx context.Context, vpsID string, old hostup.Schedule, notes *[]string) error {
	deleted, err := d.Client.DeleteBackupSchedule(ctx, vpsID, old.ID)
	switch {
	case errors.Is(err, hostup.ErrOutcomeUnknown):
		// Whether the old schedule is gone decides what a POST would do: create
		// the new schedule, or be refused (one schedule per VPS).
		bs, readErr := d.Client.GetBackupSchedules(ctx, vpsID)
		if readErr != nil || len(bs.Schedules) > 0 {
			*notes = append(*notes, fmt.Sprintf("HostUp's answer to deleting the old schedule %s was lost, so the new schedule was not sent.", old.ID))
			return err
		}
		*notes = append(*notes, fmt.Sprintf("HostUp's answer to deleting the old schedule %s was lost; the state showed it gone, so the new schedule was sent.", old.ID))
	case err != nil:
		return err
	case deleted.Queued():
		job, err := d.settleJob(ctx, deleted.Job.JobID)
		switch {
		case err != nil:
			return &changeFailed{msg: fmt.Sprintf("Not done: HostUp queued deleting the old schedule %s as job %s, and following that job failed, so the new schedule was not sent: %s", old.ID, deleted.Job.JobID, describeError(err))}
		case job.Status == hostup.JobFailed:
			return &changeFailed{msg: fmt.Sprintf("Not done: HostUp queued deleting the old schedule %s as job %s, and the job failed (%s), so the new schedule was not sent; the old schedule stays.", old.ID, job.ID, job.failure())}
		case !job.Done():
			return &changeFailed{msg: fmt.Sprintf("Not done yet: HostUp queued deleting the old schedule %s as job %s, which had not ended after %s, so the new schedule was not sent. Follow the job with get_job job_id=%s, then call again.", old.ID, job.ID, settleWait, job.ID)}
		}
		*notes = append(*notes, fmt.Sprintf("HostUp queued deleting the old schedule %s as job %s, which ended; then the new schedule was sent.", old.ID, job.ID))
	}
	return nil
}

// putBackReplaced puts the old schedule back after the create of the new one
// failed (createErr), and says how the replace ended. When the create's answer
// was lost it looks first: the create may have happened, and then putting the
// old one back would be refused (one schedule per VPS) or, worse, replace the
// new one; nil means the state shows the new one made after all.
func (d *Deps) putBackReplaced(ctx context.Context, api backend, old hostup.Schedule, want scheduleRequest, createErr error, notes *[]string) error {
	vpsID := api.vpsID()
	cause := "HostUp refused the new one"
	if errors.Is(createErr, hostup.ErrOutcomeUnknown) {
		bs, err := d.Client.GetBackupSchedules(ctx, vpsID)
		if err != nil || len(bs.Schedules) > 0 {
			for _, sc := range bsSchedules(bs, err) {
				if sc.Frequency == want.Frequency {
					*notes = append(*notes, "HostUp's answer to the new schedule was lost; the state shows it created.")
					return nil
				}
			}
			*notes = append(*notes, fmt.Sprintf("HostUp's answer to the new schedule was lost after the old schedule %s was deleted; the old one was not put back, because the state could not show whether the new one exists.", old.ID))
			return createErr
		}
		cause = "HostUp's answer to the new one was lost and the state showed it was not created"
	}
	putBack, err := api.postSchedule(ctx, requestFromSchedule(old))
	if err == nil && putBack.Queued() {
		err = d.jobOutcome(ctx, putBack)
	}
	if err != nil {
		return &changeFailed{msg: fmt.Sprintf("NOT DONE, and %s has NO backup schedule now: the old schedule %s was deleted, %s, and putting the old one back failed too. Create a schedule with upsert_backup_schedule.\nHostUp's answer to the new schedule: %s\nHostUp's answer to putting the old one back: %s",
			vpsID, old.ID, cause, describeError(createErr), describeError(err))}
	}
	return &changeFailed{msg: fmt.Sprintf("Not done: the old %s schedule %s was deleted, then %s, so the old schedule was put back as it was (under a new id; see list_backup_schedules).\nHostUp's answer to the new schedule: %s",
		old.Frequency, old.ID, cause, describeError(createErr))}
}

// bsSchedules is the schedules of a read that may have failed.
func bsSchedules(bs *hostup.BackupSchedules, err error) []hostup.Schedule {
	if err != nil || bs == nil {
		return nil
	}
	return bs.Schedules
}
