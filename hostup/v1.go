package hostup

import (
	"context"
	"encoding/json"
	"net/http"
)

// GetVMBackupSchedules calls v1 GET /api/vm/{vmid}/backup-schedules: schedules,
// settings, history (with volid, exact size, job id and error message) and limits.
// v1 has no action gates: callers derive refusals from Settings and Limits.
func (c *Client) GetVMBackupSchedules(ctx context.Context, vmid string) (*VMBackupSchedules, error) {
	id, err := segment(KindVMID, vmid)
	if err != nil {
		return nil, err
	}
	path := VMBackupSchedulesPath(id)
	data, meta, err := c.v1(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	var s VMBackupSchedules
	if err := decodeV1(http.MethodGet, path, data, &s, c.keyFor(ctx).value()); err != nil {
		return nil, err
	}
	s.Meta = meta
	return &s, nil
}

// UpsertVMBackupSchedule calls v1 POST /api/vm/{vmid}/backup-schedules, which creates
// the VM's schedule or updates the one of the same schedule_type. Any 2xx is success;
// Schedule is nil when the body carries none, and callers read the schedules back.
func (c *Client) UpsertVMBackupSchedule(ctx context.Context, vmid string, req VMScheduleRequest) (*VMScheduleSaved, error) {
	id, err := segment(KindVMID, vmid)
	if err != nil {
		return nil, err
	}
	data, meta, err := c.v1(ctx, http.MethodPost, VMBackupSchedulesPath(id), req)
	if err != nil {
		return nil, err
	}
	return decodeScheduleSaved(data, meta), nil
}

// decodeScheduleSaved accepts data{success, schedule, message} and a bare schedule. A
// body we cannot read does not undo a 2xx: the schedule is then nil. A schedule
// counts only with an id: anything else is a shape we do not know.
func decodeScheduleSaved(data json.RawMessage, meta V1Meta) *VMScheduleSaved {
	saved := &VMScheduleSaved{Meta: meta, Success: true}
	if json.Unmarshal(data, saved) != nil || (saved.Schedule != nil && saved.Schedule.ID == "") {
		saved.Schedule = nil
	}
	var bare VMSchedule
	if saved.Schedule == nil && json.Unmarshal(data, &bare) == nil && bare.ID != "" {
		saved.Schedule = &bare
	}
	return saved
}

// ListVMBackups calls v1 GET /api/vm/{vmid}/backups: the backups stored for the VM.
func (c *Client) ListVMBackups(ctx context.Context, vmid string) (*VMBackupList, error) {
	id, err := segment(KindVMID, vmid)
	if err != nil {
		return nil, err
	}
	path := VMBackupsPath(id)
	data, meta, err := c.v1(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	list := &VMBackupList{Meta: meta}
	if err := decodeV1(http.MethodGet, path, data, &list.Backups, c.keyFor(ctx).value()); err != nil {
		return nil, err
	}
	if list.Backups == nil {
		list.Backups = []VMBackup{}
	}
	return list, nil
}

// DeleteVMBackup calls v1 DELETE /api/vm/{vmid}/backups/{volid}. The volid, which
// contains ":" and "/", is escaped into a single path segment.
func (c *Client) DeleteVMBackup(ctx context.Context, vmid, volid string) (*V1Result, error) {
	vol, err := segment(KindVolid, volid)
	if err != nil {
		return nil, err
	}
	id, err := segment(KindVMID, vmid)
	if err != nil {
		return nil, err
	}
	data, meta, err := c.v1(ctx, http.MethodDelete, VMBackupPath(id, vol), nil)
	if err != nil {
		return nil, err
	}
	res := &V1Result{Meta: meta, Success: true}
	_ = json.Unmarshal(data, res) // the message is a courtesy; the 2xx is the answer
	return res, nil
}
