package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// UpsertBackupScheduleInput is the schedule the user wants.
type UpsertBackupScheduleInput struct {
	VPSID           string  `json:"vps_id" jsonschema:"pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"VPS id from list_vps."`
	Frequency       string  `json:"frequency" jsonschema:"enum=daily,enum=weekly,enum=monthly" jsonschema_description:"How often it runs."`
	Hour            int     `json:"hour" jsonschema:"minimum=0,maximum=23" jsonschema_description:"Start hour, UTC unless timezone is set."`
	Minute          *int    `json:"minute,omitempty" jsonschema:"minimum=0,maximum=59" jsonschema_description:"vmids only."`
	DayOfWeek       *int    `json:"day_of_week,omitempty" jsonschema:"minimum=0,maximum=6" jsonschema_description:"Required for weekly: 0=Sunday … 6=Saturday."`
	DayOfMonth      *int    `json:"day_of_month,omitempty" jsonschema:"minimum=1,maximum=31" jsonschema_description:"Required for monthly."`
	RetentionCount  int     `json:"retention_count" jsonschema:"minimum=1,maximum=1000" jsonschema_description:"Scheduled backups kept; at most limits.max_retention."`
	Enabled         *bool   `json:"enabled,omitempty" jsonschema_description:"false pauses it. Omitted: unchanged, or true when new."`
	Name            *string `json:"name,omitempty" jsonschema:"maxLength=100" jsonschema_description:"Label, e.g. Nightly backup."`
	Timezone        string  `json:"timezone,omitempty" jsonschema:"maxLength=64" jsonschema_description:"IANA zone of hour and day; default UTC."`
	ReplaceExisting bool    `json:"replace_existing,omitempty" jsonschema_description:"Deletes the schedule, then creates this one: needed to change frequency."`
	DryRun          bool    `json:"dry_run,omitempty" jsonschema_description:"Plan only; send nothing."`
	ConfirmToken    string  `json:"confirm_token,omitempty" jsonschema:"maxLength=600" jsonschema_description:"From confirmation_required, after the user agreed."`
}

// UpsertBackupScheduleOutput is the outcome and, once sent, the schedules read back.
type UpsertBackupScheduleOutput struct {
	MutationOutput
	ScheduleReadBack
}

