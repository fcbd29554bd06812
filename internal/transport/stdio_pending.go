package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/hostup/hostup-mcp/internal/jsonread"
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

// classify tells a request (a method and an id) from an answer (an id and a
// result or an error), as mcp-go's decoding of the line would. The common
// line is read by its member names (byNames), without decoding their values:
// an answer carries a tool's whole result, and decoding it here, once more
// after mcp-go encoded it, took about a tenth of the server's CPU per
// tools/call. Any other line is decoded whole.
func classify(line []byte) (request, answer bool) {
	if request, answer, ok := classifyByNames(line); ok {
		return request, answer
	}
	return classifyByDecoding(line)
}

// classifyByNames reads the top-level members of a line that jsonread reads
// exactly (valid JSON, ASCII member names); ok is false for any other line.
func classifyByNames(line []byte) (request, answer, ok bool) {
	var id, method, result, errMember []byte
	badMethod := false
	r := jsonread.New(line)
	r.Object(func(name []byte) {
		start := r.Pos()
		r.Skip()
		value := bytes.TrimLeft(line[start:r.Pos()], " \t\r\n")
		// Names match regardless of case, and a member given twice counts
		// as encoding/json counts it: the last value, except that null
		// leaves a method as it is.
		switch {
		case bytes.EqualFold(name, []byte("id")):
			id = value
		case bytes.EqualFold(name, []byte("method")):
			switch {
			case string(value) == "null":
			case len(value) > 0 && value[0] == '"':
				method = value
			default:
				badMethod = true // mcp-go cannot decode the message at all
			}
		case bytes.EqualFold(name, []byte("result")):
			result = value
		case bytes.EqualFold(name, []byte("error")):
			errMember = value
		}
	})
	if !r.Done() {
		return false, false, false
	}
	if badMethod || id == nil || string(id) == "null" {
		return false, false, true
	}
	if method != nil {
		return string(method) != `""`, false, true
	}
	return false, result != nil || errMember != nil, true
}

// classifyByDecoding decodes the whole line as mcp-go does. A line that is
// not valid JSON is neither: mcp-go answers it with a parse error that
// carries no id, which must not leave a request counted open.
func classifyByDecoding(line []byte) (request, answer bool) {
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
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
	// Whole lines in p, the common case (mcp-go writes each answer with its
	// newline at once), are passed on where they are; only a line's start
	// without its end is kept, to be joined with what comes next.
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.buf = append(l.buf, p...)
			return
		}
		line := p[:i]
		if len(l.buf) > 0 {
			line = append(l.buf, line...)
		}
		l.each(line)
		l.buf = l.buf[:0]
		p = p[i+1:]
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
