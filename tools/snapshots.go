package tools

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hostup/hostup-mcp/hostup"
)

// What the snapshot schedule tools share: one view of HostUp's snapshot schedule
// through either API, the refusals that come from capacity and the gate, and the
// basis a confirmation binds to.

// SnapshotScheduleView is a VPS's snapshot schedule. HostUp does not document
// its fields in v2, so one it did not give is absent and named in Unread, never
// false or 0.
type SnapshotScheduleView struct {
	// Whether snapshots are being taken; absent when HostUp's answer did not
	// say (see unread).
	Enabled *bool `json:"enabled,omitempty"`
	// A snapshot is taken every this many hours; absent when HostUp's answer
	// did not say (see unread).
	IntervalHours *int `json:"interval_hours,omitempty"`
	// How long HostUp keeps each snapshot, when it says.
	RetentionDays *int   `json:"retention_days,omitempty"`
	LastRun       string `json:"last_run,omitempty"`
	NextRun       string `json:"next_run,omitempty"`
	// The schedule's fields HostUp's answer did not give (schedule.enabled,
	// schedule.intervalHours): unknown, not false or 0.
	Unread []string `json:"unread,omitempty"`
}

// running says whether the schedule takes snapshots, and whether HostUp said;
// no schedule takes none.
func (v *SnapshotScheduleView) running() (on, known bool) {
	if v == nil {
		return false, true
	}
	if v.Enabled == nil {
		return false, false
	}
	return *v.Enabled, true
}

// is reports whether the schedule is known to be enabled (or not) and to run
// every interval hours.
func (v *SnapshotScheduleView) is(enabled bool, interval int) bool {
	return v != nil && v.Enabled != nil && *v.Enabled == enabled && v.IntervalHours != nil && *v.IntervalHours == interval
}

// every is the interval in words.
func (v *SnapshotScheduleView) every() string {
	if v.IntervalHours == nil {
		return "at an interval HostUp did not give (" + hostup.SnapshotInterval + ")"
	}
	return fmt.Sprintf("every %d h", *v.IntervalHours)
}

// snapshotScheduleView is HostUp's v2 schedule as the tools show it.
func snapshotScheduleView(sc *hostup.SnapshotSchedule) *SnapshotScheduleView {
	v := &SnapshotScheduleView{RetentionDays: sc.RetentionDays, LastRun: deref(sc.LastRun), NextRun: deref(sc.NextRun), Unread: sc.Unread}
	if !slices.Contains(sc.Unread, hostup.SnapshotEnabled) {
		v.Enabled = &sc.Enabled
	}
	if !slices.Contains(sc.Unread, hostup.SnapshotInterval) {
		v.IntervalHours = &sc.IntervalHours
	}
	return v
}

// SnapshotState is a VPS's snapshot schedule, capacity and gate.
type SnapshotState struct {
	// Absent when the VPS has no snapshot schedule.
	Schedule *SnapshotScheduleView `json:"schedule,omitempty"`
	// Whether the VPS's plan has snapshot slots at all.
	Available bool `json:"available"`
	// HostUp's explanation when snapshots are not available.
	Reason string `json:"reason,omitempty"`
	// Snapshot slots of the plan; 0 means no schedule can be enabled until
	// capacity is bought.
	TotalSnapshots int `json:"total_snapshots"`
	// Whether HostUp lets the schedule be set now.
	CanEnable GateView `json:"can_enable"`
	// False for a numeric vmid: HostUp's v1 API reports no gate and no
	// availability, so they are derived from total_snapshots.
	GatesKnown bool `json:"gates_known"`
}

// buyCapacity is how HostUp's docs say snapshot capacity is bought.
const buyCapacity = "add snapshot slots to the VPS's plan first: HostUp sells them as the snapshotSlots option among the VPS's upgrade options (in its API: GET /api/v2/vps/{id}/actions/upgrade lists the option, POST /api/v2/vps/{id}/actions/config with resources.snapshotSlots buys it), or in HostUp's control panel. This server does not buy capacity; call again once the plan has snapshot slots."

// refusal says why the schedule cannot be set, or nil when it can: HostUp rejects
// the POST when snapshots are not available, when the plan has no slots, or when
// canEnable is closed.
func (st *SnapshotState) refusal(vpsID string) *Refusal {
	switch {
	case !st.Available || st.TotalSnapshots == 0:
		reason := strings.TrimSuffix(st.Reason, ".")
		if reason == "" {
			reason = "the plan has no snapshot slots"
		}
		return &Refusal{Reason: fmt.Sprintf("VPS %s cannot have a snapshot schedule: %s", vpsID, reason), Code: "snapshots_unavailable", Fix: buyCapacity}
	case !st.CanEnable.Allowed:
		r := gateRefusal("set the snapshot schedule of "+vpsID, hostup.Gate{Allowed: false, Reason: &st.CanEnable.Reason, Code: &st.CanEnable.Code})
		r.Fix = strings.Replace(r.Fix, "list_backup_schedules shows the gates", "list_snapshot_schedule shows the gate", 1)
		return r
	}
	return nil
}

// describe is the schedule in a few words.
func (st *SnapshotState) describe() string {
	s := st.Schedule
	on, known := s.running()
	switch {
	case !known:
		return fmt.Sprintf("a schedule %s that may or may not be taking snapshots now: HostUp's answer did not give %s", s.every(), hostup.SnapshotEnabled)
	case on && s.IntervalHours == nil:
		return "snapshots " + s.every()
	case on:
		return fmt.Sprintf("a snapshot every %d h", *s.IntervalHours)
	case s != nil:
		return fmt.Sprintf("paused (%s when on)", s.every())
	case !st.Available || st.TotalSnapshots == 0:
		return "none; the plan has no snapshot slots"
	}
	return "none"
}

// snapshotBasis is what decides a snapshot schedule plan: the schedule's settings
// (nil when HostUp did not give them), the capacity and the gate, never run times.
type snapshotBasis struct {
	Exists    bool
	Enabled   *bool
	Interval  *int
	Available bool
	Total     int
	Gate      gateBasis
}

func (st *SnapshotState) basis() snapshotBasis {
	b := snapshotBasis{Available: st.Available, Total: st.TotalSnapshots, Gate: gateBasis{Allowed: st.CanEnable.Allowed, Code: st.CanEnable.Code}}
	if s := st.Schedule; s != nil {
		b.Exists, b.Enabled, b.Interval = true, s.Enabled, s.IntervalHours
	}
	return b
}

// snapshotsNote is what every snapshot tool says about what snapshots are, in
// HostUp's words: not a replacement for backups.
const snapshotsNote = "Snapshots are short-lived local rollback points (HostUp keeps each about 24 h), not offsite backups."
