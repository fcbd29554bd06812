package tools

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// DeleteBackupInput names the backup to delete.
type DeleteBackupInput struct {
	VPSID        string `json:"vps_id" jsonschema:"minLength=1,maxLength=80,pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"VPS id: the vps_… id exactly as list_vps returns it. A numeric vmid (e.g. 10000; HostUp's API v1) only when the user gives one, e.g. from HostUp's older control panel. Never guess an id, pass a name or IP, or turn one form into the other."`
	BackupID     string `json:"backup_id" jsonschema:"minLength=3,maxLength=470,pattern=^(bkp_[A-Za-z0-9_-]{1\\,64}|[A-Za-z0-9][A-Za-z0-9_.-]{0\\,63}:[A-Za-z0-9_.:/+=-]{1\\,400})$" jsonschema_description:"Backup id from list_backups with the same vps_id: bkp_… for a vps_… id, the backup's volid (storage:path) for a numeric vmid."`
	DryRun       bool   `json:"dry_run,omitempty" jsonschema_description:"Only return the plan; send nothing."`
	ConfirmToken string `json:"confirm_token,omitempty" jsonschema:"maxLength=600" jsonschema_description:"Token from a previous call's confirmation_required result, passed after the user agreed."`
}

// DeleteBackupOutput is the outcome and the backups read back.
type DeleteBackupOutput struct {
	MutationOutput
	Backups *ListBackupsOutput `json:"backups,omitempty" jsonschema_description:"The VPS's backups as HostUp reports them after the change."`
}

func deleteBackup(d *Deps) server.ServerTool {
	return newTool(d, "delete_backup", "Delete a backup",
		"Deletes one stored backup of a VPS for good; it cannot be restored afterwards. Destructive: needs the user's confirmation. Use dry_run first to show the plan. "+
			"Takes a vps_… id from list_vps with a bkp_… backup id, or a numeric vmid the user gave (HostUp's API v1) with the backup's volid from list_backups.",
		deleterHints,
		func(ctx context.Context, call *Call, in DeleteBackupInput) (DeleteBackupOutput, string, error) {
			kind := hostup.KindBackup
			if isVMID(in.VPSID) {
				kind = hostup.KindVolid
			}
			if err := hostup.ValidateID(kind, in.BackupID); err != nil {
				return DeleteBackupOutput{}, "", err
			}
			m := mutation{tool: "delete_backup", vpsID: in.VPSID, dryRun: in.DryRun, confirm: in.ConfirmToken}
			m.plan = func(ctx context.Context) (Plan, any, error) {
				l, err := d.readBackups(ctx, in.VPSID)
				if err != nil {
					return Plan{}, nil, err
				}
				for _, bk := range l.views {
					if bk.ID != in.BackupID {
						continue
					}
					what := fmt.Sprintf("backup %s (%s, %s, %.1f GB)", bk.ID, bk.CreatedAt, bk.Type, bk.SizeGB)
					return Plan{
						Summary:     fmt.Sprintf("Delete %s of %s.", what, in.VPSID),
						Destructive: true,
						Requests:    []PlannedRequest{{Method: "DELETE", Endpoint: apiPath(in.VPSID, "/backups/"+bk.ID)}},
						Deletes:     []string{what + "; it cannot be restored afterwards"},
					}, []any{l.views, l.quota, l.gates}, nil
				}
				fix := fmt.Sprintf("call list_backups for %s to see its backups and their ids (%d in all).", in.VPSID, len(l.views))
				if len(l.views) == 0 {
					fix = in.VPSID + " has no backups at all, so there is nothing to delete."
				}
				return Plan{}, nil, &Refusal{
					Reason: fmt.Sprintf("VPS %s has no backup with id %s", in.VPSID, in.BackupID),
					Code:   "backup_not_found",
					Fix:    fix,
				}
			}
			m.apply = func(ctx context.Context) error {
				if isVMID(in.VPSID) {
					_, err := d.Client.DeleteVMBackup(ctx, in.VPSID, in.BackupID)
					return err
				}
				return d.Client.DeleteBackup(ctx, in.VPSID, in.BackupID)
			}
			var out DeleteBackupOutput
			mo, err := d.mutate(ctx, call, m, func(ctx context.Context, mo *MutationOutput) error {
				l, err := d.readBackups(ctx, in.VPSID)
				if err != nil {
					return err
				}
				list := l.output(in.VPSID)
				out.Backups = &list
				happened := true
				for _, bk := range l.views {
					happened = happened && bk.ID != in.BackupID
				}
				mo.noteOutcome(happened, fmt.Sprintf("%s has %s.", in.VPSID, quantity(list.Total, "backup")))
				return nil
			})
			out.MutationOutput = mo
			if err != nil {
				return out, "", err
			}
			applied := fmt.Sprintf("Deleted backup %s.", in.BackupID)
			if out.Backups != nil {
				applied += fmt.Sprintf(" %s now has %s.", in.VPSID, quantity(out.Backups.Total, "backup"))
			}
			return out, out.summaryText(applied), nil
		})
}
