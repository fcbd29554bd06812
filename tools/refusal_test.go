package tools_test

import (
	"strconv"
	"testing"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

func pendingOrder() hostup.Gate {
	reason, code := "An upgrade order is pending payment. Pay or cancel the order before changing backups.", "pending_order"
	return hostup.Gate{Allowed: false, Reason: &reason, Code: &code}
}

// TestRefusalsSendNoMutation covers every local refusal of SPEC "Before any
// mutation": the result is an error that names the reason and the way out, and
// HostUp never sees a POST, PATCH or DELETE.
func TestRefusalsSendNoMutation(t *testing.T) {
	cases := []struct {
		name  string
		setup func(sim *hostuptest.Simulator) string // returns the VPS id
		tool  string
		args  map[string]any
		wants []string
	}{
		{
			name: "create schedule with canCreate closed by a pending order",
			setup: func(sim *hostuptest.Simulator) string {
				id := vpsWithoutSchedule(sim)
				sim.SetGate(id, hostuptest.GateCanCreate, pendingOrder())
				return id
			},
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3},
			wants: []string{"nothing was sent", "pending payment", "pending_order", "What you can do:", "pending order"},
		},
		{
			// A pending order closes every gate; canCreate closed alone is the
			// schedule existing, no block to an update (fidelity_test.go).
			name: "update schedule with its gates closed by a pending order",
			setup: func(sim *hostuptest.Simulator) string {
				id := vpsWithDaily(sim)
				for _, g := range []string{hostuptest.GateCanCreate, hostuptest.GateCanUpdateSettings, hostuptest.GateCanDelete} {
					sim.SetGate(id, g, pendingOrder())
				}
				return id
			},
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "daily", "hour": 5, "retention_count": 3},
			wants: []string{"nothing was sent", "pending payment", "pending_order", "What you can do:"},
		},
		{
			name: "replace schedule with canDelete closed by a pending order",
			setup: func(sim *hostuptest.Simulator) string {
				id := vpsWithDaily(sim)
				sim.SetGate(id, hostuptest.GateCanDelete, pendingOrder())
				return id
			},
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "weekly", "day_of_week": 1, "hour": 5, "retention_count": 3, "replace_existing": true},
			wants: []string{"change the backup schedule", "pending_order", "What you can do:"},
		},
		{
			name: "settings with canUpdateSettings closed by a pending order",
			setup: func(sim *hostuptest.Simulator) string {
				id := vpsWithDaily(sim)
				sim.SetGate(id, hostuptest.GateCanUpdateSettings, pendingOrder())
				return id
			},
			tool:  "update_backup_settings",
			args:  map[string]any{"max_total_backups": 9},
			wants: []string{"nothing was sent", "backup settings", "pending_order", "What you can do:"},
		},
		{
			name: "delete schedule with canDelete closed by a pending order",
			setup: func(sim *hostuptest.Simulator) string {
				id := vpsWithDaily(sim)
				sim.SetGate(id, hostuptest.GateCanDelete, pendingOrder())
				return id
			},
			tool:  "delete_backup_schedule",
			args:  map[string]any{"schedule_id": "bks_daily1"},
			wants: []string{"nothing was sent", "delete the backup schedule", "pending_order", "What you can do:"},
		},
		{
			name: "manual backup with the quota full (canCreateBackup closed)",
			setup: func(sim *hostuptest.Simulator) string {
				return sim.AddVPS(testAccount, hostuptest.VPSSpec{TotalBackupLimit: 2, Backups: []hostuptest.BackupSpec{{Age: 48 * 3600e9}, {Age: 24 * 3600e9}}})
			},
			tool:  "create_backup",
			args:  map[string]any{},
			wants: []string{"nothing was sent", "backup slots are in use", "backup_quota_full", "delete an old backup first", "auto_delete_oldest"},
		},
		{
			name: "manual backup with canCreateBackup closed by a pending order",
			setup: func(sim *hostuptest.Simulator) string {
				id := vpsWithDaily(sim)
				sim.SetGate(id, hostuptest.GateCanCreateBackup, pendingOrder())
				return id
			},
			tool:  "create_backup",
			args:  map[string]any{},
			wants: []string{"nothing was sent", "pending_order", "What you can do:"},
		},
		{
			name:  "retention above limits.maxRetention",
			setup: vpsWithoutSchedule,
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "daily", "hour": 2, "retention_count": 8},
			wants: []string{"retention_count 8 is above", "maximum of 7", "use retention_count 7 or less", "raise"},
		},
		{
			name:  "weekly without day_of_week",
			setup: vpsWithoutSchedule,
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "weekly", "hour": 2, "retention_count": 3},
			wants: []string{"nothing was sent", "weekly schedule needs day_of_week", "0=Sunday"},
		},
		{
			name:  "monthly with day_of_week",
			setup: vpsWithoutSchedule,
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "monthly", "day_of_month": 3, "day_of_week": 2, "hour": 2, "retention_count": 3},
			wants: []string{"nothing was sent", "monthly schedule takes day_of_month, not day_of_week", "leave day_of_week out"},
		},
		{
			name:  "monthly without day_of_month",
			setup: vpsWithoutSchedule,
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "monthly", "hour": 2, "retention_count": 3},
			wants: []string{"nothing was sent", "monthly schedule needs day_of_month"},
		},
		{
			name:  "daily with a day",
			setup: vpsWithoutSchedule,
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "daily", "day_of_week": 2, "hour": 2, "retention_count": 3},
			wants: []string{"nothing was sent", "daily schedule takes neither day_of_week nor day_of_month", "leave them out"},
		},
		{
			name:  "another frequency without replace_existing",
			setup: vpsWithDaily,
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "weekly", "day_of_week": 1, "hour": 2, "retention_count": 3},
			wants: []string{"already has a daily schedule (bks_daily1)", "one schedule per VPS", "schedule_exists", "replace_existing=true", "keep the frequency daily"},
		},
		{
			name:  "unknown schedule id",
			setup: vpsWithDaily,
			tool:  "delete_backup_schedule",
			args:  map[string]any{"schedule_id": "bks_nosuch"},
			wants: []string{"no schedule with id bks_nosuch", "schedule_not_found", "bks_daily1"},
		},
		{
			name:  "schedule id on a VPS without schedule",
			setup: vpsWithoutSchedule,
			tool:  "delete_backup_schedule",
			args:  map[string]any{"schedule_id": "bks_nosuch"},
			wants: []string{"no schedule with id bks_nosuch", "has no schedule at all"},
		},
		{
			name: "unknown backup id",
			setup: func(sim *hostuptest.Simulator) string {
				return sim.AddVPS(testAccount, hostuptest.VPSSpec{Backups: []hostuptest.BackupSpec{{Age: 1e9}}})
			},
			tool:  "delete_backup",
			args:  map[string]any{"backup_id": "bkp_nosuch"},
			wants: []string{"no backup with id bkp_nosuch", "backup_not_found", "list_backups", "(1 in all)"},
		},
		{
			name:  "backup id on a VPS without backups",
			setup: vpsWithDaily,
			tool:  "delete_backup",
			args:  map[string]any{"backup_id": "bkp_nosuch"},
			wants: []string{"no backup with id bkp_nosuch", "has no backups at all"},
		},
		{
			name:  "settings without any field",
			setup: vpsWithDaily,
			tool:  "update_backup_settings",
			args:  map[string]any{},
			wants: []string{"nothing was sent", "give max_total_backups, auto_delete_oldest or both"},
		},
		{
			name:  "timezone that is not an IANA name",
			setup: vpsWithoutSchedule,
			tool:  "upsert_backup_schedule",
			args:  map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3, "timezone": "Mars/Olympus"},
			wants: []string{"nothing was sent", "not an IANA time zone", "Europe/Stockholm"},
		},
		{
			name:  "VPS of another account",
			setup: func(sim *hostuptest.Simulator) string { return sim.AddVPS("other", hostuptest.VPSSpec{}) },
			tool:  "delete_backup",
			args:  map[string]any{"backup_id": "bkp_x1"},
			wants: []string{"404", "vps_not_found", "list_vps"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim()
			vpsID := c.setup(sim)
			e := newEnv(t, sim)
			args := map[string]any{"vps_id": vpsID}
			for k, v := range c.args {
				args[k] = v
			}
			e.refused(c.tool, args, c.wants...)
		})
	}
}

