package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// idleConn is one attacker of the idle scenario: a keep-alive connection that
// gets /healthz and then sends nothing, without credentials, opened again
// whenever the server closes it.
func idleConn(ctx context.Context, addr string, _ int, st *attackStats) {
	first := true
	for ctx.Err() == nil {
		conn, br, ok := open(ctx, addr, st)
		if !ok {
			continue
		}
		_, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		if err == nil {
			err = readAnswer(br, st)
		} else {
			st.closed.Add(1)
		}
		if first {
			st.started.Add(1)
			first = false
		}
		if err == nil {
			_, _ = br.ReadByte() // idle until the server closes it (or the attack ends)
		}
		closeConn(ctx, conn, st)
	}
}

// stalledBody returns an attacker that sends a request under a made-up key
// (a new one each time) announcing a body of size bytes, sends sent of them
// and stalls; when the server answers or closes, it starts again.
func stalledBody(size, sent int) func(ctx context.Context, addr string, i int, st *attackStats) {
	body := append([]byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_vps","arguments":{"q":"`), bytes.Repeat([]byte("x"), size)...)[:sent]
	return func(ctx context.Context, addr string, i int, st *attackStats) {
		first := true
		for n := 0; ctx.Err() == nil; n++ {
			conn, br, ok := open(ctx, addr, st)
			if !ok {
				continue
			}
			head := fmt.Sprintf("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer made-up-key-%d-%d\r\n"+
				"Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: %d\r\n\r\n", i, n, size)
			_, err := io.WriteString(conn, head)
			// A refusal before the body (no room for it) comes at once: then
			// sending the body is no use.
			if err == nil && !answeredWithin(conn, br, 100*time.Millisecond) {
				_, err = conn.Write(body)
			}
			if first {
				st.started.Add(1)
				first = false
			}
			if err == nil {
				_ = readAnswer(br, st)
			} else {
				st.closed.Add(1)
			}
			closeConn(ctx, conn, st)
		}
	}
}

// open connects to addr; a failure waits a moment and reports false.
func open(ctx context.Context, addr string, st *attackStats) (net.Conn, *bufio.Reader, bool) {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		pause(ctx, 50*time.Millisecond)
		return nil, nil, false
	}
	st.opened.Add(1)
	st.connected.Add(1)
	// The attack's end closes every connection, whatever it waits for.
	context.AfterFunc(ctx, func() { conn.Close() })
	return conn, bufio.NewReader(conn), true
}

func closeConn(ctx context.Context, conn net.Conn, st *attackStats) {
	conn.Close()
	st.connected.Add(-1)
	pause(ctx, 10*time.Millisecond)
}

// answeredWithin reports whether the server began an answer within d.
func answeredWithin(conn net.Conn, br *bufio.Reader, d time.Duration) bool {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	_, err := br.Peek(1)
	_ = conn.SetReadDeadline(time.Time{})
	return err == nil
}

// readAnswer reads the server's answer and counts its status, or counts the
// connection closed without one.
func readAnswer(br *bufio.Reader, st *attackStats) error {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		st.closed.Add(1)
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	st.answered(resp.StatusCode)
	return nil
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
