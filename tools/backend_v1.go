package tools

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// v1API is HostUp's v1 API, which numeric vmids name. It reads schedules,
// settings, history and backups, creates or updates a schedule, deletes a
// backup and sets a snapshot schedule; it has no endpoint for the rest, and it
// reports no action gates. Its answers are converted into v2's shapes, with the
// gates derived from settings and limits, and the facts only v1 has (minutes,
// exact sizes, volids, job ids) are added to the views.
type v1API struct {
	client *hostup.Client
	vmid   string
}

// noGatesWarning goes with every plan for a vmid: the checks that refused nothing
// were derived, so a block only HostUp knows of can still stop the change.
const noGatesWarning = "HostUp's v1 API, which numeric vmids use, reports no action gates: this plan was checked against settings and limits only, so a closed gate (e.g. a pending order) shows only when HostUp refuses the request."

// derivedNote ends the reason of every gate derived for a vmid.
const derivedNote = " (derived from settings and limits: HostUp's v1 API reports no action gates)"

// v1Fixes are the better ways around what v1 lacks, where there is one.
var v1Fixes = map[ability]string{
	canDeleteSnapshots: "pause the schedule instead: set_snapshot_schedule with the same vps_id, its interval_hours and enabled=false; or use the VPS's vps_… id from list_vps (never derive it from the vmid).",
}

func (v v1API) vpsID() string { return v.vmid }

// lacks refuses every ability beyond anyAPI: only v2 has them.
func (v v1API) lacks(a ability) *Refusal {
	if a == anyAPI {
		return nil
	}
	r := &Refusal{
		Reason: fmt.Sprintf("Not possible with a numeric vmid: %s can only go to HostUp's v1 API, and v1 has no endpoint to %s", v.vmid, a),
		Code:   codeNoEndpoint,
		Fix:    "call the tool again with the VPS's vps_… id from list_vps (find the VPS there by name or IP with the user); never derive a vps_… id from the vmid.",
	}
	if fix, ok := v1Fixes[a]; ok {
		r.Fix = fix
	}
	return r
}

func (v1API) hasGates() bool                { return false }
func (v1API) takesMinute() bool             { return true }
func (v1API) checkBackupID(id string) error { return hostup.ValidateID(hostup.KindVolid, id) }

func (v v1API) schedules(ctx context.Context) (scheduleRead, error) {
	vm, err := v.client.GetVMBackupSchedules(ctx, v.vmid)
	if err != nil {
		return nil, err
	}
	return v1Schedules{bs: fromVM(vm), vm: vm}, nil
}

// backups reads the backups. v1's list carries no quota or gates, so the quota
// comes from the schedule settings (one more read) and the gates say what v1
// cannot do.
func (v v1API) backups(ctx context.Context) (backupList, error) {
	b, err := v.client.ListVMBackups(ctx, v.vmid)
	if err != nil {
		return backupList{}, err
	}
	vm, err := v.client.GetVMBackupSchedules(ctx, v.vmid)
	if err != nil {
		return backupList{}, err
	}
	l := backupList{
		quota: QuotaView{Used: len(b.Backups)},
		gates: BackupGates{CanCreateBackup: gateView(v1Gate(canCreateBackup)), CanRestore: gateView(v1Gate(canRestore))},
	}
	if s := vm.Settings; s != nil {
		limit, remaining := s.MaxTotalBackups, max(0, s.MaxTotalBackups-s.TotalBackupsActive)
		l.quota = QuotaView{Used: s.TotalBackupsActive, Limit: &limit, Remaining: &remaining}
	}
	for _, bk := range b.Backups {
		l.views = append(l.views, vmBackupView(bk))
	}
	sortNewestFirst(l.views)
	return l, nil
}

func vmBackupView(bk hostup.VMBackup) BackupView {
	v := BackupView{ID: bk.Volid, SizeBytes: bk.Size.String(), Type: bk.BackupType, Note: bk.Notes}
	if bk.Ctime > 0 {
		v.CreatedAt = time.Unix(bk.Ctime, 0).UTC().Format(time.RFC3339)
	}
	if n, ok := bk.Size.Int64(); ok {
		v.SizeGB = roundGB(float64(n) / (1 << 30))
	}
	return v
}

