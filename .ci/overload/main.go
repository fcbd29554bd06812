// Command overload shows that no connection can lock hostup-mcp out. It runs
// the built binary over Streamable HTTP on 127.0.0.1 at an open-file limit of
// 1,024 (`ulimit -n 1024`, soft and hard), with per-request HostUp keys, the
// HostUp it calls being the simulator this command serves, and attacks it in
// three ways, each against a fresh server:
//
//   - idle: 1,200 keep-alive connections that get /healthz and then send
//     nothing, without credentials; each reopened as soon as it is closed;
//   - stalled: 1,200 requests under made-up keys (a different one each) whose
//     1,000-byte bodies stop after a few bytes; each sent again as soon as it
//     is answered or closed;
//   - memory: 300 requests under made-up keys whose 1 MB bodies stop one byte
//     short, each sent again when it is answered.
//
// Meanwhile a legitimate client calls list_vps with the sandbox's key, one call
// after the other, each within 5 s. It prints the figures and PASS or FAIL
// lines: at least 95% of the legitimate calls answered under the first two
// attacks, RSS below 128 MiB (VmHWM, the peak) under the third, and the
// overload series in a /metrics scrape taken during the first two.
//
// Run it from the repository root (Linux: it reads /proc, and bash's ulimit):
//
//	go run ./.ci/overload
//	go run ./.ci/overload -duration 30s -scenario stalled
//	go run ./.ci/overload -bin ./old-hostup-mcp   # probe another build
package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

type settings struct {
	bin       string
	duration  time.Duration
	fds       int
	scenarios []string
}

func main() {
	var s settings
	flag.StringVar(&s.bin, "bin", "", "probe this hostup-mcp binary instead of building one")
	flag.DurationVar(&s.duration, "duration", 10*time.Second, "how long the legitimate client calls during each attack")
	flag.IntVar(&s.fds, "fds", 1024, "the server's open-file limit")
	scenario := flag.String("scenario", "idle,stalled,memory", "attacks to run, comma-separated: idle, stalled, memory")
	flag.Parse()
	s.scenarios = strings.Split(*scenario, ",")
	if err := run(s); err != nil {
		verdict(false, "", "overload: %v", err)
	}
	if failed {
		os.Exit(1)
	}
}

// failed is set by the first FAIL line.
var failed bool

// verdict prints a PASS line (the format pass) or a FAIL line (fail, args).
func verdict(ok bool, pass, fail string, args ...any) {
	if ok {
		fmt.Println("PASS " + pass)
		return
	}
	failed = true
	fmt.Printf("FAIL "+fail+"\n", args...)
}

