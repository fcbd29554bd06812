package hostup

import "fmt"

// The types below mirror HostUp's v1 JSON (the /api/vm/{vmid}/… endpoints) with its
// exact snake_case names: seeds/000_792c1f02d5439f53.txt is the reference where the
// other documents differ. Fields whose JSON type differs between HostUp's captures
// (ids, day_of_week, day_of_month, sizes) are ExactInt; nullable fields are pointers.
// "VM" in a name marks the v1 form, as v1 calls the server a VM and its id vmid.

// V1Meta is the v1 envelope around data. Quote RequestID to HostUp support.
type V1Meta struct {
	Success   bool   `json:"success"`
	Timestamp string `json:"timestamp"`
	RequestID string `json:"requestId"`
}

// VMBackupSchedules is data of GET /api/vm/{vmid}/backup-schedules.
type VMBackupSchedules struct {
	Meta      V1Meta            `json:"-"`
	Success   bool              `json:"success"`
	Schedules []VMSchedule      `json:"schedules"`
	Settings  *VMBackupSettings `json:"settings"`
	History   []VMHistoryEntry  `json:"history"` // newest first, as many as HostUp returns
	Limits    ScheduleLimits    `json:"limits"`  // v1 already uses v2's camelCase names here
}

// VMSchedule is one v1 backup schedule. Hour and Minute are UTC (hostup-api.md §10).
type VMSchedule struct {
	ID             ExactInt  `json:"id"`
	ClientID       ExactInt  `json:"client_id"`
	AccountID      ExactInt  `json:"account_id"`
	VMID           ExactInt  `json:"vm_id"`
	Enabled        bool      `json:"enabled"`
	ScheduleType   string    `json:"schedule_type"` // FrequencyDaily, FrequencyWeekly or FrequencyMonthly
	Hour           int       `json:"hour"`
	Minute         int       `json:"minute"`
	DayOfWeek      *ExactInt `json:"day_of_week"`  // 0 = Sunday; weekly only
	DayOfMonth     *ExactInt `json:"day_of_month"` // 1-31; monthly only
	RetentionCount int       `json:"retention_count"`
	BackupMode     string    `json:"backup_mode"`
	Compress       string    `json:"compress"`
	Notes          *string   `json:"notes"`
	LastRun        *string   `json:"last_run"`
	NextRun        *string   `json:"next_run"`
	CreatedAt      string    `json:"created_at"`
	UpdatedAt      string    `json:"updated_at"`
	// Display helpers; the POST response omits them.
	ScheduleName string `json:"schedule_name,omitempty"`
	ScheduleTime string `json:"schedule_time,omitempty"`
	ScheduleDays string `json:"schedule_days,omitempty"`
}

// Time returns "HH:MM" from Hour and Minute, which are always present, unlike the
// display helper ScheduleTime.
func (s VMSchedule) Time() string { return fmt.Sprintf("%02d:%02d", s.Hour, s.Minute) }

// VMBackupSettings are the VM's retention settings and usage counters.
type VMBackupSettings struct {
	ID                      ExactInt `json:"id"`
	ClientID                ExactInt `json:"client_id"`
	AccountID               ExactInt `json:"account_id"`
	VMID                    ExactInt `json:"vm_id"`
	MaxTotalBackups         int      `json:"max_total_backups"`
	MaxManualBackups        int      `json:"max_manual_backups"`
	MaxScheduledBackups     int      `json:"max_scheduled_backups"`
	AutoDeleteOldest        bool     `json:"auto_delete_oldest"`
	CreatedAt               string   `json:"created_at"`
	UpdatedAt               string   `json:"updated_at"`
	ManualBackupsActive     int      `json:"manual_backups_active"`
	ScheduledBackupsActive  int      `json:"scheduled_backups_active"`
	TotalBackupsActive      int      `json:"total_backups_active"`
	AvailableScheduledSlots int      `json:"available_scheduled_slots"`
}

