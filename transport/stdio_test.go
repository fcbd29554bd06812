package transport

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A signal during a tool call over stdio lets the call finish and answer, then
// stops: cutting a change off after it reached HostUp would leave its outcome
// unknown.
func TestStdioShutdownFinishesTheCallInFlight(t *testing.T) {
	sim := twoAccounts()
	srv := newMCPServer(t, sim, keyA, nil)
	sim.SetLatency(400 * time.Millisecond)

	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	ctx, signal := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ServeStdio(ctx, srv, stdinR, stdoutW, slog.New(slog.DiscardHandler), 5*time.Second)
		stdoutW.Close()
	}()
	lines := bufio.NewScanner(stdoutR)
	send := func(s string) {
		if _, err := io.WriteString(stdinW, s+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if !lines.Scan() {
		t.Fatal("no initialize answer")
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_vps","arguments":{}}}`)
	time.Sleep(100 * time.Millisecond) // the call is now waiting on HostUp
	signal()

	var answer string
	for lines.Scan() {
		if strings.Contains(lines.Text(), `"id":2`) {
			answer = lines.Text()
			break
		}
	}
	if !strings.Contains(answer, "alpha") || strings.Contains(answer, `"isError":true`) {
		t.Fatalf("the call in flight did not finish normally: %q", answer)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ServeStdio: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeStdio did not return after the call finished")
	}
}

func TestStdioAnswersABatchAsNotSupportedAndGoesOn(t *testing.T) {
	srv := newMCPServer(t, twoAccounts(), keyA, nil)
	in := strings.Join([]string{
		`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]`,
		`{"jsonrpc":"2.0","id":3,"method":"ping"}`,
		` [ ]`,
		`{"jsonrpc":"2.0","id":4,"method":"ping"}`,
	}, "\n") + "\n"
	var out strings.Builder
	if err := ServeStdio(context.Background(), srv, strings.NewReader(in), &out, slog.New(slog.DiscardHandler), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	var refused, pings int
	for line := range strings.Lines(out.String()) {
		switch {
		case strings.Contains(line, "batches are not supported") && strings.Contains(line, `"code":-32600`):
			refused++
		case strings.Contains(line, `"id":3`) || strings.Contains(line, `"id":4`):
			pings++
		default:
			t.Errorf("unexpected line %q", line)
		}
	}
	if refused != 2 || pings != 2 {
		t.Fatalf("%d batches refused (want 2) and %d pings answered (want 2):\n%s", refused, pings, out.String())
	}
}
