package transport

// Clients that promise a body and stall: net/http reads
// what is left of a body before it answers and again when it closes the
// request, so a handler that answers without reading must make those reads
// end at once, and every read of a body must end by a deadline.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// Sizes a stalled request promises. Without deadlines, net/http waits for a
// small body before it answers, and for up to 256 KiB of a larger one after
// it answered, before it closes.
var stalledSizes = []int{1000, 256 << 10}

// stall sends a request whose Content-Length promises size bytes but whose
// body stops after a few, and leaves the connection open.
func stall(url, method, path string, header map[string]string, size int) (net.Conn, error) {
	addr := strings.TrimPrefix(url, "http://")
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	host := addr
	if h, ok := header["Host"]; ok {
		host = h
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: %d\r\n", method, path, host, size)
	for k, v := range header {
		if k != "Host" {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n" + `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":`)
	if _, err := io.WriteString(conn, b.String()); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// stallT is stall for the test's own goroutine.
func stallT(t *testing.T, url, method, path string, header map[string]string, size int) net.Conn {
	t.Helper()
	conn, err := stall(url, method, path, header, size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// answer reads the response to a stalled request within limit and checks that
// the server then closed the connection. It returns the status, or an error
// saying what did not happen in time.
func answer(conn net.Conn, limit time.Duration) (int, string, error) {
	_ = conn.SetReadDeadline(time.Now().Add(limit))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, "", fmt.Errorf("no answer within %s: %v", limit, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return resp.StatusCode, "", fmt.Errorf("answer %d cut short: %v", resp.StatusCode, err)
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		return resp.StatusCode, string(body), fmt.Errorf("answered %d but the connection was not closed within %s (%v)", resp.StatusCode, limit, err)
	}
	return resp.StatusCode, string(body), nil
}

func TestEveryRejectionOfAStalledBodyAnswersAtOnceAndCloses(t *testing.T) {
	for _, kind := range []Kind{StreamableHTTP, SSE} {
		sim := twoAccounts()
		r := serveSim(t, kind, sim, keyA, Options{Token: testToken})
		mcpPath := MCPPath
		if kind == SSE {
			mcpPath = MessagePath + "?sessionId=x"
		}
		auth := "Bearer " + testToken
		for _, tc := range []struct {
			name, method, path string
			header             map[string]string
			status             int
		}{
			{"no token", http.MethodPost, mcpPath, nil, http.StatusUnauthorized},
			{"wrong token", http.MethodPost, mcpPath, map[string]string{"Authorization": auth + "x"}, http.StatusUnauthorized},
			{"foreign origin", http.MethodPost, mcpPath, map[string]string{"Authorization": auth, "Origin": "https://evil.example"}, http.StatusForbidden},
			{"non-loopback host", http.MethodPost, mcpPath, map[string]string{"Authorization": auth, "Host": "evil.example"}, http.StatusForbidden},
			{"health with a body", http.MethodPost, HealthPath, nil, http.StatusMethodNotAllowed},
			{"unknown path", http.MethodPost, "/nowhere", nil, http.StatusNotFound},
		} {
			for _, size := range stalledSizes {
				t.Run(fmt.Sprintf("%s %s %d bytes", kind, tc.name, size), func(t *testing.T) {
					conn := stallT(t, r.url, tc.method, tc.path, tc.header, size)
					status, body, err := answer(conn, time.Second)
					if err != nil {
						t.Fatal(err)
					}
					if status != tc.status {
						t.Fatalf("got %d %s, want %d", status, body, tc.status)
					}
				})
			}
		}
		if n := len(sim.Requests()); n != 0 {
			t.Fatalf("HostUp received %d requests from rejected clients", n)
		}
	}
}

func TestStalledBodiesWithoutCredentialsDoNotSlowAnAuthenticatedClient(t *testing.T) {
	const stalled, workers, maxCalls = 300, 10, 5000
	sim := twoAccounts()
	r := serveSim(t, StreamableHTTP, sim, keyA, Options{Token: testToken})
	c := connect(t, StreamableHTTP, r.url, testToken)

	// Each worker opens its stalled requests one after the other and keeps them
	// open: only the server may end them.
	attackDone := make(chan struct{})
	failures := make(chan string, stalled)
	go func() {
		defer close(attackDone)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < stalled; i += workers {
					conn, err := stall(r.url, http.MethodPost, MCPPath, nil, stalledSizes[i%len(stalledSizes)])
					if err != nil {
						failures <- fmt.Sprintf("stalled request %d: %v", i, err)
						continue
					}
					defer conn.Close()
					if status, _, err := answer(conn, time.Second); err != nil || status != http.StatusUnauthorized {
						failures <- fmt.Sprintf("stalled request %d: status %d, %v", i, status, err)
					}
				}
			})
		}
		wg.Wait()
	}()
	defer func() { <-attackDone }() // the server must outlive the workers

	for calls := 0; calls < maxCalls; calls++ {
		select {
		case <-attackDone:
			calls = maxCalls
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		start := time.Now()
		res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "list_vps"}})
		cancel()
		if err != nil || res.IsError || !strings.Contains(text(res), "alpha") {
			t.Fatalf("authenticated call %d during the stalled requests, after %s: %v %v", calls, time.Since(start).Round(time.Millisecond), err, res)
		}
	}
	<-attackDone
	close(failures)
	var all []string
	for f := range failures {
		all = append(all, f)
	}
	if len(all) > 0 {
		t.Fatalf("%d of %d stalled requests without credentials were not refused and closed within 1 s; first: %s", len(all), stalled, all[0])
	}
}

func TestStalledBodyOfAnAuthenticatedClientGets400AtItsDeadline(t *testing.T) {
	r := serveSim(t, StreamableHTTP, twoAccounts(), keyA, Options{Token: testToken, BodyReadTimeout: 200 * time.Millisecond})
	for _, size := range stalledSizes {
		conn := stallT(t, r.url, http.MethodPost, MCPPath, map[string]string{"Authorization": "Bearer " + testToken}, size)
		status, body, err := answer(conn, 2*time.Second)
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if status != http.StatusBadRequest || !strings.Contains(body, "unreadable_body") {
			t.Fatalf("%d bytes: got %d %s, want 400 unreadable_body", size, status, body)
		}
	}
}

func TestShutdownIsNotHeldByAStalledBody(t *testing.T) {
	for _, kind := range []Kind{StreamableHTTP, SSE} {
		t.Run(string(kind), func(t *testing.T) {
			r := serveSim(t, kind, twoAccounts(), keyA, Options{})
			path := MCPPath
			if kind == SSE {
				path = MessagePath + "?sessionId=x"
			}
			conn := stallT(t, r.url, http.MethodPost, path, nil, stalledSizes[0])
			waitFor(t, func() bool { return r.srv.guard.bodies.inProgress() == 1 })

			start := time.Now()
			r.stop()
			select {
			case err := <-r.done:
				if err != nil {
					t.Fatalf("Serve: %v", err)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("shutdown is held by a client that stalls its body")
			}
			r.done <- nil // for the cleanup
			if waited := time.Since(start); waited > 2*time.Second {
				t.Fatalf("shutdown took %s", waited)
			}
			status, body, err := answer(conn, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if status != http.StatusServiceUnavailable || !strings.Contains(body, "shutting_down") {
				t.Fatalf("the stalled client got %d %s, want 503 shutting_down", status, body)
			}
		})
	}
}
