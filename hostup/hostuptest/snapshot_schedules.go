package hostuptest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// Snapshot schedules (hostup-api.md §4, §5): one per VPS, served by v2 at
// /api/v2/vps/{id}/snapshot-schedules (GET, POST, DELETE) and by v1 at
// /api/vm/{vmid}/snapshot-schedules (GET, POST) from the same state.

// GateCanEnable is the snapshot schedule's gate.
const GateCanEnable = "canEnable"

// CodeSnapshotsUnavailable answers a POST on a VPS without snapshot capacity;
// HostUp's code is not documented (see doc.go).
const CodeSnapshotsUnavailable = "snapshots_unavailable"

// reasonNoSnapshots follows HostUp's docs on how capacity is bought.
const reasonNoSnapshots = "This VPS's plan has no snapshot slots. Add snapshot capacity (the snapshotSlots option of the VPS's upgrade options) before enabling snapshot scheduling."

// snapshotRetentionDays is how long HostUp keeps a snapshot: about 24 h.
const snapshotRetentionDays = 1

// SnapshotScheduleSpec is a VPS's snapshot schedule at the start.
type SnapshotScheduleSpec struct {
	IntervalHours int // 4-24
	Disabled      bool
	Since         time.Duration // how long ago it was saved
}

type snapshotSchedule struct {
	num              int // v1's id
	enabled          bool
	intervalHours    int
	created, updated time.Time
}

// seedSnapshots gives v its snapshot capacity and schedule from spec; callers hold s.mu.
func (s *Simulator) seedSnapshots(v *vps, spec VPSSpec, now time.Time) {
	v.snapshotSlots = spec.SnapshotSlots
	if sp := spec.SnapshotSchedule; sp != nil {
		at := now.Add(-sp.Since)
		v.snapshotSchedule = &snapshotSchedule{num: s.newNum(), enabled: !sp.Disabled,
			intervalHours: clampInterval(float64(sp.IntervalHours)), created: at, updated: at}
	}
}

// SetSnapshotSlots changes the VPS's snapshot capacity, as buying snapshotSlots does.
func (s *Simulator) SetSnapshotSlots(vpsID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustVPS(vpsID).snapshotSlots = n
}

// clampInterval floors and clamps an interval into 4-24 hours, as HostUp does.
func clampInterval(h float64) int {
	return int(min(max(math.Floor(h), hostup.MinSnapshotIntervalHours), hostup.MaxSnapshotIntervalHours))
}

// runs returns the last and next snapshot times: every intervalHours from the
// moment the schedule was saved, while it is enabled.
func (sc *snapshotSchedule) runs(now time.Time) (last, next *string) {
	if !sc.enabled {
		return nil, nil
	}
	every := time.Duration(sc.intervalHours) * time.Hour
	n := now.Sub(sc.updated) / every
	if n >= 1 {
		last = isoPtr(sc.updated.Add(n * every))
	}
	return last, isoPtr(sc.updated.Add((n + 1) * every))
}

// canEnable is the gate: an override wins (a pending order), else it is closed
// without capacity.
func (v *vps) canEnable() hostup.Gate {
	if g, ok := v.gates[GateCanEnable]; ok {
		return g
	}
	if v.snapshotSlots == 0 {
		return closedGate(reasonNoSnapshots, CodeSnapshotsUnavailable)
	}
	return hostup.Gate{Allowed: true}
}

// The v2 body. HostUp does not document the schedule's inner fields; the simulator
// writes v1's in camelCase (see doc.go).
type snapshotSchedulesBody struct {
	Schedule  *snapshotScheduleBody `json:"schedule"`
	Limits    snapshotLimitsBody    `json:"limits"`
	Available bool                  `json:"available"`
	Reason    *string               `json:"reason"`
	Actions   snapshotActionsBody   `json:"actions"`
}

type snapshotScheduleBody struct {
	Enabled       bool    `json:"enabled"`
	IntervalHours int     `json:"intervalHours"`
	RetentionDays int     `json:"retentionDays"`
	LastRun       *string `json:"lastRun"`
	NextRun       *string `json:"nextRun"`
	CreatedAt     string  `json:"createdAt"`
	UpdatedAt     string  `json:"updatedAt"`
}

type snapshotLimitsBody struct {
	TotalSnapshots int `json:"totalSnapshots"`
}

type snapshotActionsBody struct {
	CanEnable hostup.Gate `json:"canEnable"`
}

func (v *vps) snapshotSchedulesBody(now time.Time) snapshotSchedulesBody {
	out := snapshotSchedulesBody{
		Limits:    snapshotLimitsBody{TotalSnapshots: v.snapshotSlots},
		Available: v.snapshotSlots > 0,
		Actions:   snapshotActionsBody{CanEnable: v.canEnable()},
	}
	if !out.Available {
		out.Reason = strPtr(reasonNoSnapshots)
	}
	if sc := v.snapshotSchedule; sc != nil {
		last, next := sc.runs(now)
		out.Schedule = &snapshotScheduleBody{Enabled: sc.enabled, IntervalHours: sc.intervalHours, RetentionDays: snapshotRetentionDays,
			LastRun: last, NextRun: next, CreatedAt: isoTime(sc.created), UpdatedAt: isoTime(sc.updated)}
	}
	return out
}

func (s *Simulator) getSnapshotSchedule(c *call) response {
	v, ok := s.ownedVPS(c)
	if !ok {
		return vpsNotFound()
	}
	return ok200(s.reshapeSnapshotSchedules(v.snapshotSchedulesBody(c.now)))
}

