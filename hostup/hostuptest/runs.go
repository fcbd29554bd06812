package hostuptest

import (
	"fmt"
	"slices"
)

// RunScheduledBackup makes the VPS's schedule run now, as HostUp's scheduler
// would: a scheduled backup is stored and recorded in the history (lastRun and
// status follow), the oldest scheduled backups beyond the schedule's retention
// go, and with autoDeleteOldest the oldest backups make room under the limit.
// It changes the usage counters and run times, never a setting.
func (s *Simulator) RunScheduledBackup(vpsID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.mustVPS(vpsID)
	if v.schedule == nil {
		panic("hostuptest: RunScheduledBackup on " + vpsID + ", which has no schedule")
	}
	now := s.now()
	if v.quotaFull() && v.autoDelete {
		v.deleteOldest(len(v.backups)-v.limit+1, now)
	}
	entry := &historyEntry{kind: "scheduled", status: "completed", num: s.newNum(), created: now, updated: &now,
		jobID: fmt.Sprintf("backup-%d-%d", v.vmid, now.UnixMilli())}
	b := v.addBackup(s.newID("bkp"), entry.num, "scheduled", "", 0, 0, now)
	b.entry, entry.backup = entry, b
	v.history = append(v.history, entry)
	for v.count("scheduled") > v.schedule.retention {
		i := slices.IndexFunc(v.backups, func(b *backup) bool { return b.kind == "scheduled" })
		v.removeBackup(i, now)
	}
}
