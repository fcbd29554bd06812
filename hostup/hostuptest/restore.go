package hostuptest

import (
	"net/http"
	"slices"
	"time"
)

// The in-place restore (hostup-api.md §3): POST …/backups/{backupId}/actions/restore
// queues a job that replaces the VPS's disk with the backup. HostUp's page could not
// be read; the simulator follows the other v2 actions: gate canRestore, an optional
// empty body, 202 with the operation envelope, a job to poll.

// CodeRestoreInProgress closes a VPS's gates while a restore runs; where HostUp's code
// is not documented, the simulator names it (see doc.go).
const CodeRestoreInProgress = "restore_in_progress"

// restoreJob is what a job restores; a job without one is a manual backup.
type restoreJob struct {
	backupID string
}

func (s *Simulator) restoreBackup(c *call) response {
	v, ok := s.ownedVPS(c)
	if !ok {
		return vpsNotFound()
	}
	if b := parseBody(c.body, true); len(b.errs) > 0 {
		return invalidRequest(b.errs)
	}
	if !slices.ContainsFunc(v.backups, func(b *backup) bool { return b.id == c.params[1] }) {
		return problem(http.StatusNotFound, "not_found", "No backup with this ID exists on the VPS.")
	}
	if g := v.gate(GateCanRestore); !g.Allowed {
		return refusal(g)
	}
	j := &job{id: s.newID("job"), account: v.account, vpsID: v.id, created: c.now, restore: &restoreJob{backupID: c.params[1]}}
	v.activeJob = j
	return s.queueAction(j, "restore")
}

// finishRestore ends a restore job: the disk now holds the backup.
func (s *Simulator) finishRestore(j *job, end time.Time) {
	v := s.vpses[j.vpsID]
	v.activeJob = nil
	j.finished = &end
	j.entry.status = "completed"
	j.backupID = j.restore.backupID
	v.restored = append(v.restored, j.restore.backupID)
}

// Restored returns the backups restored onto the VPS so far, oldest first: what a
// test checks to know a restore really ran, or never did.
func (s *Simulator) Restored(vpsID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.mustVPS(vpsID).restored)
}

// runFor is how long j runs once a worker takes it.
func (s *Simulator) runFor(j *job) time.Duration {
	if j.runFor > 0 {
		return j.runFor
	}
	return s.runningFor
}

// busy is the reason and code of the gates a running job closes.
func (j *job) busy() (reason, code string) {
	if j.restore != nil {
		return "A restore is running on this VPS.", CodeRestoreInProgress
	}
	return "A backup job is already running for this VPS.", CodeBackupInProgress
}

// jobWords is how GET /api/jobs describes a job of each kind.
type jobWords struct {
	queueType, kind, name, waiting, running, done string
}

func (s *Simulator) wordsOf(j *job) jobWords {
	name := s.vpses[j.vpsID].model.Name
	if j.change != nil {
		return jobWords{"vps-backup-schedule", "schedule", "Backup schedule change of " + name,
			"Waiting for a worker.", "Saving the backup schedule", "Backup schedule saved."}
	}
	if j.restore != nil {
		return jobWords{"vps-restore", "restore", "Restore of " + name + " from " + j.restore.backupID,
			"Waiting for a restore worker.", "Restoring disk", "Restore completed."}
	}
	return jobWords{"vps-backup", "backup", "Manual backup of " + name,
		"Waiting for a backup worker.", "Backing up disk", "Backup completed."}
}

// startLongBackup seeds a manual backup job that started now and runs for d, such
// as the first full backup of a big disk: the VPS's gates stay closed meanwhile.
func (s *Simulator) startLongBackup(v *vps, d time.Duration, now time.Time) {
	if d > 0 {
		s.startJob(v, "", now).runFor = d
	}
}
