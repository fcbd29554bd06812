package transport

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

func TestConnectionLimitStaysBelowTheOpenFileLimit(t *testing.T) {
	for _, tc := range []struct {
		want int
		fds  uint64
		got  int
	}{
		{0, 0, DefaultMaxConnections},          // limit unknown
		{0, 1 << 20, DefaultMaxConnections},    // a container's usual limit
		{0, 1024, 896},                         // a shell's: an eighth kept for other files
		{100, 1024, 100},                       // a smaller bound asked for
		{5000, 4096, 3584},                     // a larger one lowered
		{0, 100, 50},                           // a tiny limit: half
		{0, 4096 + 512, DefaultMaxConnections}, // room for the default
		{0, 2048, 1792},                        // 2048 - 256
	} {
		if got := connectionLimit(tc.want, tc.fds); got != tc.got {
			t.Errorf("connectionLimit(%d, %d) = %d, want %d", tc.want, tc.fds, got, tc.got)
		}
	}
}

// keepAlive is a client connection that made one request and keeps the
// connection open, as an idle keep-alive client does.
type keepAlive struct {
	net.Conn
	br *bufio.Reader
}

// idleConns counts the connections the tracker has idle between requests.
func (t *connTracker) idleConns() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.all.byPhase[phaseIdle].Len()
}

// openIdleInTurn opens idle connections one after the other, each only once
// the server counts the one before as idle: then they went idle in this order.
func openIdleInTurn(t *testing.T, r *running, locals ...net.IP) []*keepAlive {
	t.Helper()
	var out []*keepAlive
	for _, local := range locals {
		before := r.srv.guard.conns.idleConns()
		out = append(out, openIdle(t, r.url, local))
		waitFor(t, func() bool { return r.srv.guard.conns.idleConns() > before })
	}
	return out
}

// openIdle connects from local (nil: any) and gets /healthz, then waits.
func openIdle(t *testing.T, url string, local net.IP) *keepAlive {
	t.Helper()
	d := net.Dialer{Timeout: time.Second}
	if local != nil {
		d.LocalAddr = &net.TCPAddr{IP: local}
	}
	conn, err := d.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Skipf("cannot connect from %v: %v", local, err)
	}
	t.Cleanup(func() { conn.Close() })
	k := &keepAlive{Conn: conn, br: bufio.NewReader(conn)}
	if status := k.get(t, HealthPath); status != http.StatusOK {
		t.Fatalf("GET %s: %d", HealthPath, status)
	}
	return k
}

