package tools

import "github.com/hostup/hostup-mcp/hostup"

// A confirmation binds to what decided the plan (see operation.basis). These are
// the bases the write tools plan from: HostUp's settings, limits and gates, with
// run history, last and next run times and run status left out, so that a
// scheduled backup running between plan and confirmation does not void it.

// scheduleBasis is what the schedule tools decide from.
type scheduleBasis struct {
	Schedules []scheduleSettings `json:"schedules"`
	Limit     int                `json:"limit"` // settings.totalBackupLimit
	AutoDel   bool               `json:"auto_delete_oldest"`
	Limits    scheduleLimits     `json:"limits"`
	Gates     [3]gateBasis       `json:"gates"` // canCreate, canUpdateSettings, canDelete
}

// scheduleSettings is a schedule without its run times and status.
type scheduleSettings struct {
	ID, Name, Frequency, Time, Day string
	Retention                      int
	Enabled                        bool
}

// scheduleLimits are HostUp's limits, without the usage counters a run moves.
type scheduleLimits struct {
	MaxSchedules, TotalBackups, MaxRetention, CurrentSchedules int
}

// gateBasis is what decides a gate: whether it is open, and its code.
type gateBasis struct {
	Allowed bool
	Code    string
}

func gateOf(g hostup.Gate) gateBasis { return gateBasis{Allowed: g.Allowed, Code: g.CodeText()} }

func scheduleBasisOf(bs *hostup.BackupSchedules) scheduleBasis {
	b := scheduleBasis{
		Limits: scheduleLimits{MaxSchedules: bs.Limits.MaxSchedules, TotalBackups: bs.Limits.TotalBackups, MaxRetention: bs.Limits.MaxRetention, CurrentSchedules: bs.Limits.CurrentSchedules},
		Gates:  [3]gateBasis{gateOf(bs.Actions.CanCreate), gateOf(bs.Actions.CanUpdateSettings), gateOf(bs.Actions.CanDelete)},
	}
	if s := bs.Settings; s != nil {
		b.Limit, b.AutoDel = s.TotalBackupLimit, s.AutoDeleteOldest
	}
	for _, s := range bs.Schedules {
		b.Schedules = append(b.Schedules, scheduleSettings{
			ID: s.ID, Name: s.Name, Frequency: s.Frequency, Time: deref(s.Time), Day: deref(s.DaySpecifier),
			Retention: s.RetentionCount, Enabled: s.Enabled,
		})
	}
	return b
}
