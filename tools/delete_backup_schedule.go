package tools

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// DeleteBackupScheduleInput names the schedule to delete.
type DeleteBackupScheduleInput struct {
	VPSID        string `json:"vps_id" jsonschema:"pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_vps."`
	ScheduleID   string `json:"schedule_id" jsonschema:"pattern=^(bks_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_backup_schedules (bks_…)."`
	DryRun       bool   `json:"dry_run,omitempty" jsonschema_description:"Plan only."`
	ConfirmToken string `json:"confirm_token,omitempty" jsonschema:"maxLength=600" jsonschema_description:"Once the user agreed to the plan."`
}

// DeleteBackupScheduleOutput is the outcome and the schedules read back.
type DeleteBackupScheduleOutput struct {
	MutationOutput
	ScheduleReadBack
}

func deleteBackupSchedule(d *Deps) server.ServerTool {
	return newTool(d, "delete_backup_schedule", "Delete a backup schedule",
		"Deletes a VPS's backup schedule: no more scheduled backups; existing ones stay.",
		deleterHints,
		func(ctx context.Context, call *Call, in DeleteBackupScheduleInput) (DeleteBackupScheduleOutput, string, error) {
			var out DeleteBackupScheduleOutput
			var err error
			w := writeArgs{vpsID: in.VPSID, needs: canDeleteSchedule, dryRun: in.DryRun, confirmToken: in.ConfirmToken}
			out.MutationOutput, out.Schedules, err = write(ctx, call, w, func(ctx context.Context, api backend) (*operation[[]ScheduleView], error) {
				return d.deleteScheduleOperation(ctx, api, in)
			})
			if err != nil {
				return out, "", err
			}
			applied := fmt.Sprintf("Deleted schedule %s.", in.ScheduleID)
			if out.Schedules != nil && len(*out.Schedules) == 0 {
				applied += " HostUp now reports no schedule on " + in.VPSID + "."
			}
			return out, out.summaryText(applied), nil
		})
}

// deleteScheduleOperation reads the VPS's schedules and plans deleting the one
// in names. Its read-back is the VPS's schedules. Only v2 deletes a schedule, so
// the DELETE goes to v2 directly; the reads go through the backend, ordered as
// every tool reads them (the enabled schedule first).
func (d *Deps) deleteScheduleOperation(ctx context.Context, api backend, in DeleteBackupScheduleInput) (*operation[[]ScheduleView], error) {
	read, err := api.schedules(ctx)
	if err != nil {
		return nil, err
	}
	bs := read.state()
	var target *hostup.Schedule
	for i := range bs.Schedules {
		if bs.Schedules[i].ID == in.ScheduleID {
			target = &bs.Schedules[i]
		}
	}
	if target == nil {
		return nil, unknownScheduleRefusal(in.VPSID, in.ScheduleID, bs.Schedules)
	}
	if !bs.Actions.CanDelete.Allowed {
		return nil, gateRefusal("delete the backup schedule", bs.Actions.CanDelete)
	}
	op := newOperation[[]ScheduleView](api, "delete_backup_schedule", Plan{
		Summary:     fmt.Sprintf("Delete the backup schedule %s of %s (%s).", target.ID, in.VPSID, d.scheduleView(*target).describe()),
		Destructive: true,
		Requests:    []PlannedRequest{{Method: "DELETE", Endpoint: hostup.BackupSchedulePath(in.VPSID, target.ID)}},
		Deletes:     []string{"schedule " + target.ID + "; existing backups stay"},
		Warnings:    []string{"Afterwards the VPS gets no scheduled backups until a new schedule is created."},
	}, scheduleBasisOf(bs))
	op.apply = func(ctx context.Context) (sent, error) {
		a, err := d.Client.DeleteBackupSchedule(ctx, in.VPSID, in.ScheduleID)
		return sent{answer: a}, err
	}
	op.readBack = func(ctx context.Context, _ sent) (sight[[]ScheduleView], error) {
		read, err := api.schedules(ctx)
		if err != nil {
			return sight[[]ScheduleView]{}, err
		}
		st := d.scheduleState(in.VPSID, read.state(), 0)
		seen := sight[[]ScheduleView]{view: st.Schedules, shows: true, now: in.VPSID + " has no backup schedule."}
		for _, s := range st.Schedules {
			seen.now = fmt.Sprintf("%s has the schedule %s (%s).", in.VPSID, s.ID, s.describe())
			seen.shows = seen.shows && s.ID != in.ScheduleID
		}
		return seen, nil
	}
	return op, nil
}

func unknownScheduleRefusal(vpsID, scheduleID string, existing []hostup.Schedule) *Refusal {
	fix := vpsID + " has no schedule at all, so there is nothing to delete."
	if len(existing) > 0 {
		fix = fmt.Sprintf("the schedule of %s is %s; list_backup_schedules shows it.", vpsID, existing[0].ID)
	}
	return &Refusal{Reason: fmt.Sprintf("VPS %s has no schedule with id %s", vpsID, scheduleID), Code: "schedule_not_found", Fix: fix}
}