func (k *keepAlive) get(t *testing.T, path string) int {
	t.Helper()
	if _, err := io.WriteString(k, "GET "+path+" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = k.SetReadDeadline(time.Now().Add(2 * time.Second))
	resp, err := http.ReadResponse(k.br, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// closedByServer reports whether the server closed the connection, waiting
// up to limit for it.
func (k *keepAlive) closedByServer(limit time.Duration) bool {
	_ = k.SetReadDeadline(time.Now().Add(limit))
	_, err := k.br.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

func TestANewConnectionClosesTheLongestIdleOneWhenTheLimitIsReached(t *testing.T) {
	obs := &recorder{}
	r := serveSim(t, StreamableHTTP, twoAccounts(), keyA, Options{MaxConnections: 3, MaxConnectionsPerClient: 3, Observer: obs})
	idle := openIdleInTurn(t, r, nil, nil, nil)
	time.Sleep(idleClosableAfter)

	// A client that is no keep-alive connection of these three is served.
	c := connect(t, StreamableHTTP, r.url, "")
	if res := callTool(t, c, "list_vps", nil); res.IsError {
		t.Fatalf("a new client at the connection limit: %s", text(res))
	}
	if !idle[0].closedByServer(time.Second) {
		t.Fatal("the longest idle connection is still open")
	}
	if idle[2].closedByServer(100 * time.Millisecond) {
		t.Fatal("the most recently idle connection was closed, not the longest idle one")
	}
	if n := r.srv.OpenConnections(); n > 3 {
		t.Fatalf("%d connections open, above the limit of 3", n)
	}
	if obs.count("closed idle") == 0 {
		t.Fatalf("the observer did not hear of the idle connection closed for room: %v", obs.all())
	}
}

func TestAConnectionFromAnotherAddressIsNotClosedForAClientAtItsOwnLimit(t *testing.T) {
	r := serveSim(t, StreamableHTTP, twoAccounts(), keyA, Options{MaxConnections: 4, MaxConnectionsPerClient: 2})
	// The first skips where only 127.0.0.1 exists.
	conns := openIdleInTurn(t, r, net.IPv4(127, 0, 0, 2), net.IPv4(127, 0, 0, 1), net.IPv4(127, 0, 0, 1))
	other, mine := conns[0], conns[1:]
	time.Sleep(idleClosableAfter)

	// 127.0.0.1 is at its limit of 2; the total (3 of 4) is not.
	third := openIdle(t, r.url, net.IPv4(127, 0, 0, 1))
	if !mine[0].closedByServer(time.Second) {
		t.Fatal("127.0.0.1's longest idle connection is still open: the per-address limit did not apply")
	}
	if other.closedByServer(100 * time.Millisecond) {
		t.Fatal("127.0.0.2's connection, the longest idle of all, was closed for 127.0.0.1")
	}
	if third.get(t, HealthPath) != http.StatusOK || other.get(t, HealthPath) != http.StatusOK {
		t.Fatal("a connection kept open no longer serves")
	}
}

// busyServer serves with room for two connections, both taken by calls that
// HostUp answers after latency.
func busyServer(t *testing.T, latency time.Duration, obs Observer) (*running, *sync.WaitGroup) {
	sim := twoAccounts()
	r := serveSim(t, StreamableHTTP, sim, keyA, Options{MaxConnections: 2, MaxConnectionsPerClient: 2, Observer: obs})
	sim.SetLatency(latency)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			status, body := rawRequest(t, http.MethodPost, r.url+MCPPath, nil, listVPSCall)
			if status != http.StatusOK || !strings.Contains(body, "alpha") {
				t.Errorf("a call served while the limit was reached: %d %s", status, body)
			}
		})
	}
	waitFor(t, func() bool { return len(sim.Requests()) == 2 })
	return r, &wg
}

func TestANewConnectionWaitsForRoomWhileEveryConnectionIsServed(t *testing.T) {
	r, calls := busyServer(t, 500*time.Millisecond, nil)
	start := time.Now()
	if status, _ := rawRequest(t, http.MethodGet, r.url+HealthPath, nil, ""); status != http.StatusOK {
		t.Fatalf("/healthz once a call ended: %d", status)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Fatalf("served after %s, while both connections were serving calls", waited)
	}
	calls.Wait()
}

func TestANewConnectionStillWithoutRoomAfterAWhileGets503(t *testing.T) {
	obs := &recorder{}
	r, calls := busyServer(t, 3*time.Second, obs)
	conn := stallT(t, r.url, http.MethodGet, HealthPath, nil, 0)
	start := time.Now()
	status, body, err := answer(conn, roomWait+time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusServiceUnavailable || !strings.Contains(body, codeTooManyConnections) {
		t.Fatalf("got %d %s, want 503 %s", status, body, codeTooManyConnections)
	}
	if waited := time.Since(start); waited < roomWait || waited > roomWait+500*time.Millisecond {
		t.Fatalf("refused after %s, want after %s", waited, roomWait)
	}
	calls.Wait()
	if obs.count("refused 503 too_many_connections") != 1 {
		t.Fatalf("the observer heard %v", obs.all())
	}
}

func TestAllowedCallsStillRunAtTheConnectionLimit(t *testing.T) {
	// The calls in flight hold their connections; the connection closed for
	// room is only ever an idle one.
	sim := twoAccounts()
	r := serveSim(t, StreamableHTTP, sim, keyA, Options{MaxConnections: 2, MaxConnectionsPerClient: 2})
	idle := openIdleInTurn(t, r, nil)[0]
	c := connect(t, StreamableHTTP, r.url, "")
	sim.SetLatency(500 * time.Millisecond)
	done := make(chan *mcp.CallToolResult, 1)
	go func() {
		res, _ := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "list_vps"}})
		done <- res
	}()
	waitFor(t, func() bool { return len(sim.Requests()) == 1 })
	time.Sleep(idleClosableAfter)
	openIdle(t, r.url, nil)
	if res := <-done; res == nil || res.IsError {
		t.Fatalf("the call in flight: %v", res)
	}
	if !idle.closedByServer(time.Second) {
		t.Fatal("the idle connection was not the one closed")
	}
}
