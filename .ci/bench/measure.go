package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

const (
	kib = 1024
	mib = 1024 * 1024
	day = 24 * time.Hour

	// referencePackage is the Node server row 1 compares with; its version is pinned
	// in .ci/bench/package.json and package-lock.json.
	referencePackage = "@modelcontextprotocol/server-everything"
)

// Goals of issue 7.
const (
	goalStartupRatio  = 0.1
	goalOverhead      = 500 * time.Microsecond
	goalPeakRSS       = 25 * mib
	goalScheduleText  = 2 * kib
	goalAuditText     = 6 * kib
	goalFleetOverBand = 1.2
)

// ---------------------------------------------------------------- 1. start-up

type nodeRef struct {
	node, entry, version, nodeVersion string
}

// prepareNode finds node, installs the pinned reference server with npm ci when
// node_modules does not hold the pinned version, and returns how to start it.
func prepareNode(dir string) (*nodeRef, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node is not on PATH: install Node.js (20 or later) for the start-up reference, or pass -no-node")
	}
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := readJSON(filepath.Join(dir, "package.json"), &manifest); err != nil {
		return nil, err
	}
	pinned := manifest.Dependencies[referencePackage]
	pkgDir := filepath.Join(dir, "node_modules", filepath.FromSlash(referencePackage))
	var installed struct {
		Version string            `json:"version"`
		Bin     map[string]string `json:"bin"`
	}
	if err := readJSON(filepath.Join(pkgDir, "package.json"), &installed); err != nil || installed.Version != pinned {
		logf("installing %s@%s with npm ci into %s", referencePackage, pinned, filepath.Join(dir, "node_modules"))
		npm := exec.Command("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
		npm.Dir = dir
		npm.Stdout, npm.Stderr = os.Stderr, os.Stderr
		if err := npm.Run(); err != nil {
			return nil, fmt.Errorf("npm ci in %s: %w (or pass -no-node)", dir, err)
		}
		if err := readJSON(filepath.Join(pkgDir, "package.json"), &installed); err != nil {
			return nil, err
		}
	}
	if installed.Version != pinned {
		return nil, fmt.Errorf("%s: installed %s, pinned %s", referencePackage, installed.Version, pinned)
	}
	var entry string
	for _, e := range installed.Bin {
		entry = filepath.Join(pkgDir, filepath.FromSlash(e))
	}
	if entry == "" {
		return nil, fmt.Errorf("%s declares no bin entry", referencePackage)
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node --version: %w", err)
	}
	return &nodeRef{node: node, entry: entry, version: installed.Version, nodeVersion: strings.TrimSpace(string(out))}, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// timeStartup spawns argv and returns the time until the first initialize response.
func timeStartup(name string, argv, env []string) (time.Duration, error) {
	line, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initializeParams()})
	line = append(line, '\n')
	start := time.Now()
	p, err := spawn(name, argv, env, "")
	if err != nil {
		return 0, err
	}
	defer p.close(3 * time.Second)
	if err := p.write(line); err != nil {
		return 0, err
	}
	_, _, at, err := p.readResponse(1)
	return at.Sub(start), err
}

