package transport

import (
	"container/list"
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Connections are bounded, not only requests. Each open connection holds a
// file descriptor and some 20 KiB; a process out of descriptors can accept no
// one, however idle the connections that hold them. So the server keeps its
// connections below the open-file limit, in all and per client address, and
// when a new connection would pass a bound it closes, to make room, the
// connection that has waited longest without a request: first one idle between
// requests (or that has sent nothing yet), then one still sending its request.
// A connection whose request is being served is never closed for room; when
// every connection is such a one, the new connection is answered 503 and
// closed at once.

// DefaultMaxConnections bounds the open connections where the open-file limit
// allows more: 2,048 idle connections take some 40 MiB.
const DefaultMaxConnections = 2048

// connectionLimit is the bound on open connections: want (DefaultMaxConnections
// when 0), lowered to leave room below an open-file limit of fds (0: unknown)
// for what is not a client connection: the listener, HostUp's and Redis's
// connections, the runtime's own files.
func connectionLimit(want int, fds uint64) int {
	if want <= 0 {
		want = DefaultMaxConnections
	}
	if fds == 0 {
		return want
	}
	reserve := max(64, fds/8)
	if fds <= 2*reserve {
		return max(1, int(fds/2))
	}
	return int(min(uint64(want), fds-reserve))
}

// phase is where a connection is in its life, as far as room is concerned.
type phase int

const (
	phaseWaiting phase = iota // before its first request or between two: may be closed for room first
	phaseReading              // sending a request not yet admitted: may be closed for room next
	phaseServed               // its request is being served: never closed for room
	phaseGone                 // closed, or handed over (hijacked)
)

// connTracker counts the open connections, in all and per client address, and
// keeps the ones that may be closed for room in the order they would be.
type connTracker struct {
	obs       Observer
	max       int
	perClient int
	lingering atomic.Int32

	mu       sync.Mutex
	open     int
	waiting  list.List // *trackedConn in phaseWaiting, longest waiting first
	reading  list.List // *trackedConn in phaseReading, longest reading first
	byClient map[string]*clientConns
}

// clientConns is connTracker's bookkeeping for one client address.
type clientConns struct {
	open             int
	waiting, reading list.List
}

func newConnTracker(maxConns, perClient int, obs Observer) *connTracker {
	return &connTracker{obs: obs, max: maxConns, perClient: perClient, byClient: map[string]*clientConns{}}
}

// trackedConn is a connection the tracker counts; Close and hijacking forget it.
type trackedConn struct {
	net.Conn
	t      *connTracker
	client string
	phase  phase // under t.mu
	// Its place in the tracker's list and in its client's list of its phase.
	all, own *list.Element
}

func (c *trackedConn) Close() error {
	c.t.forget(c)
	return c.Conn.Close()
}

// CloseWrite lets net/http end a refusal with a FIN at once, before it waits
// for the client to read the refusal and closes.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// clientOf is the address part of a remote address: a client's connections
// come from many ports.
func clientOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// admit counts c as open, making room first if a bound is reached. It returns
// nil, having answered c and closed it, when there is no room.
func (t *connTracker) admit(c net.Conn) net.Conn {
	client := clientOf(c.RemoteAddr().String())
	t.mu.Lock()
	own := t.byClient[client]
	if own == nil {
		own = &clientConns{}
		t.byClient[client] = own
	}
	var victim *trackedConn
	switch {
	case own.open >= t.perClient:
		victim = oldest(&own.waiting, &own.reading)
	case t.open >= t.max:
		victim = oldest(&t.waiting, &t.reading)
	}
	if victim == nil && (own.open >= t.perClient || t.open >= t.max) {
		if own.open == 0 {
			delete(t.byClient, client)
		}
		t.mu.Unlock()
		t.obs.Refused(http.StatusServiceUnavailable, codeTooManyConnections)
		t.refuse(c)
		return nil
	}
	evicted := "idle"
	if victim != nil {
		if victim.phase == phaseReading {
			evicted = "reading"
		}
		t.forgetLocked(victim)
	}
	tc := &trackedConn{Conn: c, t: t, client: client}
	t.open++
	own.open++
	t.moveLocked(tc, phaseWaiting)
	t.mu.Unlock()
	if victim != nil {
		t.obs.ConnectionClosedForRoom(evicted)
		_ = victim.Conn.Close()
	}
	return tc
}

// oldest is the front of the first list that has one.
func oldest(lists ...*list.List) *trackedConn {
	for _, l := range lists {
		if e := l.Front(); e != nil {
			return e.Value.(*trackedConn)
		}
	}
	return nil
}

// moveLocked puts c in phase p, at the back of p's lists.
func (t *connTracker) moveLocked(c *trackedConn, p phase) {
	if c.phase == phaseGone || c.phase == p && c.all != nil {
		return
	}
	own := t.byClient[c.client]
	switch c.phase {
	case phaseWaiting:
		t.removeLocked(c, &t.waiting, &own.waiting)
	case phaseReading:
		t.removeLocked(c, &t.reading, &own.reading)
	}
	c.phase = p
	switch p {
	case phaseWaiting:
		c.all, c.own = t.waiting.PushBack(c), own.waiting.PushBack(c)
	case phaseReading:
		c.all, c.own = t.reading.PushBack(c), own.reading.PushBack(c)
	}
}

func (t *connTracker) removeLocked(c *trackedConn, all, own *list.List) {
	if c.all != nil {
		all.Remove(c.all)
		own.Remove(c.own)
		c.all, c.own = nil, nil
	}
}

func (t *connTracker) forget(c *trackedConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.forgetLocked(c)
}

func (t *connTracker) forgetLocked(c *trackedConn) {
	if c.phase == phaseGone {
		return
	}
	t.moveLocked(c, phaseGone)
	t.open--
	own := t.byClient[c.client]
	if own.open--; own.open == 0 {
		delete(t.byClient, c.client)
	}
}

// connState is http.Server's ConnState hook. net/http reports a connection
// active once it has read a request's headers; until the guard admits the
// request, it is still being received.
func (t *connTracker) connState(c net.Conn, state http.ConnState) {
	tc, ok := c.(*trackedConn)
	if !ok {
		return
	}
	switch state {
	case http.StateActive:
		t.move(tc, phaseReading)
	case http.StateIdle:
		t.move(tc, phaseWaiting)
	case http.StateHijacked, http.StateClosed:
		t.forget(tc)
	}
}

func (t *connTracker) move(c *trackedConn, p phase) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.moveLocked(c, p)
}

