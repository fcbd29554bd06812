package tools

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// One VPS's changes run one at a time, other VPSes' alongside, and no lock
// outlives its last user: a server that has seen a million ids keeps none.
func TestVPSLocksSerializePerVPSAndForgetIdleIDs(t *testing.T) {
	var l vpsLocks
	var inside [3]atomic.Int32
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Go(func() {
			vps := i % 3
			unlock, err := l.lock(t.Context(), fmt.Sprintf("vps_%d", vps))
			if err != nil {
				t.Error(err)
				return
			}
			defer unlock()
			if n := inside[vps].Add(1); n != 1 {
				t.Errorf("%d changes of vps_%d ran at once", n, vps)
			}
			runtime.Gosched() // give another change of the same VPS the chance to enter
			inside[vps].Add(-1)
		})
	}
	wg.Wait()
	for i := range 1000 {
		unlock, _ := l.lock(t.Context(), fmt.Sprintf("vps_unique%d", i))
		unlock()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.locks) != 0 {
		t.Errorf("%d locks kept after every user unlocked", len(l.locks))
	}
}

// A change waiting for a busy VPS gives up when its request ends, instead of
// queueing on behind a slow holder (issue 13.5).
func TestVPSLockWaitHonoursTheContext(t *testing.T) {
	var l vpsLocks
	unlock, err := l.lock(t.Context(), "vps_busy")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := l.lock(ctx, "vps_busy"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting on a held lock: err %v, want the context's deadline", err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("gave up after %s", waited)
	}
}