// v1 history statuses. HostUp notes that other values may indicate failures.
const (
	VMBackupActive  = "active"
	VMBackupDeleted = "deleted"
	VMBackupPending = "pending"
)

// VMHistoryEntry is one backup record, manual or scheduled.
type VMHistoryEntry struct {
	ID           ExactInt  `json:"id"`
	ClientID     ExactInt  `json:"client_id"`
	AccountID    ExactInt  `json:"account_id"`
	VMID         ExactInt  `json:"vm_id"`
	BackupType   string    `json:"backup_type"` // "manual" or "scheduled"
	ScheduleID   *ExactInt `json:"schedule_id"` // null for manual backups
	Volid        string    `json:"volid"`       // what DeleteVMBackup takes
	Size         *ExactInt `json:"size"`        // bytes, exact
	Notes        *string   `json:"notes"`
	Status       string    `json:"status"` // VMBackupActive, VMBackupDeleted, VMBackupPending or a failure word
	CreatedAt    string    `json:"created_at"`
	DeletedAt    *string   `json:"deleted_at"`
	JobID        string    `json:"job_id"` // poll with GetJob
	ErrorMessage *string   `json:"error_message"`
}

// VMScheduleRequest is the body of POST /api/vm/{vmid}/backup-schedules. Hour and
// Minute are UTC. DayOfWeek is for weekly schedules only and DayOfMonth for monthly
// ones; HostUp ignores them otherwise, and the pointers keep them unsent.
type VMScheduleRequest struct {
	ScheduleType   string `json:"schedule_type"`
	Hour           int    `json:"hour"`
	Minute         int    `json:"minute"`
	DayOfWeek      *int   `json:"day_of_week,omitempty"`
	DayOfMonth     *int   `json:"day_of_month,omitempty"`
	RetentionCount int    `json:"retention_count"`
	Enabled        bool   `json:"enabled"`
	// Notes is always sent: HostUp's page marks it required while calling it an
	// optional label, and "" satisfies both readings.
	Notes string `json:"notes"`
}

// VMScheduleSaved is data of a successful POST /api/vm/{vmid}/backup-schedules.
// Schedule is nil when the body did not carry one; read the schedules back either way.
type VMScheduleSaved struct {
	Meta     V1Meta      `json:"-"`
	Success  bool        `json:"success"`
	Schedule *VMSchedule `json:"schedule"`
	Message  string      `json:"message"` // e.g. "Backup schedule updated successfully"
}

// VMBackupList is data of GET /api/vm/{vmid}/backups, newest first as HostUp sends it.
type VMBackupList struct {
	Meta    V1Meta     `json:"-"`
	Backups []VMBackup `json:"backups"`
}

// VMBackup is one stored backup as Proxmox Backup Server describes it. Its field names
// mix cases because HostUp passes Proxmox's through and adds its own.
type VMBackup struct {
	Volid      string         `json:"volid"`
	VMID       ExactInt       `json:"vmid"`
	Size       ExactInt       `json:"size"`  // bytes, exact
	Ctime      int64          `json:"ctime"` // unix seconds
	Content    string         `json:"content"`
	Format     string         `json:"format"`
	Storage    string         `json:"storage"`
	Notes      string         `json:"notes"`
	Protected  bool           `json:"protected"`
	Scheduled  bool           `json:"scheduled"`
	ScheduleID *ExactInt      `json:"scheduleId"`
	BackupType string         `json:"backupType"`
	Files      []VMBackupFile `json:"files"`
}

// VMBackupFile is one file inside a backup.
type VMBackupFile struct {
	Filename  string   `json:"filename"`
	Size      ExactInt `json:"size"`
	CryptMode string   `json:"crypt-mode"`
}

// V1Result is data of a v1 action that returns only a message, such as
// DELETE /api/vm/{vmid}/backups/{volid}.
type V1Result struct {
	Meta    V1Meta `json:"-"`
	Success bool   `json:"success"`
	Message string `json:"message"` // e.g. "Backup deleted successfully"
}
