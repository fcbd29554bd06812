package tools

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// auditConcurrency bounds the audit's parallel reads. The client also waits out
// HostUp's 429s, so a larger fleet costs time, never failed rows.
const auditConcurrency = 8

// auditMaxVPS bounds one audit of the whole account (each VPS costs a request).
// The listing is read one page (100 VPSes) further, so that the result can say
// how many were left out, or "at least" that many, without spending the rate
// limit on pages only to count them.
const (
	auditMaxVPS  = 1000
	auditListMax = auditMaxVPS + 100
)

// Problem codes the audit reports.
const (
	problemNoSchedule     = "no_schedule"
	problemDisabled       = "disabled"
	problemLastRunFailed  = "last_run_failed"
	problemRetentionOne   = "retention_1"
	problemSlotsExhausted = "slots_exhausted"
	problemGateClosed     = "changes_blocked"
)

// AuditBackupCoverageInput selects the VPSes to audit.
type AuditBackupCoverageInput struct {
	VPSIDs []string `json:"vps_ids,omitempty" jsonschema:"maxItems=500,pattern=^(vps_[A-Za-z0-9_-]{1\\,64}|[1-9][0-9]{0\\,15})$" jsonschema_description:"From list_vps; default: the whole account."`
}

// AuditRow is one VPS's backup coverage.
type AuditRow struct {
	VPSID       string `json:"vps_id"`
	Name        string `json:"name,omitempty"`
	HasSchedule bool   `json:"has_schedule"`
	Enabled     bool   `json:"enabled"`
	Frequency   string `json:"frequency,omitempty"`
	TimeUTC     string `json:"time_utc,omitempty"`
	LastRun     string `json:"last_run,omitempty"`
	LastStatus  string `json:"last_status,omitempty"`
	Retention   int    `json:"retention,omitempty"`
	FreeSlots   int    `json:"free_slots"`
	// no_backups_no_snapshots (nothing to go back to: listed first),
	// no_schedule, disabled, last_run_failed, retention_1, slots_exhausted,
	// changes_blocked.
	Problems []string `json:"problems"`
	// Set when this VPS could not be read; the other rows are still valid.
	Error string `json:"error,omitempty"`
	// When it could not be read: the failure's code, as a failed tool result
	// carries it (e.g. vps_not_found, http_500).
	Code string `json:"code,omitempty"`
	// Why HostUp blocks changes, when it does.
	BlockedBy string `json:"blocked_by,omitempty"`
	// The snapshot schedule: e.g. a snapshot every 6 h, paused, none, or why it
	// could not be read.
	Snapshots string `json:"snapshots"`
	// False for a numeric vmid (HostUp's v1 API reports no action gates, so
	// changes_blocked cannot be seen, and a block such as a pending order shows
	// only when HostUp refuses a change) and for a row that could not be read.
	GatesKnown bool `json:"gates_known"`
	// Fields HostUp's answer did not give that a verdict needs (e.g.
	// limits.availableScheduledSlots): the problems they would show are not
	// known.
	Unread []string `json:"unread,omitempty"`
}

// AuditTotals sums up the audit.
type AuditTotals struct {
	VPS int `json:"vps"`
	// VPSes with an enabled schedule and no problem.
	Covered      int            `json:"covered"`
	WithProblems int            `json:"with_problems"`
	Errors       int            `json:"errors"`
	ByProblem    map[string]int `json:"by_problem"`
}

// AuditBackupCoverageOutput is the fleet audit. Every VPS audited is in one
// of vps, groups and covered.
type AuditBackupCoverageOutput struct {
	Common
	Totals AuditTotals `json:"totals"`
	// The VPSes needing attention, each whole, problems first (nothing to
	// restore from, then the others, by name), as many as fit in about 32 KB.
	VPS []AuditRow `json:"vps"`
	// The VPSes needing attention that vps has no room for, alike ones
	// sharing a group (list_backup_schedules shows one whole).
	Groups []AuditGroup `json:"groups"`
	// The VPSes with an enabled schedule and no problem, by name: nothing to
	// do (totals.covered counts them).
	Covered []string `json:"covered"`
	// How many VPSes of the account were not audited, as far as HostUp's list
	// was read: when the list ended early there may be more (the text says at
	// least). Audit them by passing their ids in vps_ids.
	LeftOut int `json:"left_out"`
	// Completeness is of the account's list of VPSes (complete when vps_ids
	// were given): truncated when not every VPS of the account was audited
	// (the account has more than one audit covers, or HostUp's list of VPSes
	// ended early); unknown when HostUp's list did not say whether more VPSes
	// follow, and the audit then cannot say the account is covered.
	Completeness string `json:"completeness" jsonschema:"enum=complete,enum=truncated,enum=unknown"`
}

