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

	var lines []sizeLine
	measure := func(label, tool string, args map[string]any) (toolResult, error) {
		res, err := p.callTool(tool, args)
		if err == nil {
			lines = append(lines, sizeOf(label, res))
		}
		return res, err
	}
	id := a.detailID
	list, err := p.request("tools/list", map[string]any{})
	if err != nil {
		return nil, "", err
	}
	toolsList := len(list)

	if _, err := measure("list_vps (50 VPS)", "list_vps", map[string]any{}); err != nil {
		return nil, "", err
	}
	sched, err := measure("list_backup_schedules (20 runs, default history_limit 10)", "list_backup_schedules", map[string]any{"vps_id": id})
	if err != nil {
		return nil, "", err
	}
	schedLine := len(lines) - 1
	if _, err := measure("list_backup_schedules (history_limit 20)", "list_backup_schedules", map[string]any{"vps_id": id, "history_limit": 20}); err != nil {
		return nil, "", err
	}
	if _, err := measure("audit_backup_coverage (50 VPS)", "audit_backup_coverage", map[string]any{}); err != nil {
		return nil, "", err
	}
	auditLine := len(lines) - 1
	backups, err := measure("list_backups", "list_backups", map[string]any{"vps_id": id})
	if err != nil {
		return nil, "", err
	}
	if _, err := measure("upsert_backup_schedule (dry_run, update)", "upsert_backup_schedule",
		map[string]any{"vps_id": id, "frequency": "daily", "hour": 3, "retention_count": 5, "dry_run": true}); err != nil {
		return nil, "", err
	}
	if _, err := measure("update_backup_settings (dry_run, lowers the limit)", "update_backup_settings",
		map[string]any{"vps_id": id, "max_total_backups": 3, "dry_run": true}); err != nil {
		return nil, "", err
	}
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
		return nil, "", errors.New("the detail VPS shows no schedule or no backup")
	}
	if _, err := measure("delete_backup_schedule (dry_run)", "delete_backup_schedule",
		map[string]any{"vps_id": id, "schedule_id": ids.Schedules[0].ID, "dry_run": true}); err != nil {
		return nil, "", err
	}
	if _, err := measure("delete_backup (dry_run)", "delete_backup",
		map[string]any{"vps_id": id, "backup_id": ids.Backups[0].ID, "dry_run": true}); err != nil {
		return nil, "", err
	}
	plan, confirmed, err := createBackup(p, id, "Before upgrade")
	if err != nil {
		return nil, "", err
	}
	if plan != nil {
		lines = append(lines, sizeOf("create_backup (confirmation_required: quota full)", *plan))
	}
	lines = append(lines, sizeOf("create_backup (confirmed, sent to the simulator)", confirmed))
	if _, err := measure("get_job", "get_job", map[string]any{"job_id": jobID(confirmed)}); err != nil {
		return nil, "", err
	}
	for _, l := range lines {
		if l.isError {
			return nil, "", fmt.Errorf("%s answered isError (%d bytes of text)", l.label, l.text)
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "4. result sizes (≈ tokens = bytes/4); tools/list answer: %d bytes ≈ %d tokens\n", toolsList, toolsList/4)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "   tool call\ttext B\t≈tok\tstructuredContent B\t≈tok\t")
	for _, l := range lines {
		fmt.Fprintf(tw, "   %s\t%d\t%d\t%d\t%d\t\n", l.label, l.text, l.text/4, l.structured, l.structured/4)
	}
	tw.Flush()

	sl, al := lines[schedLine], lines[auditLine]
	rows := []row{
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
	return rows, b.String(), nil
}

func sizeOf(label string, res toolResult) sizeLine {
	structured := len(res.StructuredContent)
	if string(res.StructuredContent) == "null" {
		structured = 0
	}
	return sizeLine{label: label, text: len(res.text()), structured: structured, isError: res.IsError}
}
