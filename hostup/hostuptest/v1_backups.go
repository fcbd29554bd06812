package hostuptest

import "strconv"

// vmBackup is one item of v1 GET /api/vm/{vmid}/backups, Proxmox's shape with
// HostUp's additions; size is a JSON number there, unlike history's string.
type vmBackup struct {
	Volid      string         `json:"volid"`
	VMID       string         `json:"vmid"`
	Size       int64          `json:"size"`
	Ctime      int64          `json:"ctime"`
	Content    string         `json:"content"`
	Format     string         `json:"format"`
	Storage    string         `json:"storage"`
	Notes      string         `json:"notes"`
	Protected  bool           `json:"protected"`
	Scheduled  bool           `json:"scheduled"`
	ScheduleID *int           `json:"scheduleId"`
	BackupType string         `json:"backupType"`
	Files      []vmBackupFile `json:"files"`
}

type vmBackupFile struct {
	Filename  string `json:"filename"`
	Size      int64  `json:"size"`
	CryptMode string `json:"crypt-mode"`
}

// v1Message is data of a v1 action that answers only with a message.
type v1Message struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

func (s *Simulator) listVMBackups(c *call) response {
	v, ok := s.ownedVM(c)
	if !ok {
		return vmNotFound()
	}
	out := []vmBackup{}
	for i := len(v.backups) - 1; i >= 0; i-- {
		b := v.backups[i]
		e := v.vmEntryOfBackup(b)
		out = append(out, vmBackup{
			Volid: b.volid, VMID: strconv.Itoa(v.vmid), Size: b.bytes, Ctime: b.created.Unix(),
			Content: "pbs-vm", Format: "pbs", Storage: "pbs-offsite-10g", Notes: b.note,
			Scheduled: b.kind == "scheduled", ScheduleID: e.ScheduleID, BackupType: b.kind,
			Files: []vmBackupFile{{Filename: "drive-scsi0.img.fidx", Size: b.bytes, CryptMode: "none"}},
		})
	}
	return v1OK(out)
}

// deleteVMBackup deletes by volid, which arrives as one escaped path segment. Like
// v2's DELETE it is not gated.
func (s *Simulator) deleteVMBackup(c *call) response {
	v, ok := s.ownedVM(c)
	if !ok {
		return vmNotFound()
	}
	for i, b := range v.backups {
		if b.volid == c.params[1] {
			v.removeBackup(i, c.now)
			return v1OK(v1Message{Success: true, Message: "Backup deleted successfully"})
		}
	}
	return problem(404, "not_found", "No backup with this volid exists on the VM.")
}