// TestScheduleLimitReachedIsRefused needs HostUp to report a schedule limit
// reached with no schedule listed (the simulator derives currentSchedules from
// its one schedule, so the GET answer is injected as HostUp would send it).
func TestScheduleLimitReachedIsRefused(t *testing.T) {
	sim := newSim()
	id := vpsWithoutSchedule(sim)
	sim.SetFault("GET", "/api/v2/vps/*/backup-schedules", hostuptest.Fault{Status: 200, Body: `{
		"schedules": [], "settings": {"totalBackupLimit": 7, "manualBackupsActive": 0, "scheduledBackupsActive": 0, "availableScheduledSlots": 7, "autoDeleteOldest": true},
		"history": [], "limits": {"maxSchedules": 1, "currentSchedules": 1, "totalBackups": 7, "maxRetention": 7, "manualBackupsActive": 0, "scheduledBackupsActive": 0, "availableScheduledSlots": 7},
		"actions": {"canCreate": {"allowed": true, "reason": null}, "canUpdateSettings": {"allowed": true, "reason": null}, "canDelete": {"allowed": true, "reason": null}}}`})
	e := newEnv(t, sim)
	text := e.fails("upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 2, "retention_count": 3})
	contains(t, text, "1 of 1 allowed schedules", "schedule_limit_reached", "delete_backup_schedule")
	e.noMutations()
}

// TestSandboxPendingOrderVPSRefusesEveryChange: the sandbox's mail-01 has every
// gate closed; no write tool may reach HostUp for it.
func TestSandboxPendingOrderVPSRefusesEveryChange(t *testing.T) {
	e := sandboxEnv(t)
	const id = "vps_sandbox03"
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "weekly", "day_of_week": 2, "hour": 3, "retention_count": 2}},
		{"upsert_backup_schedule", map[string]any{"vps_id": id, "frequency": "daily", "hour": 3, "retention_count": 2, "replace_existing": true}},
		{"update_backup_settings", map[string]any{"vps_id": id, "auto_delete_oldest": true}},
		{"delete_backup_schedule", map[string]any{"vps_id": id, "schedule_id": "bks_sandbox03"}},
		{"create_backup", map[string]any{"vps_id": id}},
	}
	for _, c := range calls {
		contains(t, e.fails(c.tool, c.args), "pending_order", "finish or cancel the VPS's pending order")
	}
	e.noMutations()
}

