package transport

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// ServeStdio serves MCP on stdin/stdout until stdin ends or ctx is cancelled (a
// signal). When stdin ends, the requests read before are answered first (for at
// most shutdownTimeout; see stdio_pending.go). On cancellation it finishes the tool calls in flight, for at most
// shutdownTimeout, before it stops reading: mcp-go cancels every running call when
// its listen context ends, which could cut a change off after it reached HostUp.
func ServeStdio(ctx context.Context, srv *server.MCPServer, stdin io.Reader, stdout io.Writer, logger *slog.Logger, shutdownTimeout time.Duration) error {
	calls := newCallLimiter(DefaultMaxConcurrentCalls, nopObserver{})
	srv.Use(calls.middleware)
	listenCtx, stopListening := context.WithCancel(context.WithoutCancel(ctx))
	defer stopListening()

	stdin, stdout = countAnswers(stdin, stdout, shutdownTimeout, func(line []byte) []byte {
		answer, _ := promptArguments{srv}.refusal(ctx, line)
		return answer
	})
	stdio := server.NewStdioServer(srv)
	stdio.SetErrorLogger(slog.NewLogLogger(logger.Handler(), slog.LevelError))
	done := make(chan error, 1)
	go func() { done <- stdio.Listen(listenCtx, stdin, stdout) }()

	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		logger.Info("shutting down: finishing the tool calls in flight", "in_flight", calls.inFlight(), "limit", shutdownTimeout)
		dctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		if calls.drain(dctx) != nil {
			logger.Error("shutdown limit reached: cutting off the tool calls still running", "in_flight", calls.inFlight())
		}
		cancel()
		stopListening()
		err = <-done
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
