package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// ListBackupSchedulesInput names one VPS.
type ListBackupSchedulesInput struct {
	VPSID        string `json:"vps_id" jsonschema:"pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_vps."`
	HistoryLimit *int   `json:"history_limit,omitempty" jsonschema:"minimum=0,maximum=50,default=10" jsonschema_description:"Recent runs to include."`
}

// ScheduleState is everything HostUp knows about one VPS's scheduled backups.
type ScheduleState struct {
	VPSID string `json:"vps_id"`
	// At most one: HostUp allows one schedule per VPS.
	Schedules []ScheduleView `json:"schedules"`
	Settings  *SettingsView  `json:"settings,omitempty"`
	Limits    LimitsView     `json:"limits"`
	// Whether HostUp allows each action now, and why not. For a numeric vmid
	// they are derived from settings and limits (HostUp's API v1 reports none),
	// and the actions v1 has no endpoint for are closed.
	Gates ScheduleGates `json:"gates"`
	// Most recent runs first.
	History []HistoryView `json:"history"`
	// How many runs HostUp returned in all.
	HistoryTotal int `json:"history_total"`
	// The zone the text shows times in; times here are UTC, as HostUp gives them.
	DisplayZone string `json:"display_zone"`
	// Members of HostUp's settings and limits its answer did not give (e.g.
	// limits.maxRetention, or settings as a whole): their values here are 0 and
	// mean unknown.
	Unread []string `json:"unread,omitempty"`
}

// ListBackupSchedulesOutput is one VPS's schedule state.
type ListBackupSchedulesOutput struct {
	Common
	ScheduleState
}

func listBackupSchedules(d *Deps) server.ServerTool {
	return newTool(d, "list_backup_schedules", "List backup schedules",
		"Shows one VPS's backup schedule, settings, limits, action gates and recent runs. "+
			"Read it before a change: limits and gates say what HostUp accepts.",
		readOnlyHints,
		func(ctx context.Context, _ *Call, in ListBackupSchedulesInput) (ListBackupSchedulesOutput, string, error) {
			limit := 10
			if in.HistoryLimit != nil {
				limit = *in.HistoryLimit
			}
			read, err := d.backendFor(in.VPSID).schedules(ctx)
			if err != nil {
				return ListBackupSchedulesOutput{}, "", err
			}
			state := d.scheduleState(in.VPSID, read.state(), limit)
			read.addFacts(&state)
			return ListBackupSchedulesOutput{ScheduleState: state}, state.text(d.display()), nil
		})
}

// scheduleState builds the views of a state in v2's shape; the read it came
// from adds what only its API reports (scheduleRead.addFacts).
func (d *Deps) scheduleState(vpsID string, bs *hostup.BackupSchedules, historyLimit int) ScheduleState {
	st := ScheduleState{
		VPSID:        vpsID,
		Schedules:    []ScheduleView{},
		Settings:     settingsView(bs.Settings),
		Limits:       limitsView(bs),
		Gates:        scheduleGates(bs.Actions),
		HistoryTotal: len(bs.History),
		DisplayZone:  d.display().String(),
		Unread:       unreadMembers(bs),
	}
	for _, s := range bs.Schedules {
		st.Schedules = append(st.Schedules, d.scheduleView(s))
	}
	history, _ := capList(bs.History, historyLimit)
	st.History = make([]HistoryView, 0, len(history))
	for _, h := range history {
		st.History = append(st.History, historyView(h))
	}
	return st
}

func (st ScheduleState) text(zone *time.Location) string {
	var b strings.Builder
	if len(st.Schedules) == 0 {
		fmt.Fprintf(&b, "%s has no backup schedule.", st.VPSID)
	}
	for _, s := range st.Schedules {
		fmt.Fprintf(&b, "%s: %s (%s)", st.VPSID, s.describe(), s.ID)
		if s.LastRun != "" {
			fmt.Fprintf(&b, "\nLast run %s", localTimestamp(s.LastRun, zone))
			if s.Status != "" {
				fmt.Fprintf(&b, " (%s)", s.Status)
			}
			if s.NextRun != "" {
				fmt.Fprintf(&b, ", next %s", localTimestamp(s.NextRun, zone))
			}
			b.WriteString(".")
		}
	}
	l := st.Limits
	fmt.Fprintf(&b, "\nLimits: %s in all, retention up to %d, %d manual + %d scheduled active, %s.",
		quantity(l.TotalBackups, "backup"), l.MaxRetention, l.ManualBackupsActive, l.ScheduledBackupsActive, quantity(l.AvailableScheduledSlots, "free backup slot"))
	if len(st.Unread) > 0 {
		fmt.Fprintf(&b, " HostUp's answer did not give %s (shown as 0 above, which means unknown).", strings.Join(st.Unread, ", "))
	}
	if st.Settings != nil {
		if st.Settings.AutoDeleteOldest {
			b.WriteString(" Oldest backups are deleted automatically when the limit is reached.")
		} else {
			b.WriteString(" Oldest backups are NOT deleted automatically.")
		}
	}
	// canCreate is closed whenever a schedule exists; that is no block to
	// updating it, so it is shown only without a schedule or beside another
	// closed gate (updateBlocker).
	vpsBlocked := (!st.Gates.CanUpdateSettings.Allowed && st.Gates.CanUpdateSettings.Code != codeNoEndpoint) ||
		(!st.Gates.CanDelete.Allowed && st.Gates.CanDelete.Code != codeNoEndpoint)
	for _, g := range []struct {
		name  string
		gate  GateView
		shown bool
	}{
		{"create", st.Gates.CanCreate, len(st.Schedules) == 0 || vpsBlocked},
		{"update settings", st.Gates.CanUpdateSettings, true},
		{"delete", st.Gates.CanDelete, true},
	} {
		if !g.gate.Allowed && g.shown {
			fmt.Fprintf(&b, "\nHostUp blocks %s: %s", g.name, g.gate.Reason)
			if g.gate.Code != "" {
				fmt.Fprintf(&b, " (%s)", g.gate.Code)
			}
		}
	}
	if len(st.History) > 0 {
		fmt.Fprintf(&b, "\nRecent runs (%d of %d):", len(st.History), st.HistoryTotal)
		for _, h := range st.History {
			fmt.Fprintf(&b, "\n- %s %s %s", localTimestamp(h.CreatedAt, zone), h.Type, h.Status)
		}
	}
	return b.String()
}
