package tools

import (
	"context"

	"github.com/hostup/hostup-mcp/hostup"
)

// A VPS has two ids: vps_… (HostUp's v2 API, what list_vps returns) and a numeric
// vmid (HostUp's v1 API, which users know from HostUp's older control panel). Every
// tool taking vps_id accepts both and talks to the API the form names; the two are
// never converted into each other, as nothing HostUp documents maps one to the other.
//
// The choice is made here, once per id (backendFor), and nowhere else: a tool
// talks to a backend, which reads in v2's shapes whichever API answers, so that
// one planning and refusal logic serves both. v1 covers less than v2 (it has no
// action gates, and no endpoint to delete a schedule, change settings, create or
// restore a backup, or delete a snapshot schedule): a backend says what its API
// lacks, and a write that needs it is refused before anything is read. A write
// that needs what only v2 can do therefore talks to v2 directly.

// ability is what a write needs of HostUp's API beyond reading a VPS, setting
// its backup and snapshot schedules and deleting its backups: each is in the
// words a refusal uses.
type ability string

const (
	anyAPI             ability = ""
	canDeleteSchedule  ability = "delete a backup schedule"
	canChangeSettings  ability = "change backup settings"
	canCreateBackup    ability = "create a backup"
	canRestore         ability = "restore a backup"
	canDeleteSnapshots ability = "delete a snapshot schedule"
)

// codeNoEndpoint is the code of a refusal, or of a gate closed, because the API
// has no endpoint for the action at all: a property of the API, not of the VPS,
// so no gate rule counts it as a block of the VPS.
const codeNoEndpoint = "no_v1_endpoint"

// backend is HostUp's API for one VPS, as backendFor chose it from the id.
type backend interface {
	vpsID() string

	// lacks refuses what the API has no endpoint for; nil when it has one.
	lacks(a ability) *Refusal
	// hasGates says whether HostUp reports action gates; without them the
	// gates are derived from settings and limits, and a block only HostUp
	// knows of shows when HostUp refuses the request.
	hasGates() bool
	// takesMinute says whether a schedule starts at a minute of its own
	// rather than on the hour.
	takesMinute() bool
	// checkBackupID refuses, before anything is sent, a backup id that is not
	// of the kind this API names backups by.
	checkBackupID(id string) error

	// The reads, in v2's shapes.
	schedules(ctx context.Context) (scheduleRead, error)
	backups(ctx context.Context) (backupList, error) // all of them, newest first
	snapshots(ctx context.Context) (*SnapshotState, error)

	// The writes every API has, each with the request a plan shows for it.
	postSchedule(ctx context.Context, r scheduleRequest) (hostup.Answer, error)
	schedulePost(r scheduleRequest) PlannedRequest
	deleteBackup(ctx context.Context, backupID string) (hostup.Answer, error)
	backupDelete(backupID string) PlannedRequest
	setSnapshots(ctx context.Context, want hostup.SnapshotScheduleRequest) (hostup.Answer, error)
	snapshotPost(want hostup.SnapshotScheduleRequest) PlannedRequest
}

// backendFor is the API vpsID names. The first character decides, so a
// malformed number is still validated, and refused, as a vmid.
func (d *Deps) backendFor(vpsID string) backend {
	if vpsID != "" && vpsID[0] >= '0' && vpsID[0] <= '9' {
		return v1API{client: d.Client, vmid: vpsID}
	}
	return v2API{client: d.Client, id: vpsID}
}

// scheduleRead is one read of a VPS's backup schedules: the state in v2's
// shape, which the planning and the views use whichever API gave it, and the
// readings that need that API's own answer.
type scheduleRead interface {
	state() *hostup.BackupSchedules
	// addFacts adds to views built from the state what only this API reports.
	addFacts(st *ScheduleState)
	// lastRun is the status of the newest scheduled run, given the
	// schedule's own status, and whether that run failed.
	lastRun(status string) (string, bool)
}

// backupList is a VPS's backups from either API, all of them, newest first.
type backupList struct {
	views []BackupView
	quota QuotaView
	gates BackupGates
}
