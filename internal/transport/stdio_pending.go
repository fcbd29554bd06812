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

// classify tells a request (a method and an id) from an answer (an id and a
// result or an error) by the names of a message's top-level members, without
// decoding their values: an answer carries a tool's whole result, and decoding
// it here, once more after mcp-go encoded it, took about a tenth of the
// server's CPU per tools/call.
// A request is classified only when the whole line is valid JSON, as mcp-go
// answers any other line with a parse error that carries no id, which must not
// leave a request counted open. Answers are mcp-go's own encoding.
func classify(line []byte) (request, answer bool) {
	var id, method, result, errMember []byte
	badMethod := false
	ok := topMembers(line, func(name, value []byte) {
		// Names match as mcp-go's decoder (encoding/json) matches them:
		// regardless of case; a member given twice counts as encoding/json
		// counts it: the last value, except that null leaves a method as it is.
		switch {
		case bytes.EqualFold(name, []byte("id")):
			id = value
		case bytes.EqualFold(name, []byte("method")):
			switch {
			case string(value) == "null":
			case value[0] == '"':
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
	if !ok || badMethod || id == nil || string(id) == "null" {
		return false, false
	}
	if method != nil {
		if !json.Valid(line) {
			return false, false
		}
		return string(method) != `""`, false
	}
	return false, result != nil || errMember != nil
}

// topMembers calls each with the name and the raw value of every member of
// the JSON object in line, in order. It reads the structure only (strings,
// nesting), not the grammar of every value; it returns false for a line that
// is not an object it can walk.
func topMembers(line []byte, each func(name, value []byte)) bool {
	i := skipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return false
	}
	i = skipSpace(line, i+1)
	if i < len(line) && line[i] == '}' {
		return true
	}
	for i < len(line) {
		if line[i] != '"' {
			return false
		}
		end := skipString(line, i)
		if end < 0 {
			return false
		}
		name := line[i+1 : end-1]
		if bytes.IndexByte(name, '\\') >= 0 { // an escape: rare, decoded the slow way
			var s string
			if json.Unmarshal(line[i:end], &s) != nil {
				return false
			}
			name = []byte(s)
		}
		i = skipSpace(line, end)
		if i >= len(line) || line[i] != ':' {
			return false
		}
		start := skipSpace(line, i+1)
		end = skipValue(line, start)
		if end < 0 {
			return false
		}
		each(name, line[start:end])
		i = skipSpace(line, end)
		if i >= len(line) {
			return false
		}
		switch line[i] {
		case '}':
			return true
		case ',':
			i = skipSpace(line, i+1)
		default:
			return false
		}
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipString returns the index just past the string that starts at b[i], or -1.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the index just past the value that starts at b[i], or -1
// when it does not end (an open string, object or array).
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				end := skipString(b, i)
				if end < 0 {
					return -1
				}
				i = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	start := i // a number, true, false or null: up to what may follow a value
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && skipSpace(b, i) == i {
		i++
	}
	if i == start {
		return -1
	}
	return i
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
