package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// RestoreBackupInput names the VPS and the backup to put back on its disk.
type RestoreBackupInput struct {
	VPSID          string `json:"vps_id" jsonschema:"pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_vps."`
	BackupID       string `json:"backup_id" jsonschema:"minLength=5,maxLength=68,pattern=^bkp_[A-Za-z0-9_-]{1\\,64}$" jsonschema_description:"From list_backups."`
	DryRun         bool   `json:"dry_run,omitempty" jsonschema_description:"Plan only."`
	ConfirmToken   string `json:"confirm_token,omitempty" jsonschema:"maxLength=600" jsonschema_description:"Once the user agreed to the plan; with confirm_vps_name."`
	ConfirmVPSName string `json:"confirm_vps_name,omitempty" jsonschema:"maxLength=200" jsonschema_description:"The VPS's name as the user typed it; never fill it in yourself."`
}

// RestoreBackupOutput is the outcome, the backup restored and the restore job.
type RestoreBackupOutput struct {
	MutationOutput
	VPSName string `json:"vps_name,omitempty"`
	// TypeToConfirm is what the user types to confirm: the VPS's name, or its
	// id when the name cannot be typed, never typed for them. It is restated
	// here for the command line, which checks what the person typed before it
	// applies anything.
	TypeToConfirm string `json:"type_to_confirm,omitempty"`
	// The backup the disk is restored from.
	Backup *BackupView `json:"backup,omitempty"`
	// The restore job; poll it with get_job when it has not ended.
	Job *JobView `json:"job,omitempty"`
}

// A restore is not idempotent: a second one throws away what changed after the
// first. It is the most destructive change the product makes.
var restorerHints = hints{readOnly: false, destructive: true, idempotent: false, openWorld: true}

func restoreBackup(d *Deps) server.ServerTool {
	return newTool(d, "restore_backup", "Restore a backup (replaces the disk)",
		"Restores a backup in place: the disk is replaced; changes since the backup are lost. "+
			"The user confirms by typing the VPS's name.",
		restorerHints,
		func(ctx context.Context, call *Call, in RestoreBackupInput) (RestoreBackupOutput, string, error) {
			var out RestoreBackupOutput
			op, err := prepare(ctx, d, in.VPSID, canRestore, func(ctx context.Context, api backend) (*operation[*JobView], error) {
				return d.restoreOperation(ctx, api, in)
			})
			if err != nil {
				return out, "", err
			}
			target := op.basis.(restoreBasis)
			out.VPSName, out.Backup, out.TypeToConfirm = target.Name, &target.Backup, op.typed.want
			if !in.DryRun {
				call.taskNote("Cancelled while the restore request may have been on its way to HostUp: list_backups shows the restore gate closed while a restore runs; check, with the user, before restoring again.")
			}
			mo, job, err := mutateOne(ctx, call, op, in.DryRun, in.ConfirmToken)
			out.MutationOutput = mo
			if job != nil {
				out.Job = *job
			}
			if err != nil {
				return out, "", err
			}
			if out.Outcome == outcomeNeedsConfirm {
				out.Notes = append(out.Notes, fmt.Sprintf("This restore needs a typed confirmation: ask the user to type %s, and pass exactly what they typed as confirm_vps_name with the confirm_token. Never type it for them.", op.typed.what))
			}
			if out.Outcome != outcomeApplied {
				return out, out.summaryText(""), nil
			}
			out.Plan = withoutAdvice(out.Plan)
			// The wait is outside the VPS's lock: a restore takes minutes.
			if out.Job != nil {
				call.taskNote(fmt.Sprintf("Stopped following job %s only: HostUp goes on restoring %s (%s) from %s, replacing its disk; cancelling the task neither stops nor undoes the restore. Follow it with get_job job_id=%s before using the VPS.", out.Job.ID, in.VPSID, quoted(out.VPSName), in.BackupID, out.Job.ID))
				out.Job = d.waitForJob(ctx, call, *out.Job, "restore")
			}
			return out, out.summaryText(restoredText(out, d.display())), nil
		})
}

// restoreBasis is what decides a restore's plan: the gate, the VPS's name (what
// the user types) and the backup itself.
type restoreBasis struct {
	Gate   gateBasis  `json:"gate"`
	Name   string     `json:"name"`
	Backup BackupView `json:"backup"`
}