// connKey carries a request's *trackedConn in its context (connContext).
type connKey struct{}

// connContext is http.Server's ConnContext hook.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*trackedConn); ok {
		return context.WithValue(ctx, connKey{}, tc)
	}
	return ctx
}

// served marks the connection of the request with ctx as serving it: it is no
// longer closed for room.
func (t *connTracker) served(ctx context.Context) {
	if tc, ok := ctx.Value(connKey{}).(*trackedConn); ok {
		t.move(tc, phaseServed)
	}
}

// counts reports the connections open and how many of them could be closed
// for room.
func (t *connTracker) counts() (open, closable int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.open, t.waiting.Len() + t.reading.Len()
}

// refuse answers a connection there is no room for, without reading its
// request, and closes it. The answer fits in any socket buffer, so the write
// does not wait; its deadline only makes sure of it. Closed with its request
// unread, the connection would be reset, and a reset can discard the answer
// before the client reads it: so, as net/http does, the connection is only
// shut for writing, and closed a moment later. That moment holds a file
// descriptor; when too many are held the connection is closed at once.
func (t *connTracker) refuse(c net.Conn) {
	_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	_, _ = c.Write(connRefusal)
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok || t.lingering.Add(1) > maxLingering {
		if ok {
			t.lingering.Add(-1)
		}
		_ = c.Close()
		return
	}
	_ = cw.CloseWrite()
	time.AfterFunc(lingerFor, func() {
		_ = c.Close()
		t.lingering.Add(-1)
	})
}

// At most maxLingering refused connections wait lingerFor before they close.
const (
	maxLingering = 32
	lingerFor    = 500 * time.Millisecond
)

var connRefusal = func() []byte {
	body := `{"error":"` + codeTooManyConnections + `","message":"hostup-mcp has as many connections open as it allows, each serving a request; try again in a second"}` + "\n"
	return fmt.Appendf(nil, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}()

// limitListener admits each accepted connection through a connTracker.
type limitListener struct {
	net.Listener
	t *connTracker
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if tc := l.t.admit(c); tc != nil {
			return tc, nil
		}
	}
}