func run(s settings) error {
	if s.bin == "" {
		dir, err := os.MkdirTemp("", "overload")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		s.bin = filepath.Join(dir, "hostup-mcp")
		build := exec.Command("go", "build", "-trimpath", "-o", s.bin, ".")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	api := hostuptest.Sandbox().Start()
	defer api.Close()
	for _, name := range s.scenarios {
		sc, ok := scenarios[name]
		if !ok {
			return fmt.Errorf("no scenario %q: use idle, stalled or memory", name)
		}
		if err := runScenario(s, api.URL, name, sc); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// scenario is one attack and what it must show.
type scenario struct {
	attackers int
	attack    func(ctx context.Context, addr string, i int, st *attackStats)
	// check judges the figures and prints PASS or FAIL lines.
	check func(r *result)
}

var scenarios = map[string]scenario{
	"idle":    {attackers: 1200, attack: idleConn, check: checkIdle},
	"stalled": {attackers: 1200, attack: stalledBody(1000, 10), check: checkStalled},
	"memory":  {attackers: 300, attack: stalledBody(1_000_000, 999_999), check: checkMemory},
}

// result is what a scenario measured.
type result struct {
	name             string
	attackers        int
	legit            legitStats
	attack           attackStats
	rssMax, rssPeak  int64 // bytes: the largest VmRSS sampled, and VmHWM at the end
	metrics, limitLn string
}

func runScenario(s settings, apiURL, name string, sc scenario) error {
	srv, err := startServer(s, apiURL)
	if err != nil {
		return err
	}
	defer srv.stop()
	r := &result{name: name, attackers: sc.attackers, limitLn: srv.fileLimit()}
	fmt.Printf("\n%s: %d attackers against a server at %s; a legitimate client for %s\n", name, sc.attackers, r.limitLn, s.duration)

	ctx, stopAttack := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range sc.attackers {
		wg.Go(func() { sc.attack(ctx, srv.addr, i, &r.attack) })
	}
	defer func() { stopAttack(); wg.Wait() }()

	// Let the attack build up: every attacker has been answered, or its
	// connection accepted, at least once.
	ramp := time.Now()
	for r.attack.started.Load() < int64(sc.attackers) && time.Since(ramp) < 5*time.Second {
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("  attack built up in %s: %d of %d attackers connected\n", time.Since(ramp).Round(10*time.Millisecond), r.attack.connected.Load(), sc.attackers)

	sampling, stopSampling := context.WithCancel(context.Background())
	sampled := make(chan int64, 1)
	go func() { sampled <- sampleRSS(sampling, srv.pid()) }()

	scraped := make(chan string, 1)
	go func() {
		time.Sleep(s.duration * 2 / 3)
		if name == "stalled" {
			provokeRefusals(srv.url(), apiURL)
		}
		scraped <- scrape(srv.url())
	}()
	r.legit = legitimate(srv.url(), s.duration)
	r.metrics = <-scraped
	stopSampling()
	r.rssMax = <-sampled
	r.rssPeak, _ = procStatus(srv.pid(), "VmHWM:")
	if !srv.alive() {
		verdict(false, "", "%s: the server died (its log is above)", name)
		return nil
	}
	sc.check(r)
	return nil
}

// legitStats counts the legitimate client's calls.
type legitStats struct {
	calls, answered int
	latencies       []time.Duration // of the answered calls
	firstFailure    string
}

func (l legitStats) ratio() float64 {
	if l.calls == 0 {
		return 0
	}
	return float64(l.answered) / float64(l.calls)
}

func (l legitStats) String() string {
	slices.Sort(l.latencies)
	at := func(q float64) time.Duration {
		if len(l.latencies) == 0 {
			return 0
		}
		return l.latencies[int(q*float64(len(l.latencies)-1))].Round(time.Millisecond)
	}
	return fmt.Sprintf("%d of %d legitimate calls answered (%.1f%%); latency p50 %s, p95 %s, max %s",
		l.answered, l.calls, 100*l.ratio(), at(0.5), at(0.95), at(1))
}

// legitimate calls list_vps one call after the other for d, as a client with
// a real key would, keeping its connection alive between calls.
func legitimate(url string, d time.Duration) legitStats {
	var st legitStats
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	for end := time.Now().Add(d); time.Now().Before(end); {
		start := time.Now()
		st.calls++
		status, body, err := post(client, url+"/mcp", hostuptest.SandboxAPIKey, nil,
			fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"list_vps","arguments":{}}}`, st.calls))
		if err == nil && status == http.StatusOK && strings.Contains(body, `"result"`) && !strings.Contains(body, `"isError":true`) {
			st.answered++
			st.latencies = append(st.latencies, time.Since(start))
			continue
		}
		if st.firstFailure == "" {
			st.firstFailure = fmt.Sprintf("status %d, %v, %.200s", status, err, body)
		}
		time.Sleep(50 * time.Millisecond) // a client backs off a little after a failure
	}
	return st
}

func checkLegit(r *result) {
	fmt.Printf("  %s\n", r.legit)
	verdict(r.legit.calls >= 20 && r.legit.ratio() >= 0.95,
		fmt.Sprintf("%s: %.1f%% of %d legitimate calls answered during the attack (at least 95%%)", r.name, 100*r.legit.ratio(), r.legit.calls),
		"%s: %.1f%% of %d legitimate calls answered during the attack, want at least 95%% of at least 20; first failure: %s", r.name, 100*r.legit.ratio(), r.legit.calls, r.legit.firstFailure)
}

func checkIdle(r *result) {
	fmt.Printf("  attack: %s\n", r.attack.String())
	fmt.Printf("  server: RSS at most %.1f MiB (peak %.1f MiB)\n", mib(r.rssMax), mib(r.rssPeak))
	checkLegit(r)
	checkSeries(r, map[string]func(float64) bool{
		`hostup_mcp_http_connections_open`:                                   func(v float64) bool { return v > 100 },
		`hostup_mcp_http_connections_closed_for_room_total{state="idle"}`:    func(v float64) bool { return v > 0 },
		`hostup_mcp_http_bodies_reading`:                                     anyValue,
		`hostup_mcp_tool_calls_rejected_total{reason="busy"}`:                anyValue,
		`hostup_mcp_tool_calls_rejected_total{reason="shutting_down"}`:       anyValue,
		`hostup_mcp_http_connections_closed_for_room_total{state="reading"}`: anyValue,
		`hostup_mcp_unknown_tool_calls_total`:                                anyValue,
		`hostup_mcp_tool_calls_rejected_total{reason="key_busy"}`:            anyValue,
	})
}

func checkStalled(r *result) {
	fmt.Printf("  attack: %s\n", r.attack.String())
	fmt.Printf("  server: RSS at most %.1f MiB (peak %.1f MiB)\n", mib(r.rssMax), mib(r.rssPeak))
	checkLegit(r)
	positive := func(v float64) bool { return v > 0 }
	checkSeries(r, map[string]func(float64) bool{
		`hostup_mcp_http_refusals_total{code="too_many_bodies",status="503"}`:     positive,
		`hostup_mcp_http_refusals_total{code="batch_not_supported",status="400"}`: positive,
		`hostup_mcp_http_refusals_total{code="missing_api_key",status="401"}`:     positive,
		`hostup_mcp_http_refusals_total{code="forbidden_origin",status="403"}`:    positive,
		`hostup_mcp_http_refusals_total{code="body_too_large",status="413"}`:      positive,
		`hostup_mcp_tool_calls_rejected_total{reason="key_busy"}`:                 positive,
		`hostup_mcp_unknown_tool_calls_total`:                                     positive,
		`hostup_mcp_tool_calls_rejected_total{reason="shutting_down"}`:            anyValue,
		`hostup_mcp_http_bodies_reading`:                                          positive,
		`hostup_mcp_http_connections_open`:                                        positive,
	})
}

func checkMemory(r *result) {
	fmt.Printf("  attack: %s\n", r.attack.String())
	fmt.Printf("  %s\n", r.legit)
	fmt.Printf("  server: RSS at most %.1f MiB sampled, peak (VmHWM) %.1f MiB\n", mib(r.rssMax), mib(r.rssPeak))
	verdict(r.rssPeak > 0 && r.rssPeak < 128<<20,
		fmt.Sprintf("memory: the server's peak RSS was %.1f MiB under %d stalled 1 MB bodies (below 128 MiB)", mib(r.rssPeak), r.attackers),
		"memory: the server's peak RSS was %.1f MiB under %d stalled 1 MB bodies, want below 128 MiB", mib(r.rssPeak), r.attackers)
}

func anyValue(float64) bool { return true }

// checkSeries prints each series' value in the scrape and one PASS or FAIL
// line for all.
func checkSeries(r *result, want map[string]func(float64) bool) {
	values := parseMetrics(r.metrics)
	var missing []string
	names := slices.Sorted(maps.Keys(want))
	fmt.Println("  /metrics during the attack:")
	for _, name := range names {
		v, ok := values[name]
		if !ok {
			fmt.Printf("    %s (absent)\n", name)
			missing = append(missing, name+" absent")
			continue
		}
		fmt.Printf("    %s %g\n", name, v)
		if !want[name](v) {
			missing = append(missing, fmt.Sprintf("%s is %g", name, v))
		}
	}
	verdict(len(missing) == 0, r.name+": the overload series are in a /metrics scrape taken during the attack",
		"%s: /metrics during the attack: %s", r.name, strings.Join(missing, "; "))
}

// provokeRefusals makes, once each, what the stalled scenario's scrape must
// count besides the stalled bodies: a batch, a missing key, a foreign origin,
// a body too large, an unknown tool, and calls over one key's share.
func provokeRefusals(url, apiURL string) {
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	key := hostuptest.SandboxAPIKey
	call := func(tool string) string {
		return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`
	}
	_, _, _ = post(client, url+"/mcp", key, nil, "["+call("list_vps")+"]")
	_, _, _ = post(client, url+"/mcp", "", nil, call("list_vps"))
	_, _, _ = post(client, url+"/mcp", key, map[string]string{"Origin": "https://evil.example"}, call("list_vps"))
	_, _, _ = post(client, url+"/mcp", key, nil, strings.Repeat(" ", 2<<20))
	_, _, _ = post(client, url+"/mcp", key, nil, call("make_me_admin"))
	// 12 calls at once with one key, whose share is 8: HostUp's answer to
	// audit_backup_coverage is not fast enough for all 12 to miss each other.
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() { _, _, _ = post(client, url+"/mcp", key, nil, call("audit_backup_coverage")) })
	}
	wg.Wait()
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// freeAddr is a loopback address nothing listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// attackStats counts what the attackers saw.
type attackStats struct {
	started   atomic.Int64 // attackers that were connected or answered once
	connected atomic.Int64 // connections open now
	opened    atomic.Int64 // connections opened in all
	answers   sync.Map     // status -> *atomic.Int64
	closed    atomic.Int64 // connections the server closed without an answer
}

func (a *attackStats) answered(status int) {
	n, _ := a.answers.LoadOrStore(status, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
}

func (a *attackStats) String() string {
	var parts []string
	a.answers.Range(func(k, v any) bool {
		parts = append(parts, fmt.Sprintf("%d×%d", v.(*atomic.Int64).Load(), k))
		return true
	})
	slices.Sort(parts)
	return fmt.Sprintf("%d connections opened, %d open at the end; answers %s; %d closed without one",
		a.opened.Load(), a.connected.Load(), strings.Join(parts, " "), a.closed.Load())
}
