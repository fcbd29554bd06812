package tools

import (
	"context"
	"slices"

	"github.com/hostup/hostup-mcp/hostup"
)

// The audit's snapshot column: each VPS's snapshot schedule, and the one problem it
// adds. A VPS with no backup, no backup schedule running and no snapshot schedule
// running has nothing at all to go back to: that row is flagged first.

const problemNothingToRestore = "no_backups_no_snapshots"

// addSnapshots reads the row's snapshot schedule into its column. A failed read
// says so in the column and flags nothing: the backup rows are still right.
func addSnapshots(ctx context.Context, api backend, r *AuditRow, bs *hostup.BackupSchedules) {
	st, err := api.snapshots(ctx)
	if err != nil {
		r.Snapshots = "unknown: " + firstLine(describeError(err))
		return
	}
	r.Snapshots = st.describe()
	backups := bs.Limits.ManualBackupsActive+bs.Limits.ScheduledBackupsActive > 0 || (r.HasSchedule && r.Enabled)
	snapshots, known := st.Schedule.running()
	switch {
	case backups || snapshots:
	case known:
		r.Problems = slices.Insert(r.Problems, 0, problemNothingToRestore)
	default:
		// Whether snapshots are being taken decides it, and HostUp did not say.
		r.Unread = append(r.Unread, "snapshot "+hostup.SnapshotEnabled)
	}
}

// rank orders the audit: nothing to restore first, then other problems and
// errors, then the VPSes that are fine.
func (r AuditRow) rank() int {
	switch {
	case len(r.Problems) > 0 && r.Problems[0] == problemNothingToRestore:
		return 0
	case r.attention():
		return 1
	}
	return 2
}
