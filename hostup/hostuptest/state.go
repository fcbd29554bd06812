package hostuptest

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// Gate names, as HostUp spells them under actions.
const (
	GateCanCreate         = "canCreate"
	GateCanUpdateSettings = "canUpdateSettings"
	GateCanDelete         = "canDelete"
	GateCanCreateBackup   = "canCreateBackup"
	GateCanRestore        = "canRestore"
)

// Codes the simulator uses where HostUp's are not documented (see doc.go).
const (
	CodeScheduleExists   = "backup_schedule_exists"
	CodeQuotaFull        = "backup_quota_full"
	CodeBackupInProgress = "backup_in_progress"
	CodeLimitBelowUsage  = "backup_limit_below_usage"
)

const (
	// reasonScheduleExists is HostUp's own wording (hostup-api.md §10).
	reasonScheduleExists = "A backup schedule already exists. Update or delete it before creating another."
	// defaultBackupLimit follows HostUp's details page, which shows backupsIncluded: 2.
	defaultBackupLimit = 2
)

// VPSSpec describes a VPS to add with AddVPS. Zero values get sensible defaults.
type VPSSpec struct {
	ID            string // vps_…; generated when empty
	VMID          int    // v1's numeric vmid; 0 assigns the next free one from 10000 up
	Name          string
	Hostname      string
	IP            string
	ServiceStatus string // default "active"
	PowerState    string // default "running"
	OS            string // display name, default "Ubuntu 24.04"
	CPUCores      float64
	MemoryGB      float64
	StorageGB     float64

	TotalBackupLimit int // settings.totalBackupLimit; 0 means 2
	AutoDeleteOldest bool
	Schedule         *ScheduleSpec
	Backups          []BackupSpec
	History          []HistorySpec
	// ClosedGates overrides gates by name (GateCanCreate, …), e.g. closed by a
	// pending order. Gates not named here are computed from the state.
	ClosedGates map[string]hostup.Gate
	// FailBackups makes every backup job of this VPS fail.
	FailBackups bool

	// SnapshotSlots is limits.totalSnapshots; 0 means the plan has no snapshots.
	SnapshotSlots    int
	SnapshotSchedule *SnapshotScheduleSpec
	// RunningBackup starts a manual backup job that runs this long from now.
	RunningBackup time.Duration
}

// ScheduleSpec is the VPS's one backup schedule.
type ScheduleSpec struct {
	ID             string // bks_…; generated when empty
	Name           string
	Frequency      string // hostup.FrequencyDaily, …
	Hour           int    // UTC
	Minute         int    // UTC; only v1 can set it, v2 shows it in time "HH:MM"
	Day            int    // day of week (0 = Sunday) for weekly, day of month for monthly
	RetentionCount int
	Disabled       bool
	Since          time.Duration // how long ago it was created; runs before that are not its own
}

// BackupSpec is a stored backup, Age old.
type BackupSpec struct {
	Type      string // "manual" (default) or "scheduled"
	Note      string
	SizeGB    float64 // default derived from SizeBytes, else from the disk size
	SizeBytes int64   // v1's exact size; default derived from SizeGB (GiB)
	Age       time.Duration
}

// HistorySpec is one past run, Age old.
type HistorySpec struct {
	Type   string // "scheduled" (default) or "manual"
	Status string // "completed" (default), "failed", …
	Note   string
	Age    time.Duration
}

type vps struct {
	id, account   string
	model         hostup.VPS
	vmNumber      int // Proxmox-style number used in storage keys
	vmid          int // v1's id of the same VPS: both APIs share this state
	limit         int
	autoDelete    bool
	schedule      *schedule
	backups       []*backup       // stored, oldest first
	removed       []*backup       // deleted backups no history entry records, for v1's history
	history       []*historyEntry // oldest first
	gates         map[string]hostup.Gate
	failBackups   bool
	activeJob     *job
	defaultSizeGB float64 // a backup's size when the spec gives none: 18% of the disk, a typical compressed image

	// Restores and snapshots (restore.go, snapshot_schedules.go).
	restored         []string // backups restored onto the disk, oldest first
	snapshotSlots    int
	snapshotSchedule *snapshotSchedule

	// twinDeleted: the second enabled schedule Variants.SecondEnabledSchedule
	// lists was deleted.
	twinDeleted bool

	// v1's numeric row ids and timestamps, which v2 does not show.
	clientNum, accountNum, settingsNum int
	created, settingsUpdated           time.Time
}

type schedule struct {
	id, name, frequency string
	num                 int // v1's numeric id of the same schedule
	hour, minute, day   int
	retention           int
	enabled             bool
	created, updated    time.Time
}

