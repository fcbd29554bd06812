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
// connections below the open-file limit, in all and per client address. When
// a new connection would pass a bound, a connection is closed to make room:
// first the one idle longest between two requests, then the one that has sent
// nothing for longest, then the one that has been sending its request for
// longest (a stalled body). Each only once it has had its chance: a client
// that reuses its connection does so within idleClosableAfter, and one that
// connects sends its request within busyClosableAfter. A connection whose
// request is being served is never closed for room.
//
// With no room to make, the server stops accepting, for up to roomWait: new
// connections wait in the kernel's listen queue, in the order they came,
// rather than being turned away while the server works through the ones it
// has. A connection still without room after roomWait is answered 503.

// Ages at which a connection may be closed for room, and the longest a new
// connection waits for room.
const (
	idleClosableAfter = 200 * time.Millisecond
	busyClosableAfter = time.Second
	roomWait          = time.Second
)

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
	phaseFresh   phase = iota // before its first request
	phaseIdle                 // between two requests
	phaseReading              // sending a request not yet admitted
	phaseServed               // its request is being served: never closed for room
	phaseGone                 // closed, or handed over (hijacked)
)

// closableAfter is how long a connection stays in phase p before it may be
// closed for room; the phases before phaseServed are the ones listed.
var closableAfter = [phaseServed]time.Duration{
	phaseFresh:   busyClosableAfter,
	phaseIdle:    idleClosableAfter,
	phaseReading: busyClosableAfter,
}

// connSet is a set of connections: all of them, or one client address's.
type connSet struct {
	open int
	// The connections in each listed phase, longest in it first.
	byPhase [phaseServed]list.List
}

// closable is the connection to close for room, in the order of the phases,
// or nil.
func (s *connSet) closable(now time.Time) *trackedConn {
	for _, p := range []phase{phaseIdle, phaseFresh, phaseReading} {
		if e := s.byPhase[p].Front(); e != nil {
			if c := e.Value.(*trackedConn); now.Sub(c.since) >= closableAfter[p] {
				return c
			}
		}
	}
	return nil
}

// listed counts the connections that may one day be closed for room.
func (s *connSet) listed() int {
	n := 0
	for i := range s.byPhase {
		n += s.byPhase[i].Len()
	}
	return n
}

// connTracker counts the open connections, in all and per client address, and
// keeps the ones that may be closed for room in the order they would be.
type connTracker struct {
	obs       Observer
	max       int
	perClient int
	lingering atomic.Int32

	mu       sync.Mutex
	all      connSet
	byClient map[string]*connSet
}

func newConnTracker(maxConns, perClient int, obs Observer) *connTracker {
	return &connTracker{obs: obs, max: maxConns, perClient: perClient, byClient: map[string]*connSet{}}
}

// trackedConn is a connection the tracker counts; Close and hijacking forget it.
type trackedConn struct {
	net.Conn
	t      *connTracker
	client string
	phase  phase     // under t.mu
	since  time.Time // when it entered phase
	// Its place in the tracker's list and in its client's list of its phase.
	inAll, inOwn *list.Element
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

// admit counts c as open once there is room for it, making room if it can,
// else waiting for some (until stop is closed). It returns nil, having
// answered c and closed it, when roomWait passes without room.
func (t *connTracker) admit(c net.Conn, stop <-chan struct{}) net.Conn {
	client := clientOf(c.RemoteAddr().String())
	for deadline := time.Now().Add(roomWait); ; {
		if tc := t.tryAdmit(c, client); tc != nil {
			return tc
		}
		if time.Now().After(deadline) {
			t.obs.Refused(http.StatusServiceUnavailable, codeTooManyConnections)
			t.refuse(c)
			return nil
		}
		select {
		case <-stop:
			_ = c.Close()
			return nil
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// tryAdmit counts c as open if there is room or room can be made, closing a
// connection for it. It returns nil when there is none.
func (t *connTracker) tryAdmit(c net.Conn, client string) *trackedConn {
	now := time.Now()
	t.mu.Lock()
	own := t.byClient[client]
	if own == nil {
		own = &connSet{}
	}
	var victim *trackedConn
	switch {
	case own.open >= t.perClient:
		victim = own.closable(now)
	case t.all.open >= t.max:
		victim = t.all.closable(now)
	}
	if victim == nil && (own.open >= t.perClient || t.all.open >= t.max) {
		t.mu.Unlock()
		return nil
	}
	evicted := "idle"
	if victim != nil {
		if victim.phase == phaseReading {
			evicted = "reading"
		}
		t.forgetLocked(victim)
	}
	t.byClient[client] = own
	tc := &trackedConn{Conn: c, t: t, client: client}
	t.all.open++
	own.open++
	t.moveLocked(tc, phaseFresh, now)
	t.mu.Unlock()
	if victim != nil {
		t.obs.ConnectionClosedForRoom(evicted)
		_ = victim.Conn.Close()
	}
	return tc
}

// moveLocked puts c in phase p, at the back of p's lists.
func (t *connTracker) moveLocked(c *trackedConn, p phase, now time.Time) {
	if c.phase == phaseGone || c.phase == p && c.inAll != nil {
		return
	}
	own := t.byClient[c.client]
	if c.inAll != nil {
		t.all.byPhase[c.phase].Remove(c.inAll)
		own.byPhase[c.phase].Remove(c.inOwn)
		c.inAll, c.inOwn = nil, nil
	}
	c.phase, c.since = p, now
	if p < phaseServed {
		c.inAll, c.inOwn = t.all.byPhase[p].PushBack(c), own.byPhase[p].PushBack(c)
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
	t.moveLocked(c, phaseGone, time.Time{})
	t.all.open--
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
		t.move(tc, phaseIdle)
	case http.StateHijacked, http.StateClosed:
		t.forget(tc)
	}
}

func (t *connTracker) move(c *trackedConn, p phase) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.moveLocked(c, p, time.Now())
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

// counts reports the connections open and how many of them are not being
// served, and so could be closed for room in time.
func (t *connTracker) counts() (open, closable int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.all.open, t.all.listed()
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
	t         *connTracker
	stop      chan struct{} // closed by Close: a wait for room ends
	closeOnce sync.Once
}

func newLimitListener(ln net.Listener, t *connTracker) *limitListener {
	return &limitListener{Listener: ln, t: t, stop: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if tc := l.t.admit(c, l.stop); tc != nil {
			return tc, nil
		}
	}
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.stop) })
	return l.Listener.Close()
}
