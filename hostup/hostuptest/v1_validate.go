package hostuptest

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/hostup/hostup-mcp/hostup"
)

// validateVMSchedule checks a v1 POST /api/vm/{vmid}/backup-schedules body. The
// rules are v2's with v1's names, plus minute 0-59, with one difference HostUp's v1
// page states: a day field of another schedule type is ignored, not refused.
// notes is optional although the page marks it required, since it also calls it an
// optional label; an empty note keeps the schedule's name (or gives the default one).
func validateVMSchedule(data []byte, maxRetention int) (scheduleInput, []fieldError) {
	b := parseBody(data, false, "schedule_type", "hour", "minute", "day_of_week", "day_of_month",
		"retention_count", "enabled", "notes")
	var in scheduleInput
	if b.notJSON {
		return in, b.errs
	}
	typeOK := false
	if !b.has("schedule_type") {
		b.missing("schedule_type")
	} else if err := json.Unmarshal(b.raw["schedule_type"], &in.frequency); err != nil ||
		!slices.Contains([]string{hostup.FrequencyDaily, hostup.FrequencyWeekly, hostup.FrequencyMonthly}, in.frequency) {
		b.fail("/schedule_type", "`schedule_type` must be one of daily, weekly, monthly.", "invalid_value")
	} else {
		typeOK = true
	}
	var ok bool
	if in.hour, ok = b.integer("hour", 0, 23); !ok && !b.has("hour") {
		b.missing("hour")
	}
	if in.minute, ok = b.integer("minute", 0, 59); !ok && !b.has("minute") {
		b.missing("minute")
	}
	if typeOK {
		switch in.frequency {
		case hostup.FrequencyWeekly:
			in.day = b.requiredDay("day_of_week", 0, 6)
		case hostup.FrequencyMonthly:
			in.day = b.requiredDay("day_of_month", 1, 31)
		}
	}
	if !b.has("retention_count") {
		b.missing("retention_count")
	} else if n, ok := b.integer("retention_count", 1, math.MaxInt32); ok {
		in.retention = n
		if n > maxRetention {
			b.fail("/retention_count",
				fmt.Sprintf("`retention_count` may not exceed the purchased backup limit of %d (max_total_backups).", maxRetention),
				"out_of_range")
		}
	}
	if in.enabled, ok = b.boolean("enabled"); !ok && !b.has("enabled") {
		b.missing("enabled")
	}
	in.name, _ = b.text("notes", 100)
	in.hasName = in.name != ""
	return in, b.errs
}
