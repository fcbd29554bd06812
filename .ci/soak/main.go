// Command soak shows whether hostup-mcp's memory stays flat under load: it
// serves the built binary over Streamable HTTP on 127.0.0.1, keeps it busy with
// concurrent tool calls for a while, and prints the server's resident set size
// (VmRSS) as it goes, in two modes:
//
//   - sandbox: --sandbox, where the HostUp simulator lives inside the server;
//   - real: the server calls HostUp over HTTP with a key, as in production;
//     the HostUp it calls is the simulator, served by this command on loopback.
//
// Run it from the repository root (Linux: it reads /proc):
//
//	go run ./.ci/soak                     # 60 s a mode
//	go run ./.ci/soak -duration 10s -mode sandbox
//	go run ./.ci/soak -bin ./old-hostup-mcp   # measure another build
//
// Memory is flat when the RSS stops rising once the first seconds have warmed the
// server up: the last line compares the RSS at the end with the RSS after the
// warm-up. The exit status is 1 when a call failed or the server died.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

type settings struct {
	duration, every, warmup time.Duration
	workers                 int
	modes                   []string
	bin                     string
}

func main() {
	var s settings
	flag.DurationVar(&s.duration, "duration", 60*time.Second, "load time per mode")
	flag.DurationVar(&s.every, "every", 5*time.Second, "time between two RSS readings")
	flag.DurationVar(&s.warmup, "warmup", 10*time.Second, "the RSS at this time is the baseline of the growth figure")
	flag.IntVar(&s.workers, "workers", 8, "concurrent clients")
	mode := flag.String("mode", "sandbox,real", "modes to run, comma-separated: sandbox, real")
	flag.StringVar(&s.bin, "bin", "", "measure this hostup-mcp binary instead of building one")
	flag.Parse()
	s.modes = strings.Split(*mode, ",")

	failed := false
	if err := run(s, &failed); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}

func run(s settings, failed *bool) error {
	if s.bin == "" {
		dir, err := os.MkdirTemp("", "soak")
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
	for _, mode := range s.modes {
		ok, err := soak(s, mode)
		if err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
		*failed = *failed || !ok
	}
	return nil
}

// soak runs one mode and reports whether every call succeeded.
func soak(s settings, mode string) (bool, error) {
	srv, err := startServer(s.bin, mode)
	if err != nil {
		return false, err
	}
	defer srv.stop()
	fmt.Printf("\n%s mode: %s %s, %d clients for %s\n", mode, filepath.Base(s.bin), strings.Join(srv.args, " "), s.workers, s.duration)
	fmt.Printf("%8s %10s %10s\n", "time", "calls", "VmRSS")
	ctx, cancel := context.WithTimeout(context.Background(), s.duration)
	defer cancel()
	l := startLoad(ctx, s.workers, srv.url)
	baseline, last, err := srv.watch(ctx, s, l)
	if err != nil {
		cancel()
		l.wg.Wait()
		return false, err
	}
	l.wg.Wait()
	calls := l.calls.Load()
	fmt.Printf("%s: %d calls (%.0f/s), %d failed; RSS %.1f MB after %s, %.1f MB at the end: %+.1f MB\n",
		mode, calls, float64(calls)/s.duration.Seconds(), l.failures.Load(),
		mib(baseline), s.warmup, mib(last), mib(last-baseline))
	if f := l.failures.Load(); f > 0 {
		fmt.Printf("first failure: %v\n", l.firstFailure.Load())
		return false, nil
	}
	return true, nil
}

// server is the built binary serving Streamable HTTP on loopback, in one mode.
type server struct {
	cmd    *exec.Cmd
	args   []string
	url    string // its /mcp endpoint
	stderr *tail
	api    *httptest.Server // the HostUp it calls in real mode; nil in sandbox mode
}

// startServer starts the binary in mode and waits until it is ready.
func startServer(bin, mode string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	srv := &server{args: []string{"--transport", "http", "--addr", addr}, url: "http://" + addr + "/mcp", stderr: &tail{}}
	env := childEnv()
	switch mode {
	case "sandbox":
		srv.args = append(srv.args, "--sandbox")
	case "real":
		srv.api = hostuptest.Sandbox().Start()
		srv.args = append(srv.args, "--api-url", srv.api.URL)
		env = append(env, "HOSTUP_API_KEY="+hostuptest.SandboxAPIKey)
	default:
		return nil, fmt.Errorf("unknown mode %q: use sandbox or real", mode)
	}
	srv.cmd = exec.Command(bin, srv.args...)
	srv.cmd.Env = env
	srv.cmd.Stderr = srv.stderr
	if err := srv.cmd.Start(); err != nil {
		srv.closeAPI()
		return nil, err
	}
	if err := waitReady("http://" + addr + "/healthz"); err != nil {
		srv.stop()
		return nil, fmt.Errorf("%w; server said: %s", err, srv.stderr.String())
	}
	return srv, nil
}

// stop interrupts the server, as SIGINT from a terminal would, and kills it
// if it has not ended within 30 s.
func (srv *server) stop() {
	_ = srv.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = srv.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = srv.cmd.Process.Kill()
		<-done
	}
	srv.closeAPI()
}

