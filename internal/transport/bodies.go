package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Request bodies are read whole before mcp-go sees them, and so before the
// bound on tool calls applies: their reading is bounded on its own.
//
//   - A body that arrives with its headers, as every client that does not
//     stall sends it, is read at once, however many others are stalling.
//   - A body still incomplete bodyGrace after its reading began needs one of
//     Options.MaxBodyReads slots for the rest of its read. Without a free
//     slot the request is answered 503 too_many_bodies, with Retry-After,
//     and its connection closed: a stalled body is cut, not queued behind.
//   - A body larger than smallBody, or of unknown length, first reserves its
//     length from a budget of bytes; without room it is answered 503 before a
//     byte of it is read. What the bodies being read hold stays bounded.
//   - Every read ends by a deadline that grows with the body's length.
//
// Only the shared token is a credential the server can check before the
// body. A per-request HostUp key is checked by HostUp, once the body has been
// read: until then any well-formed string passes, so it buys nothing. Such a
// body (and one on a server without authentication) is read as one without
// credentials: a shorter deadline, and one client address holds at most a
// quarter of the slots and of the budget.
const (
	DefaultMaxBodyReads = 64
	bodyGrace           = 250 * time.Millisecond
	smallBody           = 16 << 10
	bodyBudget          = 16 << 20
	// The rate a body must at least arrive at: 64 KiB/s is a slow mobile link.
	minBodyRate       = 64 << 10
	trustedBodyBase   = 5 * time.Second
	untrustedBodyBase = 2 * time.Second
)

var (
	errStopping = errors.New("shutting down")
	errNoRoom   = errors.New("no room to read another body")
)

// bodyReads are the request bodies being read. Shutdown ends them at once:
// a client that stalls its body must not hold the server's exit for the whole
// read timeout.
type bodyReads struct {
	mu       sync.Mutex
	stopping bool
	reading  map[*bodyRead]struct{}
	slots    share // held by the bodies still being read after bodyGrace
	bytes    share // reserved by the bodies larger than smallBody
}

func newBodyReads(slots int, maxBody int64) bodyReads {
	return bodyReads{
		reading: map[*bodyRead]struct{}{},
		slots:   newShare(int64(slots)),
		// Each client's quarter must hold a body of the largest size.
		bytes: newShare(max(bodyBudget, 4*maxBody)),
	}
}

// bodyRead is one body being read.
type bodyRead struct {
	rc       *http.ResponseController
	client   string
	trusted  bool
	reserved int64
	slow     bool // holds a slot
	cut      bool // found no slot: its read was ended
}

// start registers rd, reserving weight bytes, and sets the deadline of its
// read.
func (b *bodyReads) start(rd *bodyRead, weight int64, deadline time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopping {
		return errStopping
	}
	if weight > 0 && !b.bytes.take(rd.client, weight, rd.trusted) {
		return errNoRoom
	}
	rd.reserved = weight
	_ = rd.rc.SetReadDeadline(deadline)
	b.reading[rd] = struct{}{}
	return nil
}

// outlast runs when rd's grace is over: rd takes a slot, or its read is ended.
func (b *bodyReads) outlast(rd *bodyRead) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.reading[rd]; !ok || rd.slow || rd.cut {
		return
	}
	if b.slots.take(rd.client, 1, rd.trusted) {
		rd.slow = true
		return
	}
	rd.cut = true
	_ = rd.rc.SetReadDeadline(time.Now())
}

// done ends the read of rd and returns errStopping when shutdown began during
// it: stop may have cut the connection's reads, which cancels the request, so
// the request must not run. It returns errNoRoom when the read was cut for
// want of a slot. A complete read clears the deadline, which would otherwise
// cancel the call running after it (net/http keeps reading the connection to
// notice a client that leaves). A failed read keeps it, so net/http's own
// reads of the rest of the body end too.
func (b *bodyReads) done(rd *bodyRead, complete bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.reading, rd)
	if rd.slow {
		b.slots.give(rd.client, 1)
	}
	b.bytes.give(rd.client, rd.reserved)
	switch {
	case b.stopping:
		return errStopping
	case rd.cut && !complete:
		return errNoRoom
	case complete:
		_ = rd.rc.SetReadDeadline(time.Time{})
	}
	return nil
}

// stop ends the reads in progress and refuses new ones.
func (b *bodyReads) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopping = true
	for rd := range b.reading {
		_ = rd.rc.SetReadDeadline(time.Now())
	}
}

// inProgress counts the bodies being read.
func (b *bodyReads) inProgress() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.reading)
}

// full reports whether every slot is taken.
func (b *bodyReads) full() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.slots.used >= b.slots.max
}

