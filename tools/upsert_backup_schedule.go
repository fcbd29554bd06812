package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// UpsertBackupScheduleInput is the schedule the user wants.
type UpsertBackupScheduleInput struct {
	VPSID           string  `json:"vps_id" jsonschema:"pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_vps."`
	Frequency       string  `json:"frequency" jsonschema:"enum=daily,enum=weekly,enum=monthly" jsonschema_description:"Backup frequency."`
	Hour            int     `json:"hour" jsonschema:"minimum=0,maximum=23" jsonschema_description:"Start hour, UTC unless timezone is set."`
	Minute          *int    `json:"minute,omitempty" jsonschema:"minimum=0,maximum=59" jsonschema_description:"vmids only."`
	DayOfWeek       *int    `json:"day_of_week,omitempty" jsonschema:"minimum=0,maximum=6" jsonschema_description:"Required for weekly: 0=Sunday."`
	DayOfMonth      *int    `json:"day_of_month,omitempty" jsonschema:"minimum=1,maximum=31" jsonschema_description:"Required for monthly."`
	RetentionCount  int     `json:"retention_count" jsonschema:"minimum=1,maximum=1000" jsonschema_description:"Scheduled backups kept; at most limits.max_retention."`
	Enabled         *bool   `json:"enabled,omitempty" jsonschema_description:"false pauses it; omitted: unchanged (true when new)."`
	Name            *string `json:"name,omitempty" jsonschema:"maxLength=100" jsonschema_description:"Label, e.g. Nightly backup."`
	Timezone        string  `json:"timezone,omitempty" jsonschema:"maxLength=64" jsonschema_description:"IANA zone of hour and day; default UTC."`
	ReplaceExisting bool    `json:"replace_existing,omitempty" jsonschema_description:"Delete, then create: needed to change frequency."`
	DryRun          bool    `json:"dry_run,omitempty" jsonschema_description:"Plan only."`
	ConfirmToken    string  `json:"confirm_token,omitempty" jsonschema:"maxLength=600" jsonschema_description:"Once the user agreed to the plan."`
}

// UpsertBackupScheduleOutput is the outcome and, once sent, the schedules read back.
type UpsertBackupScheduleOutput struct {
	MutationOutput
	ScheduleReadBack
}

func upsertBackupSchedule(d *Deps) server.ServerTool {
	return newTool(d, "upsert_backup_schedule", "Set a backup schedule",
		"Creates or updates a VPS's one backup schedule (another frequency: replace_existing). "+
			"Asks first when it replaces, pauses, keeps fewer backups, or fills a full quota with auto-delete on.",
		setterHints,
		func(ctx context.Context, call *Call, in UpsertBackupScheduleInput) (UpsertBackupScheduleOutput, string, error) {
			if in.Minute != nil && !d.backendFor(in.VPSID).takesMinute() {
				return UpsertBackupScheduleOutput{}, "", badInput("minute is for numeric vmids (HostUp's API v1) only: HostUp's v2 API, which vps_… ids use, starts backups on the hour; leave minute out")
			}
			want, notes, err := desiredSchedule(in, d.now())
			if err != nil {
				return UpsertBackupScheduleOutput{}, "", err
			}
			var out UpsertBackupScheduleOutput
			w := writeArgs{vpsID: in.VPSID, dryRun: in.DryRun, confirmToken: in.ConfirmToken}
			out.MutationOutput, out.Schedules, err = write(ctx, call, w, func(ctx context.Context, api backend) (*operation[[]ScheduleView], error) {
				return d.upsertOperation(ctx, api, in, want, notes)
			})
			if err != nil {
				return out, "", err
			}
			applied := "Done. "
			if out.Schedules != nil && len(*out.Schedules) > 0 {
				applied += "HostUp now reports: " + (*out.Schedules)[0].describe()
			} else {
				applied += out.Plan.Summary
			}
			return out, out.summaryText(applied), nil
		})
}

// upsertBasis is what decides an upsert's plan: the schedule state, and whether
// the new retention is below the scheduled backups kept (a count a run moves,
// so only which side of the retention it is on counts).
type upsertBasis struct {
	State    scheduleBasis `json:"state"`
	CutsKept bool          `json:"cuts_kept"`
	Oldest   string        `json:"oldest,omitempty"` // the backup a full quota would lose
}

