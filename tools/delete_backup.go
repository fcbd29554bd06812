package tools

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/server"
)

// DeleteBackupInput names the backup to delete.
type DeleteBackupInput struct {
	VPSID        string `json:"vps_id" jsonschema:"minLength=5,maxLength=80,pattern=^vps_[A-Za-z0-9]+$" jsonschema_description:"VPS id (vps_…) exactly as returned by list_vps."`
	BackupID     string `json:"backup_id" jsonschema:"minLength=5,maxLength=80,pattern=^bkp_[A-Za-z0-9]+$" jsonschema_description:"Backup id (bkp_…) from list_backups."`
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
		"Deletes one stored backup of a VPS for good; it cannot be restored afterwards. Destructive: needs the user's confirmation. Use dry_run first to show the plan.",
		deleterHints,
		func(ctx context.Context, call *Call, in DeleteBackupInput) (DeleteBackupOutput, string, error) {
			m := mutation{tool: "delete_backup", vpsID: in.VPSID, dryRun: in.DryRun, confirm: in.ConfirmToken}
			m.plan = func(ctx context.Context) (Plan, any, error) {
				b, err := d.Client.ListBackups(ctx, in.VPSID)
				if err != nil {
					return Plan{}, nil, err
				}
				for _, bk := range b.Backups {
					if bk.ID != in.BackupID {
						continue
					}
					what := fmt.Sprintf("backup %s (%s, %s, %.1f GB)", bk.ID, deref(bk.CreatedAt), bk.BackupType, bk.SizeGB)
					return Plan{
						Summary:     fmt.Sprintf("Delete %s of %s.", what, in.VPSID),
						Destructive: true,
						Requests:    []PlannedRequest{{Method: "DELETE", Endpoint: "/api/v2/vps/" + in.VPSID + "/backups/" + bk.ID}},
						Deletes:     []string{what + "; it cannot be restored afterwards"},
					}, b, nil
				}
				fix := fmt.Sprintf("call list_backups for %s to see its backups and their ids (%d in all).", in.VPSID, len(b.Backups))
				if len(b.Backups) == 0 {
					fix = in.VPSID + " has no backups at all, so there is nothing to delete."
				}
				return Plan{}, nil, &Refusal{
					Reason: fmt.Sprintf("%s has no backup with id %s", in.VPSID, in.BackupID),
					Code:   "backup_not_found",
					Fix:    fix,
				}
			}
			m.apply = func(ctx context.Context) error {
				return d.Client.DeleteBackup(ctx, in.VPSID, in.BackupID)
			}
			var out DeleteBackupOutput
			mo, err := d.mutate(ctx, call, m, func(ctx context.Context, mo *MutationOutput) error {
				b, err := d.Client.ListBackups(ctx, in.VPSID)
				if err != nil {
					return err
				}
				list := backupsOutput(in.VPSID, b)
				out.Backups = &list
				happened := true
				for _, bk := range b.Backups {
					happened = happened && bk.ID != in.BackupID
				}
				mo.noteOutcome(happened, fmt.Sprintf("%s has %d backups.", in.VPSID, list.Total))
				return nil
			})
			out.MutationOutput = mo
			if err != nil {
				return out, "", err
			}
			applied := fmt.Sprintf("Deleted backup %s.", in.BackupID)
			if out.Backups != nil {
				applied += fmt.Sprintf(" %s now has %d backups.", in.VPSID, out.Backups.Total)
			}
			return out, out.summaryText(applied), nil
		})
}
