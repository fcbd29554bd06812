package hostuptest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// maxHistory caps history[]: HostUp calls it "recent schedule history".
const maxHistory = 50

func (s *Simulator) getSchedules(c *call) response {
	v, ok := s.ownedVPS(c)
	if !ok {
		return vpsNotFound()
	}
	body := v.schedulesView(c.now)
	if body.Actions.CanCreate.ReasonText() == reasonScheduleExists {
		body.Actions.CanCreate = closedGate(s.scheduleExistsGate())
	}
	if _, overridden := v.gates[GateCanDelete]; s.variants.NoScheduleCannotDelete && v.schedule == nil && !overridden {
		body.Actions.CanDelete = closedGate("There is no schedule to delete.", "")
	}
	return ok200(s.reshapeSchedules(v, body))
}

func (v *vps) schedulesView(now time.Time) hostup.BackupSchedules {
	st := v.settings()
	out := hostup.BackupSchedules{
		Schedules: []hostup.Schedule{},
		Settings:  &st,
		History:   []hostup.HistoryEntry{},
		Limits:    v.limits(),
		Actions: hostup.ScheduleActions{
			CanCreate:         v.gate(GateCanCreate),
			CanUpdateSettings: v.gate(GateCanUpdateSettings),
			CanDelete:         v.gate(GateCanDelete),
		},
	}
	if v.schedule != nil {
		out.Schedules = append(out.Schedules, v.scheduleModel(now))
	}
	for i := len(v.history) - 1; i >= 0 && len(out.History) < maxHistory; i-- {
		h := v.history[i]
		e := hostup.HistoryEntry{Status: h.status, CreatedAt: isoPtr(h.created), BackupType: strPtr(h.kind)}
		if h.updated != nil {
			e.UpdatedAt = isoPtr(*h.updated)
		}
		if h.note != "" {
			e.Note = strPtr(h.note)
		}
		out.History = append(out.History, e)
	}
	return out
}

// scheduleModel derives lastRun and status from the newest scheduled run since the
// schedule was created, and nextRun from the clock.
func (v *vps) scheduleModel(now time.Time) hostup.Schedule {
	sc := v.schedule
	m := hostup.Schedule{
		ID:             sc.id,
		Name:           sc.name,
		Frequency:      sc.frequency,
		Time:           strPtr(fmt.Sprintf("%02d:%02d", sc.hour, sc.minute)),
		RetentionCount: sc.retention,
		Enabled:        sc.enabled,
	}
	if sc.frequency != hostup.FrequencyDaily {
		m.DaySpecifier = strPtr(strconv.Itoa(sc.day))
	}
	if sc.enabled {
		m.NextRun = isoPtr(sc.nextRun(now))
	}
	for i := len(v.history) - 1; i >= 0; i-- {
		h := v.history[i]
		if h.kind == "scheduled" && !h.created.Before(sc.created) {
			m.LastRun = isoPtr(h.created)
			m.Status = strPtr(h.status)
			break
		}
	}
	return m
}

// upsertSchedule is HostUp's "create or replace": the same frequency updates the
// one schedule; another frequency is refused while one exists (the simulator's
// reading of the undocumented case, see doc.go).
func (s *Simulator) upsertSchedule(c *call) response {
	v, ok := s.ownedVPS(c)
	if !ok {
		return vpsNotFound()
	}
	in, errs := validateSchedule(c.body, v.limits().MaxRetention)
	if len(errs) > 0 {
		return invalidRequest(errs)
	}
	if s.variants.QueuedScheduleWrites {
		return s.queuedUpsert(v, in, c.now)
	}
	if old := v.schedule; old != nil && s.variants.KeepsScheduleTime {
		in.hour, in.minute = old.hour, old.minute
	}
	created, refused := s.putSchedule(v, in, c.now)
	if refused != nil {
		return *refused
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return reply(status, map[string]hostup.Schedule{"schedule": v.scheduleModel(c.now)})
}

// putSchedule is the create-or-update rule both API versions share: the same
// frequency updates the one schedule, another frequency is refused while one exists,
// and a closed canCreate override (a pending order, say) refuses both.
func (s *Simulator) putSchedule(v *vps, in scheduleInput, now time.Time) (created bool, refused *response) {
	if g, overridden := v.gates[GateCanCreate]; overridden && !g.Allowed {
		r := refusal(g)
		return false, &r
	}
	if old := v.schedule; old != nil {
		if old.frequency != in.frequency {
			r := problem(http.StatusConflict, CodeScheduleExists, reasonScheduleExists)
			return false, &r
		}
		if !in.hasName {
			in.name = old.name
		}
		old.name, old.hour, old.minute, old.day = in.name, in.hour, in.minute, in.day
		old.retention, old.enabled, old.updated = in.retention, in.enabled, now
		return false, nil
	}
	if !in.hasName {
		in.name = defaultScheduleName(in.frequency)
	}
	v.schedule = &schedule{
		id: s.newID("bks"), num: s.newNum(), name: in.name, frequency: in.frequency,
		hour: in.hour, minute: in.minute, day: in.day, retention: in.retention, enabled: in.enabled,
		created: now, updated: now,
	}
	return true, nil
}

func defaultScheduleName(frequency string) string {
	switch frequency {
	case hostup.FrequencyWeekly:
		return "Weekly backup"
	case hostup.FrequencyMonthly:
		return "Monthly backup"
	}
	return "Nightly backup"
}

// updateSettings is the PATCH: lowering maxTotalBackups below the backups stored
// deletes the oldest when autoDeleteOldest is on, and is refused otherwise.
func (s *Simulator) updateSettings(c *call) response {
	v, ok := s.ownedVPS(c)
	if !ok {
		return vpsNotFound()
	}
	in, errs := validateSettings(c.body)
	if len(errs) > 0 {
		return invalidRequest(errs)
	}
	if g := v.gate(GateCanUpdateSettings); !g.Allowed {
		return refusal(g)
	}
	limit, autoDelete := v.limit, v.autoDelete
	if in.maxTotal != nil {
		limit = *in.maxTotal
	}
	if in.autoDelete != nil {
		autoDelete = *in.autoDelete
	}
	if excess := len(v.backups) - limit; excess > 0 && !(s.variants.LimitBelowUsageAccepted && !autoDelete) {
		if !autoDelete {
			return problem(http.StatusConflict, CodeLimitBelowUsage, fmt.Sprintf(
				"%d backups are stored but the new limit is %d. Delete backups first, or set autoDeleteOldest to true to delete the oldest.",
				len(v.backups), limit))
		}
		v.deleteOldest(excess, c.now)
	}
	v.limit, v.autoDelete, v.settingsUpdated = limit, autoDelete, c.now
	return ok200(hostup.SettingsResponse{Settings: v.settings()})
}

func (s *Simulator) deleteSchedule(c *call) response {
	v, ok := s.ownedVPS(c)
	if !ok {
		return vpsNotFound()
	}
	if s.deleteTwin(v, c.params[1]) {
		return response{status: http.StatusNoContent}
	}
	if v.schedule == nil || v.schedule.id != c.params[1] {
		return problem(http.StatusNotFound, "not_found", "No backup schedule with this ID exists on the VPS.")
	}
	if g := v.gate(GateCanDelete); !g.Allowed {
		return refusal(g)
	}
	if s.variants.QueuedScheduleWrites {
		return s.queuedDelete(v, c.params[1], c.now)
	}
	v.schedule = nil
	return response{status: http.StatusNoContent}
}
