package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// maxBackupsListed caps list_backups so a VPS with years of backups cannot flood
// the model's context.
const maxBackupsListed = 50

// ListBackupsInput names one VPS.
type ListBackupsInput struct {
	VPSID string `json:"vps_id" jsonschema:"pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_vps."`
}

// BackupView is one stored backup.
type BackupView struct {
	// Backup id; pass it as backup_id to delete_backup with the same vps_id:
	// bkp_… for a vps_… id, the backup's volid (storage:path) for a numeric
	// vmid.
	ID        string  `json:"id"`
	CreatedAt string  `json:"created_at,omitempty"`
	SizeGB    float64 `json:"size_gb"`
	// Numeric vmids (API v1) only: the exact size in bytes, as a string because
	// it can exceed what a JSON number holds exactly.
	SizeBytes string `json:"size_bytes,omitempty"`
	// manual or scheduled.
	Type string `json:"type"`
	Note string `json:"note,omitempty"`
	// HostUp's display id of the backup file.
	Name string `json:"name,omitempty"`
}

// QuotaView counts backups against the limit.
type QuotaView struct {
	Used int `json:"used"`
	// Absent when HostUp sets no limit.
	Limit     *int `json:"limit,omitempty"`
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
	VPSID string `json:"vps_id"`
	// Newest first.
	Backups []BackupView `json:"backups"`
	Total   int          `json:"total"`
	// Older backups not listed because of the size cap.
	LeftOut int         `json:"left_out"`
	Quota   QuotaView   `json:"quota"`
	Gates   BackupGates `json:"gates"`
}

func listBackups(d *Deps) server.ServerTool {
	return newTool(d, "list_backups", "List backups",
		"Lists a VPS's stored backups (newest first, with ids), its quota, and whether HostUp allows a backup or a restore now.",
		readOnlyHints,
		func(ctx context.Context, _ *Call, in ListBackupsInput) (ListBackupsOutput, string, error) {
			l, err := d.backendFor(in.VPSID).backups(ctx)
			if err != nil {
				return ListBackupsOutput{}, "", err
			}
			out := l.output(in.VPSID)
			return out, out.text(d.display()), nil
		})
}

func (l backupList) output(vpsID string) ListBackupsOutput {
	shown, left := capList(l.views, maxBackupsListed)
	return ListBackupsOutput{VPSID: vpsID, Backups: shown, Total: len(l.views), LeftOut: left, Quota: l.quota, Gates: l.gates}
}

// sortNewestFirst orders by creation time; RFC 3339 strings in UTC sort as text.
func sortNewestFirst(v []BackupView) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j].CreatedAt > v[j-1].CreatedAt; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

func (o ListBackupsOutput) text(zone *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s has %s", o.VPSID, quantity(o.Total, "backup"))
	if o.Quota.Limit != nil {
		fmt.Fprintf(&b, " (limit %d", *o.Quota.Limit)
		if o.Quota.Remaining != nil {
			fmt.Fprintf(&b, ", %d free", *o.Quota.Remaining)
		}
		b.WriteString(")")
	}
	b.WriteString(".")
	for _, bk := range o.Backups {
		fmt.Fprintf(&b, "\n- %s  %s  %s  %.1f GB", bk.ID, localTimestamp(bk.CreatedAt, zone), bk.Type, bk.SizeGB)
		if bk.Note != "" {
			fmt.Fprintf(&b, "  %q", bk.Note)
		}
	}
	if o.LeftOut > 0 {
		fmt.Fprintf(&b, "\n… and %s not listed.", quantity(o.LeftOut, "older backup"))
	}
	if g := o.Gates.CanCreateBackup; !g.Allowed {
		fmt.Fprintf(&b, "\nHostUp blocks new manual backups: %s", g.Reason)
	}
	if g := o.Gates.CanRestore; !g.Allowed && o.Total > 0 {
		fmt.Fprintf(&b, "\nHostUp blocks restores: %s", g.Reason)
	}
	return b.String()
}
