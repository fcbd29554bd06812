package transport

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// callLimiter bounds the tool calls running at once. A call over the bound is
// answered at once with a tool error the model can act on, rather than queued
// without limit. drain takes every slot, which both waits for the calls in
// flight and turns new ones away during shutdown.
type callLimiter struct {
	slots    chan struct{}
	draining atomic.Bool
	running  atomic.Int64
}

func newCallLimiter(n int) *callLimiter {
	return &callLimiter{slots: make(chan struct{}, n)}
}

func (l *callLimiter) middleware(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		select {
		case l.slots <- struct{}{}:
		default:
			if l.draining.Load() {
				return mcp.NewToolResultError("hostup-mcp is shutting down and takes no new tool calls; nothing was sent to HostUp. Call the tool again in a few seconds."), nil
			}
			return mcp.NewToolResultError(fmt.Sprintf("hostup-mcp is busy: %d tool calls are already running on this server; nothing was sent to HostUp. Wait a few seconds and call the tool again.", cap(l.slots))), nil
		}
		l.running.Add(1)
		defer func() {
			l.running.Add(-1)
			<-l.slots
		}()
		return next(ctx, req)
	}
}

func (l *callLimiter) inFlight() int64 { return l.running.Load() }

// drain returns once no call is running and none can start, or with ctx's
// error when the calls in flight outlast ctx.
func (l *callLimiter) drain(ctx context.Context) error {
	l.draining.Store(true)
	for range cap(l.slots) {
		select {
		case l.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