func auditBackupCoverage(d *Deps) server.ServerTool {
	return newTool(d, "audit_backup_coverage", "Audit backup coverage",
		"Audits every VPS (or the given ones) at once: schedule, last run, retention, free slots, snapshots, problems.",
		readOnlyHints,
		func(ctx context.Context, call *Call, in AuditBackupCoverageInput) (AuditBackupCoverageOutput, string, error) {
			targets, left, err := d.auditTargets(ctx, in.VPSIDs)
			if err != nil {
				return AuditBackupCoverageOutput{}, "", err
			}
			rows := d.auditAll(ctx, call, targets)
			out := AuditBackupCoverageOutput{Totals: auditTotals(rows), LeftOut: left.count,
				Completeness: completeness(left.truncated, left.unknown)}
			out.VPS, out.Groups, out.Covered = auditParts(rows)
			return out, out.text(rows, left), nil
		})
}

type auditTarget struct{ id, name string }

// leftOut is what an audit of the whole account did not cover. The count is
// only a lower bound when HostUp's list ended early or went on past auditListMax;
// unknown is set when HostUp's list did not say whether more VPSes follow.
type leftOut struct {
	truncated, exact, unknown bool
	count                     int
}

func (d *Deps) auditTargets(ctx context.Context, ids []string) ([]auditTarget, leftOut, error) {
	if len(ids) > 0 {
		seen := map[string]bool{}
		var out []auditTarget
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, auditTarget{id: id})
			}
		}
		return out, leftOut{}, nil
	}
	list, err := d.Client.ListVPS(ctx, hostup.ListVPSParams{MaxItems: auditListMax})
	if err != nil {
		return nil, leftOut{}, err
	}
	audited := list.VPS[:min(len(list.VPS), auditMaxVPS)]
	out := make([]auditTarget, 0, len(audited))
	for _, v := range audited {
		out = append(out, auditTarget{id: v.ID, name: v.Name})
	}
	left := leftOut{count: len(list.VPS) - len(audited), exact: !list.Truncated, unknown: list.CompletenessUnknown}
	left.truncated = left.count > 0 || list.Truncated
	return out, left, nil
}

// auditAll reads every VPS with bounded concurrency, reporting progress as rows
// complete. A failed read becomes that row's error, never the whole audit's.
func (d *Deps) auditAll(ctx context.Context, call *Call, targets []auditTarget) []AuditRow {
	rows := make([]AuditRow, len(targets))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
		sem  = make(chan struct{}, auditConcurrency)
	)
	for i, t := range targets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			api := d.backendFor(t.id)
			read, err := api.schedules(ctx)
			if err != nil {
				rows[i] = AuditRow{VPSID: t.id, Name: t.name, Problems: []string{}, Error: describeError(err), Code: classifyError(err).Code}
			} else {
				rows[i] = auditRow(t, api.hasGates(), read)
				addSnapshots(ctx, api, &rows[i], read.state())
			}
			// Sent under the lock: MCP requires progress to increase with every
			// notification, and goroutines finishing together would otherwise
			// send 3 before 2.
			mu.Lock()
			defer mu.Unlock()
			done++
			call.progress(ctx, float64(done), float64(len(targets)), fmt.Sprintf("audited %d of %d VPS", done, len(targets)))
		}()
	}
	wg.Wait()
	// Rows needing attention first, then by name, so the top of the list is the to-do list.
	sort.SliceStable(rows, func(a, b int) bool {
		ra, rb := rows[a].rank(), rows[b].rank()
		if ra != rb {
			return ra < rb
		}
		return rows[a].Name < rows[b].Name
	})
	return rows
}

func (r AuditRow) attention() bool { return r.Error != "" || len(r.Problems) > 0 || len(r.Unread) > 0 }

// auditRow judges one VPS from one read of its schedules; gatesKnown says
// whether its API reports action gates.
func auditRow(t auditTarget, gatesKnown bool, read scheduleRead) AuditRow {
	bs := read.state()
	slots, slotsKnown := freeSlots(bs)
	r := AuditRow{VPSID: t.id, Name: t.name, Problems: []string{}, FreeSlots: slots, GatesKnown: gatesKnown}
	if len(bs.Schedules) == 0 {
		r.Problems = append(r.Problems, problemNoSchedule)
	} else {
		s := bs.Schedules[0]
		r.HasSchedule, r.Enabled, r.Frequency, r.TimeUTC = true, s.Enabled, s.Frequency, deref(s.Time)
		r.LastRun, r.LastStatus, r.Retention = deref(s.LastRun), deref(s.Status), s.RetentionCount
		if !s.Enabled {
			r.Problems = append(r.Problems, problemDisabled)
		}
		if s.RetentionCount == 1 {
			r.Problems = append(r.Problems, problemRetentionOne)
		}
	}
	var failed bool
	if r.LastStatus, failed = read.lastRun(r.LastStatus); failed {
		r.Problems = append(r.Problems, problemLastRunFailed)
	}
	autoDelete, autoKnown := autoDeleteOldest(bs)
	switch {
	case !slotsKnown:
		r.Unread = append(r.Unread, "limits.availableScheduledSlots")
	case slots <= 0 && !autoKnown:
		r.Unread = append(r.Unread, "settings.autoDeleteOldest")
	case slots <= 0 && !autoDelete:
		r.Problems = append(r.Problems, problemSlotsExhausted)
	}
	// A gate closed for want of an endpoint is no block on the VPS: its other
	// id, through the other API, can.
	if g, ok := changesBlocker(bs.Actions, len(bs.Schedules) > 0); ok {
		r.Problems = append(r.Problems, problemGateClosed)
		r.BlockedBy = strings.TrimSpace(gateReason(g) + " " + codeSuffix(g.CodeText()))
	}
	return r
}