// restoreOperation reads the VPS and its backups, refuses what HostUp's gate or the
// backup list rule out, and plans the restore; its basis names the VPS and the
// backup. Its read-back is the restore job, nil when HostUp named none. Only v2
// restores, so it talks to v2 directly.
func (d *Deps) restoreOperation(ctx context.Context, api backend, in RestoreBackupInput) (*operation[*JobView], error) {
	vps, err := d.Client.GetVPS(ctx, in.VPSID)
	if err != nil {
		return nil, err
	}
	before, err := d.Client.ListBackups(ctx, in.VPSID)
	if err != nil {
		return nil, err
	}
	views := backupViews(before.Backups)
	name := vps.Name
	if name == "" {
		name = vps.ID // HostUp marks every field optional
	}
	target, err := restorable(in, before, views)
	if err != nil {
		return nil, err
	}
	op := newOperation[*JobView](api, "restore_backup", planRestore(in.VPSID, name, *target, views, d.now(), d.display()),
		restoreBasis{Gate: gateOf(before.Actions.CanRestore), Name: name, Backup: *target})
	what, want := typedVPSName(vps.Name, in.VPSID)
	op.typed = &typedConfirmation{what: what, want: want, arg: "confirm_vps_name", given: in.ConfirmVPSName,
		change: "A restore", cli: d.restoreCommand(in)}
	op.apply = func(ctx context.Context) (sent, error) {
		a, err := d.Client.RestoreBackup(ctx, in.VPSID, in.BackupID)
		return sent{answer: a}, err
	}
	op.readBack = func(ctx context.Context, s sent) (sight[*JobView], error) {
		return d.jobTrace(ctx, in.VPSID, s, func(after *hostup.Backups) sight[*JobView] {
			// No job id came back. The restore gate, open when planned, closes
			// while a job runs on the VPS: the trace the request left, if it
			// arrived. An open gate proves nothing: the restore may never have
			// arrived, or have ended already, and HostUp's API shows no restore
			// history to tell which.
			if gate := after.Actions.CanRestore; !gate.Allowed {
				return sight[*JobView]{shows: true, now: fmt.Sprintf("a job runs on %s (HostUp blocks restores: %s).", in.VPSID, strings.TrimSuffix(gate.ReasonText(), ".")),
					verdict: fmt.Sprintf("The state read back shows a job running on %s (HostUp blocks restores: %s): most likely this restore; do not send it again. list_backups shows when the gate opens.", in.VPSID, strings.TrimSuffix(gate.ReasonText(), "."))}
			}
			return sight[*JobView]{now: fmt.Sprintf("HostUp allows restores of %s again.", in.VPSID),
				verdict: fmt.Sprintf("The state read back cannot tell whether the restore happened: HostUp allows restores of %s again, so either the restore never arrived or it has already finished. Check the VPS (its files, or HostUp's control panel) with the user before restoring again.", in.VPSID)}
		})
	}
	return op, nil
}

// restoreCommand is the command line on which the person at a terminal confirms
// this restore: call asks them to type the name (ids are checked by the input
// schema, so they are safe to print between quotes).
func (d *Deps) restoreCommand(in RestoreBackupInput) string {
	line := fmt.Sprintf(`hostup-mcp call restore_backup '{"vps_id":"%s","backup_id":"%s"}' --yes`, in.VPSID, in.BackupID)
	if d.Sandbox {
		line += " --sandbox"
	}
	return line + ", which asks for the VPS's name (or takes it as \"confirm_vps_name\" in the arguments)"
}

// restorable returns the backup to restore, or the refusal that sends nothing.
func restorable(in RestoreBackupInput, b *hostup.Backups, views []BackupView) (*BackupView, error) {
	var target *BackupView
	for i := range views {
		if views[i].ID == in.BackupID {
			target = &views[i]
		}
	}
	if g := b.Actions.CanRestore; !g.Allowed {
		r := gateRefusal("restore a backup of "+in.VPSID, g)
		switch {
		case len(views) == 0:
			r.Fix = in.VPSID + " has no backups, so there is nothing to restore: create one first (create_backup)."
		case g.CodeText() != "pending_order":
			r.Fix = "wait until what HostUp names is over (a running backup or restore job ends by itself; get_job follows it), then try again; list_backups shows the restore gate."
		}
		return nil, r
	}
	if target == nil {
		fix := fmt.Sprintf("call list_backups for %s to see its backups and their ids (%d in all); a backup of another VPS cannot be restored in place.", in.VPSID, len(views))
		if len(views) == 0 {
			fix = in.VPSID + " has no backups at all, so there is nothing to restore."
		}
		return nil, &Refusal{Reason: fmt.Sprintf("VPS %s has no backup with id %s", in.VPSID, in.BackupID), Code: "backup_not_found", Fix: fix}
	}
	return target, nil
}

