package hostup

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
)

// Snapshot schedules (hostup-api.md §4 and §5): short-lived local rollback points
// taken every few hours, a layer apart from the offsite backups. v2 keeps one
// schedule per VPS, without an id; v1 serves the same schedule per vmid.

// Snapshot schedule interval bounds: HostUp floors and clamps intervalHours into
// this range.
const (
	MinSnapshotIntervalHours = 4
	MaxSnapshotIntervalHours = 24
)

// SnapshotSchedules is the body of GET /api/v2/vps/{id}/snapshot-schedules, and of
// the POST that creates or replaces the schedule.
type SnapshotSchedules struct {
	Schedule  *SnapshotSchedule      `json:"schedule"` // nil when none exists
	Limits    SnapshotLimits         `json:"limits"`
	Available bool                   `json:"available"` // the plan has at least one snapshot slot
	Reason    *string                `json:"reason"`    // why snapshots are not available, if they are not
	Actions   SnapshotScheduleAction `json:"actions"`
}

// SnapshotLimits is the VPS's snapshot capacity. 0 means a schedule cannot be enabled
// until capacity is bought.
type SnapshotLimits struct {
	TotalSnapshots int `json:"totalSnapshots"`
}

// SnapshotScheduleAction holds the snapshot schedule's gate.
type SnapshotScheduleAction struct {
	CanEnable Gate `json:"canEnable"`
}

// SnapshotSchedule is the singleton schedule. HostUp does not document v2's inner
// fields; v1 names them interval_hours, retention_days, enabled, last_run and
// next_run. Both spellings are read (see UnmarshalJSON).
type SnapshotSchedule struct {
	Enabled       bool    `json:"enabled"`
	IntervalHours int     `json:"intervalHours"`
	RetentionDays *int    `json:"retentionDays,omitempty"`
	LastRun       *string `json:"lastRun"`
	NextRun       *string `json:"nextRun"`
	// Unread names what HostUp left out, sent as null or in a type it cannot
	// have: "schedule.enabled", "schedule.intervalHours". The inner fields are
	// not documented, so Enabled false or IntervalHours 0 is a value only when
	// its name is not here.
	Unread []string `json:"-"`
}

// Names Unread uses, as the fields sit in the GET's body.
const (
	SnapshotEnabled  = "schedule.enabled"
	SnapshotInterval = "schedule.intervalHours"
)

// UnmarshalJSON reads v2's camelCase names and v1's snake_case ones, and an interval
// sent as a fraction (HostUp floors it). A field it cannot read is named in Unread
// and costs nothing else: the schedule is still read.
func (s *SnapshotSchedule) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	field := func(names ...string) json.RawMessage {
		for _, n := range names {
			if v, ok := raw[n]; ok && string(v) != "null" {
				return v
			}
		}
		return nil
	}
	*s = SnapshotSchedule{LastRun: optionalText(field("lastRun", "last_run")), NextRun: optionalText(field("nextRun", "next_run"))}
	if json.Unmarshal(field("enabled"), &s.Enabled) != nil {
		s.Unread = append(s.Unread, SnapshotEnabled)
	}
	var hours float64
	if json.Unmarshal(field("intervalHours", "interval_hours"), &hours) == nil {
		s.IntervalHours = int(hours)
	} else {
		s.Unread = append(s.Unread, SnapshotInterval)
	}
	var days int
	if json.Unmarshal(field("retentionDays", "retention_days"), &days) == nil {
		s.RetentionDays = &days
	}
	return nil
}

// SnapshotScheduleRequest is the body of POST /api/v2/vps/{id}/snapshot-schedules.
type SnapshotScheduleRequest struct {
	Enabled       bool `json:"enabled"`
	IntervalHours int  `json:"intervalHours"`
}