func (srv *server) closeAPI() {
	if srv.api != nil {
		srv.api.Close()
	}
}

// load is the clients calling the server, and what their calls came to.
type load struct {
	wg              sync.WaitGroup
	calls, failures atomic.Int64
	firstFailure    atomic.Value
}

// startLoad starts workers clients that call the server at url until ctx ends.
func startLoad(ctx context.Context, workers int, url string) *load {
	l := &load{}
	client := &http.Client{Timeout: 30 * time.Second}
	for w := range workers {
		l.wg.Go(func() {
			for i := w; ctx.Err() == nil; i += workers {
				if err := call(ctx, client, url, i); err != nil {
					if ctx.Err() != nil {
						return
					}
					l.failures.Add(1)
					l.firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				l.calls.Add(1)
			}
		})
	}
	return l
}

// watch prints the server's RSS every s.every until ctx ends, and returns the
// RSS once warmed up (the baseline) and the last one read.
func (srv *server) watch(ctx context.Context, s settings, l *load) (baseline, last int64, err error) {
	start := time.Now()
	var lastAt time.Time
	tick := time.NewTicker(s.every)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-tick.C:
		case <-ctx.Done():
			done = true
			if time.Since(lastAt) < time.Second {
				continue // just read
			}
		}
		lastAt = time.Now()
		rss, err := residentSet(srv.cmd.Process.Pid)
		if err != nil {
			return 0, 0, fmt.Errorf("the server is gone (%v); it said: %s", err, srv.stderr.String())
		}
		elapsed := time.Since(start).Round(time.Second)
		fmt.Printf("%8s %10d %7.1f MB\n", elapsed, l.calls.Load(), mib(rss))
		if baseline == 0 && elapsed >= s.warmup {
			baseline = rss
		}
		last = rss
	}
	return baseline, last, nil
}

// calls is the mix each client cycles through: every read tool and a dry run,
// over the sandbox account's VPSes. Nothing is changed, so the account, and
// what the server is asked, stay the same for the whole run.
var calls = []struct {
	tool string
	args func(vps string) map[string]any
}{
	{"list_vps", func(string) map[string]any { return map[string]any{} }},
	{"list_backup_schedules", func(v string) map[string]any { return map[string]any{"vps_id": v} }},
	{"list_backups", func(v string) map[string]any { return map[string]any{"vps_id": v} }},
	{"audit_backup_coverage", func(string) map[string]any { return map[string]any{} }},
	{"upsert_backup_schedule", func(v string) map[string]any {
		return map[string]any{"vps_id": v, "frequency": "daily", "hour": 3, "retention_count": 2, "dry_run": true}
	}},
}

func call(ctx context.Context, client *http.Client, url string, i int) error {
	c := calls[i%len(calls)]
	vps := fmt.Sprintf("vps_sandbox%02d", 1+i%6)
	body, err := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": i, "method": "tools/call",
		"params": map[string]any{"name": c.tool, "arguments": c.args(vps)},
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	// A tool's refusal (isError) is a normal answer here; a protocol error is not.
	if resp.StatusCode != http.StatusOK || !bytes.Contains(got, []byte(`"result"`)) {
		return fmt.Errorf("%s on %s: %d %.200s", c.tool, vps, resp.StatusCode, got)
	}
	return nil
}

// residentSet reads VmRSS, the server's resident set size now, in bytes.
func residentSet(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS line in /proc/PID/status (a zombie?)")
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitReady(url string) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("the server did not answer /healthz within 10 s")
}

// childEnv is this process's environment without any HOSTUP_ setting: the soak
// decides every setting the server sees.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOSTUP_") {
			env = append(env, kv)
		}
	}
	return env
}

// tail keeps the last 4 KiB of the server's log, to show when it dies.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4096 {
		t.buf = t.buf[len(t.buf)-4096:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