// oldestBackupName names the VPS's oldest backup for a plan, or says it could
// not be read: the plan is still worth showing.
func oldestBackupName(ctx context.Context, api backend) string {
	l, err := api.backups(ctx)
	if err != nil {
		return "the oldest backup (which one could not be read)"
	}
	return "the oldest backup " + oldestBackup(l.views)
}

// upsertOperation reads the VPS's schedule and plans the upsert of want (the
// schedule desiredSchedule made of in; notes are its warnings). Its read-back
// is the VPS's schedules.
func (d *Deps) upsertOperation(ctx context.Context, api backend, in UpsertBackupScheduleInput, want scheduleRequest, notes []string) (*operation[[]ScheduleView], error) {
	read, err := api.schedules(ctx)
	if err != nil {
		return nil, err
	}
	return d.upsertOperationFrom(ctx, api, in, want, notes, read.state())
}

// upsertOperationFrom is upsertOperation on a state the caller has just read:
// the fleet reads it first to fit the retention to each VPS's maximum.
func (d *Deps) upsertOperationFrom(ctx context.Context, api backend, in UpsertBackupScheduleInput, want scheduleRequest, notes []string, bs *hostup.BackupSchedules) (*operation[[]ScheduleView], error) {
	var old *hostup.Schedule
	if len(bs.Schedules) > 0 {
		old = &bs.Schedules[0]
	}
	p, replace, err := d.planUpsert(api, in, bs, old, &want)
	if err != nil {
		return nil, err
	}
	p.Warnings = append(p.Warnings, notes...)
	basis := upsertBasis{State: scheduleBasisOf(bs), CutsKept: bs.Limits.ScheduledBackupsActive > want.RetentionCount}
	if old == nil && len(p.Requests) > 0 && quotaFullWithAutoDelete(bs) {
		// The first run needs room, and HostUp makes it by deleting the oldest
		// backup, which may be a manual one the user counts on.
		basis.Oldest = oldestBackupName(ctx, api)
		p.Destructive = true
		p.Deletes = append(p.Deletes, basis.Oldest+", which HostUp deletes at the schedule's first run to make room (the backup quota is full and auto_delete_oldest is on)")
	}
	op := newOperation[[]ScheduleView](api, "upsert_backup_schedule", p, basis)
	op.apply = func(ctx context.Context) (sent, error) {
		if !replace {
			a, err := api.postSchedule(ctx, want)
			return sent{answer: a}, err
		}
		return d.replaceSchedule(ctx, api, *old, want)
	}
	op.readBack = func(ctx context.Context, _ sent) (sight[[]ScheduleView], error) {
		return d.upsertSight(ctx, api, old, want, replace)
	}
	return op, nil
}

// upsertSight reads the schedules back after an upsert of want (replacing old
// when replace) and says whether they show it.
func (d *Deps) upsertSight(ctx context.Context, api backend, old *hostup.Schedule, want scheduleRequest, replace bool) (sight[[]ScheduleView], error) {
	vpsID := api.vpsID()
	read, err := api.schedules(ctx)
	if err != nil {
		return sight[[]ScheduleView]{}, err
	}
	bs := read.state()
	st := d.scheduleState(vpsID, bs, 0)
	read.addFacts(&st)
	seen := sight[[]ScheduleView]{view: st.Schedules, now: vpsID + " has no backup schedule."}
	if replace && len(bs.Schedules) == 0 {
		// Neither "it happened" nor "it did not": the old schedule went,
		// the new one never came.
		seen.verdict = fmt.Sprintf("Half done: HostUp now reports NO backup schedule on %s: the old schedule %s was deleted and the new one was not created. Call upsert_backup_schedule again with the same arguments (without replace_existing it is a plain create) so the VPS gets backups again.", vpsID, old.ID)
		return seen, nil
	}
	// The schedule that must show the change: the one updated in place, or,
	// for a new or replacing schedule, one of the frequency asked for.
	target := ""
	if old != nil && !replace {
		target = old.ID
	}
	i := showingSchedule(bs.Schedules, target, want)
	seen.shows = i >= 0
	if i < 0 {
		i = slices.IndexFunc(bs.Schedules, func(s hostup.Schedule) bool { return s.ID == target || (target == "" && s.Frequency == want.Frequency) })
	}
	switch {
	case i >= 0:
		seen.now = st.Schedules[i].describe() + "."
	case len(st.Schedules) > 0:
		seen.now = st.Schedules[0].describe() + "."
	}
	if replace && len(bs.Schedules) > 0 && bs.Schedules[0].ID == old.ID {
		seen.now = fmt.Sprintf("the old schedule %s is still there: %s", old.ID, seen.now)
	}
	return seen, nil
}

