package tools

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/hostup/hostup-mcp/hostup"
)

// v2API is HostUp's v2 API, which vps_… ids name: it can do everything the
// tools do, and its answers are the shapes the tools read.
type v2API struct {
	client *hostup.Client
	id     string
}

func (v v2API) vpsID() string               { return v.id }
func (v2API) lacks(ability) *Refusal        { return nil }
func (v2API) hasGates() bool                { return true }
func (v2API) takesMinute() bool             { return false }
func (v2API) checkBackupID(id string) error { return hostup.ValidateID(hostup.KindBackup, id) }

// schedules reads the schedule state, ordered as the tools read it.
func (v v2API) schedules(ctx context.Context) (scheduleRead, error) {
	bs, err := v.client.GetBackupSchedules(ctx, v.id)
	if err != nil {
		return nil, err
	}
	activeFirst(bs)
	newestFirst(bs.History)
	return v2Schedules{bs}, nil
}

func (v v2API) backups(ctx context.Context) (backupList, error) {
	b, err := v.client.ListBackups(ctx, v.id)
	if err != nil {
		return backupList{}, err
	}
	l := backupList{
		views: backupViews(b.Backups),
		quota: QuotaView{Used: b.QuotaInfo.Used, Limit: b.QuotaInfo.Limit, Remaining: b.QuotaInfo.Remaining},
		gates: BackupGates{CanCreateBackup: gateView(b.Actions.CanCreateBackup), CanRestore: gateView(b.Actions.CanRestore)},
	}
	sortNewestFirst(l.views)
	return l, nil
}

func (v v2API) snapshots(ctx context.Context) (*SnapshotState, error) {
	s, err := v.client.GetSnapshotSchedule(ctx, v.id)
	if err != nil {
		return nil, err
	}
	st := &SnapshotState{TotalSnapshots: s.Limits.TotalSnapshots, Available: s.Available, Reason: deref(s.Reason), CanEnable: gateView(s.Actions.CanEnable), GatesKnown: true}
	if sc := s.Schedule; sc != nil {
		st.Schedule = snapshotScheduleView(sc)
	}
	return st, nil
}

func (v v2API) postSchedule(ctx context.Context, r scheduleRequest) (hostup.Answer, error) {
	return v.client.UpsertBackupSchedule(ctx, v.id, r.ScheduleRequest)
}

func (v v2API) schedulePost(r scheduleRequest) PlannedRequest {
	return PlannedRequest{Method: http.MethodPost, Endpoint: hostup.BackupSchedulesPath(v.id), Body: r.ScheduleRequest}
}

func (v v2API) deleteBackup(ctx context.Context, backupID string) (hostup.Answer, error) {
	return v.client.DeleteBackup(ctx, v.id, backupID)
}

func (v v2API) backupDelete(backupID string) PlannedRequest {
	return PlannedRequest{Method: http.MethodDelete, Endpoint: hostup.BackupPath(v.id, backupID)}
}

func (v v2API) setSnapshots(ctx context.Context, want hostup.SnapshotScheduleRequest) (hostup.Answer, error) {
	_, a, err := v.client.SetSnapshotSchedule(ctx, v.id, want)
	return a, err
}

func (v v2API) snapshotPost(want hostup.SnapshotScheduleRequest) PlannedRequest {
	return PlannedRequest{Method: http.MethodPost, Endpoint: hostup.SnapshotSchedulesPath(v.id), Body: want}
}

// v2Schedules is a v2 read: its shape holds every fact the tools show.
type v2Schedules struct{ bs *hostup.BackupSchedules }

func (s v2Schedules) state() *hostup.BackupSchedules { return s.bs }

func (v2Schedules) addFacts(*ScheduleState) {}

// lastRun takes the schedule's own status when it is a known success or
// failure; unknown, running, any other word or none is checked against the
// newest scheduled run.
func (s v2Schedules) lastRun(status string) (string, bool) {
	if !runSucceeded(status) && !runFailed(status) {
		if h := lastScheduledStatus(s.bs.History); h != "" {
			status = h
		}
	}
	return status, runFailed(status)
}

// lastScheduledStatus is the status of the newest scheduled run in the history
// (newest first: schedules orders it). Manual backups are left out: a manual
// backup that failed or is still queued says nothing about whether the schedule
// works.
func lastScheduledStatus(history []hostup.HistoryEntry) string {
	for _, h := range history {
		if t := deref(h.BackupType); t == "" || t == "scheduled" {
			return h.Status
		}
	}
	return ""
}

// runFailed and runSucceeded read a v2 run's status (seed 003: completed,
// running, queued, failed, cancelled, unknown or empty): completed is the one
// success, failed and cancelled the failures; any other word says neither.
func runFailed(status string) bool {
	s := strings.ToLower(strings.TrimSpace(status))
	return s == "failed" || s == "cancelled"
}

func runSucceeded(status string) bool {
	return strings.EqualFold(strings.TrimSpace(status), "completed")
}

// activeFirst moves the enabled schedule to the front. HostUp keeps one schedule
// active per VPS (hostup-api.md §2) but does not say that it lists only that one;
// the tools take the first schedule as the VPS's, so it must be the active one.
func activeFirst(bs *hostup.BackupSchedules) {
	if i := slices.IndexFunc(bs.Schedules, func(s hostup.Schedule) bool { return s.Enabled }); i > 0 {
		active := bs.Schedules[i]
		copy(bs.Schedules[1:i+1], bs.Schedules[:i])
		bs.Schedules[0] = active
	}
}

// newestFirst orders v2's history by createdAt, newest first: seed 003 states
// no order (only v1's page says most recent first), and the newest run decides
// whether a schedule works. Runs without a readable time go last, in HostUp's
// order.
func newestFirst(history []hostup.HistoryEntry) {
	slices.SortStableFunc(history, func(a, b hostup.HistoryEntry) int {
		ta, okA := parseTime(deref(a.CreatedAt))
		tb, okB := parseTime(deref(b.CreatedAt))
		switch {
		case okA && okB:
			return tb.Compare(ta)
		case okA:
			return -1
		case okB:
			return 1
		}
		return 0
	})
}
