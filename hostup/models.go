package hostup

import (
	"encoding/json"
	"slices"
	"strings"
)

// The types below mirror HostUp's v2 JSON field for field (see shared/hostup-api.md).
// Nullable fields are pointers so that "absent or null" stays distinguishable from
// a zero value; unknown fields are ignored by encoding/json, which is what we want
// for an API whose documentation is partly inferred.

// Gate is HostUp's action gate: whether an action may be called now, and why not.
type Gate struct {
	Allowed bool    `json:"allowed"`
	Reason  *string `json:"reason"`
	Code    *string `json:"code,omitempty"`
}

// ReasonText returns the gate's reason, or "" when HostUp gave none.
func (g Gate) ReasonText() string {
	if g.Reason == nil {
		return ""
	}
	return *g.Reason
}

// CodeText returns the gate's machine-readable code, or "" when HostUp gave none.
func (g Gate) CodeText() string {
	if g.Code == nil {
		return ""
	}
	return *g.Code
}

// VPS is one item of GET /api/v2/vps and the body of GET /api/v2/vps/{id}.
type VPS struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	Hostname        *string          `json:"hostname,omitempty"`
	PrimaryIP       *string          `json:"primaryIp"`
	ServiceStatus   string           `json:"serviceStatus"`
	PowerState      *string          `json:"powerState"`
	OperatingSystem *OperatingSystem `json:"operatingSystem,omitempty"`
	Billing         *Billing         `json:"billing,omitempty"`
	Resources       *Resources       `json:"resources,omitempty"`
}

// OperatingSystem describes the VPS image, e.g. Ubuntu 24.04.
type OperatingSystem struct {
	DisplayName string `json:"displayName"`
	Family      string `json:"family,omitempty"`
	Version     string `json:"version,omitempty"`
	Variant     string `json:"variant,omitempty"`
}

// Billing is the VPS's billing summary.
type Billing struct {
	Amount       float64 `json:"amount"`
	CurrencyCode string  `json:"currencyCode"`
	BillingCycle *string `json:"billingCycle"`
	IsPayg       bool    `json:"isPayg"`
	PeriodYears  *int    `json:"periodYears,omitempty"`
}

// Resources are the VPS's sizes.
type Resources struct {
	CPUCores  float64 `json:"cpuCores"`
	MemoryGB  float64 `json:"memoryGb"`
	StorageGB float64 `json:"storageGb"`
}

// VPSPage is one page of GET /api/v2/vps.
type VPSPage struct {
	Data       []VPS   `json:"data"`
	HasMore    bool    `json:"hasMore"`
	NextCursor *string `json:"nextCursor"`
}

// Schedule frequencies accepted by HostUp.
const (
	FrequencyDaily   = "daily"
	FrequencyWeekly  = "weekly"
	FrequencyMonthly = "monthly"
)

// BackupSchedules is the body of GET /api/v2/vps/{id}/backup-schedules.
type BackupSchedules struct {
	Schedules []Schedule      `json:"schedules"`
	Settings  *BackupSettings `json:"settings"`
	History   []HistoryEntry  `json:"history"`
	Limits    ScheduleLimits  `json:"limits"`
	Actions   ScheduleActions `json:"actions"`
	// Unread names the members of settings and limits HostUp left out or sent as
	// null, e.g. "limits.maxRetention" or "settings.autoDeleteOldest": the seed's
	// own example shows settings: null, so a zero in Settings or Limits is a value
	// only when its name is not here. Filled when decoding HostUp's answer.
	Unread []string `json:"-"`
}

// UnmarshalJSON decodes the body and records in Unread which settings and limits
// members HostUp did not give.
func (b *BackupSchedules) UnmarshalJSON(data []byte) error {
	var w backupSchedulesWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*b = w.schedules()
	return nil
}

// backupSchedulesWire is the body as HostUp writes it, read in one pass: the
// members of settings and limits are pointers, so that a member HostUp left
// out or sent as null is told from a zero without reading the body again.
// Its JSON names are BackupSchedules', so that a decoding error names the
// same field.
type backupSchedulesWire struct {
	Schedules []Schedule      `json:"schedules"`
	Settings  *settingsWire   `json:"settings"`
	History   []HistoryEntry  `json:"history"`
	Limits    *limitsWire     `json:"limits"`
	Actions   ScheduleActions `json:"actions"`
}

