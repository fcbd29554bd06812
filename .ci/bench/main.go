// Command bench measures hostup-mcp against its performance goals (the README's
// Benchmarks) and prints each figure beside its reference, its goal and PASS or
// MISS:
//
//  1. start-up: spawn → first initialize response over stdio, against the Node
//     reference server @modelcontextprotocol/server-everything;
//  2. per-call overhead: tools/call list_backup_schedules over stdio to the built
//     binary, against a direct HTTP GET of the same endpoint on the same simulator,
//     and (2b) against a ping in the same session, paired call by call;
//  3. memory: the server's peak RSS (VmHWM) after a run of mixed calls;
//  4. result size: bytes (and ≈ tokens) of every tool's text and structuredContent,
//     and (4c, 4d) the structuredContent of the fleet audit and plan at 1,000 VPSes;
//  5. fleet audit: audit_backup_coverage over a large simulated fleet with latency
//     and a token-bucket rate limit, against max(N·latency/concurrency, N/rate);
//  6. context: bytes of tools/list with every tool on, per tool, the
//     model-facing part (name, title, description, inputSchema, annotations)
//     against comparable MCP servers measured the same way, and each tool's
//     output schema on its own row.
//  7. fleet policy: apply_backup_policy planned and applied over such a fleet,
//     against the same bound over the requests its safety path needs.
//
// Run it from the repository root:
//
//	go run ./.ci/bench          # the full run (about a minute)
//	go run ./.ci/bench -short   # tiny sizes: only checks that it works (CI)
//
// It builds the server into a temporary directory, installs the pinned Node
// reference with npm ci into .ci/bench/node_modules when it is missing, serves
// the simulator on 127.0.0.1 only, and ends every process it started. In the
// full run the exit status is 1 when a goal is missed.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

type settings struct {
	short       bool
	startups    int
	calls       int
	memCalls    int
	fleet       int
	latency     time.Duration
	rate        int
	burst       int
	concurrency int
	noNode      bool
	bin         string
}

// row is one line of the summary table.
type row struct {
	num, figure, measured, reference, goal string
	pass                                   bool
	judged                                 bool // false when there is nothing to judge (e.g. no reference)
}

func main() {
	var s settings
	flag.BoolVar(&s.short, "short", false, "tiny sizes, only to check that the bench works (CI)")
	flag.IntVar(&s.startups, "startups", 0, "start-ups timed per server (default 30; 3 with -short)")
	flag.IntVar(&s.calls, "calls", 0, "list_backup_schedules calls timed (default 2000; 50 with -short)")
	flag.IntVar(&s.memCalls, "mem-calls", 0, "mixed calls before reading peak RSS (default 1000; 50 with -short)")
	flag.IntVar(&s.fleet, "fleet", 0, "VPSes in the fleet audit and the fleet policy (default 500; 20 with -short)")
	flag.DurationVar(&s.latency, "latency", 50*time.Millisecond, "simulated HostUp latency per request in the fleet audit")
	flag.IntVar(&s.rate, "rate", 0, "simulated HostUp rate limit, requests/second, in the fleet audit (default 20; 1000 with -short)")
	flag.IntVar(&s.burst, "burst", 5, "depth of the simulated HostUp token bucket in the fleet audit (requests it lets through at once)")
	flag.IntVar(&s.concurrency, "concurrency", 8, "the fleet tools' concurrency used in the bounds (tools.auditConcurrency)")
	flag.BoolVar(&s.noNode, "no-node", false, "skip the Node reference server (row 1 then has no verdict)")
	flag.StringVar(&s.bin, "bin", "", "measure this hostup-mcp binary instead of building one (e.g. to profile it with perf)")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up (and end every started process) after this long")
	flag.Parse()
	s.defaults()

	watchdog := time.AfterFunc(*timeout, func() {
		killChildren()
		fmt.Fprintf(os.Stderr, "bench: gave up after %s\n", *timeout)
		os.Exit(1)
	})
	defer watchdog.Stop()

	rows, err := run(s)
	killChildren()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
	missed := 0
	for _, r := range rows {
		if r.judged && !r.pass {
			missed++
		}
	}
	if missed > 0 && !s.short {
		os.Exit(1)
	}
}

func (s *settings) defaults() {
	pick := func(v *int, full, short int) {
		if *v > 0 {
			return
		}
		*v = full
		if s.short {
			*v = short
		}
	}
	pick(&s.startups, 30, 3)
	pick(&s.calls, 2000, 50)
	pick(&s.memCalls, 1000, 50)
	pick(&s.fleet, 500, 20)
	pick(&s.rate, 20, 1000)
}