// roundGB keeps two decimals: size_gb is for reading; size_bytes is the exact size.
func roundGB(gb float64) float64 { return math.Round(gb*100) / 100 }

// snapshots reads the snapshot schedule. v1 reports no gate and no
// availability: both are derived from the plan's snapshot slots.
func (v v1API) snapshots(ctx context.Context) (*SnapshotState, error) {
	vm, err := v.client.GetVMSnapshotSchedule(ctx, v.vmid)
	if err != nil {
		return nil, err
	}
	st := &SnapshotState{TotalSnapshots: vm.Limits.TotalSnapshots, Available: vm.Limits.TotalSnapshots > 0, CanEnable: GateView{Allowed: true}}
	if !st.Available {
		st.Reason = "The plan has no snapshot slots (limits.totalSnapshots is 0)."
		st.CanEnable = GateView{Reason: st.Reason, Code: "no_snapshot_slots"}
	}
	if s := vm.Schedule; s != nil {
		days := s.RetentionDays
		st.Schedule = &SnapshotScheduleView{Enabled: &s.Enabled, IntervalHours: &s.IntervalHours, RetentionDays: &days, LastRun: deref(s.LastRun), NextRun: deref(s.NextRun)}
	}
	return st, nil
}

// postSchedule sends v1's body; v1's answer carries no status, so the Answer is empty.
func (v v1API) postSchedule(ctx context.Context, r scheduleRequest) (hostup.Answer, error) {
	_, err := v.client.UpsertVMBackupSchedule(ctx, v.vmid, vmScheduleRequest(r))
	return hostup.Answer{}, err
}

func (v v1API) schedulePost(r scheduleRequest) PlannedRequest {
	return PlannedRequest{Method: http.MethodPost, Endpoint: hostup.VMBackupSchedulesPath(v.vmid), Body: vmScheduleRequest(r)}
}

// vmScheduleRequest is v1's body exactly as HostUp documents it: day_of_week for
// weekly and day_of_month for monthly only, which desiredSchedule already ensures.
func vmScheduleRequest(r scheduleRequest) hostup.VMScheduleRequest {
	return hostup.VMScheduleRequest{
		ScheduleType: r.Frequency, Hour: r.Hour, Minute: r.minute, DayOfWeek: r.DayOfWeek, DayOfMonth: r.DayOfMonth,
		RetentionCount: r.RetentionCount, Enabled: r.Enabled, Notes: deref(r.Name),
	}
}

func (v v1API) deleteBackup(ctx context.Context, volid string) (hostup.Answer, error) {
	_, err := v.client.DeleteVMBackup(ctx, v.vmid, volid)
	return hostup.Answer{}, err
}

func (v v1API) backupDelete(volid string) PlannedRequest {
	return PlannedRequest{Method: http.MethodDelete, Endpoint: hostup.VMBackupPath(v.vmid, volid)}
}

func (v v1API) setSnapshots(ctx context.Context, want hostup.SnapshotScheduleRequest) (hostup.Answer, error) {
	_, err := v.client.SetVMSnapshotSchedule(ctx, v.vmid, hostup.VMSnapshotScheduleRequest(want))
	return hostup.Answer{}, err
}

func (v v1API) snapshotPost(want hostup.SnapshotScheduleRequest) PlannedRequest {
	return PlannedRequest{Method: http.MethodPost, Endpoint: hostup.VMSnapshotSchedulesPath(v.vmid), Body: hostup.VMSnapshotScheduleRequest(want)}
}

// v1Schedules is a v1 read: v1's own answer beside its conversion, for the
// facts v2's shape has no room for.
type v1Schedules struct {
	bs *hostup.BackupSchedules
	vm *hostup.VMBackupSchedules
}

func (s v1Schedules) state() *hostup.BackupSchedules { return s.bs }

