package hostuptest

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// The v1 views below are the simulator's own wire types, written with the JSON types
// of HostUp's v1 example (integer ids, size as a string), rather than package hostup's
// tolerant models: a test decoding them with hostup's models then checks that the
// client reads what HostUp sends.

type vmSchedulesData struct {
	Success   bool                  `json:"success"`
	Schedules []vmScheduleView      `json:"schedules"`
	Settings  vmSettings            `json:"settings"`
	History   []vmHistoryEntry      `json:"history"`
	Limits    hostup.ScheduleLimits `json:"limits"`
}

// vmScheduleRow is a schedule as the POST returns it.
type vmScheduleRow struct {
	ID             int     `json:"id"`
	ClientID       string  `json:"client_id"`
	AccountID      string  `json:"account_id"`
	VMID           string  `json:"vm_id"`
	Enabled        bool    `json:"enabled"`
	ScheduleType   string  `json:"schedule_type"`
	Hour           int     `json:"hour"`
	Minute         int     `json:"minute"`
	DayOfWeek      *int    `json:"day_of_week"`
	DayOfMonth     *int    `json:"day_of_month"`
	RetentionCount int     `json:"retention_count"`
	BackupMode     string  `json:"backup_mode"`
	Compress       string  `json:"compress"`
	Notes          string  `json:"notes"`
	LastRun        *string `json:"last_run"`
	NextRun        *string `json:"next_run"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
}

// vmScheduleView is a schedule as the GET lists it, with the display helpers.
type vmScheduleView struct {
	vmScheduleRow
	ScheduleName string `json:"schedule_name"`
	ScheduleTime string `json:"schedule_time"`
	ScheduleDays string `json:"schedule_days"`
}

type vmSettings struct {
	ID                      int    `json:"id"`
	ClientID                string `json:"client_id"`
	AccountID               string `json:"account_id"`
	VMID                    string `json:"vm_id"`
	MaxTotalBackups         int    `json:"max_total_backups"`
	MaxManualBackups        int    `json:"max_manual_backups"`
	MaxScheduledBackups     int    `json:"max_scheduled_backups"`
	AutoDeleteOldest        bool   `json:"auto_delete_oldest"`
	CreatedAt               string `json:"created_at"`
	UpdatedAt               string `json:"updated_at"`
	ManualBackupsActive     int    `json:"manual_backups_active"`
	ScheduledBackupsActive  int    `json:"scheduled_backups_active"`
	TotalBackupsActive      int    `json:"total_backups_active"`
	AvailableScheduledSlots int    `json:"available_scheduled_slots"`
}

type vmHistoryEntry struct {
	ID           int     `json:"id"`
	ClientID     string  `json:"client_id"`
	AccountID    string  `json:"account_id"`
	VMID         string  `json:"vm_id"`
	BackupType   string  `json:"backup_type"`
	ScheduleID   *int    `json:"schedule_id"`
	Volid        string  `json:"volid"`
	Size         *string `json:"size"`
	Notes        *string `json:"notes"`
	Status       string  `json:"status"`
	CreatedAt    string  `json:"created_at"`
	DeletedAt    *string `json:"deleted_at"`
	JobID        string  `json:"job_id"`
	ErrorMessage *string `json:"error_message"`
}

type vmScheduleSaved struct {
	Success  bool          `json:"success"`
	Schedule vmScheduleRow `json:"schedule"`
	Message  string        `json:"message"`
}

// ownedVM finds the VPS whose vmid is the first path parameter, if the caller owns
// it. A vmid that is not a canonical number names no VM, as any unknown one.
func (s *Simulator) ownedVM(c *call) (*vps, bool) {
	if hostup.ValidateID(hostup.KindVMID, c.params[0]) != nil {
		return nil, false
	}
	n, _ := strconv.Atoi(c.params[0])
	v, ok := s.vpses[s.vmids[n]]
	if !ok || v.account != c.account {
		return nil, false
	}
	return v, true
}

func vmNotFound() response {
	return problem(404, "not_found", "No VM with this vmid was found on your account.")
}

func (s *Simulator) getVMSchedules(c *call) response {
	v, ok := s.ownedVM(c)
	if !ok {
		return vmNotFound()
	}
	out := vmSchedulesData{
		Success:   true,
		Schedules: []vmScheduleView{},
		Settings:  v.vmSettings(),
		History:   v.vmHistory(),
		Limits:    v.limits(),
	}
	if v.schedule != nil {
		out.Schedules = append(out.Schedules, v.vmScheduleView(c.now))
	}
	if word := s.variants.V1FailureStatus; word != "" {
		for i := range out.History {
			if out.History[i].Status == "failed" {
				out.History[i].Status = word
			}
		}
	}
	return v1OK(out)
}

// upsertVMSchedule is v1's create-or-update, on the same state and rules as v2's
// POST; v1 answers 200 for both (its page documents no 201).
func (s *Simulator) upsertVMSchedule(c *call) response {
	v, ok := s.ownedVM(c)
	if !ok {
		return vmNotFound()
	}
	in, errs := validateVMSchedule(c.body, v.limits().MaxRetention)
	if len(errs) > 0 {
		return invalidRequest(errs)
	}
	created, refused := s.putSchedule(v, in, c.now)
	if refused != nil {
		return *refused
	}
	msg := "Backup schedule updated successfully"
	if created {
		msg = "Backup schedule created successfully"
	}
	return v1OK(vmScheduleSaved{Success: true, Schedule: v.vmScheduleRow(c.now), Message: msg})
}

func (v *vps) vmScheduleRow(now time.Time) vmScheduleRow {
	sc := v.schedule
	m := v.scheduleModel(now) // lastRun and nextRun exactly as v2 shows them
	r := vmScheduleRow{
		ID: sc.num, ClientID: strconv.Itoa(v.clientNum), AccountID: strconv.Itoa(v.accountNum), VMID: strconv.Itoa(v.vmid),
		Enabled: sc.enabled, ScheduleType: sc.frequency, Hour: sc.hour, Minute: sc.minute,
		RetentionCount: sc.retention, BackupMode: "snapshot", Compress: "zstd", Notes: sc.name,
		LastRun: m.LastRun, NextRun: m.NextRun, CreatedAt: isoTime(sc.created), UpdatedAt: isoTime(sc.updated),
	}
	switch sc.frequency {
	case hostup.FrequencyWeekly:
		r.DayOfWeek = &sc.day
	case hostup.FrequencyMonthly:
		r.DayOfMonth = &sc.day
	}
	return r
}

func (v *vps) vmScheduleView(now time.Time) vmScheduleView {
	sc := v.schedule
	view := vmScheduleView{
		vmScheduleRow: v.vmScheduleRow(now),
		ScheduleName:  sc.name,
		ScheduleTime:  fmt.Sprintf("%02d:%02d", sc.hour, sc.minute),
	}
	if sc.frequency != hostup.FrequencyDaily {
		view.ScheduleDays = strconv.Itoa(sc.day)
	}
	return view
}

// vmSettings derives v1's counters from the same state as v2's settings; the seed's
// example (7 total, 7 manual, 0 scheduled: max_manual 7, max_scheduled 0) fixes the
// two "derived" maxima.
func (v *vps) vmSettings() vmSettings {
	st := v.settings()
	return vmSettings{
		ID: v.settingsNum, ClientID: strconv.Itoa(v.clientNum), AccountID: strconv.Itoa(v.accountNum), VMID: strconv.Itoa(v.vmid),
		MaxTotalBackups:         st.TotalBackupLimit,
		MaxManualBackups:        max(0, st.TotalBackupLimit-st.ScheduledBackupsActive),
		MaxScheduledBackups:     st.AvailableScheduledSlots,
		AutoDeleteOldest:        st.AutoDeleteOldest,
		CreatedAt:               isoTime(v.created),
		UpdatedAt:               isoTime(v.settingsUpdated),
		ManualBackupsActive:     st.ManualBackupsActive,
		ScheduledBackupsActive:  st.ScheduledBackupsActive,
		TotalBackupsActive:      st.ManualBackupsActive + st.ScheduledBackupsActive,
		AvailableScheduledSlots: st.AvailableScheduledSlots,
	}
}

// vmHistory is v1's history: one record per backup, newest first. It is built from
// v2's run history (each run with the backup it stored, if any) plus the backups no
// run records, so that both APIs tell the same story.
func (v *vps) vmHistory() []vmHistoryEntry {
	var out []vmHistoryEntry
	for _, h := range v.history {
		out = append(out, v.vmEntryOfRun(h))
	}
	for _, b := range slices.Concat(v.backups, v.removed) {
		if b.entry == nil {
			out = append(out, v.vmEntryOfBackup(b))
		}
	}
	slices.SortStableFunc(out, func(a, b vmHistoryEntry) int {
		return cmp.Or(cmp.Compare(b.CreatedAt, a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	if out == nil {
		return []vmHistoryEntry{}
	}
	return out[:min(len(out), maxHistory)]
}

func (v *vps) vmEntry(id int, kind, note string, created time.Time, jobID string) vmHistoryEntry {
	e := vmHistoryEntry{
		ID: id, ClientID: strconv.Itoa(v.clientNum), AccountID: strconv.Itoa(v.accountNum), VMID: strconv.Itoa(v.vmid),
		BackupType: kind, CreatedAt: isoTime(created), JobID: jobID,
	}
	if note != "" {
		e.Notes = strPtr(note)
	}
	if sc := v.schedule; kind == "scheduled" && sc != nil && !created.Before(sc.created) {
		e.ScheduleID = &sc.num
	}
	return e
}

func (v *vps) vmEntryOfBackup(b *backup) vmHistoryEntry {
	e := v.vmEntry(b.num, b.kind, b.note, b.created, fmt.Sprintf("backup-%d-%d", v.vmid, b.created.UnixMilli()))
	e.Volid, e.Size, e.Status = b.volid, strPtr(strconv.FormatInt(b.bytes, 10)), hostup.VMBackupActive
	if b.deleted != nil {
		e.Status, e.DeletedAt = hostup.VMBackupDeleted, isoPtr(*b.deleted)
	}
	return e
}

// vmEntryOfRun maps a run's status onto v1's: queued and running are pending, a
// failure keeps its word (HostUp: "other values may indicate failures") with its
// message, and a completed run is its backup's record.
func (v *vps) vmEntryOfRun(h *historyEntry) vmHistoryEntry {
	if b := h.backup; b != nil {
		e := v.vmEntryOfBackup(b)
		e.ID, e.JobID, e.CreatedAt = h.num, h.jobID, isoTime(h.created)
		return e
	}
	e := v.vmEntry(h.num, h.kind, h.note, h.created, h.jobID)
	switch h.status {
	case "queued", "running":
		e.Status = hostup.VMBackupPending
	case "completed":
		// A seeded run whose backup was rotated out before the simulation began:
		// when exactly is not known, so the VPS's creation stands in for it.
		e.Status, e.DeletedAt = hostup.VMBackupDeleted, isoPtr(v.created)
		e.Volid = v.volid(h.created)
		e.Size = strPtr(strconv.FormatInt(int64(v.defaultSizeGB*bytesPerGB), 10))
	default:
		e.Status = h.status
		e.ErrorMessage = strPtr(cmp.Or(h.failure, failedBackupMessage))
	}
	return e
}
