package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// ListSnapshotScheduleInput names one VPS.
type ListSnapshotScheduleInput struct {
	VPSID string `json:"vps_id" jsonschema:"pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_vps."`
}

// ListSnapshotScheduleOutput is one VPS's snapshot schedule, capacity and gate.
type ListSnapshotScheduleOutput struct {
	Common
	VPSID string `json:"vps_id"`
	SnapshotState
}

func listSnapshotSchedule(d *Deps) server.ServerTool {
	return newTool(d, "list_snapshot_schedule", "Show the snapshot schedule",
		"Shows a VPS's snapshot schedule (rollback points kept about 24 h, not offsite), its capacity and gate.",
		readOnlyHints,
		func(ctx context.Context, _ *Call, in ListSnapshotScheduleInput) (ListSnapshotScheduleOutput, string, error) {
			st, err := d.backendFor(in.VPSID).snapshots(ctx)
			if err != nil {
				return ListSnapshotScheduleOutput{}, "", err
			}
			out := ListSnapshotScheduleOutput{VPSID: in.VPSID, SnapshotState: *st}
			return out, out.text(d.display()), nil
		})
}

// text is the schedule for a person, its times in the display zone.
func (o ListSnapshotScheduleOutput) text(zone *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s snapshot schedule: %s.", o.VPSID, o.describe())
	if s := o.Schedule; s != nil {
		if s.LastRun != "" {
			fmt.Fprintf(&b, " Last snapshot %s.", localTimestamp(s.LastRun, zone))
		}
		if s.NextRun != "" {
			fmt.Fprintf(&b, " Next %s.", localTimestamp(s.NextRun, zone))
		}
	}
	fmt.Fprintf(&b, "\nSnapshot slots: %d.", o.TotalSnapshots)
	if r := o.refusal(o.VPSID); r != nil {
		fmt.Fprintf(&b, "\n%s.\nTo change that: %s", strings.TrimSuffix(r.Reason, "."), r.Fix)
	}
	b.WriteString("\n" + snapshotsNote)
	return b.String()
}