type backup struct {
	id, kind, note, storageKey string
	num                        int    // v1 history id when no history entry records the backup
	volid                      string // v1's id of the same backup
	sizeGB                     float64
	bytes                      int64
	created                    time.Time
	deleted                    *time.Time
	entry                      *historyEntry // the run that made it; nil for seeded backups without one
}

type historyEntry struct {
	kind, status, note string
	num                int // v1 history id
	created            time.Time
	updated            *time.Time
	backup             *backup // what the run stored; nil while pending, after a failure, or for old seeded runs
	jobID              string
	failure            string
}

// AddVPS adds a VPS to account and returns its id.
func (s *Simulator) AddVPS(account string, spec VPSSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	id := spec.ID
	if id == "" {
		id = s.newID("vps")
	}
	if _, dup := s.vpses[id]; dup {
		panic(fmt.Sprintf("hostuptest: VPS %s added twice", id))
	}
	v := &vps{
		id:              id,
		account:         account,
		vmNumber:        101 + len(s.order),
		vmid:            s.assignVMID(spec.VMID),
		limit:           orDefault(spec.TotalBackupLimit, defaultBackupLimit),
		autoDelete:      spec.AutoDeleteOldest,
		gates:           map[string]hostup.Gate{},
		failBackups:     spec.FailBackups,
		clientNum:       s.clientNum(account),
		accountNum:      20000 + len(s.order),
		settingsNum:     s.newNum(),
		created:         now,
		settingsUpdated: now,
	}
	v.model = vpsModel(id, spec)
	v.defaultSizeGB = math.Round(v.model.Resources.StorageGB*1.8) / 10
	for name, g := range spec.ClosedGates {
		v.gates[checkGateName(name)] = g
	}
	for _, b := range spec.Backups {
		v.addBackup(s.newID("bkp"), s.newNum(), orDefaultString(b.Type, "manual"), b.Note, b.SizeGB, b.SizeBytes, now.Add(-b.Age))
	}
	s.seedHistory(v, spec.History, now)
	v.linkSeededBackups()
	if sp := spec.Schedule; sp != nil {
		v.schedule = s.seededSchedule(*sp, now)
	}
	s.seedSnapshots(v, spec, now)
	s.startLongBackup(v, spec.RunningBackup, now)
	s.vpses[id] = v
	s.vmids[v.vmid] = id
	s.order = append(s.order, id)
	return id
}

// seedHistory gives v the runs of its spec, oldest first as the simulator
// keeps them; callers hold s.mu.
func (s *Simulator) seedHistory(v *vps, runs []HistorySpec, now time.Time) {
	for _, h := range runs {
		created := now.Add(-h.Age)
		v.history = append(v.history, &historyEntry{
			kind:    orDefaultString(h.Type, "scheduled"),
			status:  orDefaultString(h.Status, "completed"),
			note:    h.Note,
			num:     s.newNum(),
			created: created,
			jobID:   fmt.Sprintf("backup-%d-%d", v.vmid, created.UnixMilli()),
		})
	}
	slices.SortStableFunc(v.history, func(a, b *historyEntry) int { return a.created.Compare(b.created) })
}

// seededSchedule is the schedule a spec asks for, made sp.Since ago; callers
// hold s.mu.
func (s *Simulator) seededSchedule(sp ScheduleSpec, now time.Time) *schedule {
	sid := sp.ID
	if sid == "" {
		sid = s.newID("bks")
	}
	created := now.Add(-sp.Since)
	return &schedule{
		id: sid, num: s.newNum(), name: orDefaultString(sp.Name, defaultScheduleName(sp.Frequency)),
		frequency: sp.Frequency, hour: sp.Hour, minute: sp.Minute, day: sp.Day,
		retention: sp.RetentionCount, enabled: !sp.Disabled, created: created, updated: created,
	}
}

// firstVMID is where assigned vmids start, as in HostUp's examples (vmid 10000).
const firstVMID = 10000

// assignVMID returns want, or the next free vmid when want is 0; callers hold s.mu.
func (s *Simulator) assignVMID(want int) int {
	if want < 0 || want > hostup.MaxVMID {
		panic(fmt.Sprintf("hostuptest: vmid %d out of range", want))
	}
	if want == 0 {
		want = max(s.nextVMID, firstVMID)
		for s.vmids[want] != "" {
			want++
		}
		s.nextVMID = want + 1
	}
	if other, dup := s.vmids[want]; dup {
		panic(fmt.Sprintf("hostuptest: vmid %d already belongs to %s", want, other))
	}
	return want
}

// VMID returns the numeric vmid under which v1 routes serve the VPS.
func (s *Simulator) VMID(vpsID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustVPS(vpsID).vmid
}

// clientNum is the account's v1 client_id, stable per account; callers hold s.mu.
func (s *Simulator) clientNum(account string) int {
	n, ok := s.clientNums[account]
	if !ok {
		n = 30000 + len(s.clientNums)
		s.clientNums[account] = n
	}
	return n
}

