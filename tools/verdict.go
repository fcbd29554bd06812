package tools

import (
	"context"
	"fmt"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// The verdict of a change comes from the state read back after it, never from
// HostUp's answer alone: HostUp's docs leave most write answers open (status and
// body UNKNOWN), a 2xx may come before the change is visible, and a POST that
// "updates the schedule with the same frequency" may update another row than the
// one planned. So "applied" means the state shows the change; a 2xx whose state
// does not show it is accepted_not_visible, with what HostUp answered.

// settleWait bounds how long a change HostUp queued as a job is followed before
// its read-back: long enough for a schedule change, short enough for a call.
const settleWait = time.Minute

// verdict reads the state back after HostUp accepted the change in s and sets
// out's outcome from what it shows. When HostUp queued the change as a job and
// the state does not show it yet, the job is followed (bounded) and the state
// read again. It returns the view read back, nil when none could be read.
func verdict[V any](ctx context.Context, d *Deps, op *operation[V], s sent, out *MutationOutput) (*V, error) {
	seen, err := op.readBack(ctx, s)
	if err == nil && !seen.shows && s.answer.Queued() {
		job, jobErr := d.settleJob(ctx, s.answer.Job.JobID)
		switch {
		case jobErr != nil:
			out.Notes = append(out.Notes, fmt.Sprintf("Following HostUp's job %s failed: %s", s.answer.Job.JobID, firstLine(describeError(jobErr))))
		case job.Status == hostup.JobFailed:
			after := ""
			if again, err := op.readBack(ctx, s); err == nil {
				after = " HostUp now reports: " + again.now
			}
			return nil, &changeFailed{msg: fmt.Sprintf("Not done: HostUp queued the change as job %s, and the job failed: %s.%s", job.ID, job.failure(), after)}
		case job.Done():
			seen, err = op.readBack(ctx, s)
		default:
			out.Notes = append(out.Notes, fmt.Sprintf("HostUp's job %s had not ended after %s (%s): follow it with get_job job_id=%s, then read the state again.", job.ID, settleWait, job.Status, job.ID))
		}
	}
	switch {
	case err != nil:
		out.Outcome = outcomeNotVisible
		out.Notes = append(out.Notes, acceptedText(s.answer)+", but reading the state back failed, so whether the change is made is not known; do not report it as done: "+describeError(err))
		return nil, nil
	case seen.shows:
		out.Outcome = outcomeApplied
		return &seen.view, nil
	}
	out.Outcome = outcomeNotVisible
	note := acceptedText(s.answer) + ", but the state read back does NOT show the change: HostUp now reports: " + seen.now
	if seen.verdict != "" {
		note += " " + seen.verdict
	}
	out.Notes = append(out.Notes, note+" Do not report it as done: read the state again in a moment; if it still differs, HostUp did not make the change.")
	return &seen.view, nil
}

// readBackUnknown reads the state after a change whose answer was lost and
// notes what it shows, so the model neither repeats a change that went through
// nor reports one that did not. It returns the view read back, nil when none.
func readBackUnknown[V any](ctx context.Context, op *operation[V], s sent, out *MutationOutput) *V {
	seen, err := op.readBack(ctx, s)
	switch {
	case err != nil:
		out.Notes = append(out.Notes, "Reading the state back also failed: "+describeError(err))
		return nil
	case seen.verdict != "":
		out.Notes = append(out.Notes, seen.verdict)
	case seen.shows:
		out.Notes = append(out.Notes, "The state read back shows the change: it happened; do not send it again. HostUp now reports: "+seen.now)
	default:
		out.Notes = append(out.Notes, "The state read back does NOT show the change: it most likely did not happen, and it is safe to try again. HostUp now reports: "+seen.now)
	}
	return &seen.view
}

// jobOutcome follows the job HostUp queued a change as (bounded) and returns an
// error when the job failed; a job that has not ended is no failure, and the
// read-back will tell.
func (d *Deps) jobOutcome(ctx context.Context, a hostup.Answer) error {
	job, err := d.settleJob(ctx, a.Job.JobID)
	switch {
	case err != nil:
		return err
	case job.Status == hostup.JobFailed:
		return &changeFailed{msg: fmt.Sprintf("HostUp queued the change as job %s, and the job failed: %s.", job.ID, job.failure())}
	}
	return nil
}

// acceptedText says what HostUp answered to a change it accepted.
func acceptedText(a hostup.Answer) string {
	s := "HostUp accepted the change"
	switch {
	case a.Status != 0 && a.Job != nil:
		s += fmt.Sprintf(" (HTTP %d, job %s)", a.Status, a.Job.JobID)
	case a.Status != 0:
		s += fmt.Sprintf(" (HTTP %d)", a.Status)
	case a.Job != nil:
		s += fmt.Sprintf(" (job %s)", a.Job.JobID)
	}
	return s
}

// settleJob follows a job HostUp queued a change as, until it ends, settleWait
// passes or ctx ends, and returns its last state.
func (d *Deps) settleJob(ctx context.Context, jobID string) (JobView, error) {
	poll := d.JobPoll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	deadline := time.Now().Add(min(settleWait, d.jobWait()))
	for {
		j, err := d.Client.GetJob(ctx, jobID)
		if err != nil {
			return JobView{ID: jobID}, err
		}
		v := jobView(j)
		if v.Done() || time.Now().Add(poll).After(deadline) {
			return v, nil
		}
		select {
		case <-ctx.Done():
			return v, nil
		case <-time.After(poll):
		}
	}
}

// jobWait is how long create_backup and restore_backup follow their job.
func (d *Deps) jobWait() time.Duration {
	if d.JobWait > 0 {
		return d.JobWait
	}
	return 10 * time.Minute
}