// addFacts adds v1's minutes and history facts to views built from the
// converted state: the order of schedules and history is the same in both.
func (s v1Schedules) addFacts(st *ScheduleState) {
	for i := range st.History {
		h := s.vm.History[i]
		v := &st.History[i]
		v.ID, v.Volid, v.JobID, v.ErrorMessage = h.ID.String(), h.Volid, h.JobID, deref(h.ErrorMessage)
		if h.Size != nil {
			v.SizeBytes = h.Size.String()
		}
	}
}

// lastRun is the status of v1's newest scheduled backup record: v1 records
// backups, not runs, so that record decides, whatever the schedule says.
func (s v1Schedules) lastRun(string) (string, bool) {
	for _, h := range s.vm.History {
		if h.BackupType == "" || h.BackupType == "scheduled" {
			return h.Status, v1RunFailed(h)
		}
	}
	return "", false
}

// v1RunFailed reads a v1 history record: its status is active, deleted or
// pending, and "other values may indicate failures" (hostup-api.md §5), so any
// other word, or an error message, is a failure.
func v1RunFailed(h hostup.VMHistoryEntry) bool {
	if strings.TrimSpace(deref(h.ErrorMessage)) != "" {
		return true
	}
	switch h.Status {
	case hostup.VMBackupActive, hostup.VMBackupDeleted, hostup.VMBackupPending:
		return false
	}
	return true
}

// fromVM converts v1's schedule state into v2's, deriving the gates v1 lacks.
func fromVM(vm *hostup.VMBackupSchedules) *hostup.BackupSchedules {
	bs := &hostup.BackupSchedules{Limits: vm.Limits}
	for _, s := range vm.Schedules {
		bs.Schedules = append(bs.Schedules, scheduleFromVM(s))
	}
	if s := vm.Settings; s != nil {
		bs.Settings = &hostup.BackupSettings{
			TotalBackupLimit: s.MaxTotalBackups, ManualBackupsActive: s.ManualBackupsActive,
			ScheduledBackupsActive: s.ScheduledBackupsActive, AvailableScheduledSlots: s.AvailableScheduledSlots,
			AutoDeleteOldest: s.AutoDeleteOldest,
		}
	}
	for _, h := range vm.History {
		bs.History = append(bs.History, hostup.HistoryEntry{BackupType: &h.BackupType, Status: h.Status, CreatedAt: &h.CreatedAt, Note: h.Notes})
	}
	l := bs.Limits
	bs.Actions.CanCreate = derivedGate(true, "")
	if len(bs.Schedules) > 0 || (l.MaxSchedules > 0 && l.CurrentSchedules >= l.MaxSchedules) {
		// Closed alone, as HostUp closes v2's while a schedule exists: no block to
		// updating the schedule of the same type (updateBlocker).
		bs.Actions.CanCreate = derivedGate(false, "A backup schedule already exists. Update it (same frequency) rather than creating another")
	}
	bs.Actions.CanUpdateSettings = v1Gate(canChangeSettings)
	bs.Actions.CanDelete = v1Gate(canDeleteSchedule)
	return bs
}

func scheduleFromVM(s hostup.VMSchedule) hostup.Schedule {
	clock := s.Time()
	out := hostup.Schedule{
		ID: s.ID.String(), Name: deref(s.Notes), Frequency: s.ScheduleType, Time: &clock,
		RetentionCount: s.RetentionCount, Enabled: s.Enabled, LastRun: s.LastRun, NextRun: s.NextRun,
	}
	day := s.DayOfWeek
	if s.ScheduleType == hostup.FrequencyMonthly {
		day = s.DayOfMonth
	}
	if day != nil && s.ScheduleType != hostup.FrequencyDaily {
		spec := day.String()
		out.DaySpecifier = &spec
	}
	return out
}

func derivedGate(allowed bool, reason string) hostup.Gate {
	if reason == "" {
		reason = "Allowed"
	}
	text := reason + derivedNote
	return hostup.Gate{Allowed: allowed, Reason: &text}
}

// v1Gate is the gate of an action v1 has no endpoint for: always closed.
func v1Gate(a ability) hostup.Gate {
	reason, code := fmt.Sprintf("HostUp's v1 API has no endpoint to %s; use the VPS's vps_… id from list_vps for that", a), codeNoEndpoint
	return hostup.Gate{Allowed: false, Reason: &reason, Code: &code}
}