func benchStartup(s settings, bin string, node *nodeRef) (row, string, error) {
	goArgv := []string{bin, "--sandbox"}
	goEnv := childEnv()
	var nodeArgv []string
	if node != nil {
		nodeArgv = []string{node.node, node.entry, "stdio"}
	}
	// One untimed start of each first, so that neither pays for a cold page cache.
	if _, err := timeStartup("hostup-mcp", goArgv, goEnv); err != nil {
		return row{}, "", err
	}
	if node != nil {
		if _, err := timeStartup(referencePackage, nodeArgv, goEnv); err != nil {
			return row{}, "", err
		}
	}
	var goTimes, nodeTimes []time.Duration
	for i := range s.startups {
		logf("start-up %d/%d", i+1, s.startups)
		d, err := timeStartup("hostup-mcp", goArgv, goEnv)
		if err != nil {
			return row{}, "", err
		}
		goTimes = append(goTimes, d)
		if node != nil {
			d, err := timeStartup(referencePackage, nodeArgv, goEnv)
			if err != nil {
				return row{}, "", err
			}
			nodeTimes = append(nodeTimes, d)
		}
	}
	goMed := median(goTimes)
	r := row{
		num: "1", figure: fmt.Sprintf("start-up: spawn → initialize answer (stdio, median of %d)", s.startups),
		measured:  ms(goMed),
		reference: "not run (-no-node)",
		goal:      fmt.Sprintf("≤ %.1f× Node", goalStartupRatio),
	}
	detail := fmt.Sprintf("1. start-up, %d runs each, alternating, after one untimed run each:\n"+
		"   hostup-mcp --sandbox (built binary): median %s  min %s  max %s\n", s.startups, ms(goMed), ms(slices.Min(goTimes)), ms(slices.Max(goTimes)))
	if node != nil {
		nodeMed := median(nodeTimes)
		ratio := float64(goMed) / float64(nodeMed)
		r.measured = fmt.Sprintf("%s = %.3f× Node", ms(goMed), ratio)
		r.reference = fmt.Sprintf("Node %s: %s", node.version, ms(nodeMed))
		r.judged, r.pass = true, ratio <= goalStartupRatio
		detail += fmt.Sprintf("   node %s stdio (%s@%s): median %s  min %s  max %s\n", filepath.Base(node.entry), referencePackage, node.version, ms(nodeMed), ms(slices.Min(nodeTimes)), ms(slices.Max(nodeTimes)))
	}
	return r, detail, nil
}

// ------------------------------------------------------------- the account

// account is a simulated HostUp account of 50 VPSes served on 127.0.0.1: 49
// from hostuptest.Fleet and one with 20 history entries, the VPS the per-call
// and size figures use.
type account struct {
	sim      *hostuptest.Simulator
	srv      *httptest.Server
	detailID string
	ids      []string
}

func newAccount() (*account, error) {
	sim := hostuptest.Fleet(49, 7)
	detail := sim.AddVPS("fleet", detailSpec())
	srv := sim.Start()
	a := &account{sim: sim, srv: srv, detailID: detail}
	c, err := hostup.New(hostup.Options{APIKey: hostuptest.FleetAPIKey, BaseURL: srv.URL})
	if err != nil {
		srv.Close()
		return nil, err
	}
	list, err := c.ListVPS(context.Background(), hostup.ListVPSParams{})
	if err != nil {
		srv.Close()
		return nil, err
	}
	for _, v := range list.VPS {
		a.ids = append(a.ids, v.ID)
	}
	if len(a.ids) != 50 {
		srv.Close()
		return nil, fmt.Errorf("the bench account has %d VPSes, want 50", len(a.ids))
	}
	return a, nil
}

func (a *account) close() { a.srv.Close() }

// detailSpec is a daily-backed-up VPS with 20 runs in its history (two failed).
func detailSpec() hostuptest.VPSSpec {
	spec := hostuptest.VPSSpec{
		ID: "vps_benchdetail", Name: "shop-db-primary", Hostname: "shop-db-primary.example.net", IP: "203.0.113.200",
		CPUCores: 4, MemoryGB: 8, StorageGB: 160, TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 7, Since: 365 * day},
	}
	for i := range 20 {
		status := "completed"
		if i == 3 || i == 11 {
			status = "failed"
		}
		age := time.Duration(i)*day + 10*time.Hour
		spec.History = append(spec.History, hostuptest.HistorySpec{Type: "scheduled", Status: status, Note: "Nightly backup", Age: age})
		if len(spec.Backups) < 7 && status == "completed" {
			spec.Backups = append(spec.Backups, hostuptest.BackupSpec{Type: "scheduled", Note: "Nightly backup", Age: age - 7*time.Minute})
		}
	}
	return spec
}

// startServer spawns the built binary against the account and initializes it.
func startServer(bin, apiURL string) (*mcpProc, error) {
	p, err := spawn("hostup-mcp", []string{bin, "--api-url", apiURL}, childEnv("HOSTUP_API_KEY="+hostuptest.FleetAPIKey), "")
	if err != nil {
		return nil, err
	}
	if err := p.handshake(); err != nil {
		p.close(time.Second)
		return nil, err
	}
	return p, nil
}

// ---------------------------------------------------- 2. per-call overhead

