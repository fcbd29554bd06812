package hostup

// Where each request goes, named once. The client sends a request to the path
// these build from ids it has validated and escaped (segment); a plan shows a
// person the same path built from the ids as given, which is why they take ids
// as they are and escape nothing.

const (
	vpsListPath = "/api/v2/vps"
	v2Root      = vpsListPath + "/" // + vps_… id
	v1Root      = "/api/vm/"        // + numeric vmid
)

// VPSPath is the path of a VPS in HostUp's v2 API.
func VPSPath(vpsID string) string { return v2Root + vpsID }

// BackupSchedulesPath is the path of a VPS's backup schedules in v2: read
// (GET), created or updated (POST), their settings changed (PATCH).
func BackupSchedulesPath(vpsID string) string { return VPSPath(vpsID) + "/backup-schedules" }

// BackupSchedulePath is the path of one backup schedule in v2 (DELETE).
func BackupSchedulePath(vpsID, scheduleID string) string {
	return BackupSchedulesPath(vpsID) + "/" + scheduleID
}

// BackupsPath is the path of a VPS's backups in v2: listed (GET), one queued (POST).
func BackupsPath(vpsID string) string { return VPSPath(vpsID) + "/backups" }

// BackupPath is the path of one backup in v2 (DELETE).
func BackupPath(vpsID, backupID string) string { return BackupsPath(vpsID) + "/" + backupID }

// RestorePath is the path of a backup's in-place restore in v2 (POST).
func RestorePath(vpsID, backupID string) string {
	return BackupPath(vpsID, backupID) + "/actions/restore"
}

// SnapshotSchedulesPath is the path of a VPS's snapshot schedule in v2: read
// (GET), set (POST), deleted (DELETE).
func SnapshotSchedulesPath(vpsID string) string { return VPSPath(vpsID) + "/snapshot-schedules" }

// VMBackupSchedulesPath is the path of a VM's backup schedules in v1: read
// (GET), created or updated (POST).
func VMBackupSchedulesPath(vmid string) string { return v1Root + vmid + "/backup-schedules" }

// VMBackupsPath is the path of a VM's backups in v1 (GET).
func VMBackupsPath(vmid string) string { return v1Root + vmid + "/backups" }

// VMBackupPath is the path of one v1 backup, named by its volid (DELETE).
func VMBackupPath(vmid, volid string) string { return VMBackupsPath(vmid) + "/" + volid }

// VMSnapshotSchedulesPath is the path of a VM's snapshot schedule in v1: read
// (GET), set (POST).
func VMSnapshotSchedulesPath(vmid string) string { return v1Root + vmid + "/snapshot-schedules" }

// jobPath is the path of a job (GET): the v2 operation's pollUrl, and v1's
// jobs endpoint.
func jobPath(jobID string) string { return "/api/jobs/" + jobID }
