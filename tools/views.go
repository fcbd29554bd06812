package tools

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// Views are the shapes tools return: snake_case, no nulls, times in UTC and in the
// display zone. They are shared by the tools that show the same things.

// GateView is one of HostUp's action gates.
type GateView struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
	Code    string `json:"code,omitempty"`
}

func gateView(g hostup.Gate) GateView {
	return GateView{Allowed: g.Allowed, Reason: gateReason(g), Code: g.CodeText()}
}

// ourFieldNames rewrites HostUp's camelCase field names, which its gate reasons
// and validation errors use ("turn on autoDeleteOldest"), into the snake_case
// argument names the tools take, so one text never names a setting two ways.
var ourFieldNames = strings.NewReplacer(
	"autoDeleteOldest", "auto_delete_oldest",
	"maxTotalBackups", "max_total_backups",
	"retentionCount", "retention_count",
	"maxRetention", "max_retention",
	"dayOfWeek", "day_of_week",
	"dayOfMonth", "day_of_month",
)

// gateReason is HostUp's reason for a gate, in our argument names.
func gateReason(g hostup.Gate) string { return ourFieldNames.Replace(g.ReasonText()) }

// ScheduleView is one backup schedule.
type ScheduleView struct {
	// Schedule id: bks_… for a vps_… id (pass it as schedule_id to
	// delete_backup_schedule); a number for a numeric vmid (HostUp's API v1,
	// which cannot delete schedules).
	ID        string `json:"id"`
	Name      string `json:"name"`
	Frequency string `json:"frequency" jsonschema:"enum=daily,enum=weekly,enum=monthly"`
	// HH:MM in UTC, as HostUp runs it (with v1's minute).
	TimeUTC string `json:"time_utc,omitempty"`
	// The same time in the display time zone, for the text. The structured
	// result leaves it out: time_utc and next_run with list_backup_schedules'
	// display_zone give it, as the coverage view computes it.
	TimeLocal string `json:"-"`
	// Weekly schedules: 0=Sunday … 6=Saturday (UTC).
	DayOfWeek *int `json:"day_of_week,omitempty"`
	// Monthly schedules: 1-31 (UTC).
	DayOfMonth     *int   `json:"day_of_month,omitempty"`
	RetentionCount int    `json:"retention_count"`
	Enabled        bool   `json:"enabled"`
	LastRun        string `json:"last_run,omitempty"`
	NextRun        string `json:"next_run,omitempty"`
	// State of the latest run, when HostUp reports one.
	Status string `json:"status,omitempty"`
}

// ScheduleReadBack is what a schedule change reads back: the schedules alone.
// A write's result reports its change; limits, gates, settings and run history
// stay with list_backup_schedules, so that every write tool's result (and its
// output schema, in every tools/list) does not carry the whole state.
type ScheduleReadBack struct {
	// The VPS's schedules as HostUp reports them after the change; empty when
	// it has none.
	Schedules *[]ScheduleView `json:"schedules,omitempty"`
}

func (r *ScheduleReadBack) readBack(st ScheduleState) {
	r.Schedules = &st.Schedules
}

func (d *Deps) scheduleView(s hostup.Schedule) ScheduleView {
	v := ScheduleView{
		ID: s.ID, Name: s.Name, Frequency: s.Frequency,
		RetentionCount: s.RetentionCount, Enabled: s.Enabled,
		TimeUTC: deref(s.Time), LastRun: deref(s.LastRun), NextRun: deref(s.NextRun), Status: deref(s.Status),
	}
	v.DayOfWeek, v.DayOfMonth = scheduleDays(s)
	if h, m, ok := clockTime(v.TimeUTC); ok {
		v.TimeUTC = fmt.Sprintf("%02d:%02d", h, m) // HostUp may add seconds
	}
	if v.TimeUTC != "" {
		v.TimeLocal = d.localClock(v.TimeUTC, s.NextRun)
	}
	return v
}