func codeSuffix(code string) string {
	if code == "" {
		return ""
	}
	return "(" + code + ")"
}

func auditTotals(rows []AuditRow) AuditTotals {
	t := AuditTotals{VPS: len(rows), ByProblem: map[string]int{}}
	for _, r := range rows {
		switch {
		case r.Error != "":
			t.Errors++
		case len(r.Problems) > 0 || len(r.Unread) > 0:
			t.WithProblems++
		default:
			t.Covered++
		}
		for _, p := range r.Problems {
			t.ByProblem[p]++
		}
	}
	return t
}

// auditTextRows caps the rows the text lists: a large fleet's to-do list stays
// readable, and structuredContent still has every row.
const auditTextRows = 30

// text is the audit for a person, from every row audited, problems first.
func (o AuditBackupCoverageOutput) text(rows []AuditRow, left leftOut) string {
	var b strings.Builder
	t := o.Totals
	fmt.Fprintf(&b, "%d VPS audited: %d covered, %d with problems, %d could not be read.", t.VPS, t.Covered, t.WithProblems, t.Errors)
	o.writeToDo(&b, rows)
	if t.Covered > 0 {
		fmt.Fprintf(&b, "\nWith an enabled schedule and no problem: %d VPS.", t.Covered)
	}
	writeGatesUnknown(&b, rows)
	if left.truncated {
		more := fmt.Sprintf("%d more VPS", left.count)
		if !left.exact {
			more = fmt.Sprintf("at least %d more VPS", max(1, left.count))
		}
		fmt.Fprintf(&b, "\nTruncated: %s of the account not audited (one audit covers up to %d). To audit them, pass their ids in vps_ids; list_vps finds a VPS by its exact name or primary IP.", more, auditMaxVPS)
	}
	if o.Completeness == listUnknown {
		fmt.Fprintf(&b, "\nNot known whether the account is covered: %s Any VPS beyond them was not audited; pass its id in vps_ids (list_vps finds a VPS by its exact name or primary IP).", completenessUnknownNote)
	}
	return b.String()
}

// writeToDo writes a line for each row needing attention, at most
// auditTextRows of them.
func (o AuditBackupCoverageOutput) writeToDo(b *strings.Builder, rows []AuditRow) {
	listed := 0
	for _, r := range rows {
		if !r.attention() {
			continue
		}
		if listed++; listed > auditTextRows {
			fmt.Fprintf(b, "\n… and %d more VPS with problems or errors (each is in the structured result, whole or in its group).", o.Totals.WithProblems+o.Totals.Errors-auditTextRows)
			break
		}
		label := r.VPSID
		if r.Name != "" {
			label += " " + inList(r.Name)
		}
		if r.Error != "" {
			fmt.Fprintf(b, "\n- %s: could not be read: %s", label, firstLine(r.Error))
			continue
		}
		fmt.Fprintf(b, "\n- %s: %s", label, strings.Join(r.Problems, ", "))
		if r.BlockedBy != "" {
			fmt.Fprintf(b, ": %s", r.BlockedBy)
		}
		fmt.Fprintf(b, "; snapshots: %s", r.Snapshots)
		if len(r.Unread) > 0 {
			if len(r.Problems) > 0 {
				b.WriteString(";")
			}
			fmt.Fprintf(b, " HostUp's answer did not give %s", strings.Join(r.Unread, ", "))
		}
	}
}

// writeGatesUnknown names the rows whose API reports no action gates, where a
// block shows only when HostUp refuses a change.
func writeGatesUnknown(b *strings.Builder, rows []AuditRow) {
	var unknown []string
	for _, r := range rows {
		if !r.GatesKnown && r.Error == "" { // an unread row says why on its own
			unknown = append(unknown, r.VPSID)
		}
	}
	if len(unknown) == 0 {
		return
	}
	which := strings.Join(unknown, ", ")
	if len(unknown) > 5 {
		which = fmt.Sprintf("%d VPS", len(unknown))
	}
	fmt.Fprintf(b, "\nGates unknown for %s (numeric vmids): HostUp's v1 API reports no action gates, so a block such as a pending order shows only when HostUp refuses a change.", which)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
