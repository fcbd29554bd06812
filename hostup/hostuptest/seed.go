package hostuptest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// Keys of the ready-made accounts.
const (
	SandboxAPIKey = "sandbox"
	FleetAPIKey   = "fleet"
)

const day = 24 * time.Hour

// Sandbox returns the account SPEC.md's --sandbox serves, under SandboxAPIKey. The
// v1 routes serve the same VPSes under vmids 10000-10006:
//
//	vps_sandbox01 10000 web-01      no schedule, no backups
//	vps_sandbox02 10001 db-01       daily 02:00, 12 runs of history (one failed), 3 scheduled + 1 manual backups
//	vps_sandbox03 10002 mail-01     weekly (Monday 03:00); every gate closed by a pending upgrade order
//	vps_sandbox04 10003 files-01    no schedule; 3 manual backups fill the limit of 3, autoDeleteOldest off
//	vps_sandbox05 10004 api-01      daily 01:00 whose last run failed; its backup jobs fail too
//	vps_sandbox06 10005 staging-01  monthly schedule, disabled, retention 1, stopped
//	vps_sandbox07 10006 build-01    daily 03:00; a 3-hour manual backup is running, so a restore is blocked
//
// Snapshots: web-01's plan has no snapshot slots; db-01 takes one every 6 h, api-01
// every 12 h; staging-01's snapshot schedule is paused; mail-01's pending order
// closes canEnable too; files-01 and build-01 have slots but no schedule.
func Sandbox(opts ...Option) *Simulator {
	s := New(opts...)
	s.AddKey(SandboxAPIKey, "sandbox")
	now := s.currentTime()

	s.AddVPS("sandbox", VPSSpec{
		ID: "vps_sandbox01", Name: "web-01", Hostname: "web-01.example.com", IP: "192.0.2.10",
		TotalBackupLimit: 2, AutoDeleteOldest: true,
	})

	nightly := &ScheduleSpec{ID: "bks_sandbox02", Name: "Nightly backup", Frequency: hostup.FrequencyDaily,
		Hour: 2, RetentionCount: 3, Since: 400 * day}
	dbRuns := runAges(nightly, now, 12)
	dbHistory := historyOf(dbRuns, nightly.Name, map[int]string{4: "failed"})
	dbHistory = append(dbHistory, HistorySpec{Type: "manual", Note: "Before PostgreSQL 16 upgrade", Age: 9*day + 5*time.Hour})
	s.AddVPS("sandbox", VPSSpec{
		ID: "vps_sandbox02", Name: "db-01", Hostname: "db-01.example.com", IP: "192.0.2.20",
		OS: "Debian 12", CPUCores: 4, MemoryGB: 16, StorageGB: 160,
		TotalBackupLimit: 5, AutoDeleteOldest: true, Schedule: nightly, History: dbHistory,
		SnapshotSlots: 3, SnapshotSchedule: &SnapshotScheduleSpec{IntervalHours: 6, Since: 20 * day},
		Backups: append(scheduledBackups(dbRuns[:3], nightly.Name),
			BackupSpec{Note: "Before PostgreSQL 16 upgrade", Age: 9*day + 5*time.Hour}),
	})

	weekly := &ScheduleSpec{ID: "bks_sandbox03", Name: "Weekly backup", Frequency: hostup.FrequencyWeekly,
		Hour: 3, Day: 1, RetentionCount: 2, Since: 200 * day}
	mailRuns := runAges(weekly, now, 4)
	pending := closedGate("An upgrade order is pending payment. Pay or cancel the order before changing backups.", "pending_order")
	s.AddVPS("sandbox", VPSSpec{
		ID: "vps_sandbox03", Name: "mail-01", Hostname: "mail-01.example.com", IP: "198.51.100.7",
		TotalBackupLimit: 3, Schedule: weekly, History: historyOf(mailRuns, weekly.Name, nil),
		Backups: scheduledBackups(mailRuns[:2], weekly.Name),
		ClosedGates: map[string]hostup.Gate{
			GateCanCreate: pending, GateCanUpdateSettings: pending, GateCanDelete: pending, GateCanCreateBackup: pending,
			GateCanEnable: pending,
		},
		SnapshotSlots: 2,
	})

	s.AddVPS("sandbox", VPSSpec{
		ID: "vps_sandbox04", Name: "files-01", Hostname: "files-01.example.com", IP: "198.51.100.23",
		StorageGB: 200, TotalBackupLimit: 3, SnapshotSlots: 2,
		Backups: []BackupSpec{
			{Note: "Initial setup", Age: 60 * day},
			{Note: "Before Nextcloud 29", Age: 31 * day},
			{Note: "Before disk resize", Age: 4 * day},
		},
		History: []HistorySpec{
			{Type: "manual", Note: "Initial setup", Age: 60 * day},
			{Type: "manual", Note: "Before Nextcloud 29", Age: 31 * day},
			{Type: "manual", Note: "Before disk resize", Age: 4 * day},
		},
	})

	apiSchedule := &ScheduleSpec{ID: "bks_sandbox05", Name: "Nightly backup", Frequency: hostup.FrequencyDaily,
		Hour: 1, RetentionCount: 2, Since: 90 * day}
	apiRuns := runAges(apiSchedule, now, 6)
	s.AddVPS("sandbox", VPSSpec{
		ID: "vps_sandbox05", Name: "api-01", Hostname: "api-01.example.com", IP: "203.0.113.15",
		TotalBackupLimit: 3, AutoDeleteOldest: true, Schedule: apiSchedule, FailBackups: true,
		SnapshotSlots: 2, SnapshotSchedule: &SnapshotScheduleSpec{IntervalHours: 12, Since: 30 * day},
		History: historyOf(apiRuns, apiSchedule.Name, map[int]string{0: "failed"}),
		Backups: scheduledBackups(apiRuns[1:3], apiSchedule.Name),
	})

	monthly := &ScheduleSpec{ID: "bks_sandbox06", Name: "Monthly backup", Frequency: hostup.FrequencyMonthly,
		Hour: 4, Day: 1, RetentionCount: 1, Disabled: true, Since: 400 * day}
	stagingRuns := runAges(monthly, now, 6)[3:] // it was switched off three runs ago
	s.AddVPS("sandbox", VPSSpec{
		ID: "vps_sandbox06", Name: "staging-01", Hostname: "staging-01.example.com", IP: "203.0.113.40",
		PowerState: "stopped", CPUCores: 1, MemoryGB: 2, StorageGB: 40,
		TotalBackupLimit: 2, Schedule: monthly, History: historyOf(stagingRuns, monthly.Name, nil),
		Backups:       scheduledBackups(stagingRuns[:1], monthly.Name),
		SnapshotSlots: 1, SnapshotSchedule: &SnapshotScheduleSpec{IntervalHours: 24, Disabled: true, Since: 60 * day},
	})

	buildSchedule := &ScheduleSpec{ID: "bks_sandbox07", Name: "Nightly backup", Frequency: hostup.FrequencyDaily,
		Hour: 3, RetentionCount: 2, Since: 120 * day}
	buildRuns := runAges(buildSchedule, now, 5)
	s.AddVPS("sandbox", VPSSpec{
		ID: "vps_sandbox07", Name: "build-01", Hostname: "build-01.example.com", IP: "203.0.113.52",
		CPUCores: 8, MemoryGB: 32, StorageGB: 500,
		TotalBackupLimit: 4, AutoDeleteOldest: true, Schedule: buildSchedule,
		History: historyOf(buildRuns, buildSchedule.Name, nil),
		Backups: scheduledBackups(buildRuns[:2], buildSchedule.Name),
		// A backup of a 500 GB disk takes hours; while it runs, HostUp's gates
		// (in-flight job checks) block a restore and another backup.
		RunningBackup: 3 * time.Hour,
		SnapshotSlots: 2,
	})
	return s
}