// showingSchedule is the index of the schedule that shows want: the one with
// id target, or, without a target, any of want's frequency; -1 when none does.
// Another row of the same frequency showing want does not count for a target:
// HostUp then updated a schedule other than the one planned.
func showingSchedule(schedules []hostup.Schedule, target string, want scheduleRequest) int {
	return slices.IndexFunc(schedules, func(s hostup.Schedule) bool {
		if target != "" && s.ID != target {
			return false
		}
		return s.Frequency == want.Frequency && len(scheduleChanges(&s, want)) == 0
	})
}

// desiredSchedule checks the fields against the frequency and converts the time
// to UTC as of now. Everything here is known without asking HostUp; ranges and
// the frequency's values are the input schema's to enforce (validate.go).
func desiredSchedule(in UpsertBackupScheduleInput, now time.Time) (scheduleRequest, []string, error) {
	req := scheduleRequest{ScheduleRequest: hostup.ScheduleRequest{Frequency: in.Frequency, Hour: in.Hour, RetentionCount: in.RetentionCount, Enabled: true, Name: in.Name}}
	if in.Enabled != nil {
		req.Enabled = *in.Enabled
	}
	if in.Minute != nil {
		req.minute = *in.Minute // the handler refused it where the API takes none
	}
	if err := daysFitFrequency(in.Frequency, in.DayOfWeek, in.DayOfMonth); err != nil {
		return req, nil, err
	}
	req.DayOfWeek, req.DayOfMonth = in.DayOfWeek, in.DayOfMonth
	var notes []string
	if in.DayOfMonth != nil && *in.DayOfMonth > 28 {
		notes = append(notes, fmt.Sprintf("day_of_month %d does not exist in every month; check how HostUp handles shorter months, or pick 1-28.", *in.DayOfMonth))
	}
	if in.Timezone == "" {
		return req, notes, nil
	}
	converted, err := inUTC(in, &req, now)
	if err != nil {
		return req, nil, err
	}
	return req, append(notes, converted...), nil
}

// daysFitFrequency refuses a day the frequency does not take, or a missing one
// it needs: weekly takes day_of_week, monthly day_of_month, daily neither.
func daysFitFrequency(frequency string, dayOfWeek, dayOfMonth *int) error {
	switch frequency {
	case hostup.FrequencyDaily:
		if dayOfWeek != nil || dayOfMonth != nil {
			return badInput("a daily schedule takes neither day_of_week nor day_of_month; leave them out")
		}
	case hostup.FrequencyWeekly:
		if dayOfWeek == nil {
			return badInput("a weekly schedule needs day_of_week (0=Sunday … 6=Saturday)")
		}
		if dayOfMonth != nil {
			return badInput("a weekly schedule takes day_of_week, not day_of_month; leave day_of_month out")
		}
	case hostup.FrequencyMonthly:
		if dayOfMonth == nil {
			return badInput("a monthly schedule needs day_of_month (1-31)")
		}
		if dayOfWeek != nil {
			return badInput("a monthly schedule takes day_of_month, not day_of_week; leave day_of_week out")
		}
	}
	return nil
}

// inUTC converts req's hour and day from in's time zone to UTC, which HostUp
// stores, with the zone's offset as of now, and returns the notes that say
// what moved.
func inUTC(in UpsertBackupScheduleInput, req *scheduleRequest, now time.Time) ([]string, error) {
	loc, err := time.LoadLocation(in.Timezone)
	if err != nil || in.Timezone == "Local" {
		return nil, badInput("timezone %q is not an IANA time zone name such as Europe/Stockholm or UTC", in.Timezone)
	}
	utc, dst, err := toUTC(localSchedule{frequency: in.Frequency, hour: in.Hour, dayOfWeek: in.DayOfWeek, dayOfMonth: in.DayOfMonth}, loc, now)
	if err != nil {
		return nil, err
	}
	req.Hour, req.DayOfWeek, req.DayOfMonth = utc.hour, utc.dayOfWeek, utc.dayOfMonth
	var notes []string
	if req.Hour != in.Hour {
		// Name the days too when the conversion crossed midnight, or "00:00 is
		// 23:00 UTC" hides that the backup moved to the day before.
		from, to := "", ""
		switch {
		case in.DayOfWeek != nil && *in.DayOfWeek != *req.DayOfWeek:
			from, to = weekdayName(*in.DayOfWeek)+" ", weekdayName(*req.DayOfWeek)+" "
		case in.DayOfMonth != nil && *in.DayOfMonth != *req.DayOfMonth:
			from, to = fmt.Sprintf("day %d ", *in.DayOfMonth), fmt.Sprintf("day %d ", *req.DayOfMonth)
		}
		notes = append(notes, fmt.Sprintf("%s%02d:00 in %s is %s%02d:00 UTC, which is what HostUp stores.", from, in.Hour, loc, to, req.Hour))
	}
	if dst != "" {
		notes = append(notes, dst)
	}
	return notes, nil
}