// planRestore plans restoring b; the times a person reads are in zone.
func planRestore(vpsID, name string, b BackupView, all []BackupView, now time.Time, zone *time.Location) Plan {
	lost := "an unknown amount of time (HostUp gave no creation time for the backup)"
	since, taken := "the backup was taken", "unknown"
	if at, ok := parseTime(b.CreatedAt); ok {
		lost, since, taken = spanText(now.Sub(at)), localTimestamp(b.CreatedAt, zone), localTimestamp(b.CreatedAt, zone)
	}
	what := fmt.Sprintf("backup %s (taken %s, %s, %.1f GB)", b.ID, taken, orUnknown(b.Type), b.SizeGB)
	p := Plan{
		Summary: fmt.Sprintf("Restore VPS %s (%s) in place from %s: its current disk is replaced, and the last %s of changes are lost.",
			vpsID, quoted(name), what, lost),
		Destructive: true,
		Requests:    []PlannedRequest{{Method: "POST", Endpoint: hostup.RestorePath(vpsID, b.ID)}},
		Changes:     []FieldChange{{Field: "disk of " + quoted(name), Before: "as it is now", After: "as it was at " + taken}},
		Deletes:     []string{fmt.Sprintf("everything written to the disk of %s since %s (%s of changes: files, databases, installed software); a restore cannot be undone", quoted(name), since, lost)},
		Warnings:    []string{"Expect downtime: the VPS is unavailable while HostUp replaces its disk.", restoreBackupFirst},
	}
	newer := 0
	for _, o := range all {
		if o.CreatedAt > b.CreatedAt {
			newer++
		}
	}
	if newer > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf(notNewest, quantity(newer, "backup")))
	}
	return p
}

// Advice for before a restore: once it is sent, it no longer holds.
const (
	restoreBackupFirst = "To keep a way back to today's state, create a backup first (create_backup with wait=true), then restore."
	notNewest          = "This is not the newest backup: %s taken after it would be passed over."
)

// withoutAdvice is a restore's plan once it was sent: what a person reads
// after it no longer tells them what to do before it.
func withoutAdvice(p Plan) Plan {
	notNewestStart, _, _ := strings.Cut(notNewest, "%s")
	kept := []string{}
	for _, w := range p.Warnings {
		if w != restoreBackupFirst && !strings.HasPrefix(w, notNewestStart) {
			kept = append(kept, w)
		}
	}
	p.Warnings = kept
	return p
}

// spanText says how long a span is in the two largest units a person uses.
func spanText(d time.Duration) string {
	d = max(d, time.Minute).Round(time.Minute)
	days, hours, minutes := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0 && hours > 0:
		return quantity(days, "day") + " " + quantity(hours, "hour")
	case days > 0:
		return quantity(days, "day")
	case hours > 0 && minutes > 0:
		return quantity(hours, "hour") + " " + quantity(minutes, "minute")
	case hours > 0:
		return quantity(hours, "hour")
	}
	return quantity(minutes, "minute")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// restoredText says what became of the restore, with a plain verdict last.
func restoredText(out RestoreBackupOutput, zone *time.Location) string {
	from := "the backup"
	if out.Backup != nil {
		from = "backup " + out.Backup.ID
	}
	job := out.Job
	switch {
	case job == nil:
		return fmt.Sprintf("Restore of %s from %s queued. HostUp returned no job id; list_backups shows the restore gate closed while it runs.", quoted(out.VPSName), from)
	case job.Status == hostup.JobCompleted:
		return fmt.Sprintf("Job %s finished%s. %s now runs from %s: restore done.", job.ID, atTime(job.FinishedAt, zone), quoted(out.VPSName), from)
	case job.Status == hostup.JobFailed:
		reason := strings.TrimSuffix(orUnknown(firstNonEmpty(job.Error, job.Message)), ".")
		return fmt.Sprintf("Job %s ended%s. Restore failed: %s. Check the VPS's state in HostUp's control panel before anything else.", job.ID, atTime(job.FinishedAt, zone), reason)
	}
	return fmt.Sprintf("Restore of %s from %s queued. %s Follow it with get_job job_id=%s; do not start another restore meanwhile.", quoted(out.VPSName), from, job.text(zone), job.ID)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