// Fleet returns an account of n VPSes under FleetAPIKey, built deterministically
// from seed, with roughly: 20% no schedule, 45% healthy daily, 10% weekly, 5%
// disabled monthly with retention 1, 10% last run failed, 5% slots exhausted and
// 5% blocked by a pending order.
func Fleet(n int, seed int64, opts ...Option) *Simulator {
	s := New(opts...)
	s.AddKey(FleetAPIKey, "fleet")
	now := s.currentTime()
	rng := rand.New(rand.NewPCG(uint64(seed), 0x686f73747570))
	roles := []string{"web", "app", "db", "cache", "mail", "api", "worker", "ci"}
	for i := range n {
		role := roles[rng.IntN(len(roles))]
		name := fmt.Sprintf("%s-%03d", role, i+1)
		spec := VPSSpec{
			ID: fmt.Sprintf("vps_fleet%05d", i+1), Name: name, Hostname: name + ".example.net", IP: fleetIP(i),
			CPUCores: float64(int(1) << rng.IntN(4)), StorageGB: float64(40 * (1 + rng.IntN(5))),
			TotalBackupLimit: 2 + rng.IntN(6), AutoDeleteOldest: rng.IntN(2) == 0,
		}
		var sc *ScheduleSpec
		failed := map[int]string{}
		switch k := rng.IntN(20); {
		case k < 4:
		case k < 13, k == 16, k == 17:
			sc = &ScheduleSpec{Frequency: hostup.FrequencyDaily, Hour: rng.IntN(24), RetentionCount: min(3, spec.TotalBackupLimit)}
			if k >= 16 {
				failed[0] = "failed"
			}
		case k < 15:
			sc = &ScheduleSpec{Frequency: hostup.FrequencyWeekly, Hour: rng.IntN(24), Day: rng.IntN(7), RetentionCount: 2}
		case k == 15:
			sc = &ScheduleSpec{Frequency: hostup.FrequencyMonthly, Hour: 4, Day: 1 + rng.IntN(28), RetentionCount: 1, Disabled: true}
		case k == 18:
			spec.AutoDeleteOldest = false
			for j := range spec.TotalBackupLimit {
				spec.Backups = append(spec.Backups, BackupSpec{Note: "Manual backup", Age: time.Duration(j+1) * 7 * day})
			}
		default:
			sc = &ScheduleSpec{Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 2}
			pending := closedGate("An upgrade order is pending payment. Pay or cancel the order before changing backups.", "pending_order")
			spec.ClosedGates = map[string]hostup.Gate{GateCanCreate: pending, GateCanUpdateSettings: pending, GateCanDelete: pending, GateCanCreateBackup: pending}
		}
		if sc != nil {
			sc.Since = 365 * day
			runs := runAges(sc, now, 6)
			spec.Schedule = sc
			spec.History = historyOf(runs, defaultScheduleName(sc.Frequency), failed)
			kept := min(sc.RetentionCount, spec.TotalBackupLimit)
			spec.Backups = scheduledBackups(runs[len(failed):len(failed)+kept], defaultScheduleName(sc.Frequency))
		}
		s.AddVPS("fleet", spec)
	}
	return s
}