// linkSeededBackups pairs each seeded backup with the run that made it (same kind,
// started at most an hour before), so that v1's history shows the run's volid and
// size and marks it deleted when the backup goes.
func (v *vps) linkSeededBackups() {
	for _, b := range v.backups {
		for i := len(v.history) - 1; i >= 0; i-- {
			h := v.history[i]
			if h.backup == nil && h.kind == b.kind && h.status == "completed" &&
				!h.created.After(b.created) && b.created.Sub(h.created) <= time.Hour {
				h.backup, b.entry = b, h
				break
			}
		}
	}
}

func vpsModel(id string, spec VPSSpec) hostup.VPS {
	cycle := "monthly"
	v := hostup.VPS{
		ID:              id,
		Name:            orDefaultString(spec.Name, id),
		ServiceStatus:   orDefaultString(spec.ServiceStatus, "active"),
		PowerState:      strPtr(orDefaultString(spec.PowerState, "running")),
		OperatingSystem: &hostup.OperatingSystem{DisplayName: orDefaultString(spec.OS, "Ubuntu 24.04"), Family: "linux"},
		Resources: &hostup.Resources{
			CPUCores:  orDefaultFloat(spec.CPUCores, 2),
			MemoryGB:  orDefaultFloat(spec.MemoryGB, 4),
			StorageGB: orDefaultFloat(spec.StorageGB, 80),
		},
	}
	v.Billing = &hostup.Billing{Amount: 99 * v.Resources.CPUCores, CurrencyCode: "SEK", BillingCycle: &cycle}
	if spec.Hostname != "" {
		v.Hostname = strPtr(spec.Hostname)
	}
	if spec.IP != "" {
		v.PrimaryIP = strPtr(spec.IP)
	}
	return v
}

// SetGate overrides one of a VPS's gates (GateCanCreate, …). An allowed gate
// removes the override, so the gate is computed from the state again.
func (s *Simulator) SetGate(vpsID, gate string, g hostup.Gate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.mustVPS(vpsID)
	if g.Allowed {
		delete(v.gates, checkGateName(gate))
		return
	}
	v.gates[checkGateName(gate)] = g
}

// SetFailBackups makes the VPS's backup jobs, including those already queued,
// fail (or succeed again).
func (s *Simulator) SetFailBackups(vpsID string, fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustVPS(vpsID).failBackups = fail
}

func (s *Simulator) mustVPS(id string) *vps {
	v, ok := s.vpses[id]
	if !ok {
		panic("hostuptest: no VPS " + id)
	}
	return v
}

func checkGateName(name string) string {
	switch name {
	case GateCanCreate, GateCanUpdateSettings, GateCanDelete, GateCanCreateBackup, GateCanRestore, GateCanEnable:
		return name
	}
	panic("hostuptest: unknown gate " + name)
}

// ownedVPS finds the VPS named by the first path parameter, if the caller owns it.
func (s *Simulator) ownedVPS(c *call) (*vps, bool) {
	v, ok := s.vpses[c.params[0]]
	if !ok || v.account != c.account {
		return nil, false
	}
	return v, true
}

func vpsNotFound() response {
	return problem(404, "vps_not_found", "No VPS matching the given ID was found.")
}

// bytesPerGB converts v2's sizeGb and v1's byte sizes; HostUp does not say whether
// its GB are 10^9 or 2^30 bytes, and Proxmox counts in GiB.
const bytesPerGB = 1 << 30

func (v *vps) addBackup(id string, num int, kind, note string, sizeGB float64, sizeBytes int64, created time.Time) *backup {
	if sizeGB == 0 && sizeBytes > 0 {
		sizeGB = math.Round(float64(sizeBytes)/bytesPerGB*10) / 10
	}
	sizeGB = orDefaultFloat(sizeGB, v.defaultSizeGB)
	if sizeBytes == 0 {
		sizeBytes = int64(math.Round(sizeGB * bytesPerGB))
	}
	b := &backup{
		id: id, num: num, kind: kind, note: note,
		sizeGB:     sizeGB,
		bytes:      sizeBytes,
		created:    created,
		storageKey: fmt.Sprintf("vzdump-qemu-%d-%s.vma.zst", v.vmNumber, created.UTC().Format("2006_01_02-15_04_05")),
		volid:      v.freeVolid(created),
	}
	v.backups = append(v.backups, b)
	slices.SortStableFunc(v.backups, func(a, b *backup) int { return a.created.Compare(b.created) })
	return b
}

// volid is how Proxmox Backup Server names a VM's backup taken at t.
func (v *vps) volid(t time.Time) string {
	return fmt.Sprintf("pbs-offsite-10g:backup/vm/%d/%s", v.vmid, isoTime(t))
}