// describe renders a schedule in one line, e.g. "weekly on Monday at 02:00 UTC
// (04:00 CEST), keep 7".
func (v ScheduleView) describe() string {
	var b strings.Builder
	b.WriteString(v.Frequency)
	switch {
	case v.DayOfWeek != nil:
		fmt.Fprintf(&b, " on %s", weekdayName(*v.DayOfWeek))
	case v.DayOfMonth != nil:
		fmt.Fprintf(&b, " on day %d", *v.DayOfMonth)
	}
	if v.TimeUTC != "" {
		fmt.Fprintf(&b, " at %s UTC", v.TimeUTC)
		if v.TimeLocal != "" && !strings.HasPrefix(v.TimeLocal, v.TimeUTC+" UTC") {
			fmt.Fprintf(&b, " (%s)", v.TimeLocal)
		}
	} else {
		b.WriteString(" (HostUp did not give its time)")
	}
	fmt.Fprintf(&b, ", keep %d", v.RetentionCount)
	if !v.Enabled {
		b.WriteString(", DISABLED")
	}
	return b.String()
}

// SettingsView is a VPS's backup retention settings: what
// update_backup_settings changes. HostUp's settings also repeat three usage
// counts of its limits; the structured result leaves them to LimitsView, so
// that each count is said once, and keeps them here for the text.
type SettingsView struct {
	TotalBackupLimit       int  `json:"total_backup_limit"`
	ManualBackupsActive    int  `json:"-"`
	ScheduledBackupsActive int  `json:"-"`
	AutoDeleteOldest       bool `json:"auto_delete_oldest"`
}

func settingsView(s *hostup.BackupSettings) *SettingsView {
	if s == nil {
		return nil
	}
	return &SettingsView{
		TotalBackupLimit: s.TotalBackupLimit, ManualBackupsActive: s.ManualBackupsActive,
		ScheduledBackupsActive: s.ScheduledBackupsActive, AutoDeleteOldest: s.AutoDeleteOldest,
	}
}

// LimitsView is HostUp's summary of a VPS's backup limits and usage.
type LimitsView struct {
	MaxSchedules     int `json:"max_schedules"`
	CurrentSchedules int `json:"current_schedules"`
	TotalBackups     int `json:"total_backups"`
	// Highest retention_count HostUp accepts (HostUp's v1 docs say it equals
	// the backup limit; 0 with limits.maxRetention in unread means HostUp did
	// not say).
	MaxRetention            int `json:"max_retention"`
	ManualBackupsActive     int `json:"manual_backups_active"`
	ScheduledBackupsActive  int `json:"scheduled_backups_active"`
	AvailableScheduledSlots int `json:"available_scheduled_slots"`
}

// sharedCount is a usage count HostUp's settings repeat from its limits, by
// its names in each.
type sharedCount struct{ limit, setting string }

var sharedCounts = []sharedCount{
	{"limits.manualBackupsActive", "settings.manualBackupsActive"},
	{"limits.scheduledBackupsActive", "settings.scheduledBackupsActive"},
	{"limits.availableScheduledSlots", "settings.availableScheduledSlots"},
}

// limitsView is HostUp's limits, a usage count they left out taken from the
// settings that repeat it (unreadMembers then does not name it).
func limitsView(bs *hostup.BackupSchedules) LimitsView {
	l := bs.Limits
	v := LimitsView{
		MaxSchedules: l.MaxSchedules, CurrentSchedules: l.CurrentSchedules, TotalBackups: l.TotalBackups,
		MaxRetention: l.MaxRetention, ManualBackupsActive: l.ManualBackupsActive,
		ScheduledBackupsActive: l.ScheduledBackupsActive, AvailableScheduledSlots: l.AvailableScheduledSlots,
	}
	s := bs.Settings
	for _, c := range sharedCounts {
		if bs.Has(c.limit) || !bs.Has(c.setting) {
			continue
		}
		switch c.limit {
		case "limits.manualBackupsActive":
			v.ManualBackupsActive = s.ManualBackupsActive
		case "limits.scheduledBackupsActive":
			v.ScheduledBackupsActive = s.ScheduledBackupsActive
		case "limits.availableScheduledSlots":
			v.AvailableScheduledSlots = s.AvailableScheduledSlots
		}
	}
	return v
}

// sharedCountNamed is the shared count m names, under limits or settings.
func sharedCountNamed(m string) (sharedCount, bool) {
	i := slices.IndexFunc(sharedCounts, func(c sharedCount) bool { return m == c.limit || m == c.setting })
	if i < 0 {
		return sharedCount{}, false
	}
	return sharedCounts[i], true
}