func upsertBackupSchedule(d *Deps) server.ServerTool {
	return newTool(d, "upsert_backup_schedule", "Create or update a backup schedule",
		"Creates or updates a VPS's one backup schedule; another frequency needs replace_existing. "+
			"Confirm when it replaces, pauses, keeps fewer backups than now, or fills a full quota with auto-delete on.",
		setterHints,
		func(ctx context.Context, call *Call, in UpsertBackupScheduleInput) (UpsertBackupScheduleOutput, string, error) {
			if in.Minute != nil && !d.backendFor(in.VPSID).takesMinute() {
				return UpsertBackupScheduleOutput{}, "", badInput("minute is for numeric vmids (HostUp's API v1) only: HostUp's v2 API, which vps_… ids use, starts backups on the hour; leave minute out")
			}
			want, notes, err := d.desiredSchedule(in)
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
	// The schedule that must show the change: the one updated in place, or,
	// for a new or replacing schedule, one of the frequency asked for.
	target := ""
	if old != nil && !replace {
		target = old.ID
	}
	op.readBack = func(ctx context.Context, _ sent) (sight[[]ScheduleView], error) {
		read, err := api.schedules(ctx)
		if err != nil {
			return sight[[]ScheduleView]{}, err
		}
		bs := read.state()
		st := d.scheduleState(in.VPSID, bs, 0)
		read.addFacts(&st)
		seen := sight[[]ScheduleView]{view: st.Schedules, now: in.VPSID + " has no backup schedule."}
		if replace && len(bs.Schedules) == 0 {
			// Neither "it happened" nor "it did not": the old schedule went,
			// the new one never came.
			seen.verdict = fmt.Sprintf("Half done: HostUp now reports NO backup schedule on %s: the old schedule %s was deleted and the new one was not created. Call upsert_backup_schedule again with the same arguments (without replace_existing it is a plain create) so the VPS gets backups again.", in.VPSID, old.ID)
			return seen, nil
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
	return op, nil
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
// to UTC. Everything here is known without asking HostUp; ranges and the
// frequency's values are the input schema's to enforce (validate.go).
func (d *Deps) desiredSchedule(in UpsertBackupScheduleInput) (scheduleRequest, []string, error) {
	req := scheduleRequest{ScheduleRequest: hostup.ScheduleRequest{Frequency: in.Frequency, Hour: in.Hour, RetentionCount: in.RetentionCount, Enabled: true, Name: in.Name}}
	if in.Enabled != nil {
		req.Enabled = *in.Enabled
	}
	if in.Minute != nil {
		req.minute = *in.Minute // the handler refused it where the API takes none
	}
	switch in.Frequency {
	case hostup.FrequencyDaily:
		if in.DayOfWeek != nil || in.DayOfMonth != nil {
			return req, nil, badInput("a daily schedule takes neither day_of_week nor day_of_month; leave them out")
		}
	case hostup.FrequencyWeekly:
		if in.DayOfWeek == nil {
			return req, nil, badInput("a weekly schedule needs day_of_week (0=Sunday … 6=Saturday)")
		}
		if in.DayOfMonth != nil {
			return req, nil, badInput("a weekly schedule takes day_of_week, not day_of_month; leave day_of_month out")
		}
	case hostup.FrequencyMonthly:
		if in.DayOfMonth == nil {
			return req, nil, badInput("a monthly schedule needs day_of_month (1-31)")
		}
		if in.DayOfWeek != nil {
			return req, nil, badInput("a monthly schedule takes day_of_month, not day_of_week; leave day_of_week out")
		}
	}
	req.DayOfWeek, req.DayOfMonth = in.DayOfWeek, in.DayOfMonth
	var notes []string
	if in.DayOfMonth != nil && *in.DayOfMonth > 28 {
		notes = append(notes, fmt.Sprintf("day_of_month %d does not exist in every month; check how HostUp handles shorter months, or pick 1-28.", *in.DayOfMonth))
	}
	if in.Timezone == "" {
		return req, notes, nil
	}
	loc, err := time.LoadLocation(in.Timezone)
	if err != nil || in.Timezone == "Local" {
		return req, nil, badInput("timezone %q is not an IANA time zone name such as Europe/Stockholm or UTC", in.Timezone)
	}
	utc, dst, err := toUTC(localSchedule{frequency: in.Frequency, hour: in.Hour, dayOfWeek: in.DayOfWeek, dayOfMonth: in.DayOfMonth}, loc, d.now())
	if err != nil {
		return req, nil, err
	}
	req.Hour, req.DayOfWeek, req.DayOfMonth = utc.hour, utc.dayOfWeek, utc.dayOfMonth
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
	return req, notes, nil
}

// planUpsert refuses what HostUp's gates and limits say would fail and otherwise
// returns the plan. replace is true when the old schedule must be deleted first.
// Closed gates come first: no other call gets past them, so a refusal that
// advises another call (replace_existing, a lower retention) must never come
// before one (issue 12).
func (d *Deps) planUpsert(api backend, in UpsertBackupScheduleInput, bs *hostup.BackupSchedules, old *hostup.Schedule, want *scheduleRequest) (Plan, bool, error) {
	gates, limits := bs.Actions, bs.Limits
	if old == nil && !gates.CanCreate.Allowed {
		return Plan{}, false, gateRefusal("create a backup schedule", gates.CanCreate)
	}
	if old != nil {
		if g, ok := updateBlocker(gates); ok {
			return Plan{}, false, gateRefusal("change the backup schedule", g)
		}
	}
	p := Plan{}
	maxRetention, known := retentionLimit(bs)
	switch {
	case !known:
		p.Warnings = append(p.Warnings, "HostUp's answer gave neither limits.maxRetention nor settings.totalBackupLimit, so retention_count was not checked here; HostUp checks it when the schedule is sent.")
	case want.RetentionCount > maxRetention:
		return Plan{}, false, &Refusal{
			Reason: fmt.Sprintf("The requested retention_count %d is above this VPS's maximum of %d (its backup limit)", want.RetentionCount, maxRetention),
			Code:   "retention_above_limit",
			Fix:    fmt.Sprintf("use retention_count %d or less, or raise the VPS's backup limit in HostUp's control panel first.", maxRetention),
		}
	}
	// post is built when the request is final (the name and the kept fields are
	// filled in below).
	post := func() PlannedRequest {
		return api.schedulePost(*want)
	}
	replace := false
	switch {
	case old == nil:
		if limits.MaxSchedules > 0 && limits.CurrentSchedules >= limits.MaxSchedules {
			return p, false, &Refusal{Reason: fmt.Sprintf("The VPS already has %d of %d allowed schedules", limits.CurrentSchedules, limits.MaxSchedules), Code: "schedule_limit_reached", Fix: "delete a schedule first (delete_backup_schedule)."}
		}
		if want.Name == nil {
			name := strings.ToUpper(want.Frequency[:1]) + want.Frequency[1:] + " backup"
			want.Name = &name
		}
		p.Summary = fmt.Sprintf("Create a backup schedule on %s: %s.", in.VPSID, describeRequest(*want))
		p.Changes = scheduleChanges(nil, *want)
		p.Requests = []PlannedRequest{post()}
	case old.Frequency == want.Frequency:
		keepOmitted(api, in, old, want)
		p.Changes = scheduleChanges(old, *want)
		if len(p.Changes) == 0 {
			p.Summary = fmt.Sprintf("The schedule %s of %s is already %s; nothing to change.", old.ID, in.VPSID, describeRequest(*want))
			return p, false, nil
		}
		p.Summary = fmt.Sprintf("Update the %s schedule %s of %s to %s.", old.Frequency, old.ID, in.VPSID, describeRequest(*want))
		p.Requests = []PlannedRequest{post()}
	case api.lacks(canDeleteSchedule) != nil:
		// Replacing deletes the old schedule first, and v1 has no endpoint for that.
		return p, false, &Refusal{
			Reason: fmt.Sprintf("Not possible with a numeric vmid: %s already has a %s schedule (%s), HostUp keeps one schedule per VPS, and HostUp's v1 API, the only one that takes a vmid, has no endpoint to delete a schedule, so it cannot be replaced through the vmid", in.VPSID, old.Frequency, old.ID),
			Code:   "schedule_exists",
			Fix:    fmt.Sprintf("keep the frequency %s to update the schedule in place, or, to switch it to %s, call again with the VPS's vps_… id from list_vps and replace_existing=true (never derive that id from the vmid).", old.Frequency, want.Frequency),
		}
	default:
		if unread := requestFromSchedule(*old).unread; len(unread) > 0 {
			// A replace puts the old schedule back when HostUp refuses the new one;
			// with a field unread it would put back a different schedule, or none.
			return p, false, &Refusal{
				Reason: fmt.Sprintf("VPS %s already has a %s schedule (%s), and HostUp's answer did not give its %s, so if HostUp refused the new schedule the old one could not be put back as it was", in.VPSID, old.Frequency, old.ID, strings.Join(unread, " and ")),
				Code:   "schedule_not_restorable",
				Fix:    fmt.Sprintf("to switch to %s, delete the old schedule first (delete_backup_schedule with schedule_id %s, which needs the user's confirmation), then call upsert_backup_schedule again; or keep the frequency %s to update it in place.", want.Frequency, old.ID, old.Frequency),
			}
		}
		if !gates.CanDelete.Allowed {
			return p, false, gateRefusal("delete the existing schedule", gates.CanDelete)
		}
		if !in.ReplaceExisting {
			return p, false, &Refusal{
				Reason: fmt.Sprintf("VPS %s already has a %s schedule (%s), and HostUp keeps one schedule per VPS", in.VPSID, old.Frequency, old.ID),
				Code:   "schedule_exists",
				Fix:    fmt.Sprintf("to switch it to %s, call again with replace_existing=true (the old schedule is deleted, then the new one created; this needs the user's confirmation), or keep the frequency %s to update it in place.", want.Frequency, old.Frequency),
			}
		}
		keepOmitted(api, in, old, want)
		replace = true
		p.Destructive = true
		p.Summary = fmt.Sprintf("Replace the %s schedule %s of %s with a new schedule: %s.", old.Frequency, old.ID, in.VPSID, describeRequest(*want))
		p.Changes = scheduleChanges(old, *want)
		p.Deletes = []string{fmt.Sprintf("schedule %s (%s); existing backups stay", old.ID, d.scheduleView(*old).describe())}
		p.Requests = []PlannedRequest{{Method: "DELETE", Endpoint: hostup.BackupSchedulePath(in.VPSID, old.ID)}, post()}
		p.Warnings = append(p.Warnings, "If HostUp refuses the new schedule after the old one was deleted, the old schedule is created again.")
	}
	if err := ambiguousTarget(in.VPSID, bs.Schedules, old, want.Frequency, replace); err != nil {
		return p, false, err
	}
	kept := limits.ScheduledBackupsActive
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
	if old != nil && old.Enabled && !want.Enabled {
		p.Destructive = true
		p.Warnings = append(p.Warnings, fmt.Sprintf("Pausing the schedule stops every scheduled backup of %s until it is enabled again: no new backups are made while it is paused.", in.VPSID))
	}
	if slots, ok := freeSlots(bs); ok && slots == 0 {
		if auto, ok := autoDeleteOldest(bs); ok && !auto {
			p.Warnings = append(p.Warnings, "The VPS has no free backup slot and does not delete the oldest backups automatically: scheduled runs will fail until manual backups are deleted, auto_delete_oldest is turned on, or the limit is raised.")
		}
	}
	return p, replace, nil
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

// scheduleRequest is the schedule to send: v2's body, plus the minute only v1 takes.
// Rebuilt from an existing schedule, unread names what HostUp's answer did not give.
type scheduleRequest struct {
	hostup.ScheduleRequest
	minute int
	unread []string
}

func describeRequest(r scheduleRequest) string {
	var b strings.Builder
	b.WriteString(r.Frequency)
	if r.DayOfWeek != nil {
		fmt.Fprintf(&b, " on %s", weekdayName(*r.DayOfWeek))
	}
	if r.DayOfMonth != nil {
		fmt.Fprintf(&b, " on day %d", *r.DayOfMonth)
	}
	fmt.Fprintf(&b, " at %02d:%02d UTC, keep %d", r.Hour, r.minute, r.RetentionCount)
	if !r.Enabled {
		b.WriteString(", disabled")
	}
	return b.String()
}

// scheduleChanges lists the fields that differ between the old schedule (nil when
// creating) and the request.
func scheduleChanges(old *hostup.Schedule, want scheduleRequest) []FieldChange {
	before := map[string]string{}
	if old != nil {
		before = scheduleFields(requestFromSchedule(*old))
	}
	after := scheduleFields(want)
	var out []FieldChange
	for _, f := range []string{"frequency", "time_utc", "day_of_week", "day_of_month", "retention_count", "enabled", "name"} {
		if before[f] != after[f] {
			out = append(out, FieldChange{Field: f, Before: orNone(before[f]), After: orNone(after[f])})
		}
	}
	return out
}

func scheduleFields(r scheduleRequest) map[string]string {
	m := map[string]string{
		"frequency": r.Frequency, "time_utc": fmt.Sprintf("%02d:%02d", r.Hour, r.minute),
		"retention_count": strconv.Itoa(r.RetentionCount), "enabled": strconv.FormatBool(r.Enabled), "name": deref(r.Name),
	}
	if r.DayOfWeek != nil {
		m["day_of_week"] = weekdayName(*r.DayOfWeek)
	}
	if r.DayOfMonth != nil {
		m["day_of_month"] = strconv.Itoa(*r.DayOfMonth)
	}
	// A field HostUp did not give differs from every value asked for: the
	// change is sent, never called "nothing to change".
	for _, f := range r.unread {
		switch f {
		case unreadTime:
			m["time_utc"] = "(not given by HostUp)"
		case unreadDay:
			m["day_of_week"], m["day_of_month"] = "", ""
			if r.Frequency == hostup.FrequencyWeekly {
				m["day_of_week"] = "(not given by HostUp)"
			} else {
				m["day_of_month"] = "(not given by HostUp)"
			}
		}
	}
	return m
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// requestFromSchedule rebuilds the POST body that recreates an existing schedule;
// it is how a failed replace puts the old schedule back.
func requestFromSchedule(s hostup.Schedule) scheduleRequest {
	r := scheduleRequest{ScheduleRequest: hostup.ScheduleRequest{Frequency: s.Frequency, RetentionCount: s.RetentionCount, Enabled: s.Enabled}}
	if s.Name != "" {
		name := s.Name
		r.Name = &name
	}
	if h, m, ok := clockTime(deref(s.Time)); ok {
		r.Hour, r.minute = h, m
	} else {
		r.unread = append(r.unread, unreadTime)
	}
	r.DayOfWeek, r.DayOfMonth = scheduleDays(s)
	if s.Frequency != hostup.FrequencyDaily && r.DayOfWeek == nil && r.DayOfMonth == nil {
		r.unread = append(r.unread, unreadDay)
	}
	return r
}

// replaceSchedule deletes the old schedule and creates the new one. If the create
// fails, it puts the old schedule back, so the VPS is never left without backups
// because of a refused change. When an answer is lost it looks at the state before
// sending anything more, and sends nothing when the state cannot be read: the
// error then stays "outcome unknown" and the read-back tells the user. A delete
// HostUp queues as a job is followed until it ends: until then the old schedule
// is still there, and the new one would be refused. The notes say what happened
// along the way, for the result. Only v2 deletes a schedule (planUpsert refuses a
// replace otherwise), so the deletes and reads go to v2 directly.
func (d *Deps) replaceSchedule(ctx context.Context, api backend, old hostup.Schedule, want scheduleRequest) (sent, error) {
	vpsID := api.vpsID()
	var s sent
	deleted, err := d.Client.DeleteBackupSchedule(ctx, vpsID, old.ID)
	switch {
	case errors.Is(err, hostup.ErrOutcomeUnknown):
		// Whether the old schedule is gone decides what a POST would do: create
		// the new schedule, or be refused (one schedule per VPS).
		bs, readErr := d.Client.GetBackupSchedules(ctx, vpsID)
		if readErr != nil || len(bs.Schedules) > 0 {
			s.notes = append(s.notes, fmt.Sprintf("HostUp's answer to deleting the old schedule %s was lost, so the new schedule was not sent.", old.ID))
			return s, err
		}
		s.notes = append(s.notes, fmt.Sprintf("HostUp's answer to deleting the old schedule %s was lost; the state showed it gone, so the new schedule was sent.", old.ID))
	case err != nil:
		return s, err
	case deleted.Queued():
		job, err := d.settleJob(ctx, deleted.Job.JobID)
		switch {
		case err != nil:
			return s, &changeFailed{msg: fmt.Sprintf("Not done: HostUp queued deleting the old schedule %s as job %s, and following that job failed, so the new schedule was not sent: %s", old.ID, deleted.Job.JobID, describeError(err))}
		case job.Status == hostup.JobFailed:
			return s, &changeFailed{msg: fmt.Sprintf("Not done: HostUp queued deleting the old schedule %s as job %s, and the job failed (%s), so the new schedule was not sent; the old schedule stays.", old.ID, job.ID, job.failure())}
		case !job.Done():
			return s, &changeFailed{msg: fmt.Sprintf("Not done yet: HostUp queued deleting the old schedule %s as job %s, which had not ended after %s, so the new schedule was not sent. Follow the job with get_job job_id=%s, then call again.", old.ID, job.ID, settleWait, job.ID)}
		}
		s.notes = append(s.notes, fmt.Sprintf("HostUp queued deleting the old schedule %s as job %s, which ended; then the new schedule was sent.", old.ID, job.ID))
	}
	var createErr error
	s.answer, createErr = api.postSchedule(ctx, want)
	if createErr == nil && s.answer.Queued() {
		// A create HostUp queued and then failed leaves the VPS without the
		// old schedule as surely as a refused one: its job decides.
		createErr = d.jobOutcome(ctx, s.answer)
	}
	if createErr == nil {
		return s, nil
	}
	cause := "HostUp refused the new one"
	if errors.Is(createErr, hostup.ErrOutcomeUnknown) {
		// The create may have happened: look before restoring, or the restore
		// would be refused (one schedule per VPS) or, worse, replace the new one.
		bs, err := d.Client.GetBackupSchedules(ctx, vpsID)
		if err != nil || len(bs.Schedules) > 0 {
			for _, sc := range bsSchedules(bs, err) {
				if sc.Frequency == want.Frequency {
					s.notes = append(s.notes, "HostUp's answer to the new schedule was lost; the state shows it created.")
					return s, nil
				}
			}
			s.notes = append(s.notes, fmt.Sprintf("HostUp's answer to the new schedule was lost after the old schedule %s was deleted; the old one was not put back, because the state could not show whether the new one exists.", old.ID))
			return s, createErr
		}
		cause = "HostUp's answer to the new one was lost and the state showed it was not created"
	}
	putBack, err := api.postSchedule(ctx, requestFromSchedule(old))
	if err == nil && putBack.Queued() {
		err = d.jobOutcome(ctx, putBack)
	}
	if err != nil {
		return s, &changeFailed{msg: fmt.Sprintf("NOT DONE, and %s has NO backup schedule now: the old schedule %s was deleted, %s, and putting the old one back failed too. Create a schedule with upsert_backup_schedule.\nHostUp's answer to the new schedule: %s\nHostUp's answer to putting the old one back: %s",
			vpsID, old.ID, cause, describeError(createErr), describeError(err))}
	}
	return s, &changeFailed{msg: fmt.Sprintf("Not done: the old %s schedule %s was deleted, then %s, so the old schedule was put back as it was (under a new id; see list_backup_schedules).\nHostUp's answer to the new schedule: %s",
		old.Frequency, old.ID, cause, describeError(createErr))}
}

// bsSchedules is the schedules of a read that may have failed.
func bsSchedules(bs *hostup.BackupSchedules, err error) []hostup.Schedule {
	if err != nil || bs == nil {
		return nil
	}
	return bs.Schedules
}