// freeVolid is volid(t), moved on by a second while a stored backup has it: two
// backups seeded at the same instant must still be deletable one by one.
func (v *vps) freeVolid(t time.Time) string {
	for {
		id := v.volid(t)
		if !slices.ContainsFunc(v.backups, func(b *backup) bool { return b.volid == id }) {
			return id
		}
		t = t.Add(time.Second)
	}
}

// removeBackup deletes the stored backup at index i, keeping a record for v1's history.
func (v *vps) removeBackup(i int, now time.Time) {
	b := v.backups[i]
	b.deleted = &now
	if b.entry == nil {
		v.removed = append(v.removed, b)
	}
	v.backups = slices.Delete(v.backups, i, i+1)
}

// deleteOldest removes the n oldest backups, as HostUp's autoDeleteOldest does.
func (v *vps) deleteOldest(n int, now time.Time) {
	for range min(max(n, 0), len(v.backups)) {
		v.removeBackup(0, now)
	}
}

func (v *vps) count(kind string) int {
	n := 0
	for _, b := range v.backups {
		if b.kind == kind {
			n++
		}
	}
	return n
}

// settings follows hostup-api.md §10: availableScheduledSlots = total − manual − scheduled.
func (v *vps) settings() hostup.BackupSettings {
	manual, scheduled := v.count("manual"), v.count("scheduled")
	return hostup.BackupSettings{
		TotalBackupLimit:        v.limit,
		ManualBackupsActive:     manual,
		ScheduledBackupsActive:  scheduled,
		AvailableScheduledSlots: max(0, v.limit-manual-scheduled),
		AutoDeleteOldest:        v.autoDelete,
	}
}

// limits follows §10 too: maxRetention equals the total backup limit.
func (v *vps) limits() hostup.ScheduleLimits {
	st := v.settings()
	current := 0
	if v.schedule != nil {
		current = 1
	}
	return hostup.ScheduleLimits{
		MaxSchedules:            1,
		TotalBackups:            v.limit,
		MaxRetention:            v.limit,
		CurrentSchedules:        current,
		ManualBackupsActive:     st.ManualBackupsActive,
		ScheduledBackupsActive:  st.ScheduledBackupsActive,
		AvailableScheduledSlots: st.AvailableScheduledSlots,
	}
}

func (v *vps) quotaFull() bool { return len(v.backups) >= v.limit }

// gate returns the named gate: an override when one is set, else what the
// state implies (HostUp's gates "include service status, quota, permission,
// and in-flight job checks").
func (v *vps) gate(name string) hostup.Gate {
	if g, ok := v.gates[name]; ok {
		return g
	}
	switch {
	case name == GateCanCreate && v.schedule != nil:
		return closedGate(reasonScheduleExists, "")
	case (name == GateCanCreateBackup || name == GateCanRestore) && v.activeJob != nil:
		return closedGate(v.activeJob.busy())
	case name == GateCanCreateBackup && v.quotaFull() && !v.autoDelete:
		return closedGate(fmt.Sprintf("All %d backup slots are in use. Delete a backup, raise the backup limit, or turn on autoDeleteOldest.", v.limit), CodeQuotaFull)
	case name == GateCanRestore && len(v.backups) == 0:
		return closedGate("There is no backup to restore.", "")
	}
	return hostup.Gate{Allowed: true}
}

// refusal is the 409 a mutation behind a closed gate gets. A pending order
// closes gates with "pending_order" while the error is "pending_orders"
// (hostup-api.md §0); other blockers the simulator cannot name map to vps_not_ready.
func refusal(g hostup.Gate) response {
	code := "vps_not_ready"
	switch g.CodeText() {
	case "pending_order":
		code = "pending_orders"
	case CodeBackupInProgress, CodeQuotaFull, CodeRestoreInProgress:
		code = g.CodeText()
	}
	detail := g.ReasonText()
	if detail == "" {
		detail = "The VPS is not ready for this action."
	}
	return problem(409, code, detail)
}

func closedGate(reason, code string) hostup.Gate {
	g := hostup.Gate{Allowed: false, Reason: &reason}
	if code != "" {
		g.Code = &code
	}
	return g
}

func strPtr(s string) *string { return &s }

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orDefaultFloat(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func orDefaultString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Schedules returns the VPS's schedule as the simulator holds it now (none or one),
// whatever shape the variants give HostUp's answers: what a test checks the
// outcome against.
func (s *Simulator) Schedules(vpsID string) []ScheduleSpec {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleJobs(s.now())
	sc := s.mustVPS(vpsID).schedule
	if sc == nil {
		return nil
	}
	return []ScheduleSpec{{ID: sc.id, Name: sc.name, Frequency: sc.frequency, Hour: sc.hour, Minute: sc.minute, Day: sc.day,
		RetentionCount: sc.retention, Disabled: !sc.enabled}}
}