// TestSchemaRejectsWhatHandlersLeaveToIt: the handlers no longer check ranges and
// enum values themselves; this proves the input schema refuses each such value
// before a tool runs, with nothing sent to HostUp.
func TestSchemaRejectsWhatHandlersLeaveToIt(t *testing.T) {
	cases := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"upsert_backup_schedule", map[string]any{"frequency": "hourly", "hour": 2, "retention_count": 3}, `"frequency" must be one of daily, weekly, monthly, not hourly`},
		{"upsert_backup_schedule", map[string]any{"frequency": "daily", "hour": 24, "retention_count": 3}, `"hour" must be at most 23, not 24`},
		{"upsert_backup_schedule", map[string]any{"frequency": "daily", "hour": -1, "retention_count": 3}, `"hour" must be at least 0, not -1`},
		{"upsert_backup_schedule", map[string]any{"frequency": "daily", "hour": 2, "retention_count": 0}, `"retention_count" must be at least 1, not 0`},
		{"upsert_backup_schedule", map[string]any{"frequency": "daily", "hour": 2, "minute": 60, "retention_count": 3}, `"minute" must be at most 59, not 60`},
		{"upsert_backup_schedule", map[string]any{"frequency": "daily", "hour": 2, "minute": -1, "retention_count": 3}, `"minute" must be at least 0, not -1`},
		{"update_backup_settings", map[string]any{"max_total_backups": 0}, `"max_total_backups" must be at least 1, not 0`},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			sim := newSim()
			id := vpsWithDaily(sim)
			e := newEnv(t, sim)
			// Both id forms: the schema is the same for each API.
			for _, id := range []string{id, strconv.Itoa(sim.VMID(id))} {
				text := e.fails(c.tool, with(c.args, "vps_id", id))
				contains(t, text, "Invalid input, nothing was sent to HostUp", c.want)
			}
			if n := len(sim.Requests()); n != 0 {
				t.Errorf("%d requests sent, want none:%s", n, describeRequests(sim.Requests()))
			}
		})
	}
}
