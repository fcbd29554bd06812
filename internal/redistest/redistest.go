// Package redistest is a test helper: it starts a real redis-server (Debian's
// redis-server package) on a free loopback port, with its data in the test's
// temporary directory, and stops it when the test ends.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is one running redis-server.
type Server struct {
	Addr string // 127.0.0.1:port

	t    testing.TB
	bin  string
	dir  string
	port int
	args []string
	proc *os.Process
	stop func() // kills the running process and waits for it
}

// URL is the server's address as HOSTUP_MCP_REDIS_URL takes it.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Start runs redis-server for the rest of the test, with args added to its
// command line (e.g. "--maxmemory-policy", "allkeys-lru"). Without
// redis-server on PATH the test fails under CI (CI=true), where .ci/run
// installs it, and is skipped elsewhere with the command that installs it.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		const how = "redis-server is not installed; install Debian's package with: sudo apt-get install redis-server (macOS: brew install redis)"
		if os.Getenv("CI") == "true" {
			t.Fatal(how + " (.ci/run installs it; under CI=true this test may not be skipped)")
		}
		t.Skip(how + "; this test runs against a real Redis")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), args: args}
	t.Cleanup(func() {
		if s.stop != nil {
			s.stop()
		}
	})
	// Another process may take the port between Close and redis-server's bind:
	// try a few ports before giving up.
	var lastErr error
	for range 5 {
		if s.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if lastErr = s.start(); lastErr == nil {
			return s
		}
	}
	t.Fatalf("starting redis-server: %v", lastErr)
	return nil
}

// Pause stops redis-server as a stalled host or a debugger does (SIGSTOP):
// connections stay open and what clients send waits in the kernel, to run
// when Resume lets it go on.
func (s *Server) Pause() {
	s.t.Helper()
	if err := s.proc.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatal(err)
	}
}

// Resume lets a paused redis-server go on (SIGCONT).
func (s *Server) Resume() {
	s.t.Helper()
	if err := s.proc.Signal(syscall.SIGCONT); err != nil {
		s.t.Fatal(err)
	}
}

// Restart kills redis-server and starts it again on the same address, as a
// crash or a redeploy does. It keeps no data: the server saves none.
func (s *Server) Restart() {
	s.t.Helper()
	s.stop()
	s.stop = nil
	if err := s.start(); err != nil {
		s.t.Fatalf("restarting redis-server: %v", err)
	}
}

func (s *Server) start() error {
	args := append([]string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--dir", s.dir, "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--loglevel", "warning", "--logfile", ""}, s.args...)
	cmd := exec.Command(s.bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan string, 1)
	go func() {
		var b strings.Builder
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if b.Len() < 4096 {
				b.WriteString(sc.Text() + "\n")
			}
		}
		_ = cmd.Wait()
		exited <- b.String()
	}()
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pong(s.Addr) {
			s.proc = cmd.Process
			s.stop = func() {
				_ = cmd.Process.Kill()
				<-exited
			}
			return nil
		}
		select {
		case log := <-exited:
			return fmt.Errorf("redis-server exited at start: %s", strings.TrimSpace(log))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server did not answer PING on %s within 10 s", s.Addr)
		}
	}
}

// pong sends PING over RESP and reports whether +PONG came back.
func pong(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
