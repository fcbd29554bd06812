package transport

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/confirmpage"
	"github.com/hostup/hostup-mcp/tools"
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

// Over stdio, a client that can open a page but shows no dialog (URL-mode
// elicitation, protocol 2025-11-25) is sent to the server's one-time
// confirmation page by a server-initiated request; the user types the VPS's
// name there, the client answers only that they went, and the restore goes
// ahead.
func TestStdioRestoreConfirmedOnTheConfirmationPage(t *testing.T) {
	sim := hostuptest.Sandbox(hostuptest.WithJobTiming(0, 0))
	api := sim.Start()
	t.Cleanup(api.Close)
	c, err := hostup.New(hostup.Options{APIKey: hostuptest.SandboxAPIKey, BaseURL: api.URL, HTTPClient: api.Client()})
	if err != nil {
		t.Fatal(err)
	}
	pages := confirmpage.NewLoopback(nil)
	defer pages.Close()
	deps := &tools.Deps{Client: c, Confirm: tools.NewConfirmer(nil), ConfirmPages: pages, JobPoll: time.Millisecond, JobWait: 5 * time.Second}
	srv := tools.NewServer(deps, tools.ServerOptions{Name: "hostup-mcp", Version: "test"})

	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- ServeStdio(context.Background(), srv, stdinR, stdoutW, slog.New(slog.DiscardHandler), 5*time.Second)
		stdoutW.Close()
	}()
	lines := bufio.NewScanner(stdoutR)
	lines.Buffer(nil, 1<<20)
	send := func(s string) {
		if _, err := io.WriteString(stdinW, s+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	next := func() map[string]any {
		if !lines.Scan() {
			t.Fatal("stdout ended")
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("not JSON-RPC: %q", lines.Text())
		}
		return m
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{"url":{}}},"clientInfo":{"name":"t","version":"1"}}}`)
	next()
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"restore_backup","arguments":{"vps_id":"vps_sandbox02","backup_id":"bkp_sim000001"}}}`)

	var result map[string]any
	for result == nil {
		m := next()
		switch {
		case m["method"] == "elicitation/create":
			params, _ := m["params"].(map[string]any)
			page, _ := params["url"].(string)
			if params["mode"] != "url" || !strings.HasPrefix(page, "http://127.0.0.1:") {
				t.Fatalf("elicitation %v, want a page on the loopback address", params)
			}
			// The user, in their browser.
			u, _ := url.Parse(page)
			req, _ := http.NewRequest(http.MethodPost, page, strings.NewReader(url.Values{"typed": {"db-01"}, "action": {"confirm"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "http://"+u.Host)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("confirming on the page: %v %v", resp, err)
			}
			resp.Body.Close()
			id, _ := json.Marshal(m["id"])
			send(`{"jsonrpc":"2.0","id":` + string(id) + `,"result":{"action":"accept"}}`)
		case m["id"] == float64(2):
			result, _ = m["result"].(map[string]any)
			if result == nil {
				t.Fatalf("the call failed: %v", m)
			}
		}
	}
	structured, _ := result["structuredContent"].(map[string]any)
	if result["isError"] == true || structured["outcome"] != "applied" {
		t.Fatalf("result %v", result)
	}
	if m := sim.Mutations(); len(m) != 1 {
		t.Errorf("%d mutations, want the one restore", len(m))
	}
	stdinW.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A JSON-RPC batch over stdio is answered as not supported, and the requests
// after it are served.
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
