package tools

import (
	"context"
	"fmt"
	"slices"

	"github.com/mark3labs/mcp-go/server"
)

// DeleteBackupInput names the backup to delete.
type DeleteBackupInput struct {
	VPSID        string `json:"vps_id" jsonschema:"pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_vps."`
	BackupID     string `json:"backup_id" jsonschema:"pattern=^(bkp_[A-Za-z0-9_-]{1\\,64}|[A-Za-z0-9][A-Za-z0-9_.-]{0\\,63}:[A-Za-z0-9_.:/+=-]{1\\,400})$" jsonschema_description:"From list_backups: bkp_…, or a vmid's volid."`
	DryRun       bool   `json:"dry_run,omitempty" jsonschema_description:"Plan only."`
	ConfirmToken string `json:"confirm_token,omitempty" jsonschema:"maxLength=600" jsonschema_description:"Once the user agreed to the plan."`
}

// DeleteBackupOutput is the outcome and what the read-back counts: the backups
// left and the quota, not the whole list (that is list_backups'; see
// ScheduleReadBack for why a write reports its change only).
type DeleteBackupOutput struct {
	MutationOutput
	// Backups HostUp lists for the VPS after the change.
	BackupsLeft *int `json:"backups_left,omitempty"`
	// The backup quota after the change.
	Quota *QuotaView `json:"quota,omitempty"`
}

func deleteBackup(d *Deps) server.ServerTool {
	return newTool(d, "delete_backup", "Delete a backup",
		"Deletes one stored backup of a VPS for good: it cannot be restored.",
		deleterHints,
		func(ctx context.Context, call *Call, in DeleteBackupInput) (DeleteBackupOutput, string, error) {
			if err := d.backendFor(in.VPSID).checkBackupID(in.BackupID); err != nil {
				return DeleteBackupOutput{}, "", err
			}
			var out DeleteBackupOutput
			w := writeArgs{vpsID: in.VPSID, dryRun: in.DryRun, confirmToken: in.ConfirmToken}
			mo, left, err := write(ctx, call, w, func(ctx context.Context, api backend) (*operation[backupsLeft], error) {
				return deleteBackupOperation(ctx, api, in)
			})
			out.MutationOutput = mo
			if left != nil {
				out.BackupsLeft, out.Quota = &left.count, &left.quota
			}
			if err != nil {
				return out, "", err
			}
			applied := fmt.Sprintf("Deleted backup %s.", in.BackupID)
			if out.BackupsLeft != nil {
				applied += fmt.Sprintf(" %s now has %s.", in.VPSID, quantity(*out.BackupsLeft, "backup"))
			}
			return out, out.summaryText(applied), nil
		})
}

// backupsLeft is what delete_backup reads back: how many backups are left, and
// the quota.
type backupsLeft struct {
	count int
	quota QuotaView
}

// deleteBackupOperation reads the VPS's backups and plans deleting the one in
// names; the backup itself is the basis.
func deleteBackupOperation(ctx context.Context, api backend, in DeleteBackupInput) (*operation[backupsLeft], error) {
	l, err := api.backups(ctx)
	if err != nil {
		return nil, err
	}
	var target *BackupView
	for i := range l.views {
		if l.views[i].ID == in.BackupID {
			target = &l.views[i]
		}
	}
	if target == nil {
		fix := fmt.Sprintf("call list_backups for %s to see its backups and their ids (%d in all).", in.VPSID, len(l.views))
		if len(l.views) == 0 {
			fix = in.VPSID + " has no backups at all, so there is nothing to delete."
		}
		return nil, &Refusal{
			Reason: fmt.Sprintf("VPS %s has no backup with id %s", in.VPSID, in.BackupID),
			Code:   "backup_not_found",
			Fix:    fix,
		}
	}
	what := fmt.Sprintf("backup %s (%s, %s, %.1f GB)", target.ID, target.CreatedAt, target.Type, target.SizeGB)
	op := newOperation[backupsLeft](api, "delete_backup", Plan{
		Summary:     fmt.Sprintf("Delete %s of %s.", what, in.VPSID),
		Destructive: true,
		Requests:    []PlannedRequest{api.backupDelete(target.ID)},
		Deletes:     []string{what + "; it cannot be restored afterwards"},
	}, *target)
	op.apply = func(ctx context.Context) (sent, error) {
		a, err := api.deleteBackup(ctx, in.BackupID)
		return sent{answer: a}, err
	}
	op.readBack = func(ctx context.Context, _ sent) (sight[backupsLeft], error) {
		l, err := api.backups(ctx)
		if err != nil {
			return sight[backupsLeft]{}, err
		}
		gone := !slices.ContainsFunc(l.views, func(bk BackupView) bool { return bk.ID == in.BackupID })
		return sight[backupsLeft]{view: backupsLeft{count: len(l.views), quota: l.quota}, shows: gone,
			now: fmt.Sprintf("%s has %s.", in.VPSID, quantity(len(l.views), "backup"))}, nil
	}
	return op, nil
}
