package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// SetSnapshotScheduleInput is the snapshot schedule wanted.
type SetSnapshotScheduleInput struct {
	VPSID         string `json:"vps_id" jsonschema:"pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_vps."`
	IntervalHours int    `json:"interval_hours" jsonschema:"minimum=4,maximum=24" jsonschema_description:"Hours between snapshots."`
	Enabled       *bool  `json:"enabled,omitempty" jsonschema_description:"false pauses it; default true."`
	DryRun        bool   `json:"dry_run,omitempty" jsonschema_description:"Plan only."`
	ConfirmToken  string `json:"confirm_token,omitempty" jsonschema:"maxLength=600" jsonschema_description:"Once the user agreed to the plan."`
}

// SnapshotScheduleChangeOutput is the outcome and the schedule read back: the
// schedule alone, as with backup schedules (ScheduleReadBack); capacity and the
// gate stay with list_snapshot_schedule.
type SnapshotScheduleChangeOutput struct {
	MutationOutput
	// HasSchedule says whether HostUp reports a snapshot schedule after the
	// change, and is absent when it was not read back: it tells "read back:
	// none" from "not read back" (a dry run, or a read that failed), which an
	// absent schedule alone cannot.
	HasSchedule *bool `json:"has_schedule,omitempty"`
	// That schedule, when there is one.
	Schedule *SnapshotScheduleView `json:"schedule,omitempty"`
	after    *SnapshotState        // the whole read-back, for the result's text
}

// readBack fills the output from the state read back, nil when none was.
func (o *SnapshotScheduleChangeOutput) readBack(after **SnapshotState) {
	if after == nil || *after == nil {
		return
	}
	st := *after
	has := st.Schedule != nil
	o.after, o.HasSchedule, o.Schedule = st, &has, st.Schedule
}

func setSnapshotSchedule(d *Deps) server.ServerTool {
	return newTool(d, "set_snapshot_schedule", "Set the snapshot schedule",
		"Sets a VPS's snapshot schedule: rollback points every interval_hours, kept about 24 h (not offsite).",
		setterHints,
		func(ctx context.Context, call *Call, in SetSnapshotScheduleInput) (SnapshotScheduleChangeOutput, string, error) {
			var out SnapshotScheduleChangeOutput
			w := writeArgs{vpsID: in.VPSID, dryRun: in.DryRun, confirmToken: in.ConfirmToken}
			mo, after, err := write(ctx, call, w, func(ctx context.Context, api backend) (*operation[*SnapshotState], error) {
				return setSnapshotOperation(ctx, api, in)
			})
			out.MutationOutput = mo
			out.readBack(after)
			if err != nil {
				return out, "", err
			}
			applied := "Snapshot schedule saved."
			if out.after != nil {
				applied = fmt.Sprintf("Snapshot schedule of %s saved: %s.", in.VPSID, out.after.describe())
			}
			return out, out.summaryText(applied), nil
		})
}

// setSnapshotOperation reads the snapshot schedule and plans setting it. Its
// read-back is the snapshot state.
func setSnapshotOperation(ctx context.Context, api backend, in SetSnapshotScheduleInput) (*operation[*SnapshotState], error) {
	st, err := api.snapshots(ctx)
	if err != nil {
		return nil, err
	}
	if r := st.refusal(in.VPSID); r != nil {
		return nil, r
	}
	want := hostup.SnapshotScheduleRequest{Enabled: in.Enabled == nil || *in.Enabled, IntervalHours: in.IntervalHours}
	op := newOperation[*SnapshotState](api, "set_snapshot_schedule", planSnapshotSchedule(api, st, want), st.basis())
	op.apply = func(ctx context.Context) (sent, error) {
		a, err := api.setSnapshots(ctx, want)
		return sent{answer: a}, err
	}
	op.readBack = func(ctx context.Context, _ sent) (sight[*SnapshotState], error) {
		after, err := api.snapshots(ctx)
		if err != nil {
			return sight[*SnapshotState]{}, err
		}
		s := after.Schedule
		return sight[*SnapshotState]{view: after, shows: s.is(want.Enabled, want.IntervalHours),
			now: fmt.Sprintf("%s snapshot schedule: %s.", in.VPSID, after.describe())}, nil
	}
	return op, nil
}

func planSnapshotSchedule(api backend, st *SnapshotState, want hostup.SnapshotScheduleRequest) Plan {
	vpsID, enabled, interval := api.vpsID(), want.Enabled, want.IntervalHours
	after := &SnapshotState{Schedule: &SnapshotScheduleView{Enabled: &enabled, IntervalHours: &interval}}
	cur := st.Schedule
	if cur.is(enabled, interval) {
		return Plan{Summary: fmt.Sprintf("The snapshot schedule of %s is already %s; nothing to send.", vpsID, after.describe())}
	}
	p := Plan{
		Summary:  fmt.Sprintf("Set the snapshot schedule of %s to %s (now: %s).", vpsID, after.describe(), st.describe()),
		Requests: []PlannedRequest{api.snapshotPost(want)},
		Warnings: []string{snapshotsNote},
	}
	// Only what changes is a change: a value equal to the one HostUp gave is not.
	before := [2]string{"none", "none"}
	if cur != nil {
		before = [2]string{givenOr(cur.Enabled), givenOr(cur.IntervalHours)}
	}
	for _, c := range []FieldChange{
		{Field: "enabled", Before: before[0], After: fmt.Sprint(enabled)},
		{Field: "interval_hours", Before: before[1], After: fmt.Sprint(interval)},
	} {
		if c.Before != c.After {
			p.Changes = append(p.Changes, c)
		}
	}
	if cur != nil && len(cur.Unread) > 0 {
		// What the change replaces is not known in full: it may stop snapshots
		// that are being taken now, so the user decides.
		p.Destructive = true
		p.Warnings = append(p.Warnings, fmt.Sprintf("HostUp's answer did not give the snapshot schedule's %s, so what this change replaces is not known: it may be a schedule that is taking snapshots now.", strings.Join(cur.Unread, " and ")))
	}
	if on, known := cur.running(); (on || !known) && !enabled {
		p.Destructive = true
		p.Summary = fmt.Sprintf("Pause the snapshot schedule of %s: no new snapshots are taken until it is enabled again (now: %s).", vpsID, st.describe())
		p.Warnings = append(p.Warnings, "Pausing stops future snapshots: once the existing ones expire, the VPS has no local rollback point.")
	}
	return p
}

// givenOr is a value HostUp gave, or says it did not give one.
func givenOr[T any](v *T) string {
	if v == nil {
		return "not given by HostUp"
	}
	return fmt.Sprint(*v)
}