// fleetIP spreads VPSes over the three documentation ranges (RFC 5737), then
// over IPv6's documentation prefix.
func fleetIP(i int) string {
	prefixes := []string{"192.0.2.", "198.51.100.", "203.0.113."}
	if i < 3*254 {
		return fmt.Sprintf("%s%d", prefixes[i%3], 1+i/3)
	}
	return fmt.Sprintf("2001:db8::%x", i)
}

func (s *Simulator) currentTime() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// runAges returns how long ago the schedule's last n runs were, newest first.
func runAges(spec *ScheduleSpec, now time.Time, n int) []time.Duration {
	sc := &schedule{frequency: spec.Frequency, hour: spec.Hour, day: spec.Day}
	ages := make([]time.Duration, 0, n)
	t := now
	for range n {
		t = sc.prevRun(t)
		ages = append(ages, now.Sub(t))
		t = t.Add(-time.Second)
	}
	return ages
}

// historyOf makes one completed scheduled run per age, except those whose index
// is in status.
func historyOf(ages []time.Duration, note string, status map[int]string) []HistorySpec {
	out := make([]HistorySpec, len(ages))
	for i, age := range ages {
		out[i] = HistorySpec{Type: "scheduled", Status: status[i], Note: note, Age: age}
	}
	return out
}

func scheduledBackups(ages []time.Duration, note string) []BackupSpec {
	out := make([]BackupSpec, len(ages))
	for i, age := range ages {
		// A backup is stored when its run ends, a few minutes after it starts.
		out[i] = BackupSpec{Type: "scheduled", Note: note, Age: age - 7*time.Minute}
	}
	return out
}
