package tools

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/hostup/hostup-mcp/internal/coord"
)

// vpsLocks serializes mutations per VPS inside the process, so two concurrent
// changes never both send from the same state. An entry lives only while someone
// holds or waits for it: ids come from callers, and a map that kept every id ever
// seen would grow without bound on a long-running HTTP server.
type vpsLocks struct {
	mu    sync.Mutex
	locks map[string]*vpsLock
	// count goes up whenever a change takes or leaves a VPS's lock. When it has
	// not moved between an operation's read and its lock, no change of this
	// process can have run in between, and the read is as fresh as one made
	// under the lock.
	count atomic.Uint64
}

// vpsLock is a mutex whose waiting can be given up: a slot in a channel.
type vpsLock struct {
	slot  chan struct{}
	users int // holders and waiters; guarded by vpsLocks.mu
}

func (l *vpsLocks) changes() uint64 { return l.count.Load() }

// changedSince reports whether a change took or left a lock since changes()
// returned seen; the caller holds its own lock, whose taking counted once.
func (l *vpsLocks) changedSince(seen uint64) bool { return l.count.Load() != seen+1 }

// lock waits for the VPS's lock, or until ctx ends: a caller whose request was
// cancelled or timed out stops waiting, and sends nothing.
func (l *vpsLocks) lock(ctx context.Context, vpsID string) (unlock func(), err error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*vpsLock{}
	}
	m, ok := l.locks[vpsID]
	if !ok {
		m = &vpsLock{slot: make(chan struct{}, 1)}
		l.locks[vpsID] = m
	}
	m.users++
	l.mu.Unlock()
	leave := func() {
		l.mu.Lock()
		if m.users--; m.users == 0 {
			delete(l.locks, vpsID)
		}
		l.mu.Unlock()
	}
	select {
	case m.slot <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
	l.count.Add(1)
	return func() {
		l.count.Add(1)
		<-m.slot
		leave()
	}, nil
}

// Leases and Lease are coord's, so that redisstate implements them without
// importing tools: execute takes a VPS's lease after its lock.
type (
	Leases = coord.Leases
	Lease  = coord.Lease
)

// lease takes vpsID's lease when replicas share them, else returns one that
// this process's lock already covers.
func (d *Deps) lease(ctx context.Context, vpsID string) (Lease, error) {
	if d.Leases == nil {
		return processLease{}, nil
	}
	l, err := d.Leases.Acquire(ctx, vpsID)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, leaseRefusal(vpsID, err)
	}
	return l, nil
}

func leaseRefusal(vpsID string, err error) error {
	return &Refusal{
		Reason: "The lock the replicas share for changes to " + vpsID + " could not be taken or kept (" + err.Error() + "), so nothing was sent to HostUp",
		Code:   "vps_lease_unavailable",
		Fix:    "try again in a moment; if it keeps failing, the server's Redis (HOSTUP_MCP_REDIS_URL) needs looking at.",
	}
}

// processLease is the lease of a process that shares nothing: its lock is enough.
type processLease struct{}

func (processLease) Check(context.Context) error { return nil }
func (processLease) Release()                    {}
