// Package leakcheck is a test helper: it tells whether goroutines were left
// behind. It is small enough not to need a dependency (such as goleak).
package leakcheck

import (
	"runtime"
	"testing"
	"time"
)

// Wait waits up to 2 s for the goroutine count to fall back to before (taken
// with runtime.NumGoroutine before the work started), and fails the test with
// every goroutine's stack when it does not. It returns the last count seen.
func Wait(t testing.TB, before int) int {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return n
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("%d goroutines left behind (%d before, %d after everything was closed):\n%s", n-before, before, n, buf)
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}
