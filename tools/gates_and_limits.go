package tools

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hostup/hostup-mcp/hostup"
)

// HostUp's action gates and limits, and how the planning reads them: which
// closed gate blocks what, what refusal a closed gate makes, and the limits a
// change must fit (retention, free slots, the quota), each known or not.

// vpsBlock returns a closed canUpdateSettings or canDelete gate: a block of the
// VPS itself (a pending order, a suspended service), which HostUp closes every
// schedule gate for. A gate closed because the API has no endpoint for the
// action (codeNoEndpoint) blocks nothing, and neither does canDelete closed on
// a VPS without a schedule: "There is no schedule to delete." is about
// deleting, not the VPS.
func vpsBlock(a hostup.ScheduleActions, hasSchedule bool) (hostup.Gate, bool) {
	gates := []hostup.Gate{a.CanUpdateSettings}
	if hasSchedule {
		gates = append(gates, a.CanDelete)
	}
	for _, g := range gates {
		if !g.Allowed && g.CodeText() != codeNoEndpoint {
			return g, true
		}
	}
	return hostup.Gate{}, false
}

// updateBlocker says whether HostUp's gates block changing the VPS's existing
// schedule. HostUp closes canCreate whenever a schedule exists, and a POST with
// the same frequency is still an update (hostup-api.md §2). §10 quotes one
// example's reason without a code; that wording and the absent code are an
// assumption the product does not rely on: the closure may carry a code
// (backup_schedule_exists), other words or Swedish. So the decision is what the
// gate is about: canCreate closed together with canUpdateSettings or canDelete
// is a block of the VPS; canCreate closed alone is the schedule existing, and
// if HostUp still refuses the POST, its answer is shown.
func updateBlocker(a hostup.ScheduleActions) (hostup.Gate, bool) {
	if a.CanCreate.Allowed {
		return hostup.Gate{}, false
	}
	return vpsBlock(a, true)
}

// changesBlocker is the gate that blocks every change to the VPS's schedule, for
// the audit and the views: with a schedule, updateBlocker's rule; without one, a
// closed canCreate.
func changesBlocker(a hostup.ScheduleActions, hasSchedule bool) (hostup.Gate, bool) {
	if !hasSchedule && !a.CanCreate.Allowed && a.CanCreate.CodeText() != codeNoEndpoint {
		return a.CanCreate, true
	}
	return vpsBlock(a, hasSchedule)
}

// gateRefusal refuses action because HostUp's gate g is closed, with HostUp's
// reason and code, and what the user can do about it.
func gateRefusal(action string, g hostup.Gate) *Refusal {
	reason := gateReason(g)
	if reason == "" {
		reason = "HostUp does not allow it now"
	}
	fix := "resolve what HostUp names in its reason, then try again; list_backup_schedules shows the gates."
	if g.CodeText() == "pending_order" {
		fix = "finish or cancel the VPS's pending order in HostUp's control panel, then try again."
	}
	return &Refusal{Reason: fmt.Sprintf("HostUp does not let you %s now: %s", action, strings.TrimSuffix(reason, ".")), Code: g.CodeText(), Fix: fix}
}

// retentionLimit is the highest retentionCount HostUp accepts, and whether
// HostUp's answer says it. limits.maxRetention is taken as equal to the total
// backup limit (hostup-api.md §10, from v1's description of one example): an
// assumption, so the lower of the two counts when both are given, and when
// neither is given nothing is checked here and HostUp's answer decides.
func retentionLimit(bs *hostup.BackupSchedules) (int, bool) {
	var limits []int
	if bs.Has("limits.maxRetention") {
		limits = append(limits, bs.Limits.MaxRetention)
	}
	if bs.Has("settings.totalBackupLimit") && bs.Settings.TotalBackupLimit > 0 {
		limits = append(limits, bs.Settings.TotalBackupLimit)
	}
	if len(limits) == 0 {
		return 0, false
	}
	return slices.Min(limits), true
}

// freeSlots is availableScheduledSlots from limits, else from settings.
func freeSlots(bs *hostup.BackupSchedules) (int, bool) {
	switch {
	case bs.Has("limits.availableScheduledSlots"):
		return bs.Limits.AvailableScheduledSlots, true
	case bs.Has("settings.availableScheduledSlots"):
		return bs.Settings.AvailableScheduledSlots, true
	}
	return 0, false
}

// autoDeleteOldest is settings.autoDeleteOldest, when HostUp gave it.
func autoDeleteOldest(bs *hostup.BackupSchedules) (bool, bool) {
	if !bs.Has("settings.autoDeleteOldest") {
		return false, false
	}
	return bs.Settings.AutoDeleteOldest, true
}

// quotaFullWithAutoDelete reports whether the next backup makes HostUp delete
// the oldest: every slot is used and auto_delete_oldest is on.
func quotaFullWithAutoDelete(bs *hostup.BackupSchedules) bool {
	s := bs.Settings
	return s != nil && s.AutoDeleteOldest && s.TotalBackupLimit > 0 && s.ManualBackupsActive+s.ScheduledBackupsActive >= s.TotalBackupLimit
}

// settingOrLimit reads a count from settings, else from limits (which repeat it
// under their own name), and says whether HostUp gave it at all.
func settingOrLimit(bs *hostup.BackupSchedules, setting, limit string) (int, bool) {
	if bs.Has("settings." + setting) {
		s := bs.Settings
		switch setting {
		case "totalBackupLimit":
			return s.TotalBackupLimit, true
		case "manualBackupsActive":
			return s.ManualBackupsActive, true
		case "scheduledBackupsActive":
			return s.ScheduledBackupsActive, true
		}
	}
	if bs.Has("limits." + limit) {
		l := bs.Limits
		switch limit {
		case "totalBackups":
			return l.TotalBackups, true
		case "manualBackupsActive":
			return l.ManualBackupsActive, true
		case "scheduledBackupsActive":
			return l.ScheduledBackupsActive, true
		}
	}
	return 0, false
}
