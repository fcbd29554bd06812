package hostuptest

import (
	"net/http"
	"time"
)

// Changes HostUp may queue as jobs (Variants.QueuedScheduleWrites): a POST or
// DELETE of a backup schedule answered 202 with the operation envelope, made
// only when its job ends. Until then the schedule reads as before the change.

// changeJob is what a job changes when it ends; it returns why the change
// failed, "" when it was made.
type changeJob struct {
	apply func(end time.Time) (failure string)
}

// queueChange starts a job that makes a change when it ends, and answers as
// HostUp answers a queued action.
func (s *Simulator) queueChange(v *vps, now time.Time, apply func(end time.Time) string) response {
	j := &job{id: s.newID("job"), account: v.account, vpsID: v.id, created: now, change: &changeJob{apply: apply}}
	return s.queueAction(j, "schedule")
}

// queueAction queues j, an action that adds no backup history (a restore, a
// schedule change): its entry only carries the job's state. It answers 202
// with the operation envelope, as HostUp's v2 actions do.
func (s *Simulator) queueAction(j *job, kind string) response {
	j.entry = &historyEntry{kind: kind, status: "queued", created: j.created, jobID: j.id}
	s.jobs[j.id] = j
	s.pending = append(s.pending, j)
	return reply(http.StatusAccepted, operationBody{Operation: operation{
		Status:  "queued",
		JobID:   j.id,
		PollURL: "/api/jobs/" + j.id,
	}})
}

// finishChange ends a change job: the change is made now, or fails.
func (s *Simulator) finishChange(j *job, end time.Time) {
	j.finished = &end
	j.failure = j.change.apply(end)
	j.entry.status = "completed"
	if j.failure != "" {
		j.entry.status = "failed"
	}
}

// queuedUpsert is upsertSchedule under QueuedScheduleWrites: the request is
// checked now, the schedule changed when the job ends, and a refusal that only
// then shows (another frequency, a gate) fails the job.
func (s *Simulator) queuedUpsert(v *vps, in scheduleInput, now time.Time) response {
	return s.queueChange(v, now, func(end time.Time) string {
		if _, refused := s.putSchedule(v, in, end); refused != nil {
			return "The backup schedule could not be saved: " + refused.body.(*problemBody).Detail
		}
		return ""
	})
}

// queuedDelete is deleteSchedule under QueuedScheduleWrites.
func (s *Simulator) queuedDelete(v *vps, id string, now time.Time) response {
	return s.queueChange(v, now, func(time.Time) string {
		if v.schedule == nil || v.schedule.id != id {
			return "The backup schedule no longer exists."
		}
		v.schedule = nil
		return ""
	})
}
