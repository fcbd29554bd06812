package hostuptest

import (
	"fmt"
	"net/http"

	"github.com/hostup/hostup-mcp/hostup"
)

func (s *Simulator) listBackups(c *call) response {
	v, ok := s.ownedVPS(c)
	if !ok {
		return vpsNotFound()
	}
	used := len(v.backups)
	limit, remaining := v.limit, max(0, v.limit-used)
	out := hostup.Backups{
		Backups:   []hostup.Backup{},
		QuotaInfo: hostup.QuotaInfo{Used: used, Limit: &limit, Remaining: &remaining},
		Actions: hostup.BackupActions{
			CanCreateBackup: v.gate(GateCanCreateBackup),
			CanRestore:      v.gate(GateCanRestore),
		},
	}
	for i := len(v.backups) - 1; i >= 0; i-- {
		out.Backups = append(out.Backups, v.backups[i].model())
	}
	return ok200(s.reshapeBackups(out))
}

func (b *backup) model() hostup.Backup {
	m := hostup.Backup{
		ID:         b.id,
		DisplayID:  fmt.Sprintf("%s (%s)", isoTime(b.created), b.storageKey),
		StorageKey: b.storageKey,
		CreatedAt:  isoPtr(b.created),
		SizeGB:     b.sizeGB,
		BackupType: b.kind,
	}
	if b.note != "" {
		m.Note = strPtr(b.note)
	}
	return m
}

// operationBody is the 202 envelope; result is written as null, as in HostUp's example.
type operationBody struct {
	Operation operation `json:"operation"`
}

type operation struct {
	Status  string `json:"status"`
	JobID   string `json:"jobId"`
	PollURL string `json:"pollUrl"`
	Result  any    `json:"result"`
}

// createBackup queues a manual backup job. A full quota is refused unless
// autoDeleteOldest is on, in which case the oldest backup goes when the job ends.
func (s *Simulator) createBackup(c *call) response {
	v, ok := s.ownedVPS(c)
	if !ok {
		return vpsNotFound()
	}
	note, errs := validateBackup(c.body)
	if len(errs) > 0 {
		return invalidRequest(errs)
	}
	if g := v.gate(GateCanCreateBackup); !g.Allowed {
		return refusal(g)
	}
	j := s.startJob(v, note, c.now)
	return reply(http.StatusAccepted, operationBody{Operation: operation{
		Status:  "queued",
		JobID:   j.id,
		PollURL: "/api/jobs/" + j.id,
	}})
}

func (s *Simulator) deleteBackup(c *call) response {
	v, ok := s.ownedVPS(c)
	if !ok {
		return vpsNotFound()
	}
	for i, b := range v.backups {
		if b.id == c.params[1] {
			v.removeBackup(i, c.now)
			return response{status: http.StatusNoContent}
		}
	}
	return problem(http.StatusNotFound, "not_found", "No backup with this ID exists on the VPS.")
}