// ScheduleGates are the gates of the schedule endpoints.
type ScheduleGates struct {
	CanCreate         GateView `json:"can_create"`
	CanUpdateSettings GateView `json:"can_update_settings"`
	CanDelete         GateView `json:"can_delete"`
}

func scheduleGates(a hostup.ScheduleActions) ScheduleGates {
	return ScheduleGates{CanCreate: gateView(a.CanCreate), CanUpdateSettings: gateView(a.CanUpdateSettings), CanDelete: gateView(a.CanDelete)}
}

// HistoryView is one recent run. The fields after Note only v1 reports.
type HistoryView struct {
	Type string `json:"type,omitempty"`
	// For a vps_… id the run's state (e.g. completed, failed, queued, running);
	// for a numeric vmid the backup's: active, deleted, pending, or another
	// word for a failure.
	Status    string `json:"status"`
	CreatedAt string `json:"created_at,omitempty"`
	UpdatedAt string `json:"updated_at,omitempty"`
	Note      string `json:"note,omitempty"`
	// Numeric vmids (API v1) only: HostUp's record id.
	ID string `json:"id,omitempty"`
	// Numeric vmids (API v1) only: the backup's exact size in bytes, as a
	// string because it can exceed what a JSON number holds exactly.
	SizeBytes string `json:"size_bytes,omitempty"`
	// Numeric vmids (API v1) only: the backup's volid; pass it as backup_id to
	// delete_backup with the same vmid.
	Volid string `json:"volid,omitempty"`
	// Numeric vmids (API v1) only: the backup job; get_job shows it.
	JobID string `json:"job_id,omitempty"`
	// Numeric vmids (API v1) only: why the backup failed.
	ErrorMessage string `json:"error_message,omitempty"`
}

// backupView is one v2 backup as the tools show it.
func backupView(bk hostup.Backup) BackupView {
	return BackupView{ID: bk.ID, CreatedAt: deref(bk.CreatedAt), SizeGB: bk.SizeGB, Type: bk.BackupType, Note: deref(bk.Note), Name: bk.DisplayID}
}

// backupViews are the v2 backups as the tools show them.
func backupViews(backups []hostup.Backup) []BackupView {
	views := make([]BackupView, 0, len(backups))
	for _, bk := range backups {
		views = append(views, backupView(bk))
	}
	return views
}

func historyView(h hostup.HistoryEntry) HistoryView {
	return HistoryView{Type: deref(h.BackupType), Status: h.Status, CreatedAt: deref(h.CreatedAt), UpdatedAt: deref(h.UpdatedAt), Note: deref(h.Note)}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

var weekdays = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// scheduleDays reads a schedule's daySpecifier, the one place it is parsed: the
// day of the week of a weekly schedule, or of the month of a monthly one. HostUp
// documents a number ("1"); a weekday name is accepted too, as its shape is only
// inferred, and a day lost in parsing would turn into a wrong plan.
func scheduleDays(s hostup.Schedule) (dayOfWeek, dayOfMonth *int) {
	spec := strings.TrimSpace(deref(s.DaySpecifier))
	day, err := strconv.Atoi(spec)
	if err != nil && s.Frequency == hostup.FrequencyWeekly {
		day = slices.IndexFunc(weekdays[:], func(w string) bool { return strings.EqualFold(w, spec) })
		if day >= 0 {
			err = nil
		}
	}
	if err != nil {
		return nil, nil
	}
	switch s.Frequency {
	case hostup.FrequencyWeekly:
		return &day, nil
	case hostup.FrequencyMonthly:
		return nil, &day
	}
	return nil, nil
}

func weekdayName(d int) string {
	if d < 0 || d > 6 {
		return strconv.Itoa(d)
	}
	return weekdays[d]
}

// quantity is n and the noun, singular for one: "1 backup", "2 backups".
func quantity(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// capList keeps the first max items and says how many were left out, so that no
// result grows without bound in the model's context.
func capList[T any](items []T, max int) ([]T, int) {
	if items == nil {
		return []T{}, 0
	}
	if len(items) <= max {
		return items, 0
	}
	return items[:max], len(items) - max
}
