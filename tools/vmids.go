package tools

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// A VPS has two ids: vps_… (HostUp's v2 API, what list_vps returns) and a numeric
// vmid (HostUp's v1 API, which users know from HostUp's older control panel). Every
// tool taking vps_id accepts both and talks to the API the form names; the two are
// never converted into each other, as nothing HostUp documents maps one to the other.
//
// v1 covers less than v2: it reads schedules, settings, history and backups, creates
// or updates a schedule and deletes a backup, but has no endpoint to delete a
// schedule, change settings or create a backup, and it reports no action gates.
// Here v1's answers are converted into v2's shapes, with the gates derived from
// settings and limits, so that one planning and refusal logic serves both, and the
// facts only v1 has (minutes, exact sizes, volids, job ids) are added to the views.

// isVMID reports whether vpsID is a numeric vmid (v1) rather than a vps_… id (v2).
// The first character decides, so a malformed number is still validated, and
// refused, as a vmid.
func isVMID(vpsID string) bool { return vpsID != "" && vpsID[0] >= '0' && vpsID[0] <= '9' }

// apiPath is the HostUp path of a VPS's resource under the API its id names, as
// plans show it (the client escapes the segments it sends).
func apiPath(vpsID, rest string) string {
	if isVMID(vpsID) {
		return "/api/vm/" + vpsID + rest
	}
	return "/api/v2/vps/" + vpsID + rest
}

// codeNoV1Endpoint marks what HostUp's v1 API cannot do at all: a property of the
// API, not of the VPS, so the audit does not count it as a change being blocked.
const codeNoV1Endpoint = "no_v1_endpoint"

// noV1Endpoint refuses an action v1 lacks, before anything is sent.
func noV1Endpoint(vpsID, action string) *Refusal {
	return &Refusal{
		Reason: fmt.Sprintf("Not possible with a numeric vmid: %s can only go to HostUp's v1 API, and v1 has no endpoint to %s", vpsID, action),
		Code:   codeNoV1Endpoint,
		Fix:    "call the tool again with the VPS's vps_… id from list_vps (find the VPS there by name or IP with the user); never derive a vps_… id from the vmid.",
	}
}

// noGatesWarning goes with every plan for a vmid: the checks that refused nothing
// were derived, so a block only HostUp knows of can still stop the change.
const noGatesWarning = "HostUp's v1 API, which numeric vmids use, reports no action gates: this plan was checked against settings and limits only, so a closed gate (e.g. a pending order) shows only when HostUp refuses the request."

// derivedNote ends the reason of every gate derived for a vmid.
const derivedNote = " (derived from settings and limits: HostUp's v1 API reports no action gates)"

// readSchedules reads a VPS's schedule state in v2's shape. For a vmid, vm is v1's
// own answer too, for the facts v2's shape has no room for.
func (d *Deps) readSchedules(ctx context.Context, vpsID string) (bs *hostup.BackupSchedules, vm *hostup.VMBackupSchedules, err error) {
	if !isVMID(vpsID) {
		bs, err = d.Client.GetBackupSchedules(ctx, vpsID)
		if err != nil {
			return nil, nil, err
		}
		activeFirst(bs)
		newestFirst(bs.History)
		return bs, nil, nil
	}
	vm, err = d.Client.GetVMBackupSchedules(ctx, vpsID)
	if err != nil {
		return nil, nil, err
	}
	return fromVM(vm), vm, nil
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
	bs.Actions.CanUpdateSettings = v1Gate("change backup settings")
	bs.Actions.CanDelete = v1Gate("delete a backup schedule")
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
func v1Gate(action string) hostup.Gate {
	reason, code := fmt.Sprintf("HostUp's v1 API has no endpoint to %s; use the VPS's vps_… id from list_vps for that", action), codeNoV1Endpoint
	return hostup.Gate{Allowed: false, Reason: &reason, Code: &code}
}

// addVMFacts adds what only v1 reports to views built from its converted state:
// the order of schedules and history is the same in both.
func addVMFacts(st *ScheduleState, vm *hostup.VMBackupSchedules) {
	for i := range st.Schedules {
		minute := vm.Schedules[i].Minute
		st.Schedules[i].Minute = &minute
	}
	for i := range st.History {
		h := vm.History[i]
		v := &st.History[i]
		v.ID, v.Volid, v.JobID, v.ErrorMessage = h.ID.String(), h.Volid, h.JobID, deref(h.ErrorMessage)
		if h.Size != nil {
			v.SizeBytes = h.Size.String()
		}
	}
}

// backupList is a VPS's backups from either API, all of them, newest first.
type backupList struct {
	views []BackupView
	quota QuotaView
	gates BackupGates
}

// backupView is one v2 backup as the tools show it.
func backupView(bk hostup.Backup) BackupView {
	return BackupView{ID: bk.ID, CreatedAt: deref(bk.CreatedAt), SizeGB: bk.SizeGB, Type: bk.BackupType, Note: deref(bk.Note), Name: bk.DisplayID}
}

// readBackups reads a VPS's backups through the API its id names. v1's list carries
// no quota or gates, so for a vmid the quota comes from the schedule settings (one
// more read) and the gates say what v1 cannot do.
func (d *Deps) readBackups(ctx context.Context, vpsID string) (backupList, error) {
	if !isVMID(vpsID) {
		b, err := d.Client.ListBackups(ctx, vpsID)
		if err != nil {
			return backupList{}, err
		}
		l := backupList{
			quota: QuotaView{Used: b.QuotaInfo.Used, Limit: b.QuotaInfo.Limit, Remaining: b.QuotaInfo.Remaining},
			gates: BackupGates{CanCreateBackup: gateView(b.Actions.CanCreateBackup), CanRestore: gateView(b.Actions.CanRestore)},
		}
		for _, bk := range b.Backups {
			l.views = append(l.views, backupView(bk))
		}
		sortNewestFirst(l.views)
		return l, nil
	}
	b, err := d.Client.ListVMBackups(ctx, vpsID)
	if err != nil {
		return backupList{}, err
	}
	vm, err := d.Client.GetVMBackupSchedules(ctx, vpsID)
	if err != nil {
		return backupList{}, err
	}
	l := backupList{
		quota: QuotaView{Used: len(b.Backups)},
		gates: BackupGates{CanCreateBackup: gateView(v1Gate("create a backup")), CanRestore: gateView(v1Gate("restore a backup"))},
	}
	if s := vm.Settings; s != nil {
		limit, remaining := s.MaxTotalBackups, max(0, s.MaxTotalBackups-s.TotalBackupsActive)
		l.quota = QuotaView{Used: s.TotalBackupsActive, Limit: &limit, Remaining: &remaining}
	}
	for _, bk := range b.Backups {
		v := BackupView{ID: bk.Volid, SizeBytes: bk.Size.String(), Type: bk.BackupType, Note: bk.Notes}
		if bk.Ctime > 0 {
			v.CreatedAt = time.Unix(bk.Ctime, 0).UTC().Format(time.RFC3339)
		}
		if n, ok := bk.Size.Int64(); ok {
			v.SizeGB = roundGB(float64(n) / (1 << 30))
		}
		l.views = append(l.views, v)
	}
	sortNewestFirst(l.views)
	return l, nil
}

// roundGB keeps two decimals: size_gb is for reading; size_bytes is the exact size.
func roundGB(gb float64) float64 { return math.Round(gb*100) / 100 }