// putSnapshotSchedule is the create-or-replace shared by both APIs: refused without
// capacity or behind a closed gate, as HostUp's page says. ok is false with the
// refusal in resp.
func (s *Simulator) putSnapshotSchedule(v *vps, enabled bool, hours float64, now time.Time) (resp response, ok bool) {
	if v.snapshotSlots == 0 {
		return problem(http.StatusConflict, CodeSnapshotsUnavailable, reasonNoSnapshots), false
	}
	if g := v.canEnable(); !g.Allowed {
		return refusal(g), false
	}
	if v.snapshotSchedule == nil {
		v.snapshotSchedule = &snapshotSchedule{num: s.newNum(), created: now}
	}
	sc := v.snapshotSchedule
	sc.enabled, sc.intervalHours, sc.updated = enabled, clampInterval(hours), now
	return response{}, true
}

func (s *Simulator) setSnapshotSchedule(c *call) response {
	v, ok := s.ownedVPS(c)
	if !ok {
		return vpsNotFound()
	}
	enabled, hours, errs := validateSnapshotSchedule(c.body, "enabled", "intervalHours")
	if len(errs) > 0 {
		return invalidRequest(errs)
	}
	if resp, ok := s.putSnapshotSchedule(v, enabled, hours, c.now); !ok {
		return resp
	}
	return ok200(s.reshapeSnapshotSchedules(v.snapshotSchedulesBody(c.now)))
}

func (s *Simulator) deleteSnapshotSchedule(c *call) response {
	v, ok := s.ownedVPS(c)
	if !ok {
		return vpsNotFound()
	}
	if v.snapshotSchedule == nil {
		return problem(http.StatusNotFound, "not_found", "This VPS has no snapshot schedule.")
	}
	v.snapshotSchedule = nil
	return response{status: http.StatusNoContent}
}

// validateSnapshotSchedule reads {enabled, interval}: both required; the interval
// is any number, which HostUp floors and clamps.
func validateSnapshotSchedule(data []byte, enabledName, intervalName string) (bool, float64, []fieldError) {
	b := parseBody(data, false, enabledName, intervalName)
	if b.notJSON {
		return false, 0, b.errs
	}
	enabled, ok := b.boolean(enabledName)
	if !ok && !b.has(enabledName) {
		b.missing(enabledName)
	}
	var hours float64
	switch {
	case !b.has(intervalName):
		b.missing(intervalName)
	case json.Unmarshal(b.raw[intervalName], &hours) != nil:
		b.fail("/"+intervalName, fmt.Sprintf("`%s` must be a number.", intervalName), "invalid_type")
	}
	return enabled, hours, b.errs
}

// v1's shapes: data{success, schedule|null, limits{totalSnapshots}} and the saved
// schedule, with a string id as v1's page lists it.
type vmSnapshotData struct {
	Success  bool               `json:"success"`
	Schedule *vmSnapshotRow     `json:"schedule"`
	Limits   snapshotLimitsBody `json:"limits"`
}

type vmSnapshotRow struct {
	ID            string  `json:"id"`
	ClientID      string  `json:"client_id"`
	AccountID     string  `json:"account_id"`
	VMID          string  `json:"vm_id"`
	Enabled       bool    `json:"enabled"`
	IntervalHours int     `json:"interval_hours"`
	RetentionDays int     `json:"retention_days"`
	LastRun       *string `json:"last_run"`
	NextRun       *string `json:"next_run"`
	CreatedAt     string  `json:"created_at"`
	UpdatedAt     string  `json:"updated_at"`
}

type vmSnapshotSaved struct {
	Success  bool          `json:"success"`
	Schedule vmSnapshotRow `json:"schedule"`
	Message  string        `json:"message"`
}

func (v *vps) vmSnapshotRow(now time.Time) *vmSnapshotRow {
	sc := v.snapshotSchedule
	if sc == nil {
		return nil
	}
	last, next := sc.runs(now)
	return &vmSnapshotRow{
		ID: strconv.Itoa(sc.num), ClientID: strconv.Itoa(v.clientNum), AccountID: strconv.Itoa(v.accountNum), VMID: strconv.Itoa(v.vmid),
		Enabled: sc.enabled, IntervalHours: sc.intervalHours, RetentionDays: snapshotRetentionDays,
		LastRun: last, NextRun: next, CreatedAt: isoTime(sc.created), UpdatedAt: isoTime(sc.updated),
	}
}

func (s *Simulator) getVMSnapshotSchedule(c *call) response {
	v, ok := s.ownedVM(c)
	if !ok {
		return vmNotFound()
	}
	return v1OK(vmSnapshotData{Success: true, Schedule: v.vmSnapshotRow(c.now), Limits: snapshotLimitsBody{TotalSnapshots: v.snapshotSlots}})
}

func (s *Simulator) setVMSnapshotSchedule(c *call) response {
	v, ok := s.ownedVM(c)
	if !ok {
		return vmNotFound()
	}
	enabled, hours, errs := validateSnapshotSchedule(c.body, "enabled", "interval_hours")
	if len(errs) > 0 {
		return invalidRequest(errs)
	}
	if resp, ok := s.putSnapshotSchedule(v, enabled, hours, c.now); !ok {
		return resp
	}
	return v1OK(vmSnapshotSaved{Success: true, Schedule: *v.vmSnapshotRow(c.now), Message: "Snapshot schedule saved"})
}
