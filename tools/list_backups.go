package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// maxBackupsListed caps list_backups so a VPS with years of backups cannot flood
// the model's context.
const maxBackupsListed = 50

// ListBackupsInput names one VPS.
type ListBackupsInput struct {
	VPSID string `json:"vps_id" jsonschema:"minLength=5,maxLength=80,pattern=^vps_[A-Za-z0-9]+$" jsonschema_description:"VPS id (vps_…) exactly as returned by list_vps."`
}

// BackupView is one stored backup.
type BackupView struct {
	ID        string  `json:"id" jsonschema_description:"Backup id (bkp_…); pass it as backup_id to delete_backup."`
	CreatedAt string  `json:"created_at,omitempty"`
	SizeGB    float64 `json:"size_gb"`
	Type      string  `json:"type" jsonschema_description:"manual or scheduled."`
	Note      string  `json:"note,omitempty"`
	Name      string  `json:"name,omitempty" jsonschema_description:"HostUp's display id of the backup file."`
}

// QuotaView counts backups against the limit.
type QuotaView struct {
	Used      int  `json:"used"`
	Limit     *int `json:"limit,omitempty" jsonschema_description:"Absent when HostUp sets no limit."`
	Remaining *int `json:"remaining,omitempty"`
}

// BackupGates are the gates of the backups endpoints.
type BackupGates struct {
	CanCreateBackup GateView `json:"can_create_backup"`
	CanRestore      GateView `json:"can_restore"`
}

// ListBackupsOutput is one VPS's backups.
type ListBackupsOutput struct {
	Common
	VPSID   string       `json:"vps_id"`
	Backups []BackupView `json:"backups" jsonschema_description:"Newest first."`
	Total   int          `json:"total"`
	LeftOut int          `json:"left_out" jsonschema_description:"Older backups not listed because of the size cap."`
	Quota   QuotaView    `json:"quota"`
	Gates   BackupGates  `json:"gates"`
}

func listBackups(d *Deps) server.ServerTool {
	return newTool(d, "list_backups", "List backups",
		"Lists a VPS's stored backups (newest first, with ids for delete_backup), its backup quota, and whether HostUp allows a new manual backup or a restore now.",
		readOnlyHints,
		func(ctx context.Context, _ *Call, in ListBackupsInput) (ListBackupsOutput, string, error) {
			b, err := d.Client.ListBackups(ctx, in.VPSID)
			if err != nil {
				return ListBackupsOutput{}, "", err
			}
			out := backupsOutput(in.VPSID, b)
			return out, out.text(), nil
		})
}

func backupsOutput(vpsID string, b *hostup.Backups) ListBackupsOutput {
	views := make([]BackupView, 0, len(b.Backups))
	for _, bk := range b.Backups {
		views = append(views, BackupView{ID: bk.ID, CreatedAt: deref(bk.CreatedAt), SizeGB: bk.SizeGB, Type: bk.BackupType, Note: deref(bk.Note), Name: bk.DisplayID})
	}
	sortNewestFirst(views)
	shown, left := capList(views, maxBackupsListed)
	return ListBackupsOutput{
		VPSID: vpsID, Backups: shown, Total: len(views), LeftOut: left,
		Quota: QuotaView{Used: b.QuotaInfo.Used, Limit: b.QuotaInfo.Limit, Remaining: b.QuotaInfo.Remaining},
		Gates: BackupGates{CanCreateBackup: gateView(b.Actions.CanCreateBackup), CanRestore: gateView(b.Actions.CanRestore)},
	}
}

// sortNewestFirst orders by creation time; RFC 3339 strings in UTC sort as text.
func sortNewestFirst(v []BackupView) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j].CreatedAt > v[j-1].CreatedAt; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

func (o ListBackupsOutput) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s has %d backups", o.VPSID, o.Total)
	if o.Quota.Limit != nil {
		fmt.Fprintf(&b, " (limit %d", *o.Quota.Limit)
		if o.Quota.Remaining != nil {
			fmt.Fprintf(&b, ", %d free", *o.Quota.Remaining)
		}
		b.WriteString(")")
	}
	b.WriteString(".")
	for _, bk := range o.Backups {
		fmt.Fprintf(&b, "\n- %s  %s  %s  %.1f GB", bk.ID, bk.CreatedAt, bk.Type, bk.SizeGB)
		if bk.Note != "" {
			fmt.Fprintf(&b, "  %q", bk.Note)
		}
	}
	if o.LeftOut > 0 {
		fmt.Fprintf(&b, "\n… and %d older backups not listed.", o.LeftOut)
	}
	if g := o.Gates.CanCreateBackup; !g.Allowed {
		fmt.Fprintf(&b, "\nHostUp blocks new manual backups: %s", g.Reason)
	}
	return b.String()
}
