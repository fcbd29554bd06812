package hostuptest

import (
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// Schedule times are UTC (hostup-api.md §10: time "02:00" has nextRun …T02:00:00.000Z).

// runsOn reports whether the schedule runs on day's date. A monthly schedule on a
// day the month lacks (31 in April) runs on the month's last day: HostUp does not
// say, and skipping the month would silently lose a backup.
func (sc *schedule) runsOn(day time.Time) bool {
	switch sc.frequency {
	case hostup.FrequencyWeekly:
		return int(day.Weekday()) == sc.day
	case hostup.FrequencyMonthly:
		last := time.Date(day.Year(), day.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		return day.Day() == min(sc.day, last)
	}
	return true
}

// nextRun is the first run strictly after t.
func (sc *schedule) nextRun(t time.Time) time.Time {
	return sc.step(t, 1)
}

// prevRun is the last run at or before t.
func (sc *schedule) prevRun(t time.Time) time.Time {
	return sc.step(t, -1)
}

func (sc *schedule) step(t time.Time, dir int) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), sc.hour, sc.minute, 0, 0, time.UTC)
	// 62 days cover the longest gap between two monthly runs.
	for range 63 {
		if sc.runsOn(day) && ((dir > 0 && day.After(t)) || (dir < 0 && !day.After(t))) {
			return day
		}
		day = day.AddDate(0, 0, dir)
	}
	panic("hostuptest: schedule never runs")
}