// planUpsert refuses what HostUp's gates and limits say would fail and otherwise
// returns the plan. replace is true when the old schedule must be deleted first.
// Closed gates come first: no other call gets past them, so a refusal that
// advises another call (replace_existing, a lower retention) must never come
// before one.
func (d *Deps) planUpsert(api backend, in UpsertBackupScheduleInput, bs *hostup.BackupSchedules, old *hostup.Schedule, want *scheduleRequest) (Plan, bool, error) {
	if err := closedUpsertGate(bs.Actions, old); err != nil {
		return Plan{}, false, err
	}
	p := Plan{}
	if err := fitRetention(&p, bs, want.RetentionCount); err != nil {
		return Plan{}, false, err
	}
	replace := false
	switch {
	case old == nil:
		if err := planCreate(&p, api, bs.Limits, want); err != nil {
			return p, false, err
		}
	case old.Frequency == want.Frequency:
		keepOmitted(api, in, old, want)
		planUpdate(&p, api, old, *want)
		if len(p.Requests) == 0 {
			return p, false, nil // already as asked: nothing more to check
		}
	default:
		if err := replaceRefusal(api, in, bs.Actions, old, want.Frequency); err != nil {
			return p, false, err
		}
		keepOmitted(api, in, old, want)
		d.planReplace(&p, api, old, *want)
		replace = true
	}
	if err := ambiguousTarget(in.VPSID, bs.Schedules, old, want.Frequency, replace); err != nil {
		return p, false, err
	}
	retentionDeletes(&p, bs, old, *want)
	pauseAndSlotWarnings(&p, in.VPSID, bs, old, *want)
	return p, replace, nil
}

// closedUpsertGate refuses an upsert HostUp's gates block: a create while
// canCreate is closed, a change while the VPS itself is blocked (updateBlocker).
func closedUpsertGate(gates hostup.ScheduleActions, old *hostup.Schedule) error {
	if old == nil && !gates.CanCreate.Allowed {
		return gateRefusal("create a backup schedule", gates.CanCreate)
	}
	if old != nil {
		if g, ok := updateBlocker(gates); ok {
			return gateRefusal("change the backup schedule", g)
		}
	}
	return nil
}

// fitRetention refuses a retention above the VPS's maximum; when HostUp gave no
// maximum, the plan says HostUp checks it.
func fitRetention(p *Plan, bs *hostup.BackupSchedules, retention int) error {
	maxRetention, known := retentionLimit(bs)
	switch {
	case !known:
		p.Warnings = append(p.Warnings, "HostUp's answer gave neither limits.maxRetention nor settings.totalBackupLimit, so retention_count was not checked here; HostUp checks it when the schedule is sent.")
	case retention > maxRetention:
		return &Refusal{
			Reason: fmt.Sprintf("The requested retention_count %d is above this VPS's maximum of %d (its backup limit)", retention, maxRetention),
			Code:   "retention_above_limit",
			Fix:    fmt.Sprintf("use retention_count %d or less, or raise the VPS's backup limit in HostUp's control panel first.", maxRetention),
		}
	}
	return nil
}

// planCreate plans a new schedule, named after its frequency when the call
// gave no name, unless the VPS has all the schedules HostUp allows.
func planCreate(p *Plan, api backend, limits hostup.ScheduleLimits, want *scheduleRequest) error {
	if limits.MaxSchedules > 0 && limits.CurrentSchedules >= limits.MaxSchedules {
		return &Refusal{Reason: fmt.Sprintf("The VPS already has %d of %d allowed schedules", limits.CurrentSchedules, limits.MaxSchedules), Code: "schedule_limit_reached", Fix: "delete a schedule first (delete_backup_schedule)."}
	}
	if want.Name == nil {
		name := strings.ToUpper(want.Frequency[:1]) + want.Frequency[1:] + " backup"
		want.Name = &name
	}
	p.Summary = fmt.Sprintf("Create a backup schedule on %s: %s.", api.vpsID(), describeRequest(*want))
	p.Changes = scheduleChanges(nil, *want)
	p.Requests = []PlannedRequest{api.schedulePost(*want)}
	return nil
}

