package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// ------------------------------------------------------- 4. result size

type sizeLine struct {
	label            string
	text, structured int
	isError          bool
}

func benchSizes(bin string, a *account) ([]row, string, error) {
	p, err := startServer(bin, a.srv.URL)
	if err != nil {
		return nil, "", err
	}
	defer p.close(3 * time.Second)
	logf("result sizes")
	list, err := p.request("tools/list", map[string]any{})
	if err != nil {
		return nil, "", err
	}
	r := &sizeRun{p: p}
	sched, backups, err := r.measureReads(a.detailID)
	if err == nil {
		err = r.measureChanges(a.detailID, sched, backups)
	}
	if err != nil {
		return nil, "", err
	}
	for _, l := range r.lines {
		if l.isError {
			return nil, "", fmt.Errorf("%s answered isError (%d bytes of text)", l.label, l.text)
		}
	}
	return r.rows(), r.detail(len(list)), nil
}

// sizeRun measures the results of one server, call by call.
type sizeRun struct {
	p            *mcpProc
	lines        []sizeLine
	sched, audit sizeLine // the results rows 4a and 4b judge
}

func (r *sizeRun) measure(label, tool string, args map[string]any) (toolResult, error) {
	res, err := r.p.callTool(tool, args)
	if err == nil {
		r.lines = append(r.lines, sizeOf(label, res))
	}
	return res, err
}

// measureReads measures the read tools on the VPS id, and returns the
// schedules and the backups it read, for the ids the changes take.
func (r *sizeRun) measureReads(id string) (sched, backups toolResult, err error) {
	if _, err := r.measure("list_vps (50 VPS)", "list_vps", map[string]any{}); err != nil {
		return sched, backups, err
	}
	if sched, err = r.measure("list_backup_schedules (20 runs, default history_limit 10)", "list_backup_schedules", map[string]any{"vps_id": id}); err != nil {
		return sched, backups, err
	}
	r.sched = r.lines[len(r.lines)-1]
	if _, err := r.measure("list_backup_schedules (history_limit 20)", "list_backup_schedules", map[string]any{"vps_id": id, "history_limit": 20}); err != nil {
		return sched, backups, err
	}
	if _, err := r.measure("audit_backup_coverage (50 VPS)", "audit_backup_coverage", map[string]any{}); err != nil {
		return sched, backups, err
	}
	r.audit = r.lines[len(r.lines)-1]
	backups, err = r.measure("list_backups", "list_backups", map[string]any{"vps_id": id})
	return sched, backups, err
}

// measureChanges measures the write tools on the VPS id: dry runs, then a
// backup made as an assistant makes one, and its job.
func (r *sizeRun) measureChanges(id string, sched, backups toolResult) error {
	if _, err := r.measure("upsert_backup_schedule (dry_run, update)", "upsert_backup_schedule",
		map[string]any{"vps_id": id, "frequency": "daily", "hour": 3, "retention_count": 5, "dry_run": true}); err != nil {
		return err
	}
	if _, err := r.measure("update_backup_settings (dry_run, lowers the limit)", "update_backup_settings",
		map[string]any{"vps_id": id, "max_total_backups": 3, "dry_run": true}); err != nil {
		return err
	}
	scheduleID, backupID, err := firstIDs(sched, backups)
	if err != nil {
		return err
	}
	if _, err := r.measure("delete_backup_schedule (dry_run)", "delete_backup_schedule",
		map[string]any{"vps_id": id, "schedule_id": scheduleID, "dry_run": true}); err != nil {
		return err
	}
	if _, err := r.measure("delete_backup (dry_run)", "delete_backup",
		map[string]any{"vps_id": id, "backup_id": backupID, "dry_run": true}); err != nil {
		return err
	}
	plan, confirmed, err := createBackup(r.p, id, "Before upgrade")
	if err != nil {
		return err
	}
	if plan != nil {
		r.lines = append(r.lines, sizeOf("create_backup (confirmation_required: quota full)", *plan))
	}
	r.lines = append(r.lines, sizeOf("create_backup (confirmed, sent to the simulator)", confirmed))
	_, err = r.measure("get_job", "get_job", map[string]any{"job_id": jobID(confirmed)})
	return err
}

// firstIDs are the first schedule and the first backup the reads showed.
func firstIDs(sched, backups toolResult) (scheduleID, backupID string, err error) {
	var ids struct {
		Schedules []struct {
			ID string `json:"id"`
		} `json:"schedules"`
		Backups []struct {
			ID string `json:"id"`
		} `json:"backups"`
	}
	_ = json.Unmarshal(sched.StructuredContent, &ids)
	_ = json.Unmarshal(backups.StructuredContent, &ids)
	if len(ids.Schedules) == 0 || len(ids.Backups) == 0 {
		return "", "", errors.New("the detail VPS shows no schedule or no backup")
	}
	return ids.Schedules[0].ID, ids.Backups[0].ID, nil
}

func (r *sizeRun) detail(toolsList int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "4. result sizes (≈ tokens = bytes/4); tools/list answer: %d bytes ≈ %d tokens\n", toolsList, toolsList/4)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "   tool call\ttext B\t≈tok\tstructuredContent B\t≈tok\t")
	for _, l := range r.lines {
		fmt.Fprintf(tw, "   %s\t%d\t%d\t%d\t%d\t\n", l.label, l.text, l.text/4, l.structured, l.structured/4)
	}
	tw.Flush()
	return b.String()
}

func (r *sizeRun) rows() []row {
	sl, al := r.sched, r.audit
	return []row{
		{
			num: "4a", figure: "result size: list_backup_schedules, 20 history entries",
			measured:  fmt.Sprintf("text %d B ≈ %d tok", sl.text, sl.text/4),
			reference: fmt.Sprintf("structuredContent %d B", sl.structured), goal: fmt.Sprintf("text ≤ %d B", goalScheduleText),
			judged: true, pass: sl.text <= goalScheduleText,
		},
		{
			num: "4b", figure: "result size: audit_backup_coverage, 50 VPSes",
			measured:  fmt.Sprintf("text %d B ≈ %d tok", al.text, al.text/4),
			reference: fmt.Sprintf("structuredContent %d B", al.structured), goal: fmt.Sprintf("text ≤ %d B", goalAuditText),
			judged: true, pass: al.text <= goalAuditText,
		},
	}
}

func sizeOf(label string, res toolResult) sizeLine {
	structured := len(res.StructuredContent)
	if string(res.StructuredContent) == "null" {
		structured = 0
	}
	return sizeLine{label: label, text: len(res.text()), structured: structured, isError: res.IsError}
}
