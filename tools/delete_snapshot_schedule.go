package tools

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// DeleteSnapshotScheduleInput names the VPS whose snapshot schedule goes.
type DeleteSnapshotScheduleInput struct {
	VPSID        string `json:"vps_id" jsonschema:"pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_vps."`
	DryRun       bool   `json:"dry_run,omitempty" jsonschema_description:"Plan only."`
	ConfirmToken string `json:"confirm_token,omitempty" jsonschema:"maxLength=600" jsonschema_description:"Once the user agreed to the plan."`
}

func deleteSnapshotSchedule(d *Deps) server.ServerTool {
	return newTool(d, "delete_snapshot_schedule", "Delete the snapshot schedule",
		"Deletes a VPS's snapshot schedule: no new snapshots. vps_… ids only; pause a vmid's schedule instead.",
		deleterHints,
		func(ctx context.Context, call *Call, in DeleteSnapshotScheduleInput) (SnapshotScheduleChangeOutput, string, error) {
			var out SnapshotScheduleChangeOutput
			w := writeArgs{vpsID: in.VPSID, needs: canDeleteSnapshots, dryRun: in.DryRun, confirmToken: in.ConfirmToken}
			mo, after, err := write(ctx, call, w, func(ctx context.Context, api backend) (*operation[*SnapshotState], error) {
				return d.deleteSnapshotOperation(ctx, api, in)
			})
			out.MutationOutput = mo
			out.readBack(after)
			if err != nil {
				return out, "", err
			}
			return out, out.summaryText(fmt.Sprintf("Deleted the snapshot schedule of %s: no new snapshots are taken.", in.VPSID)), nil
		})
}

// deleteSnapshotOperation reads the snapshot schedule and plans deleting it. Its
// read-back is the snapshot state.
func (d *Deps) deleteSnapshotOperation(ctx context.Context, api backend, in DeleteSnapshotScheduleInput) (*operation[*SnapshotState], error) {
	st, err := api.snapshots(ctx)
	if err != nil {
		return nil, err
	}
	if st.Schedule == nil {
		return nil, &Refusal{
			Reason: fmt.Sprintf("VPS %s has no snapshot schedule, so there is nothing to delete", in.VPSID),
			Code:   "no_snapshot_schedule",
			Fix:    "nothing to do; list_snapshot_schedule shows the VPS's snapshot schedule and capacity.",
		}
	}
	what := "the snapshot schedule (" + st.describe() + ")"
	op := newOperation[*SnapshotState](api, "delete_snapshot_schedule", Plan{
		Summary:     fmt.Sprintf("Delete %s of %s: no new snapshots are taken afterwards.", what, in.VPSID),
		Destructive: true,
		Requests:    []PlannedRequest{{Method: "DELETE", Endpoint: hostup.SnapshotSchedulesPath(in.VPSID)}},
		Deletes:     []string{what},
		Warnings:    []string{"Once the existing snapshots expire (about 24 h), the VPS has no local rollback point; its offsite backups are not affected.", "To stop snapshots for a while only, pause the schedule instead (set_snapshot_schedule enabled=false)."},
	}, st.basis())
	op.apply = func(ctx context.Context) (sent, error) {
		a, err := d.Client.DeleteSnapshotSchedule(ctx, in.VPSID)
		return sent{answer: a}, err
	}
	op.readBack = func(ctx context.Context, _ sent) (sight[*SnapshotState], error) {
		after, err := api.snapshots(ctx)
		if err != nil {
			return sight[*SnapshotState]{}, err
		}
		return sight[*SnapshotState]{view: after, shows: after.Schedule == nil, now: fmt.Sprintf("%s snapshot schedule: %s.", in.VPSID, after.describe())}, nil
	}
	return op, nil
}
