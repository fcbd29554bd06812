package tools

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hostup/hostup-mcp/hostup"
)

// The backup schedule a change sends, as upsert_backup_schedule and the fleet
// build it: how it reads to a person, how it differs from a schedule HostUp
// lists, and how a listed schedule is sent again.

// scheduleRequest is the schedule to send: v2's body, plus the minute only v1 takes.
// Rebuilt from an existing schedule, unread names what HostUp's answer did not give.
type scheduleRequest struct {
	hostup.ScheduleRequest
	minute int
	unread []string
}

// describeRequest is the schedule in a few words, e.g. "weekly on Monday at
// 02:00 UTC, keep 7".
func describeRequest(r scheduleRequest) string {
	var b strings.Builder
	b.WriteString(r.Frequency)
	if r.DayOfWeek != nil {
		fmt.Fprintf(&b, " on %s", weekdayName(*r.DayOfWeek))
	}
	if r.DayOfMonth != nil {
		fmt.Fprintf(&b, " on day %d", *r.DayOfMonth)
	}
	fmt.Fprintf(&b, " at %02d:%02d UTC, keep %d", r.Hour, r.minute, r.RetentionCount)
	if !r.Enabled {
		b.WriteString(", disabled")
	}
	return b.String()
}

// scheduleChanges lists the fields that differ between the old schedule (nil when
// creating) and the request.
func scheduleChanges(old *hostup.Schedule, want scheduleRequest) []FieldChange {
	before := map[string]string{}
	if old != nil {
		before = scheduleFields(requestFromSchedule(*old))
	}
	after := scheduleFields(want)
	var out []FieldChange
	for _, f := range []string{"frequency", "time_utc", "day_of_week", "day_of_month", "retention_count", "enabled", "name"} {
		if before[f] != after[f] {
			out = append(out, FieldChange{Field: f, Before: orNone(before[f]), After: orNone(after[f])})
		}
	}
	return out
}

func scheduleFields(r scheduleRequest) map[string]string {
	m := map[string]string{
		"frequency": r.Frequency, "time_utc": fmt.Sprintf("%02d:%02d", r.Hour, r.minute),
		"retention_count": strconv.Itoa(r.RetentionCount), "enabled": strconv.FormatBool(r.Enabled), "name": deref(r.Name),
	}
	if r.DayOfWeek != nil {
		m["day_of_week"] = weekdayName(*r.DayOfWeek)
	}
	if r.DayOfMonth != nil {
		m["day_of_month"] = strconv.Itoa(*r.DayOfMonth)
	}
	// A field HostUp did not give differs from every value asked for: the
	// change is sent, never called "nothing to change".
	for _, f := range r.unread {
		switch f {
		case unreadTime:
			m["time_utc"] = "(not given by HostUp)"
		case unreadDay:
			m["day_of_week"], m["day_of_month"] = "", ""
			if r.Frequency == hostup.FrequencyWeekly {
				m["day_of_week"] = "(not given by HostUp)"
			} else {
				m["day_of_month"] = "(not given by HostUp)"
			}
		}
	}
	return m
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// requestFromSchedule rebuilds the POST body that recreates an existing schedule;
// it is how a failed replace puts the old schedule back.
func requestFromSchedule(s hostup.Schedule) scheduleRequest {
	r := scheduleRequest{ScheduleRequest: hostup.ScheduleRequest{Frequency: s.Frequency, RetentionCount: s.RetentionCount, Enabled: s.Enabled}}
	if s.Name != "" {
		name := s.Name
		r.Name = &name
	}
	if h, m, ok := clockTime(deref(s.Time)); ok {
		r.Hour, r.minute = h, m
	} else {
		r.unread = append(r.unread, unreadTime)
	}
	r.DayOfWeek, r.DayOfMonth = scheduleDays(s)
	if s.Frequency != hostup.FrequencyDaily && r.DayOfWeek == nil && r.DayOfMonth == nil {
		r.unread = append(r.unread, unreadDay)
	}
	return r
}
