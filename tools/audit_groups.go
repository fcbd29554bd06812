package tools

import "encoding/json"

// The audit's structured result at fleet size: a VPS that needs nothing is
// only named (covered), and a VPS that needs attention is whole while the
// rows fit in auditDetailBudget; the others are grouped by what is wrong. An
// audit of 1,000 VPSes then stays within what a model's context can take
// (about 64 KB), where every row whole took 280 KB.

// auditDetailBudget bounds the whole rows of one audit, encoded.
const auditDetailBudget = 32 << 10

// AuditGroup is VPSes needing attention for the same reasons.
type AuditGroup struct {
	VPSIDs []string `json:"vps_ids"`
	// As in a whole row: no_backups_no_snapshots, no_schedule, disabled,
	// last_run_failed, retention_1, slots_exhausted, changes_blocked.
	Problems []string `json:"problems"`
	// Why HostUp blocks changes, when it does.
	BlockedBy string `json:"blocked_by,omitempty"`
	// Fields HostUp's answers did not give that a verdict needs.
	Unread []string `json:"unread,omitempty"`
	// When these VPSes could not be read: the failure's code, and what went
	// wrong when it is the same for each.
	Code  string `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
	// False for numeric vmids (HostUp's v1 API reports no action gates) and
	// for VPSes that could not be read.
	GatesKnown bool `json:"gates_known"`
}

// auditParts splits the audit's rows, in their order, into whole rows, groups
// (in the order of their first row: nothing to restore from first) and the
// covered VPSes.
func auditParts(rows []AuditRow) ([]AuditRow, []AuditGroup, []string) {
	whole := []AuditRow{}
	groups := []AuditGroup{}
	covered := []string{}
	at := map[string]int{}
	size := 0
	for _, r := range rows {
		if !r.attention() {
			covered = append(covered, r.VPSID)
			continue
		}
		if len(groups) == 0 {
			b, _ := json.Marshal(r) // strings, numbers and lists of them
			if size += len(b) + 1; size <= auditDetailBudget {
				whole = append(whole, r)
				continue
			}
		}
		g := AuditGroup{Problems: r.Problems, BlockedBy: r.BlockedBy, Unread: r.Unread, Code: r.Code, GatesKnown: r.GatesKnown}
		k, _ := json.Marshal(g)
		i, ok := at[string(k)]
		if !ok {
			i, at[string(k)] = len(groups), len(groups)
			g.Error = r.Error
			groups = append(groups, g)
		}
		groups[i].VPSIDs = append(groups[i].VPSIDs, r.VPSID)
		if groups[i].Error != r.Error {
			groups[i].Error = ""
		}
	}
	return whole, groups, covered
}
