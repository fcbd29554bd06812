package transport

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// callLimiter bounds the tool calls running at once, in all and, with
// per-request HostUp keys, per key: one tenant's slow calls must not take every
// slot and turn the other tenants away. A call over a bound is answered at once
// with a tool error the model can act on, rather than queued without limit.
// drain takes every slot, which both waits for the calls in flight and turns new
// ones away during shutdown.
type callLimiter struct {
	obs      Observer
	slots    chan struct{}
	draining atomic.Bool
	running  atomic.Int64

	perKey int // a quarter of the slots, at least one
	mu     sync.Mutex
	byKey  map[string]int // calls running per HostUp key id
}

func newCallLimiter(n int, obs Observer) *callLimiter {
	return &callLimiter{obs: obs, slots: make(chan struct{}, n), perKey: max(1, n/4), byKey: map[string]int{}}
}

// enterKey counts a call of the key with id key, or reports false when the key
// already runs its share.
func (l *callLimiter) enterKey(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byKey[key] >= l.perKey {
		return false
	}
	l.byKey[key]++
	return true
}

func (l *callLimiter) leaveKey(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byKey[key]--; l.byKey[key] == 0 {
		delete(l.byKey, key)
	}
}

func (l *callLimiter) middleware(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if key, perRequest := hostup.RequestKeyID(ctx); perRequest {
			if !l.enterKey(key) {
				l.obs.CallRejected(rejectedKeyBusy)
				return mcp.NewToolResultError(fmt.Sprintf("hostup-mcp is busy with %d tool calls made with your HostUp API key, the most one key may run at once; nothing was sent to HostUp. Wait for them to finish and call the tool again.", l.perKey)), nil
			}
			defer l.leaveKey(key)
		}
		select {
		case l.slots <- struct{}{}:
		default:
			if l.draining.Load() {
				l.obs.CallRejected(rejectedShuttingDown)
				return mcp.NewToolResultError("hostup-mcp is shutting down and takes no new tool calls; nothing was sent to HostUp. Call the tool again in a few seconds."), nil
			}
			l.obs.CallRejected(rejectedBusy)
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

// full reports whether every slot is taken.
func (l *callLimiter) full() bool { return len(l.slots) == cap(l.slots) }

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
