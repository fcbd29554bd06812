package hostuptest

import (
	"fmt"
	"net/http"
	"time"
)

// job is a manual backup moving through queued → in_progress → completed or
// failed as simulated time passes. Its state is derived from the clock when
// read, so a test on a manual clock sees exactly the state it advanced to.
type job struct {
	id, account, vpsID, note string
	created                  time.Time
	entry                    *historyEntry // the VPS history row that follows the job
	finished                 *time.Time
	failure                  string // why it failed; "" when it did not
	backupID                 string
	restore                  *restoreJob   // set for a restore (restore.go)
	change                   *changeJob    // set for a queued schedule change (queued.go)
	runFor                   time.Duration // how long it runs; 0 means the simulator's default
	polls                    int           // GETs answered 404 (Variants.JobsNotFoundPolls)
}

const failedBackupMessage = "Backup failed: the backup storage did not respond."

func (s *Simulator) startJob(v *vps, note string, now time.Time) *job {
	j := &job{id: s.newID("job"), account: v.account, vpsID: v.id, note: note, created: now}
	j.entry = &historyEntry{kind: "manual", status: "queued", note: note, num: s.newNum(), created: now, jobID: j.id}
	v.history = append(v.history, j.entry)
	v.activeJob = j
	s.jobs[j.id] = j
	s.pending = append(s.pending, j)
	return j
}

// settleJobs brings every unfinished job up to now, adding the backup of each
// one that completed; callers hold s.mu.
func (s *Simulator) settleJobs(now time.Time) {
	still := s.pending[:0]
	for _, j := range s.pending {
		end := j.created.Add(s.queuedFor + s.runFor(j))
		if now.Before(end) {
			if !now.Before(j.created.Add(s.queuedFor)) {
				j.entry.status = "running"
			}
			still = append(still, j)
			continue
		}
		s.finishJob(j, end)
	}
	clear(s.pending[len(still):])
	s.pending = still
}

func (s *Simulator) finishJob(j *job, end time.Time) {
	switch {
	case j.restore != nil:
		s.finishRestore(j, end)
		return
	case j.change != nil:
		s.finishChange(j, end)
		return
	}
	v := s.vpses[j.vpsID]
	v.activeJob = nil
	j.finished = &end
	j.entry.updated = &end
	switch {
	case v.failBackups:
		j.failure = failedBackupMessage
	case v.quotaFull() && !v.autoDelete:
		// Reachable when the limit was lowered while the job ran.
		j.failure = fmt.Sprintf("Backup failed: all %d backup slots are in use.", v.limit)
	default:
		v.deleteOldest(len(v.backups)-v.limit+1, end)
		b := v.addBackup(s.newID("bkp"), j.entry.num, "manual", j.note, 0, 0, end)
		b.entry, j.entry.backup = j.entry, b
		j.backupID = b.id
	}
	j.entry.status = "completed"
	if j.failure != "" {
		j.entry.status = "failed"
		j.entry.failure = j.failure
	}
}

// jobEnvelope is the v1 envelope GET /api/jobs/{jobId} answers with (hostup-api.md §6).
type jobEnvelope struct {
	Success   bool    `json:"success"`
	Timestamp string  `json:"timestamp"`
	RequestID string  `json:"requestId"`
	Data      jobData `json:"data"`
}

type jobData struct {
	JobID           string  `json:"jobId"`
	QueueType       string  `json:"queueType"`
	Type            string  `json:"type"`
	JobName         string  `json:"jobName"`
	State           string  `json:"state"`
	Status          string  `json:"status"`
	Progress        float64 `json:"progress"`
	ProgressMessage string  `json:"progressMessage"`
	IsCompleted     bool    `json:"isCompleted"`
	IsFailed        bool    `json:"isFailed"`
	IsRunning       bool    `json:"isRunning"`
	IsWaiting       bool    `json:"isWaiting"`
	IsScheduled     bool    `json:"isScheduled"`
	FailedReason    *string `json:"failedReason"`
	Result          any     `json:"result"`
	CreatedAt       string  `json:"createdAt"`
	FinishedAt      *string `json:"finishedAt"`
	VMID            string  `json:"vmId"`
}

func (s *Simulator) getJob(c *call) response {
	j, ok := s.jobs[c.params[0]]
	if !ok || j.account != c.account || (j.finished == nil && j.polls < s.variants.JobsNotFoundPolls) {
		if ok && j.account == c.account {
			j.polls++
		}
		return problem(http.StatusNotFound, "not_found", "No job with this ID was found.")
	}
	words := s.wordsOf(j)
	d := jobData{
		JobID:     j.id,
		QueueType: words.queueType,
		Type:      words.kind,
		JobName:   words.name,
		CreatedAt: isoTime(j.created),
		VMID:      j.vpsID,
	}
	elapsed := c.now.Sub(j.created)
	switch {
	case j.finished != nil && j.failure != "" && s.variants.FailedJobsSayCompleted:
		d.State, d.Status, d.IsCompleted = "completed", "completed", true
		d.Progress, d.ProgressMessage = 100, "Job finished."
		d.FinishedAt = isoPtr(*j.finished)
		d.Result = map[string]any{"success": false, "type": "backup", "error": j.failure, "timestamp": isoTime(*j.finished)}
	case j.finished != nil && j.failure != "":
		d.State, d.Status, d.IsFailed = "failed", "failed", true
		d.Progress, d.ProgressMessage = 100, j.failure
		d.FailedReason = strPtr(j.failure)
		d.FinishedAt = isoPtr(*j.finished)
		d.Result = map[string]any{"success": false, "type": words.kind, "error": j.failure, "timestamp": isoTime(*j.finished)}
	case j.finished != nil:
		d.State, d.Status, d.IsCompleted = "completed", "completed", true
		d.Progress, d.ProgressMessage = 100, words.done
		d.FinishedAt = isoPtr(*j.finished)
		d.Result = map[string]any{"success": true, "type": words.kind, "result": map[string]string{"backupId": j.backupID, "vpsId": j.vpsID}, "timestamp": isoTime(*j.finished)}
	case elapsed < s.queuedFor:
		d.State, d.Status, d.IsWaiting = "waiting", "queued", true
		d.ProgressMessage = words.waiting
	default:
		d.State, d.Status, d.IsRunning = "active", "in_progress", true
		d.Progress = float64(int(100 * (elapsed - s.queuedFor) / s.runFor(j)))
		d.ProgressMessage = fmt.Sprintf("%s (%.0f%%).", words.running, d.Progress)
	}
	return ok200(jobEnvelope{Success: true, Timestamp: isoTime(c.now), RequestID: c.reqID, Data: d})
}