// share is an amount many holders take parts of; a holder that is not
// trusted may hold at most a quarter of it per client address.
type share struct {
	max, used int64
	byClient  map[string]int64
}

func newShare(n int64) share { return share{max: n, byClient: map[string]int64{}} }

func (s *share) take(client string, n int64, trusted bool) bool {
	if s.used+n > s.max || !trusted && s.byClient[client]+n > max(1, s.max/4) {
		return false
	}
	s.used += n
	s.byClient[client] += n
	return true
}

func (s *share) give(client string, n int64) {
	if n == 0 {
		return
	}
	s.used -= n
	if s.byClient[client] -= n; s.byClient[client] <= 0 {
		delete(s.byClient, client)
	}
}

// hasBody reports whether the request announced a body: a Content-Length
// above 0, or chunks (-1).
func hasBody(r *http.Request) bool { return r.ContentLength != 0 }

// dropConnection makes net/http close the connection after the answer without
// reading any more of the request. Otherwise it reads what is left of the body
// (up to 256 KiB) before it writes the answer and again when it closes the
// request, without a deadline: a client that stalls its body would get no
// answer and hold the connection for ever.
func dropConnection(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}

// readDeadline is the time a body of size bytes (-1: unknown) has to arrive.
// A server-wide ReadTimeout would instead cancel every request that runs
// longer (SSE streams, long tool calls).
func (g *guard) readDeadline(size int64, trusted bool) time.Duration {
	base := untrustedBodyBase
	if trusted {
		base = trustedBodyBase
	}
	if size < 0 {
		size = g.maxBody
	}
	return min(g.readTimeout, base+time.Duration(size)*time.Second/minBodyRate)
}

// readBody reads the whole body, as bodyReads allow, and bounds the time to
// write the answer. The body is also left in r for mcp-go.
func (g *guard) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	size := r.ContentLength
	if size > g.maxBody {
		g.tooLarge(w)
		return nil, false
	}
	weight := size
	switch {
	case size < 0:
		weight = g.maxBody
	case size <= smallBody:
		weight = 0
	}
	rd := &bodyRead{rc: http.NewResponseController(w), client: clientOf(r.RemoteAddr), trusted: g.auth == authToken}
	limit := g.readDeadline(size, rd.trusted)
	if err := g.bodies.start(rd, weight, time.Now().Add(limit)); err != nil {
		g.refuseRead(w, err)
		return nil, false
	}
	grace := time.AfterFunc(bodyGrace, func() { g.bodies.outlast(rd) })
	body, err := readAll(http.MaxBytesReader(w, r.Body, g.maxBody), size)
	grace.Stop()
	if err := g.bodies.done(rd, err == nil); err != nil {
		g.refuseRead(w, err)
		return nil, false
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			g.tooLarge(w)
		} else {
			g.refuse(w, http.StatusBadRequest, codeUnreadableBody, fmt.Sprintf("the request body could not be read whole within %s (sent too slowly, cut short or malformed); send the whole body at once", limit))
		}
		return nil, false
	}
	_ = rd.rc.SetWriteDeadline(time.Now().Add(postWriteTimeout))
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return body, true
}

// readAll reads a body of size bytes (-1: unknown) into a buffer of its size,
// not one grown by doubling.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size < 0 {
		return io.ReadAll(r)
	}
	buf := make([]byte, size)
	n, err := io.ReadFull(r, buf)
	return buf[:n], err
}

// isBatch reports whether body is a JSON array: a JSON-RPC batch.
func isBatch(body []byte) bool {
	body = bytes.TrimLeft(body, " \t\r\n")
	return len(body) > 0 && body[0] == '['
}

func (g *guard) refuseRead(w http.ResponseWriter, err error) {
	if errors.Is(err, errStopping) {
		g.shuttingDown(w)
		return
	}
	w.Header().Set("Retry-After", "1")
	g.refuse(w, http.StatusServiceUnavailable, codeTooManyBodies, "hostup-mcp is receiving as many request bodies as it can hold, and this one did not arrive whole with its headers; nothing of this request was run. Send it again in a second, its body at once")
}

func (g *guard) shuttingDown(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	g.refuse(w, http.StatusServiceUnavailable, codeShuttingDown, "hostup-mcp is shutting down and ran nothing of this request; send it again (to another replica)")
}

func (g *guard) tooLarge(w http.ResponseWriter) {
	g.refuse(w, http.StatusRequestEntityTooLarge, codeBodyTooLarge,
		fmt.Sprintf("the request body is larger than %d bytes; MCP messages to this server are small, so this is not an MCP request", g.maxBody))
}
