package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// ----------------------------------------------------------- 3. memory

func benchMemory(s settings, bin string, a *account) ([]row, string, error) {
	p, err := startServer(bin, a.srv.URL)
	if err != nil {
		return nil, "", err
	}
	defer p.close(3 * time.Second)
	logf("memory: %d mixed calls", s.memCalls)

	// One real create_backup gives get_job a job to read. The size run left a job
	// running on the detail VPS, and some fleet VPSes are blocked, so the first
	// VPS that takes one is used; these calls count in the run.
	counts := map[string]int{}
	calls, refused := 0, 0
	var job string
	for _, vps := range a.ids {
		plan, confirmed, err := createBackup(p, vps, "bench")
		calls++
		if plan != nil {
			calls++
		}
		if err == nil {
			job = jobID(confirmed)
			break
		}
		refused++
	}
	if job == "" {
		return nil, "", errors.New("no VPS of the account took a manual backup")
	}
	counts["create_backup"] = calls
	for i := calls; i < s.memCalls; i++ {
		vps := a.ids[i%len(a.ids)]
		name, args := mixedCall(i, vps, job)
		res, err := p.callTool(name, args)
		if err != nil {
			return nil, "", err
		}
		counts[name]++
		if res.IsError {
			refused++
		}
	}
	peak, err := p.peakRSS()
	if err != nil {
		return nil, "", err
	}
	var mix []string
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		mix = append(mix, fmt.Sprintf("%s %d", name, counts[name]))
	}
	r := row{
		num: "3", figure: fmt.Sprintf("memory: peak RSS (VmHWM) after %d mixed calls", s.memCalls),
		measured: fmt.Sprintf("%.1f MiB", float64(peak)/mib), reference: "-",
		goal: fmt.Sprintf("≤ %d MiB", goalPeakRSS/mib), judged: true, pass: peak <= goalPeakRSS,
	}
	detail := fmt.Sprintf("3. memory: %d calls on a fresh server process (%d answered isError, e.g. a gate closed by a pending order): %s\n",
		s.memCalls, refused, strings.Join(mix, ", "))
	return []row{r}, detail, nil
}

// mixedCall is the i-th call of the memory run: mostly reads, some whole-account
// audits and dry runs of the write tools.
func mixedCall(i int, vps, job string) (string, map[string]any) {
	switch i % 10 {
	case 0, 8:
		return "list_backup_schedules", map[string]any{"vps_id": vps}
	case 1:
		return "list_backups", map[string]any{"vps_id": vps}
	case 2:
		return "list_vps", map[string]any{}
	case 3:
		return "list_backup_schedules", map[string]any{"vps_id": vps, "history_limit": 20}
	case 4:
		return "audit_backup_coverage", map[string]any{}
	case 5:
		return "get_job", map[string]any{"job_id": job}
	case 6:
		return "upsert_backup_schedule", map[string]any{"vps_id": vps, "frequency": "daily", "hour": 3, "retention_count": 2, "dry_run": true}
	case 7:
		return "update_backup_settings", map[string]any{"vps_id": vps, "max_total_backups": 5, "dry_run": true}
	default:
		return "list_vps", map[string]any{"query": "web"}
	}
}
