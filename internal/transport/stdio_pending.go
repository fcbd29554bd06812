package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"sync"
	"time"
)

// When stdin ends, mcp-go cancels every request still running: a client that
// writes its requests and closes its end of the pipe (a script, `echo … |`)
// would lose the answers, and a change could be cut off after it reached
// HostUp. pendingRequests counts the client's requests read from stdin and the
// answers written to stdout, so that the end of stdin is passed on only once
// every request has its answer (or the shutdown limit has passed).
type pendingRequests struct {
	mu      sync.Mutex
	open    int
	settled chan struct{} // closed and replaced whenever open drops to 0
}

func newPendingRequests() *pendingRequests {
	return &pendingRequests{settled: make(chan struct{})}
}

// message is what tells a request from an answer: a request has a method and
// an id; an answer has an id and a result or an error.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

func classify(line []byte) (request, answer bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return false, false // garbage: mcp-go answers it, or not, as it does
	}
	var m message
	if json.Unmarshal(line, &m) != nil || len(m.ID) == 0 || string(m.ID) == "null" {
		return false, false
	}
	if m.Method != "" {
		return true, false
	}
	return false, m.Result != nil || m.Error != nil
}

func (p *pendingRequests) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.open += n
	if p.open <= 0 {
		p.open = 0
		close(p.settled)
		p.settled = make(chan struct{})
	}
}

// wait returns once every request read has been answered, or ctx ends.
func (p *pendingRequests) wait(ctx context.Context) {
	for {
		p.mu.Lock()
		open, settled := p.open, p.settled
		p.mu.Unlock()
		if open == 0 {
			return
		}
		select {
		case <-settled:
		case <-ctx.Done():
			return
		}
	}
}

// lines calls each on every complete line written through it.
type lines struct {
	buf  []byte
	each func(line []byte)
}

func (l *lines) feed(p []byte) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return
		}
		l.each(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
}

// countingStdin passes stdin on whole lines at a time, counting the requests
// and answering each batch itself (mcp-go would call it unparsable), and holds
// back the end of input until the requests are answered, for at most limit.
type countingStdin struct {
	r       io.Reader
	pending *pendingRequests
	limit   time.Duration
	lines   lines
	buf     [32 << 10]byte
	ready   []byte // lines read and not yet passed on
	err     error  // r's error, passed on once ready is empty
}

func (c *countingStdin) Read(p []byte) (int, error) {
	for len(c.ready) == 0 && c.err == nil {
		n, err := c.r.Read(c.buf[:])
		c.lines.feed(c.buf[:n])
		if err != nil {
			if len(c.lines.buf) > 0 { // a last request without its newline
				before := len(c.ready)
				c.lines.each(c.lines.buf)
				if len(c.ready) > before {
					c.ready = c.ready[:len(c.ready)-1] // as it came, without one
				}
				c.lines.buf = nil
			}
			c.err = err
		}
	}
	if len(c.ready) > 0 {
		n := copy(p, c.ready)
		c.ready = c.ready[n:]
		return n, nil
	}
	if c.err == io.EOF {
		ctx, cancel := context.WithTimeout(context.Background(), c.limit)
		c.pending.wait(ctx)
		cancel()
	}
	return 0, c.err
}

// countingStdout counts the answers written. It writes each answer whole, so
// that an answer written beside mcp-go's (a batch's) never cuts into one.
type countingStdout struct {
	w     io.Writer
	mu    sync.Mutex
	lines lines
}

func (c *countingStdout) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.w.Write(p)
	c.lines.feed(p[:n])
	return n, err
}

// countAnswers wraps stdin and stdout so that the end of stdin waits for the
// answers of the requests read before it. A request that refuse answers (a
// prompt's invalid arguments: promptargs.go) is answered here and never
// reaches mcp-go.
func countAnswers(stdin io.Reader, stdout io.Writer, limit time.Duration, refuse func(line []byte) []byte) (io.Reader, io.Writer) {
	p := newPendingRequests()
	in := &countingStdin{r: stdin, pending: p, limit: limit}
	out := &countingStdout{w: stdout}
	in.lines.each = func(line []byte) {
		if isBatch(line) {
			_, _ = out.Write(batchRefusal)
			return
		}
		request, _ := classify(line)
		if request {
			p.add(1)
		}
		if answer := refuse(line); request && answer != nil {
			_, _ = out.Write(append(answer, '\n'))
			return
		}
		in.ready = append(append(in.ready, line...), '\n')
	}
	out.lines.each = func(line []byte) {
		if _, answer := classify(line); answer {
			p.add(-1)
		}
	}
	return in, out
}
