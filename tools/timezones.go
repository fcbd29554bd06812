package tools

import (
	"fmt"
	"time"
)

// HostUp runs schedules in UTC (its example: time "02:00" has nextRun 02:00Z), while
// people think in their own zone. These helpers convert both ways and say when
// daylight saving time will move the local time of a UTC schedule.

// localClock renders an "HH:MM" UTC time in the display zone, on the day of the
// next run when known (so the offset is the one in force then), e.g. "04:00 CEST".
func (d *Deps) localClock(hhmm string, nextRun *string) string {
	day := d.now().UTC()
	if t, ok := parseTime(deref(nextRun)); ok {
		day = t.UTC()
	}
	clock, err := time.Parse("15:04", hhmm)
	if err != nil {
		return ""
	}
	at := time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, time.UTC)
	return at.In(d.display()).Format("15:04 MST")
}

// localTimestamp renders one of HostUp's UTC timestamps for people, in the display
// zone as schedule times are, to the minute (e.g. "2026-11-30 03:00 CET"). The
// structured result keeps HostUp's own value; text that is not a timestamp stays.
func localTimestamp(iso string, zone *time.Location) string {
	t, ok := parseTime(iso)
	if !ok {
		return iso
	}
	return t.In(zone).Format("2006-01-02 15:04 MST")
}

// localSchedule is a schedule time as the user gave it, in their zone.
type localSchedule struct {
	frequency  string
	hour       int
	dayOfWeek  *int
	dayOfMonth *int
}

// toUTC converts a local schedule to the UTC fields HostUp takes. The offset used
// is the one in force now; dstNote says how the local time moves over the year.
// A monthly schedule whose UTC day would fall into the previous or next month
// cannot be expressed and is refused with a way out.
func toUTC(in localSchedule, loc *time.Location, now time.Time) (out localSchedule, dstNote string, err error) {
	out = in
	_, offset := now.In(loc).Zone()
	shifted := in.hour*3600 - offset
	dayShift := 0
	for shifted < 0 {
		shifted += 24 * 3600
		dayShift--
	}
	for shifted >= 24*3600 {
		shifted -= 24 * 3600
		dayShift++
	}
	out.hour = shifted / 3600
	if shifted%3600 != 0 {
		return out, "", badInput("time zone %s is not a whole number of hours from UTC, and HostUp schedules take whole UTC hours only; pick a time zone with a whole-hour offset or give the hour in UTC (omit timezone)", loc)
	}
	if in.dayOfWeek != nil {
		dow := (*in.dayOfWeek + dayShift + 7) % 7
		out.dayOfWeek = &dow
	}
	if in.dayOfMonth != nil && dayShift != 0 {
		dom := *in.dayOfMonth + dayShift
		if dom < 1 || dom > 28 {
			// The way out depends on the direction of the shift: the UTC day must
			// stay within 1-28, which exists in every month.
			lo, hi := max(1, 1-dayShift), min(28, 28-dayShift)
			return out, "", badInput("day_of_month %d at %02d:00 in %s falls on another month's day in UTC, which HostUp cannot express; choose day_of_month %d-%d, or an hour that stays on the same day in UTC", *in.dayOfMonth, in.hour, loc, lo, hi)
		}
		out.dayOfMonth = &dom
	}
	return out, dstShiftNote(out.hour, loc, now), nil
}

// dstShiftNote says how a fixed UTC hour moves in local time over the year, or ""
// when the zone has no daylight saving time.
func dstShiftNote(utcHour int, loc *time.Location, now time.Time) string {
	year := now.Year()
	winter := time.Date(year, time.January, 15, utcHour, 0, 0, 0, time.UTC).In(loc)
	summer := time.Date(year, time.July, 15, utcHour, 0, 0, 0, time.UTC).In(loc)
	if winter.Format("15:04") == summer.Format("15:04") {
		return ""
	}
	return fmt.Sprintf("HostUp runs schedules in UTC, so %02d:00 UTC is %s in winter and %s in summer in %s: the local time moves by an hour when daylight saving time starts or ends.",
		utcHour, winter.Format("15:04 MST"), summer.Format("15:04 MST"), loc)
}
