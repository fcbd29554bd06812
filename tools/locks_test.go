package tools

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
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
			unlock := l.lock(fmt.Sprintf("vps_%d", vps))
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
		l.lock(fmt.Sprintf("vps_unique%d", i))()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.locks) != 0 {
		t.Errorf("%d locks kept after every user unlocked", len(l.locks))
	}
}
