package tools

import (
	"slices"
	"strconv"
	"strings"

	"github.com/hostup/hostup-mcp/hostup"
)

// How the planning reads HostUp's answers where its docs leave the answer open
// (issue 19). The rules: a value HostUp did not give is unknown, never 0, false
// or "no change"; when the docs are silent the request is sent and HostUp's own
// answer decides; and what could not be read is named.

// What a schedule rebuilt from HostUp's answer may lack, named as HostUp names it.
const (
	unreadTime = "time"
	unreadDay  = "daySpecifier"
)

// clockTime reads a schedule's time: "HH:MM" as documented, or "HH:MM:SS", which
// the docs do not rule out. null and anything else are unreadable, never 00:00.
func clockTime(s string) (hour, minute int, ok bool) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, false
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || len(p) != 2 || n < 0 {
			return 0, 0, false
		}
		nums[i] = n
	}
	if nums[0] > 23 || nums[1] > 59 || (len(nums) == 3 && nums[2] > 59) {
		return 0, 0, false
	}
	return nums[0], nums[1], true
}

// vpsBlock returns a closed canUpdateSettings or canDelete gate: a block of the
// VPS itself (a pending order, a suspended service), which HostUp closes every
// schedule gate for. v1's derived closures (no endpoint) block nothing, and
// neither does canDelete closed on a VPS without a schedule: "There is no
// schedule to delete." is about deleting, not the VPS.
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

// unreadMembers is BackupSchedules.Unread with a settings object HostUp sent as
// null (or left out) named once, as "settings".
func unreadMembers(bs *hostup.BackupSchedules) []string {
	var out []string
	if bs.Settings == nil && len(bs.Unread) > 0 {
		out = append(out, "settings")
	}
	for _, m := range bs.Unread {
		if bs.Settings == nil && strings.HasPrefix(m, "settings.") {
			continue
		}
		out = append(out, m)
	}
	return out
}

// The completeness of a list of the account's VPSes, as list_vps, the audit and
// the fleet state it: complete, truncated (more VPSes than one call reads, or
// cursors that could not be followed), or unknown: HostUp's last page was full
// and said nothing of a next one, so there may be more, or not.
const (
	listComplete  = "complete"
	listTruncated = "truncated"
	listUnknown   = "unknown"
)

func completeness(truncated, unknown bool) string {
	switch {
	case truncated:
		return listTruncated
	case unknown:
		return listUnknown
	}
	return listComplete
}

// completenessUnknownNote says why a list's completeness is unknown.
const completenessUnknownNote = "HostUp's list of VPSes ended on a full page that said nothing of a next one (neither hasMore nor nextCursor), so whether the account has more VPSes than these is unknown."