type settingsWire struct {
	TotalBackupLimit        *int  `json:"totalBackupLimit"`
	ManualBackupsActive     *int  `json:"manualBackupsActive"`
	ScheduledBackupsActive  *int  `json:"scheduledBackupsActive"`
	AvailableScheduledSlots *int  `json:"availableScheduledSlots"`
	AutoDeleteOldest        *bool `json:"autoDeleteOldest"`
}

type limitsWire struct {
	MaxSchedules            *int `json:"maxSchedules"`
	TotalBackups            *int `json:"totalBackups"`
	MaxRetention            *int `json:"maxRetention"`
	CurrentSchedules        *int `json:"currentSchedules"`
	ManualBackupsActive     *int `json:"manualBackupsActive"`
	ScheduledBackupsActive  *int `json:"scheduledBackupsActive"`
	AvailableScheduledSlots *int `json:"availableScheduledSlots"`
}

// schedules is the model, with Unread naming, in the order of the body's
// documentation, each settings and limits member HostUp did not give.
func (w *backupSchedulesWire) schedules() BackupSchedules {
	b := BackupSchedules{Schedules: w.Schedules, History: w.History, Actions: w.Actions}
	s := w.Settings
	if s == nil {
		s = &settingsWire{}
	} else {
		b.Settings = &BackupSettings{}
	}
	var set BackupSettings
	read(&b.Unread, "settings.totalBackupLimit", s.TotalBackupLimit, &set.TotalBackupLimit)
	read(&b.Unread, "settings.manualBackupsActive", s.ManualBackupsActive, &set.ManualBackupsActive)
	read(&b.Unread, "settings.scheduledBackupsActive", s.ScheduledBackupsActive, &set.ScheduledBackupsActive)
	read(&b.Unread, "settings.availableScheduledSlots", s.AvailableScheduledSlots, &set.AvailableScheduledSlots)
	read(&b.Unread, "settings.autoDeleteOldest", s.AutoDeleteOldest, &set.AutoDeleteOldest)
	if b.Settings != nil {
		*b.Settings = set
	}
	l := w.Limits
	if l == nil {
		l = &limitsWire{}
	}
	read(&b.Unread, "limits.maxSchedules", l.MaxSchedules, &b.Limits.MaxSchedules)
	read(&b.Unread, "limits.totalBackups", l.TotalBackups, &b.Limits.TotalBackups)
	read(&b.Unread, "limits.maxRetention", l.MaxRetention, &b.Limits.MaxRetention)
	read(&b.Unread, "limits.currentSchedules", l.CurrentSchedules, &b.Limits.CurrentSchedules)
	read(&b.Unread, "limits.manualBackupsActive", l.ManualBackupsActive, &b.Limits.ManualBackupsActive)
	read(&b.Unread, "limits.scheduledBackupsActive", l.ScheduledBackupsActive, &b.Limits.ScheduledBackupsActive)
	read(&b.Unread, "limits.availableScheduledSlots", l.AvailableScheduledSlots, &b.Limits.AvailableScheduledSlots)
	return b
}

// read copies a member HostUp gave into dst, or names it in unread.
func read[T any](unread *[]string, name string, v *T, dst *T) {
	if v == nil {
		*unread = append(*unread, name)
		return
	}
	*dst = *v
}

// Has reports whether HostUp gave member ("limits.maxRetention",
// "settings.autoDeleteOldest", …) a value.
func (b *BackupSchedules) Has(member string) bool {
	if strings.HasPrefix(member, "settings.") && b.Settings == nil {
		return false
	}
	return !slices.Contains(b.Unread, member)
}

// Schedule is one backup schedule (id bks_…). Time is "HH:MM" in UTC.
type Schedule struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Frequency      string  `json:"frequency"`
	Time           *string `json:"time"`
	DaySpecifier   *string `json:"daySpecifier"`
	RetentionCount int     `json:"retentionCount"`
	Enabled        bool    `json:"enabled"`
	LastRun        *string `json:"lastRun"`
	NextRun        *string `json:"nextRun"`
	Status         *string `json:"status"`
}

// BackupSettings are the retention settings and usage counters of one VPS.
type BackupSettings struct {
	TotalBackupLimit        int  `json:"totalBackupLimit"`
	ManualBackupsActive     int  `json:"manualBackupsActive"`
	ScheduledBackupsActive  int  `json:"scheduledBackupsActive"`
	AvailableScheduledSlots int  `json:"availableScheduledSlots"`
	AutoDeleteOldest        bool `json:"autoDeleteOldest"`
}

