package hostuptest

import (
	"sync"
	"time"
)

// ManualClock is a clock that moves only when told to, for tests:
//
//	clock := hostuptest.NewManualClock(time.Date(2026, 4, 27, 12, 0, 0, 0, time.UTC))
//	sim := hostuptest.New(hostuptest.WithClock(clock.Now))
//	clock.Advance(3 * time.Second)
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a clock stopped at start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{t: start}
}

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
