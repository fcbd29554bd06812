package tools

import (
	"context"
	"fmt"
	"strconv"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// UpdateBackupSettingsInput is the retention settings to change.
type UpdateBackupSettingsInput struct {
	VPSID            string `json:"vps_id" jsonschema:"pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_vps."`
	MaxTotalBackups  *int   `json:"max_total_backups,omitempty" jsonschema:"minimum=1,maximum=1000" jsonschema_description:"Most backups kept (manual + scheduled)."`
	AutoDeleteOldest *bool  `json:"auto_delete_oldest,omitempty" jsonschema_description:"At the limit, HostUp deletes the oldest."`
	DryRun           bool   `json:"dry_run,omitempty" jsonschema_description:"Plan only."`
	ConfirmToken     string `json:"confirm_token,omitempty" jsonschema:"maxLength=600" jsonschema_description:"Once the user agreed to the plan."`
}

// UpdateBackupSettingsOutput is the outcome and the settings read back.
type UpdateBackupSettingsOutput struct {
	MutationOutput
	// The settings as HostUp reports them after the change.
	Settings *SettingsView `json:"settings,omitempty"`
}

func updateBackupSettings(d *Deps) server.ServerTool {
	return newTool(d, "update_backup_settings", "Update backup settings",
		"Changes a VPS's backup retention settings; destructive when HostUp may then delete backups.",
		setterHints,
		func(ctx context.Context, call *Call, in UpdateBackupSettingsInput) (UpdateBackupSettingsOutput, string, error) {
			var out UpdateBackupSettingsOutput
			w := writeArgs{vpsID: in.VPSID, needs: canChangeSettings, dryRun: in.DryRun, confirmToken: in.ConfirmToken}
			mo, settings, err := write(ctx, call, w, func(ctx context.Context, api backend) (*operation[*SettingsView], error) {
				return d.settingsOperation(ctx, api, in)
			})
			out.MutationOutput = mo
			if settings != nil {
				out.Settings = *settings
			}
			if err != nil {
				return out, "", err
			}
			applied := "Done."
			if s := out.Settings; s != nil {
				applied = "Done. HostUp now reports: " + s.text()
			}
			return out, out.summaryText(applied), nil
		})
}

// settingsBasis is what decides a settings plan: the schedule state, and
// whether the new limit is below the backups kept (a count runs move).
type settingsBasis struct {
	State    scheduleBasis `json:"state"`
	CutsKept bool          `json:"cuts_kept"`
}

// settingsOperation reads the VPS's settings and plans the change in asks for;
// a call that asks for none is refused before anything is read. Its read-back
// is the settings, nil when HostUp's answer gave none. Only v2 changes
// settings, so it talks to v2 directly.
func (d *Deps) settingsOperation(ctx context.Context, api backend, in UpdateBackupSettingsInput) (*operation[*SettingsView], error) {
	if in.MaxTotalBackups == nil && in.AutoDeleteOldest == nil {
		return nil, badInput("give max_total_backups, auto_delete_oldest or both")
	}
	bs, err := d.Client.GetBackupSchedules(ctx, in.VPSID)
	if err != nil {
		return nil, err
	}
	p, req, err := planSettings(in, bs)
	if err != nil {
		return nil, err
	}
	basis := settingsBasis{State: scheduleBasisOf(bs)}
	if s := bs.Settings; s != nil && in.MaxTotalBackups != nil {
		basis.CutsKept = *in.MaxTotalBackups < s.ManualBackupsActive+s.ScheduledBackupsActive
	}
	op := newOperation[*SettingsView](api, "update_backup_settings", p, basis)
	op.apply = func(ctx context.Context) (sent, error) {
		a, err := d.Client.UpdateBackupSettings(ctx, in.VPSID, req)
		return sent{answer: a}, err
	}
	op.readBack = func(ctx context.Context, _ sent) (sight[*SettingsView], error) {
		bs, err := d.Client.GetBackupSchedules(ctx, in.VPSID)
		if err != nil {
			return sight[*SettingsView]{}, err
		}
		// Read as the plan was: the limit from settings or limits; a value
		// HostUp did not give shows nothing, never the change.
		limit, limitKnown := settingOrLimit(bs, "totalBackupLimit", "totalBackups")
		auto, autoKnown := autoDeleteOldest(bs)
		seen := sight[*SettingsView]{
			view: settingsView(bs.Settings),
			shows: (req.MaxTotalBackups == nil || limitKnown && *req.MaxTotalBackups == limit) &&
				(req.AutoDeleteOldest == nil || autoKnown && *req.AutoDeleteOldest == auto),
		}
		switch {
		case seen.view != nil:
			seen.now = seen.view.text()
		case limitKnown:
			seen.now = fmt.Sprintf("a limit of %s (limits.totalBackups); HostUp's answer gave no settings.", quantity(limit, "backup"))
		default:
			seen.now = "HostUp's answer gave neither settings nor limits.totalBackups, so the new values cannot be seen."
		}
		return seen, nil
	}
	return op, nil
}

func (s *SettingsView) text() string {
	return fmt.Sprintf("limit %s, %d manual + %d scheduled active, auto_delete_oldest %t.",
		quantity(s.TotalBackupLimit, "backup"), s.ManualBackupsActive, s.ScheduledBackupsActive, s.AutoDeleteOldest)
}

// planSettings refuses what HostUp's gate refuses and marks the change
// destructive when HostUp may delete backups because of it. A setting HostUp's
// answer did not give (the seed's own example has settings: null) is unknown:
// the requested value is sent, never called "already as requested".
func planSettings(in UpdateBackupSettingsInput, bs *hostup.BackupSchedules) (Plan, hostup.SettingsRequest, error) {
	var req hostup.SettingsRequest
	if !bs.Actions.CanUpdateSettings.Allowed {
		return Plan{}, req, gateRefusal("update the backup settings", bs.Actions.CanUpdateSettings)
	}
	limit, limitKnown := settingOrLimit(bs, "totalBackupLimit", "totalBackups")
	manual, manualKnown := settingOrLimit(bs, "manualBackupsActive", "manualBackupsActive")
	scheduled, scheduledKnown := settingOrLimit(bs, "scheduledBackupsActive", "scheduledBackupsActive")
	auto, autoKnown := autoDeleteOldest(bs)
	active, activeKnown := manual+scheduled, manualKnown && scheduledKnown
	before := func(v string, known bool, field string) string {
		if !known {
			return "(not given by HostUp: " + field + ")"
		}
		return v
	}
	newLimit, newAuto := limit, auto
	p := Plan{}
	if m := in.MaxTotalBackups; m != nil && (!limitKnown || *m != limit) {
		p.Changes = append(p.Changes, FieldChange{Field: "max_total_backups", Before: before(strconv.Itoa(limit), limitKnown, "settings.totalBackupLimit"), After: strconv.Itoa(*m)})
		newLimit, req.MaxTotalBackups = *m, m
	}
	if a := in.AutoDeleteOldest; a != nil && (!autoKnown || *a != auto) {
		p.Changes = append(p.Changes, FieldChange{Field: "auto_delete_oldest", Before: before(strconv.FormatBool(auto), autoKnown, "settings.autoDeleteOldest"), After: strconv.FormatBool(*a)})
		newAuto, req.AutoDeleteOldest = *a, a
	}
	autoDecided := autoKnown || req.AutoDeleteOldest != nil
	if len(p.Changes) == 0 {
		p.Summary = fmt.Sprintf("The settings of %s are already as requested; nothing to change.", in.VPSID)
		return p, req, nil
	}
	p.Summary = fmt.Sprintf("Change the backup settings of %s.", in.VPSID)
	p.Requests = []PlannedRequest{{Method: "PATCH", Endpoint: hostup.BackupSchedulesPath(in.VPSID), Body: req}}
	switch {
	case req.MaxTotalBackups == nil:
	case !activeKnown:
		p.Destructive = !autoDecided || newAuto
		p.Warnings = append(p.Warnings, fmt.Sprintf("HostUp's answer did not say how many backups %s keeps now, so whether the new limit of %d is below that is not known.", in.VPSID, newLimit))
		if p.Destructive {
			p.Deletes = append(p.Deletes, "possibly the oldest backups, if more than the new limit are kept now")
		}
	case newLimit < active && autoDecided && !newAuto:
		// HostUp's docs do not say what a limit below the backups kept does
		// with auto_delete_oldest off: refuse, or keep them. Its answer decides.
		p.Warnings = append(p.Warnings, fmt.Sprintf("%s keeps %s now, more than the new limit of %d, and auto_delete_oldest is off: HostUp may refuse this, or keep them and refuse new backups until some are deleted.", in.VPSID, quantity(active, "backup"), newLimit))
	case newLimit < active:
		p.Destructive = true
		p.Deletes = append(p.Deletes, fmt.Sprintf("the oldest %s (%d kept now, new limit %d)", quantity(active-newLimit, "backup"), active, newLimit))
	}
	if req.AutoDeleteOldest != nil && newAuto {
		p.Destructive = true
		p.Warnings = append(p.Warnings, "From now on HostUp deletes the oldest backups whenever a new backup needs room.")
	}
	return p, req, nil
}
