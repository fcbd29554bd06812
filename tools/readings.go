package tools

import (
	"strconv"
	"strings"

	"github.com/hostup/hostup-mcp/hostup"
)

// How the planning reads HostUp's answers where its docs leave the answer open.
// The rules: a value HostUp did not give is unknown, never 0, false
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

// unreadMembers is BackupSchedules.Unread as the views show it: a settings
// object HostUp sent as null (or left out) named once, as "settings", and a
// usage count named only under limits (where limitsView puts it), and only
// when neither limits nor settings gave it.
func unreadMembers(bs *hostup.BackupSchedules) []string {
	var out []string
	if bs.Settings == nil && len(bs.Unread) > 0 {
		out = append(out, "settings")
	}
	for _, m := range bs.Unread {
		if bs.Settings == nil && strings.HasPrefix(m, "settings.") {
			continue
		}
		if c, ok := sharedCountNamed(m); ok && (m == c.setting || bs.Has(c.setting)) {
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
