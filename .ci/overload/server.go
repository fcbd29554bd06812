package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// server is the hostup-mcp process under attack. Its warnings and errors go
// to this command's stderr.
type server struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

// metricsToken is the scraper's own credential: with per-request keys the
// server serves /metrics to no other.
const metricsToken = "3f9a1c07e2b84d5fa6c0d9e8b7a61524c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8"

// startServer runs s.bin at s.fds open files, with per-request keys (it has
// no key of its own) calling the HostUp at apiURL, and metrics on.
func startServer(s settings, apiURL string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	// bash's ulimit -n sets the soft and the hard limit, so Go cannot raise it.
	cmd := exec.Command("bash", "-c", fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, s.fds),
		s.bin, "--transport", "http", "--addr", addr, "--api-url", apiURL, "--metrics", "--log-level", "warn")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOSTUP_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "HOSTUP_MCP_METRICS_TOKEN="+metricsToken)
	srv := &server{cmd: cmd, addr: addr, done: make(chan struct{})}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = cmd.Wait(); close(srv.done) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(srv.url() + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return srv, nil
			}
		}
		if !srv.alive() || time.Now().After(deadline) {
			srv.stop()
			return nil, errors.New("the server did not answer /healthz within 10 s (its log is above)")
		}
	}
}

func (s *server) url() string { return "http://" + s.addr }
func (s *server) pid() int    { return s.cmd.Process.Pid }

func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// stop interrupts the server and waits for it to exit (killing it after 30 s).
func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// fileLimit describes the server's open-file limit as the kernel has it.
func (s *server) fileLimit() string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", s.pid()))
	if err != nil {
		return "an unknown open-file limit"
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			f := strings.Fields(rest)
			if len(f) >= 2 {
				return fmt.Sprintf("open-file limit %s (hard %s)", f[0], f[1])
			}
		}
	}
	return "an unknown open-file limit"
}

// procStatus reads a size line of /proc/PID/status (VmRSS:, VmHWM:) in bytes.
func procStatus(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no " + field + " line in /proc/PID/status")
}

// sampleRSS returns the largest VmRSS read every 200 ms until ctx ends.
func sampleRSS(ctx context.Context, pid int) int64 {
	var top int64
	for {
		if rss, err := procStatus(pid, "VmRSS:"); err == nil {
			top = max(top, rss)
		}
		select {
		case <-ctx.Done():
			return top
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// post sends body to url with key as the bearer ("" for none) and header.
func post(client *http.Client, url, key string, header map[string]string, body string) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(got), err
}

// scrape gets /metrics with the scraper's own token.
func scrape(url string) string {
	req, err := http.NewRequest(http.MethodGet, url+"/metrics", nil)
	if err != nil {
		return ""
	}
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Printf("  scraping /metrics: %v\n", err)
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// parseMetrics reads Prometheus's text format into series -> value.
func parseMetrics(text string) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}