// planUpdate plans updating old in place to want (same frequency); it sends
// nothing when nothing differs.
func planUpdate(p *Plan, api backend, old *hostup.Schedule, want scheduleRequest) {
	p.Changes = scheduleChanges(old, want)
	if len(p.Changes) == 0 {
		p.Summary = fmt.Sprintf("The schedule %s of %s is already %s; nothing to change.", old.ID, api.vpsID(), describeRequest(want))
		return
	}
	p.Summary = fmt.Sprintf("Update the %s schedule %s of %s to %s.", old.Frequency, old.ID, api.vpsID(), describeRequest(want))
	p.Requests = []PlannedRequest{api.schedulePost(want)}
}

// replaceRefusal refuses replacing old by a schedule of another frequency
// when it cannot be done safely, or was not asked for.
func replaceRefusal(api backend, in UpsertBackupScheduleInput, gates hostup.ScheduleActions, old *hostup.Schedule, frequency string) error {
	if api.lacks(canDeleteSchedule) != nil {
		// Replacing deletes the old schedule first, and v1 has no endpoint for that.
		return &Refusal{
			Reason: fmt.Sprintf("Not possible with a numeric vmid: %s already has a %s schedule (%s), HostUp keeps one schedule per VPS, and HostUp's v1 API, the only one that takes a vmid, has no endpoint to delete a schedule, so it cannot be replaced through the vmid", in.VPSID, old.Frequency, old.ID),
			Code:   "schedule_exists",
			Fix:    fmt.Sprintf("keep the frequency %s to update the schedule in place, or, to switch it to %s, call again with the VPS's vps_… id from list_vps and replace_existing=true (never derive that id from the vmid).", old.Frequency, frequency),
		}
	}
	if unread := requestFromSchedule(*old).unread; len(unread) > 0 {
		// A replace puts the old schedule back when HostUp refuses the new one;
		// with a field unread it would put back a different schedule, or none.
		return &Refusal{
			Reason: fmt.Sprintf("VPS %s already has a %s schedule (%s), and HostUp's answer did not give its %s, so if HostUp refused the new schedule the old one could not be put back as it was", in.VPSID, old.Frequency, old.ID, strings.Join(unread, " and ")),
			Code:   "schedule_not_restorable",
			Fix:    fmt.Sprintf("to switch to %s, delete the old schedule first (delete_backup_schedule with schedule_id %s, which needs the user's confirmation), then call upsert_backup_schedule again; or keep the frequency %s to update it in place.", frequency, old.ID, old.Frequency),
		}
	}
	if !gates.CanDelete.Allowed {
		return gateRefusal("delete the existing schedule", gates.CanDelete)
	}
	if !in.ReplaceExisting {
		return &Refusal{
			Reason: fmt.Sprintf("VPS %s already has a %s schedule (%s), and HostUp keeps one schedule per VPS", in.VPSID, old.Frequency, old.ID),
			Code:   "schedule_exists",
			Fix:    fmt.Sprintf("to switch it to %s, call again with replace_existing=true (the old schedule is deleted, then the new one created; this needs the user's confirmation), or keep the frequency %s to update it in place.", frequency, old.Frequency),
		}
	}
	return nil
}

// planReplace plans deleting old, then creating want. Only v2 deletes a
// schedule (replaceRefusal), so the delete goes to v2's path.
func (d *Deps) planReplace(p *Plan, api backend, old *hostup.Schedule, want scheduleRequest) {
	vpsID := api.vpsID()
	p.Destructive = true
	p.Summary = fmt.Sprintf("Replace the %s schedule %s of %s with a new schedule: %s.", old.Frequency, old.ID, vpsID, describeRequest(want))
	p.Changes = scheduleChanges(old, want)
	p.Deletes = []string{fmt.Sprintf("schedule %s (%s); existing backups stay", old.ID, d.scheduleView(*old).describe())}
	p.Requests = []PlannedRequest{{Method: "DELETE", Endpoint: hostup.BackupSchedulePath(vpsID, old.ID)}, api.schedulePost(want)}
	p.Warnings = append(p.Warnings, "If HostUp refuses the new schedule after the old one was deleted, the old schedule is created again.")
}