func run(s settings) ([]row, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "hostup-mcp-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := s.bin
	if bin == "" {
		if bin, err = buildServer(root, tmp); err != nil {
			return nil, err
		}
	}
	var node *nodeRef
	if !s.noNode {
		if node, err = prepareNode(filepath.Join(root, ".ci", "bench")); err != nil {
			return nil, err
		}
	}
	startRow, startDetail, err := benchStartup(s, bin, node)
	if err != nil {
		return nil, fmt.Errorf("start-up: %w", err)
	}
	acct, err := newAccount()
	if err != nil {
		return nil, err
	}
	defer acct.close()
	rows, details, err := measure(figures(s, bin, acct))
	if err != nil {
		return nil, err
	}
	rows, details = append([]row{startRow}, rows...), append([]string{startDetail}, details...)
	printReport(os.Stdout, s, node, rows, details)
	return rows, nil
}

// buildServer builds the server into dir as the bundle (.ci/bundle.sh) and the
// container image (Dockerfile) build it, and returns the binary's path. That
// binary is static: a plain go build on a machine with a C compiler links the
// C library, whose pages add about 1.4 MiB to row 3 and a dynamic loader's
// work to row 1.
func buildServer(root, dir string) (string, error) {
	logf("building the server as the bundle does (CGO_ENABLED=0, -trimpath, -ldflags=-s -w)")
	bin := filepath.Join(dir, "hostup-mcp")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Dir = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("go build: %w", err)
	}
	return bin, nil
}

// figure measures one or more rows of the table, and says how in its detail.
type figure struct {
	name    string
	measure func() ([]row, string, error)
}

// figures are the figures after start-up, in the order they are measured:
// result sizes before memory, since the memory run queues a backup, which
// changes the account.
func figures(s settings, bin string, acct *account) []figure {
	return []figure{
		{"per-call overhead", func() ([]row, string, error) { return benchOverhead(s, bin, acct) }},
		{"per-call overhead over ping", func() ([]row, string, error) {
			r, detail, err := benchCallMinusPing(s, bin, acct)
			return []row{r}, detail, err
		}},
		{"result size", func() ([]row, string, error) { return benchSizes(bin, acct) }},
		{"fleet result size", func() ([]row, string, error) { return benchFleetSizes(s, bin) }},
		{"memory", func() ([]row, string, error) { return benchMemory(s, bin, acct) }},
		{"fleet audit", func() ([]row, string, error) { return benchFleet(s, bin) }},
		{"context", func() ([]row, string, error) { return benchContext(bin) }},
		{"fleet policy", func() ([]row, string, error) { return benchPolicy(s, bin) }},
	}
}

// measure measures each figure in turn and returns their rows and details in
// the table's order, that of the rows' numbers.
func measure(figures []figure) ([]row, []string, error) {
	type measured struct {
		rows   []row
		detail string
	}
	var all []measured
	for _, f := range figures {
		rows, detail, err := f.measure()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.name, err)
		}
		all = append(all, measured{rows, detail})
	}
	slices.SortStableFunc(all, func(a, b measured) int { return strings.Compare(a.rows[0].num, b.rows[0].num) })
	var rows []row
	var details []string
	for _, m := range all {
		rows, details = append(rows, m.rows...), append(details, m.detail)
	}
	return rows, details, nil
}

func printReport(w *os.File, s settings, node *nodeRef, rows []row, details []string) {
	mode := "full run"
	if s.short {
		mode = "-short: tiny sizes, only checks that the bench works; verdicts are not meaningful"
	}
	nodeVersion := "not run"
	if node != nil {
		nodeVersion = node.nodeVersion
	}
	fmt.Fprintf(w, "\nhostup-mcp benchmark (%s)\n%s %s/%s, %d CPUs, node %s\n\n", mode, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), nodeVersion)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tfigure\thostup-mcp\treference\tgoal\tverdict")
	for _, r := range rows {
		verdict := "n/a"
		if r.judged {
			verdict = "MISS"
			if r.pass {
				verdict = "PASS"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.num, r.figure, r.measured, r.reference, r.goal, verdict)
	}
	tw.Flush()
	for _, d := range details {
		fmt.Fprintf(w, "\n%s", d)
	}
}

// moduleRoot is the directory of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(data), "module github.com/hostup/hostup-mcp") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("run the bench inside the hostup-mcp repository (no go.mod of github.com/hostup/hostup-mcp above %s)", dir)
		}
		dir = parent
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// childEnv is this process's environment without any HOSTUP_ setting, plus extra:
// the bench decides every setting the server sees.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOSTUP_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}