func benchOverhead(s settings, bin string, a *account) (row, string, error) {
	p, err := startServer(bin, a.srv.URL)
	if err != nil {
		return row{}, "", err
	}
	defer p.close(3 * time.Second)

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	url := a.srv.URL + "/api/v2/vps/" + a.detailID + "/backup-schedules"
	direct := func() (time.Duration, error) {
		start := time.Now()
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+hostuptest.FleetAPIKey)
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("direct GET: status %d", resp.StatusCode)
		}
		return d, err
	}
	// ping is the floor of any request over stdio: JSON-RPC framing, two pipe
	// hops and mcp-go's dispatch, no tool and no HostUp request.
	ping := func() (time.Duration, error) {
		p.nextID++
		id := p.nextID
		line := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":"ping"}`+"\n", id)
		start := time.Now()
		if err := p.write(line); err != nil {
			return 0, err
		}
		_, _, at, err := p.readResponse(id)
		return at.Sub(start), err
	}
	viaServer := func() (time.Duration, error) {
		p.nextID++
		id := p.nextID
		line := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"list_backup_schedules","arguments":{"vps_id":%q}}}`+"\n", id, a.detailID)
		start := time.Now()
		if err := p.write(line); err != nil {
			return 0, err
		}
		msg, _, at, err := p.readResponse(id)
		if err != nil {
			return 0, err
		}
		if bytes.Contains(msg.Result, []byte(`"isError":true`)) {
			return 0, fmt.Errorf("list_backup_schedules failed: %.300s", msg.Result)
		}
		return at.Sub(start), nil
	}

	logf("per-call overhead: %d calls each way (after a warm-up)", s.calls)
	for range min(100, s.calls) {
		if _, err := direct(); err != nil {
			return row{}, "", err
		}
		if _, err := viaServer(); err != nil {
			return row{}, "", err
		}
	}
	var viaMCP, viaHTTP, pings []time.Duration
	cpuBefore, err := p.cpuTime()
	if err != nil {
		return row{}, "", err
	}
	for range s.calls { // interleaved, so all see the same machine
		d, err := direct()
		if err != nil {
			return row{}, "", err
		}
		viaHTTP = append(viaHTTP, d)
		if d, err = viaServer(); err != nil {
			return row{}, "", err
		}
		viaMCP = append(viaMCP, d)
		if d, err = ping(); err != nil {
			return row{}, "", err
		}
		pings = append(pings, d)
	}
	cpuAfter, err := p.cpuTime()
	if err != nil {
		return row{}, "", err
	}
	mcpMed, httpMed := median(viaMCP), median(viaHTTP)
	mcpP99, httpP99 := percentile(viaMCP, 99), percentile(viaHTTP, 99)
	overhead := mcpMed - httpMed
	r := row{
		num:       "2",
		figure:    fmt.Sprintf("per-call overhead: list_backup_schedules over stdio (%d calls)", s.calls),
		measured:  fmt.Sprintf("+%s median, +%s p99", ms(overhead), ms(mcpP99-httpP99)),
		reference: fmt.Sprintf("direct GET: %s median, %s p99", ms(httpMed), ms(httpP99)),
		goal:      "overhead ≤ " + ms(goalOverhead) + " median",
		judged:    true, pass: overhead <= goalOverhead,
	}
	detail := fmt.Sprintf("2. per-call overhead, %d calls each, interleaved; simulator on %s (one process: the bench)\n"+
		"   tools/call over stdio: median %s  p90 %s  p99 %s  max %s\n"+
		"   direct HTTP GET:       median %s  p90 %s  p99 %s  max %s\n"+
		"   ping over stdio:       median %s  p90 %s  p99 %s  max %s (the floor of any request: framing, pipes, mcp-go's dispatch)\n"+
		"   overhead = tools/call − GET: median %s, p99 %s (JSON-RPC framing, pipes, schema validation in and out, result shaping)\n"+
		"   server CPU (user+sys, /proc/PID/stat) per tools/call+ping pair: %s\n",
		s.calls, a.srv.URL,
		ms(mcpMed), ms(percentile(viaMCP, 90)), ms(mcpP99), ms(slices.Max(viaMCP)),
		ms(httpMed), ms(percentile(viaHTTP, 90)), ms(httpP99), ms(slices.Max(viaHTTP)),
		ms(median(pings)), ms(percentile(pings, 90)), ms(percentile(pings, 99)), ms(slices.Max(pings)),
		ms(overhead), ms(mcpP99-httpP99), ms((cpuAfter-cpuBefore)/time.Duration(s.calls)))
	return r, detail, nil
}

// ----------------------------------------------------------- 3. memory

func benchMemory(s settings, bin string, a *account) (row, string, error) {
	p, err := startServer(bin, a.srv.URL)
	if err != nil {
		return row{}, "", err
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
		return row{}, "", errors.New("no VPS of the account took a manual backup")
	}
	counts["create_backup"] = calls
	for i := calls; i < s.memCalls; i++ {
		vps := a.ids[i%len(a.ids)]
		name, args := mixedCall(i, vps, job)
		res, err := p.callTool(name, args)
		if err != nil {
			return row{}, "", err
		}
		counts[name]++
		if res.IsError {
			refused++
		}
	}
	peak, err := p.peakRSS()
	if err != nil {
		return row{}, "", err
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
	return r, detail, nil
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

// createBackup queues a manual backup as an assistant does: when the server asks
// for the user's confirmation (a full quota makes HostUp delete the oldest
// backup), it calls again with the confirm_token. plan is that first answer.
func createBackup(p *mcpProc, vps, note string) (plan *toolResult, done toolResult, err error) {
	args := map[string]any{"vps_id": vps, "note": note}
	res, err := p.callTool("create_backup", args)
	if err != nil {
		return nil, res, err
	}
	var out struct {
		Outcome      string `json:"outcome"`
		ConfirmToken string `json:"confirm_token"`
	}
	_ = json.Unmarshal(res.StructuredContent, &out)
	if out.Outcome == "confirmation_required" && out.ConfirmToken != "" {
		first := res
		plan = &first
		args["confirm_token"] = out.ConfirmToken
		if res, err = p.callTool("create_backup", args); err != nil {
			return plan, res, err
		}
	}
	if res.IsError || jobID(res) == "" {
		return plan, res, fmt.Errorf("create_backup queued no job: %s", res.text())
	}
	return plan, res, nil
}

func jobID(res toolResult) string {
	var out struct {
		Job struct {
			ID string `json:"id"`
		} `json:"job"`
	}
	_ = json.Unmarshal(res.StructuredContent, &out)
	return out.Job.ID
}

// ------------------------------------------------------- 5. fleet audit

// statusCounter counts the simulator's answers by status.
type statusCounter struct {
	h  http.Handler
	mu sync.Mutex
	by map[int]int
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (c *statusCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	c.h.ServeHTTP(sw, r)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	c.mu.Lock()
	c.by[sw.status]++
	c.mu.Unlock()
}

func benchFleet(s settings, bin string) (row, string, error) {
	sim := hostuptest.Fleet(s.fleet, 11)
	sim.SetLatency(s.latency)
	// A token bucket, the kind of limit whose whole-second Retry-After made
	// workers that retried on their own lose rows (issue 19).
	sim.SetTokenBucket(float64(s.rate), s.burst)
	counter := &statusCounter{h: sim, by: map[int]int{}}
	srv := httptest.NewServer(counter) // what sim.Start does, plus counting statuses
	defer srv.Close()
	p, err := startServer(bin, srv.URL)
	if err != nil {
		return row{}, "", err
	}
	defer p.close(3 * time.Second)
	counter.mu.Lock()
	clear(counter.by)
	counter.mu.Unlock()

	logf("fleet audit: %d VPSes, %s latency, token bucket %d requests/s (burst %d)", s.fleet, s.latency, s.rate, s.burst)
	start := time.Now()
	id, err := p.send("tools/call", map[string]any{
		"name": "audit_backup_coverage", "arguments": map[string]any{},
		"_meta": map[string]any{"progressToken": "bench"},
	})
	if err != nil {
		return row{}, "", err
	}
	notesBefore := p.notes
	msg, _, at, err := p.readResponse(id)
	if err != nil {
		return row{}, "", err
	}
	took := at.Sub(start)
	var res toolResult
	if err := json.Unmarshal(msg.Result, &res); err != nil {
		return row{}, "", err
	}
	var out struct {
		Totals struct {
			VPS, Errors int
		} `json:"totals"`
	}
	_ = json.Unmarshal(res.StructuredContent, &out)

	// The audit reads each VPS's backup schedules and its snapshot schedule
	// (issue 17's column), after the list's pages: R = pages + 2·N requests.
	pages := (s.fleet + 99) / 100
	requests := pages + 2*s.fleet
	n := float64(requests)
	bound := time.Duration(max(n*float64(s.latency)/float64(s.concurrency), n/float64(s.rate)*float64(time.Second)))
	ratio := float64(took) / float64(bound)
	counter.mu.Lock()
	statuses := statusCounts(counter.by)
	limited := counter.by[http.StatusTooManyRequests]
	total := 0
	for _, v := range counter.by {
		total += v
	}
	counter.mu.Unlock()

	ok := !res.IsError && out.Totals.VPS == s.fleet && out.Totals.Errors == 0
	r := row{
		num:       "5",
		figure:    fmt.Sprintf("fleet audit: %d VPSes, %s latency, token bucket %d req/s", s.fleet, s.latency, s.rate),
		measured:  fmt.Sprintf("%s = %.2f× bound, %d error rows", secs(took), ratio, out.Totals.Errors),
		reference: fmt.Sprintf("bound %s", secs(bound)),
		goal:      fmt.Sprintf("≤ %.1f× bound, 0 errors", goalFleetOverBand),
		judged:    true, pass: ok && ratio <= goalFleetOverBand,
	}
	if res.IsError {
		r.measured = "isError: " + firstLine(res.text())
	}
	detail := fmt.Sprintf("5. fleet audit of %d VPSes (%d rows, %d with errors): %s; bound = max(R·latency/concurrency, R/rate) with R = %d pages + 2·%d VPS = %d requests: max(%d·%s/%d, %d/(%d/s)) = %s\n"+
		"   %d requests reached the simulator (status×count: %s): %d answers 429 absorbed by the client's retries; %d progress notifications\n",
		s.fleet, out.Totals.VPS, out.Totals.Errors, secs(took), pages, s.fleet, requests, requests, s.latency, s.concurrency, requests, s.rate, secs(bound),
		total, statuses, limited, p.notes-notesBefore)
	return r, detail, nil
}

func statusCounts(m map[int]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d×%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// ---------------------------------------------------------------- stats

func median(d []time.Duration) time.Duration { return percentile(d, 50) }

// percentile is the nearest-rank percentile.
func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if p == 50 && len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	rank := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// ------------------------------------------------------ 7. fleet policy

// policyCall is one apply_backup_policy call of the fleet-policy row.
type policyCall struct {
	took  time.Duration
	notes int
	res   toolResult
	out   struct {
		Outcome      string `json:"outcome"`
		ConfirmToken string `json:"confirm_token"`
		Totals       struct {
			VPS       int            `json:"vps"`
			ByAction  map[string]int `json:"by_action"`
			ByOutcome map[string]int `json:"by_outcome"`
		} `json:"totals"`
		Groups []struct {
			VPSIDs  []string `json:"vps_ids"`
			Action  string   `json:"action"`
			Outcome string   `json:"outcome"`
			Error   string   `json:"error"`
			Notes   []string `json:"notes"`
		} `json:"groups"`
	}
}

func callPolicy(p *mcpProc, args map[string]any) (policyCall, error) {
	var c policyCall
	start := time.Now()
	notesBefore := p.notes
	id, err := p.send("tools/call", map[string]any{
		"name": "apply_backup_policy", "arguments": args,
		"_meta": map[string]any{"progressToken": "bench-policy"},
	})
	if err != nil {
		return c, err
	}
	msg, _, at, err := p.readResponse(id)
	if err != nil {
		return c, err
	}
	c.took, c.notes = at.Sub(start), p.notes-notesBefore
	if err := json.Unmarshal(msg.Result, &c.res); err != nil {
		return c, err
	}
	_ = json.Unmarshal(c.res.StructuredContent, &c.out)
	return c, nil
}

// benchPolicy plans a backup policy over a large simulated fleet and applies it
// (the client has no dialog, so through the confirm_token round trip), against
// the requests that path needs at HostUp's latency and rate limit: the plan
// reads every VPS (list pages + N), the apply plans again (the same), then per
// changed row reads it again under its lock, sends the POST and reads it back
// (3·C): R = 2·(pages + N) + 3·C, bound = max(R·latency/concurrency, R/rate).
func benchPolicy(s settings, bin string) (row, string, error) {
	sim := hostuptest.Fleet(s.fleet, 13)
	sim.SetLatency(s.latency)
	sim.SetRateLimit(s.rate)
	counter := &statusCounter{h: sim, by: map[int]int{}}
	srv := httptest.NewServer(counter)
	defer srv.Close()
	p, err := startServer(bin, srv.URL)
	if err != nil {
		return row{}, "", err
	}
	defer p.close(3 * time.Second)
	counter.mu.Lock()
	clear(counter.by)
	counter.mu.Unlock()

	logf("fleet policy: %d VPSes, %s latency, %d requests/s", s.fleet, s.latency, s.rate)
	args := map[string]any{"frequency": "daily", "hour": 1, "spread_hours": 3, "retention_count": 3, "cap_retention": true}
	plan, err := callPolicy(p, args)
	if err != nil {
		return row{}, "", err
	}
	if plan.res.IsError || plan.out.ConfirmToken == "" {
		return row{}, "", fmt.Errorf("the plan gave no confirm_token (outcome %q): %s", plan.out.Outcome, firstLine(plan.res.text()))
	}
	args["confirm_token"] = plan.out.ConfirmToken
	apply, err := callPolicy(p, args)
	if err != nil {
		return row{}, "", err
	}
	took := plan.took + apply.took

	n, a, o := s.fleet, apply.out.Totals.ByAction, apply.out.Totals.ByOutcome
	changed := a["create"] + a["update"]
	pages := (n + 99) / 100
	requests := 2*(pages+n) + 3*changed
	bound := time.Duration(max(float64(requests)*float64(s.latency)/float64(s.concurrency), float64(requests)/float64(s.rate)*float64(time.Second)))
	ratio := float64(took) / float64(bound)
	// A row skipped in the plan (unreadable, e.g. its 429s outlasted the
	// retries) counts too: it ends changed_since_plan in the apply.
	errorRows := plan.out.Totals.ByAction["skipped"] + a["skipped"] + o["failed"] + o["outcome_unknown"] + o["changed_since_plan"]
	counter.mu.Lock()
	statuses := statusCounts(counter.by)
	limited := counter.by[http.StatusTooManyRequests]
	total := 0
	for _, v := range counter.by {
		total += v
	}
	counter.mu.Unlock()

	ok := !apply.res.IsError && apply.out.Outcome == "applied" && apply.out.Totals.VPS == n && errorRows == 0 && o["applied"] == changed
	r := row{
		num:       "7",
		figure:    fmt.Sprintf("fleet policy plan+apply: %d VPSes, %s latency, %d req/s", n, s.latency, s.rate),
		measured:  fmt.Sprintf("%s = %.2f× bound, %d error rows", secs(took), ratio, errorRows),
		reference: fmt.Sprintf("bound %s", secs(bound)),
		goal:      fmt.Sprintf("≤ %.1f× bound, 0 errors", goalFleetOverBand),
		judged:    true, pass: ok && ratio <= goalFleetOverBand,
	}
	if apply.res.IsError {
		r.measured = "isError: " + firstLine(apply.res.text())
	}
	detail := fmt.Sprintf("7. fleet policy over %d VPSes: plan %s, apply %s; rows %v, outcomes %v\n"+
		"   bound = max(R·latency/concurrency, R/rate) with R = 2·(%d pages + %d VPS) + 3·%d changed = %d requests: max(%d·%s/%d, %d/(%d/s)) = %s\n"+
		"   %d requests reached the simulator (status×count: %s): %d answers 429 absorbed by the client's retries; %d progress notifications\n",
		n, secs(plan.took), secs(apply.took), a, o,
		pages, n, changed, requests, requests, s.latency, s.concurrency, requests, s.rate, secs(bound),
		total, statuses, limited, plan.notes+apply.notes)
	for _, g := range apply.out.Groups {
		if g.Action == "skipped" || (g.Outcome != "applied" && g.Outcome != "planned") {
			detail += fmt.Sprintf("   error rows %s: %s %s: %s %s\n", strings.Join(g.VPSIDs, " "), g.Action, g.Outcome, firstLine(g.Error), strings.Join(g.Notes, " "))
		}
	}
	return r, detail, nil
}