// retentionDeletes names the scheduled backups HostUp deletes because the
// schedule keeps fewer than are kept now, and makes the plan destructive.
func retentionDeletes(p *Plan, bs *hostup.BackupSchedules, old *hostup.Schedule, want scheduleRequest) {
	kept := bs.Limits.ScheduledBackupsActive
	keptKnown := bs.Has("limits.scheduledBackupsActive")
	switch {
	case old != nil && want.RetentionCount < old.RetentionCount && !keptKnown:
		// Unknown is not "none": lowering retention may delete backups.
		p.Destructive = true
		p.Deletes = append(p.Deletes, fmt.Sprintf("possibly some of the oldest scheduled backups, at the next run (retention %d -> %d; HostUp's answer did not give limits.scheduledBackupsActive, so how many are kept now is not known)", old.RetentionCount, want.RetentionCount))
	case old != nil && want.RetentionCount < old.RetentionCount && kept > want.RetentionCount:
		p.Destructive = true
		p.Deletes = append(p.Deletes, fmt.Sprintf("up to %d of the oldest scheduled backups, at the next run (retention %d -> %d, %d scheduled backups kept now)",
			kept-want.RetentionCount, old.RetentionCount, want.RetentionCount, kept))
	case old == nil && keptKnown && kept > want.RetentionCount:
		// The backups of a deleted schedule are still kept; a new schedule with a
		// lower retention trims them at its first run, like a retention cut.
		p.Destructive = true
		p.Deletes = append(p.Deletes, fmt.Sprintf("up to %d of the oldest scheduled backups, at the first run (the new schedule keeps %d; %d scheduled backups are kept now)",
			kept-want.RetentionCount, want.RetentionCount, kept))
	}
}

// pauseAndSlotWarnings warns of a pause, which stops every scheduled backup
// (and so needs confirmation), and of scheduled runs that will fail for want
// of a free slot.
func pauseAndSlotWarnings(p *Plan, vpsID string, bs *hostup.BackupSchedules, old *hostup.Schedule, want scheduleRequest) {
	if old != nil && old.Enabled && !want.Enabled {
		p.Destructive = true
		p.Warnings = append(p.Warnings, fmt.Sprintf("Pausing the schedule stops every scheduled backup of %s until it is enabled again: no new backups are made while it is paused.", vpsID))
	}
	if slots, ok := freeSlots(bs); ok && slots == 0 {
		if auto, ok := autoDeleteOldest(bs); ok && !auto {
			p.Warnings = append(p.Warnings, "The VPS has no free backup slot and does not delete the oldest backups automatically: scheduled runs will fail until manual backups are deleted, auto_delete_oldest is turned on, or the limit is raised.")
		}
	}
}

// ambiguousTarget refuses a POST that another listed schedule could take. HostUp
// updates "the schedule with the same frequency" and lists one active schedule
// per VPS; when it lists a second schedule of a frequency a POST here would
// send (the new schedule's, or, for a replace, the old one's when it is put
// back), the change could land on a schedule the plan does not show.
func ambiguousTarget(vpsID string, schedules []hostup.Schedule, old *hostup.Schedule, frequency string, replace bool) error {
	for i := range schedules {
		other := &schedules[i]
		if old == nil || other.ID == old.ID {
			continue
		}
		if other.Frequency == frequency || (replace && other.Frequency == old.Frequency) {
			return &Refusal{
				Reason: fmt.Sprintf("HostUp lists two %s schedules on %s (%s and %s), and a request updates \"the schedule with the same frequency\" without saying which, so this change could land on a schedule the plan does not show", other.Frequency, vpsID, old.ID, other.ID),
				Code:   "ambiguous_schedule",
				Fix:    "show the user both schedules (list_backup_schedules); delete the one that should not be there (delete_backup_schedule, with their confirmation), then call again.",
			}
		}
	}
	return nil
}

// keepOmitted leaves what the call does not name as the schedule has it: moving a
// paused schedule to another hour must not quietly restart it, nor drop its name.
// The minute is kept too where the API takes one; v2 has none to send, so its
// schedules start on the hour.
func keepOmitted(api backend, in UpsertBackupScheduleInput, old *hostup.Schedule, want *scheduleRequest) {
	if in.Enabled == nil {
		want.Enabled = old.Enabled
	}
	if want.Name == nil {
		want.Name = &old.Name
	}
	if in.Minute == nil && api.takesMinute() {
		want.minute = requestFromSchedule(*old).minute
	}
}
