package hostup

import (
	"bytes"

	"github.com/hostup/hostup-mcp/internal/jsonread"
)

// decodeFast reads a schedules answer as encoding/json reads it into
// backupSchedulesWire (see internal/jsonread), and reports whether it could; w is
// then as encoding/json would leave it. On false, w is zero again, for
// encoding/json to decode the answer from nothing.
func (w *backupSchedulesWire) decodeFast(body []byte) bool {
	r := jsonread.New(body)
	var seen seenFields
	r.Object(func(name []byte) {
		switch {
		case seen.first(r, name, "schedules", 0):
			readList(r, &w.Schedules, readSchedule)
		case seen.first(r, name, "settings", 1):
			readObject(r, &w.Settings, readSettings)
		case seen.first(r, name, "history", 2):
			readList(r, &w.History, readHistoryEntry)
		case seen.first(r, name, "limits", 3):
			readObject(r, &w.Limits, readLimits)
		case seen.first(r, name, "actions", 4):
			if !r.Null() { // null leaves a struct as it is
				readActions(r, &w.Actions)
			}
		default:
			r.Skip()
		}
	})
	if !r.Done() {
		*w = backupSchedulesWire{}
		return false
	}
	return true
}

// readList reads an array into list, each element with read: null is a nil
// list and [] an empty one, as encoding/json makes them.
func readList[T any](r *jsonread.Reader, list *[]T, read func(*jsonread.Reader, *T)) {
	if r.Null() {
		*list = nil
		return
	}
	empty := r.Array(func() {
		*list = append(*list, *new(T))
		read(r, &(*list)[len(*list)-1])
	})
	if empty {
		*list = []T{}
	}
}

// readObject reads an object into a new *T with read; null is nil.
func readObject[T any](r *jsonread.Reader, dst **T, read func(*jsonread.Reader, *T)) {
	if r.Null() {
		*dst = nil
		return
	}
	*dst = new(T)
	read(r, *dst)
}

func readSchedule(r *jsonread.Reader, s *Schedule) {
	readFields(r, []field{
		{name: "id", str: &s.ID},
		{name: "name", str: &s.Name},
		{name: "frequency", str: &s.Frequency},
		{name: "time", optStr: &s.Time},
		{name: "daySpecifier", optStr: &s.DaySpecifier},
		{name: "retentionCount", n: &s.RetentionCount},
		{name: "enabled", b: &s.Enabled},
		{name: "lastRun", optStr: &s.LastRun},
		{name: "nextRun", optStr: &s.NextRun},
		{name: "status", optStr: &s.Status},
	})
}

func readHistoryEntry(r *jsonread.Reader, h *HistoryEntry) {
	readFields(r, []field{
		{name: "backupType", optStr: &h.BackupType},
		{name: "status", str: &h.Status},
		{name: "createdAt", optStr: &h.CreatedAt},
		{name: "updatedAt", optStr: &h.UpdatedAt},
		{name: "note", optStr: &h.Note},
	})
}

func readSettings(r *jsonread.Reader, s *settingsWire) {
	readFields(r, []field{
		{name: "totalBackupLimit", optN: &s.TotalBackupLimit},
		{name: "manualBackupsActive", optN: &s.ManualBackupsActive},
		{name: "scheduledBackupsActive", optN: &s.ScheduledBackupsActive},
		{name: "availableScheduledSlots", optN: &s.AvailableScheduledSlots},
		{name: "autoDeleteOldest", optB: &s.AutoDeleteOldest},
	})
}

func readLimits(r *jsonread.Reader, l *limitsWire) {
	readFields(r, []field{
		{name: "maxSchedules", optN: &l.MaxSchedules},
		{name: "totalBackups", optN: &l.TotalBackups},
		{name: "maxRetention", optN: &l.MaxRetention},
		{name: "currentSchedules", optN: &l.CurrentSchedules},
		{name: "manualBackupsActive", optN: &l.ManualBackupsActive},
		{name: "scheduledBackupsActive", optN: &l.ScheduledBackupsActive},
		{name: "availableScheduledSlots", optN: &l.AvailableScheduledSlots},
	})
}

// field is a member of an object whose members are strings, integers and
// booleans, and where its value goes: one of the pointers is set. A pointer
// field (optStr, optN, optB) is nil for null; any other is left as it is.
type field struct {
	name   string
	str    *string
	optStr **string
	n      *int
	optN   **int
	b      *bool
	optB   **bool
}

func readFields(r *jsonread.Reader, fields []field) {
	var seen seenFields
	r.Object(func(name []byte) {
		for i, f := range fields {
			if !seen.first(r, name, f.name, uint(i)) {
				continue
			}
			switch {
			case f.optStr != nil:
				*f.optStr = r.OptStr()
			case f.optN != nil:
				*f.optN = r.OptInt()
			case f.optB != nil:
				*f.optB = r.OptBool()
			case r.Null(): // leaves a string, an int or a bool as it is
			case f.str != nil:
				*f.str = r.Str()
			case f.n != nil:
				*f.n = r.Integer()
			case f.b != nil:
				*f.b = r.Boolean()
			}
			return
		}
		r.Skip()
	})
}

func readActions(r *jsonread.Reader, a *ScheduleActions) {
	var seen seenFields
	r.Object(func(name []byte) {
		switch {
		case seen.first(r, name, "canCreate", 0):
			readGate(r, &a.CanCreate)
		case seen.first(r, name, "canUpdateSettings", 1):
			readGate(r, &a.CanUpdateSettings)
		case seen.first(r, name, "canDelete", 2):
			readGate(r, &a.CanDelete)
		default:
			r.Skip()
		}
	})
}

func readGate(r *jsonread.Reader, g *Gate) {
	if r.Null() { // leaves the gate as it is
		return
	}
	readFields(r, []field{
		{name: "allowed", b: &g.Allowed},
		{name: "reason", optStr: &g.Reason},
		{name: "code", optStr: &g.Code},
	})
}

// seenFields tracks which of an object's known members were read: encoding/json
// decodes a member given twice into the same field twice (merging objects),
// which the fast reading leaves to it.
type seenFields uint32

// first reports whether name is field (matched regardless of ASCII case, as
// encoding/json matches it), the bit-th of its object, read for the first
// time; a second time fails the reading.
func (f *seenFields) first(r *jsonread.Reader, name []byte, field string, bit uint) bool {
	if !bytes.EqualFold(name, []byte(field)) {
		return false
	}
	if *f&(1<<bit) != 0 {
		r.Fail()
	}
	*f |= 1 << bit
	return true
}