// HistoryEntry is one run in a schedule's history, newest first.
type HistoryEntry struct {
	BackupType *string `json:"backupType"`
	Status     string  `json:"status"`
	CreatedAt  *string `json:"createdAt"`
	UpdatedAt  *string `json:"updatedAt"`
	Note       *string `json:"note"`
}

// ScheduleLimits is HostUp's server-computed summary of limits and usage.
type ScheduleLimits struct {
	MaxSchedules            int `json:"maxSchedules"`
	TotalBackups            int `json:"totalBackups"`
	MaxRetention            int `json:"maxRetention"`
	CurrentSchedules        int `json:"currentSchedules"`
	ManualBackupsActive     int `json:"manualBackupsActive"`
	ScheduledBackupsActive  int `json:"scheduledBackupsActive"`
	AvailableScheduledSlots int `json:"availableScheduledSlots"`
}

// ScheduleActions are the gates of the backup-schedule endpoints.
type ScheduleActions struct {
	CanCreate         Gate `json:"canCreate"`
	CanUpdateSettings Gate `json:"canUpdateSettings"`
	CanDelete         Gate `json:"canDelete"`
}

// ScheduleRequest is the body of POST /api/v2/vps/{id}/backup-schedules.
// Hour is UTC. DayOfWeek is sent only for weekly schedules, DayOfMonth only for
// monthly ones: HostUp's page says so, and the pointers make "not sent" explicit.
type ScheduleRequest struct {
	Frequency      string  `json:"frequency"`
	Hour           int     `json:"hour"`
	DayOfWeek      *int    `json:"dayOfWeek,omitempty"`
	DayOfMonth     *int    `json:"dayOfMonth,omitempty"`
	RetentionCount int     `json:"retentionCount"`
	Enabled        bool    `json:"enabled"`
	Name           *string `json:"name,omitempty"`
}

// SettingsRequest is the body of PATCH /api/v2/vps/{id}/backup-schedules.
// At least one field must be set.
type SettingsRequest struct {
	MaxTotalBackups  *int  `json:"maxTotalBackups,omitempty"`
	AutoDeleteOldest *bool `json:"autoDeleteOldest,omitempty"`
}

// SettingsResponse is the body of a successful PATCH.
type SettingsResponse struct {
	Settings BackupSettings `json:"settings"`
}

// Backups is the body of GET /api/v2/vps/{id}/backups.
type Backups struct {
	Backups   []Backup      `json:"backups"`
	QuotaInfo QuotaInfo     `json:"quotaInfo"`
	Actions   BackupActions `json:"actions"`
}

// Backup is one stored backup (id bkp_…).
type Backup struct {
	ID         string  `json:"id"`
	DisplayID  string  `json:"displayId"`
	StorageKey string  `json:"storageKey"`
	CreatedAt  *string `json:"createdAt"`
	SizeGB     float64 `json:"sizeGb"`
	BackupType string  `json:"backupType"`
	Note       *string `json:"note"`
}

// QuotaInfo counts the backups stored against the VPS's limit.
// Limit and Remaining are null when HostUp sets no limit.
type QuotaInfo struct {
	Used      int  `json:"used"`
	Limit     *int `json:"limit"`
	Remaining *int `json:"remaining"`
}

// BackupActions are the gates of the backups endpoints.
type BackupActions struct {
	CanCreateBackup          Gate  `json:"canCreateBackup"`
	CanRestore               Gate  `json:"canRestore"`
	CanRestoreFromAnotherVps *Gate `json:"canRestoreFromAnotherVps,omitempty"`
}

// CreateBackupRequest is the optional body of POST /api/v2/vps/{id}/backups.
type CreateBackupRequest struct {
	Note *string `json:"note,omitempty"`
}

// OperationEnvelope is HostUp's 202 body for asynchronous actions.
type OperationEnvelope struct {
	Operation *Operation `json:"operation,omitempty"`
}

// Operation is a queued asynchronous action; poll its job for progress.
type Operation struct {
	Status  string          `json:"status"`
	JobID   string          `json:"jobId"`
	PollURL string          `json:"pollUrl"`
	Result  json.RawMessage `json:"result,omitempty"`
}

// Job states after normalization: HostUp reports jobs in two shapes (the v1 queue
// shape with isCompleted/isFailed flags, and the v2 operation status), and callers
// branch on these five values only.
const (
	JobQueued     = "queued"
	JobInProgress = "in_progress"
	JobCompleted  = "completed"
	JobFailed     = "failed"
	JobUnknown    = "unknown"
)
