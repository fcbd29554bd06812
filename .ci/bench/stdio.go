package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// protocolVersion is what the bench's client asks for; both servers speak it.
const protocolVersion = "2025-11-25"

// mcpProc is an MCP server child process spoken to over stdio, one JSON-RPC
// message a line, the way Claude Desktop or Claude Code talk to it.
type mcpProc struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *tailBuffer
	nextID int
	notes  int // notifications received
}

// children are the processes this bench started, so the watchdog can end them.
var children struct {
	sync.Mutex
	procs map[*exec.Cmd]bool
}

func track(cmd *exec.Cmd, on bool) {
	children.Lock()
	defer children.Unlock()
	if children.procs == nil {
		children.procs = map[*exec.Cmd]bool{}
	}
	if on {
		children.procs[cmd] = true
	} else {
		delete(children.procs, cmd)
	}
}

// killChildren ends every process this bench started (each by its own pid).
func killChildren() {
	children.Lock()
	defer children.Unlock()
	for cmd := range children.procs {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
	}
}

// spawn starts argv with env (the whole environment of the child) and returns at
// once: nothing is read or written yet, so that start-up can be timed from here.
func spawn(name string, argv, env []string, dir string) (*mcpProc, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &mcpProc{name: name, cmd: cmd, stdin: stdin, stdout: bufio.NewReaderSize(stdout, 1<<16), stderr: &tailBuffer{max: 4096}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	track(cmd, true)
	return p, nil
}

// rpcMessage is any line a server writes: a response or a notification.
type rpcMessage struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// send writes one request and returns its id.
func (p *mcpProc) send(method string, params any) (int, error) {
	p.nextID++
	line, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": p.nextID, "method": method, "params": params})
	if err != nil {
		return 0, err
	}
	return p.nextID, p.write(append(line, '\n'))
}

func (p *mcpProc) write(line []byte) error {
	if _, err := p.stdin.Write(line); err != nil {
		return fmt.Errorf("%s: writing to stdin: %w%s", p.name, err, p.stderrNote())
	}
	return nil
}

// notify writes one notification.
func (p *mcpProc) notify(method string) error {
	line, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method})
	return p.write(append(line, '\n'))
}

// readResponse reads lines until the response to id, counting notifications on
// the way. It returns the raw line and when its last byte was read.
func (p *mcpProc) readResponse(id int) (rpcMessage, []byte, time.Time, error) {
	want := strconv.Itoa(id)
	for {
		line, err := p.stdout.ReadBytes('\n')
		at := time.Now()
		if err != nil {
			return rpcMessage{}, nil, at, fmt.Errorf("%s: reading stdout: %w%s", p.name, err, p.stderrNote())
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var msg rpcMessage
		if err := json.Unmarshal(line, &msg); err != nil {
			return rpcMessage{}, nil, at, fmt.Errorf("%s wrote a line that is not JSON-RPC: %.120q", p.name, line)
		}
		if msg.Method != "" {
			p.notes++
			continue
		}
		if string(msg.ID) != want {
			continue
		}
		if msg.Error != nil {
			return msg, line, at, fmt.Errorf("%s: JSON-RPC error %d: %s", p.name, msg.Error.Code, msg.Error.Message)
		}
		return msg, line, at, nil
	}
}

// request sends one request and waits for its result.
func (p *mcpProc) request(method string, params any) (json.RawMessage, error) {
	id, err := p.send(method, params)
	if err != nil {
		return nil, err
	}
	msg, _, _, err := p.readResponse(id)
	return msg.Result, err
}

func initializeParams() map[string]any {
	return map[string]any{
		"protocolVersion": protocolVersion,
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "hostup-mcp-bench", "version": "1"},
	}
}

// handshake initializes the session the way a client does before any call.
func (p *mcpProc) handshake() error {
	if _, err := p.request("initialize", initializeParams()); err != nil {
		return err
	}
	return p.notify("notifications/initialized")
}

// toolResult is the part of a tools/call result the bench looks at.
type toolResult struct {
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StructuredContent json.RawMessage `json:"structuredContent"`
	IsError           bool            `json:"isError"`
}

func (r toolResult) text() string {
	var b strings.Builder
	for _, c := range r.Content {
		if c.Type == "text" {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

// callTool runs one tool; a result with isError is returned, not an error.
func (p *mcpProc) callTool(name string, args map[string]any) (toolResult, error) {
	raw, err := p.request("tools/call", map[string]any{"name": name, "arguments": args})
	if err != nil {
		return toolResult{}, err
	}
	var r toolResult
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("%s: tools/call %s: %w", p.name, name, err)
	}
	return r, nil
}

// close ends the session as a client does (stdin closed), then kills the process
// if it has not exited within grace.
func (p *mcpProc) close(grace time.Duration) {
	_ = p.stdin.Close()
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-done
	}
	track(p.cmd, false)
}

// peakRSS reads VmHWM, the process's peak resident set size, in bytes.
func (p *mcpProc) peakRSS() (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("reading peak RSS (Linux /proc only): %w", err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing VmHWM %q: %w", rest, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("no VmHWM line in /proc/PID/status")
}

// cpuTime is the user+system CPU time the process has used so far.
func (p *mcpProc) cpuTime() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("reading CPU time (Linux /proc only): %w", err)
	}
	// Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
	_, rest, ok := strings.Cut(string(data), ") ")
	fields := strings.Fields(rest)
	if !ok || len(fields) < 13 {
		return 0, errors.New("unexpected /proc/PID/stat")
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

func (p *mcpProc) stderrNote() string {
	if s := strings.TrimSpace(p.stderr.String()); s != "" {
		return "; its stderr ends with:\n" + s
	}
	return ""
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