// GetSnapshotSchedule calls GET /api/v2/vps/{id}/snapshot-schedules.
func (c *Client) GetSnapshotSchedule(ctx context.Context, vpsID string) (*SnapshotSchedules, error) {
	id, err := segment(KindVPS, vpsID)
	if err != nil {
		return nil, err
	}
	var s SnapshotSchedules
	if err := c.getJSON(ctx, SnapshotSchedulesPath(id), nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// SetSnapshotSchedule calls POST /api/v2/vps/{id}/snapshot-schedules, which creates
// or replaces the VPS's one schedule. HostUp says the response has the GET's shape
// but not its status; the schedules are nil when the body is not that shape (also
// when it is {data:{…}}, which is read too), and callers read the schedule back
// either way.
func (c *Client) SetSnapshotSchedule(ctx context.Context, vpsID string, req SnapshotScheduleRequest) (*SnapshotSchedules, Answer, error) {
	id, err := segment(KindVPS, vpsID)
	if err != nil {
		return nil, Answer{}, err
	}
	a, body, err := c.write(ctx, http.MethodPost, SnapshotSchedulesPath(id), req)
	if err != nil {
		return nil, Answer{}, err
	}
	return decodeSnapshotSchedules(body), a, nil
}

// decodeSnapshotSchedules reads the GET's shape, bare or under "data"; anything
// else is a shape we do not know.
func decodeSnapshotSchedules(body []byte) *SnapshotSchedules {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil
	}
	_, hasSchedule := members["schedule"]
	_, hasAvailable := members["available"]
	if !hasSchedule && !hasAvailable {
		if data, ok := members["data"]; ok {
			return decodeSnapshotSchedules(data)
		}
		return nil
	}
	var s SnapshotSchedules
	if json.Unmarshal(body, &s) != nil {
		return nil
	}
	return &s
}

// DeleteSnapshotSchedule calls DELETE /api/v2/vps/{id}/snapshot-schedules, which
// removes the singleton (known only from HostUp's lists of related endpoints; any
// 2xx is success).
func (c *Client) DeleteSnapshotSchedule(ctx context.Context, vpsID string) (Answer, error) {
	id, err := segment(KindVPS, vpsID)
	if err != nil {
		return Answer{}, err
	}
	a, _, err := c.write(ctx, http.MethodDelete, SnapshotSchedulesPath(id), nil)
	return a, err
}

// VMSnapshotSchedules is data of v1 GET /api/vm/{vmid}/snapshot-schedules. v1 has no
// gate and no "available": TotalSnapshots 0 is the only sign of missing capacity.
type VMSnapshotSchedules struct {
	Meta     V1Meta              `json:"-"`
	Success  bool                `json:"success"`
	Schedule *VMSnapshotSchedule `json:"schedule"`
	Limits   SnapshotLimits      `json:"limits"`
}

// VMSnapshotSchedule is v1's snapshot schedule row.
type VMSnapshotSchedule struct {
	ID            ExactInt `json:"id"`
	ClientID      ExactInt `json:"client_id"`
	AccountID     ExactInt `json:"account_id"`
	VMID          ExactInt `json:"vm_id"`
	Enabled       bool     `json:"enabled"`
	IntervalHours int      `json:"interval_hours"`
	RetentionDays int      `json:"retention_days"`
	LastRun       *string  `json:"last_run"`
	NextRun       *string  `json:"next_run"`
	CreatedAt     string   `json:"created_at"`
	UpdatedAt     string   `json:"updated_at"`
}

// VMSnapshotScheduleRequest is the body of v1 POST /api/vm/{vmid}/snapshot-schedules.
type VMSnapshotScheduleRequest struct {
	Enabled       bool `json:"enabled"`
	IntervalHours int  `json:"interval_hours"`
}

// VMSnapshotScheduleSaved is data of a successful v1 POST. Schedule is nil when the
// body did not carry one; read the schedule back either way.
type VMSnapshotScheduleSaved struct {
	Meta     V1Meta              `json:"-"`
	Success  bool                `json:"success"`
	Schedule *VMSnapshotSchedule `json:"schedule"`
	Message  string              `json:"message"` // e.g. "Snapshot schedule saved"
}

// GetVMSnapshotSchedule calls v1 GET /api/vm/{vmid}/snapshot-schedules.
func (c *Client) GetVMSnapshotSchedule(ctx context.Context, vmid string) (*VMSnapshotSchedules, error) {
	id, err := segment(KindVMID, vmid)
	if err != nil {
		return nil, err
	}
	path := VMSnapshotSchedulesPath(id)
	data, meta, err := c.v1(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	var s VMSnapshotSchedules
	if err := decodeV1(http.MethodGet, path, data, &s, c.keyFor(ctx).value()); err != nil {
		return nil, err
	}
	s.Meta = meta
	return &s, nil
}

// SetVMSnapshotSchedule calls v1 POST /api/vm/{vmid}/snapshot-schedules, which saves
// the VM's one schedule. Any 2xx is success; a body we cannot read leaves Schedule nil.
func (c *Client) SetVMSnapshotSchedule(ctx context.Context, vmid string, req VMSnapshotScheduleRequest) (*VMSnapshotScheduleSaved, error) {
	id, err := segment(KindVMID, vmid)
	if err != nil {
		return nil, err
	}
	data, meta, err := c.v1(ctx, http.MethodPost, VMSnapshotSchedulesPath(id), req)
	if err != nil {
		return nil, err
	}
	saved := &VMSnapshotScheduleSaved{Meta: meta, Success: true}
	if json.Unmarshal(data, saved) != nil || (saved.Schedule != nil && saved.Schedule.ID == "") {
		saved.Schedule = nil
	}
	var bare VMSnapshotSchedule
	if saved.Schedule == nil && len(bytes.TrimSpace(data)) > 0 && json.Unmarshal(data, &bare) == nil && bare.ID != "" {
		saved.Schedule = &bare
	}
	return saved, nil
}
