package hostup

import (
	"sync"
	"time"
)

// limiter is the one rate limiter of a Client, shared by every request and every
// worker: when HostUp answers 429, all of them slow down, not only the one that got
// it. Workers that each waited out their own 429 would retry in step, collide
// again and give up; HostUp's limit belongs to the key, so the pace does too.
//
// The request that got the 429 waits HostUp's hint (Retry-After, else
// X-RateLimit-Reset, else our backoff) before it is sent again. From the first
// 429 on, every request start is spaced: at the rate HostUp let through in the
// second before (less a tenth), slowed by a sixteenth by each later 429 to a
// request sent at that pace, and sped up a little by every success. The pace so
// settles just under HostUp's limit whatever its kind (window or token bucket,
// which HostUp does not document), and a 429 stays rare: a Retry-After is whole
// seconds, so stopping every worker for each one would waste most of the limit.
type limiter struct {
	mu        sync.Mutex
	interval  time.Duration // spacing of request starts; 0 until HostUp first says 429
	next      time.Time     // the earliest start of the next request at this pace
	gen       int           // bumped whenever interval is raised
	successes [256]time.Time
	n         int
}

const (
	maxPace   = 2 * time.Second
	firstPace = 10 * time.Millisecond // when the successes before the first 429 say too little
	// estimateWindow is how far back the successes before a 429 are counted.
	estimateWindow = time.Second
)

// turn is a booked start: when, and at which pace generation.
type turn struct {
	at  time.Time
	gen int
}

// reserve books the earliest start from now on, which the caller waits for.
func (l *limiter) reserve(now time.Time) turn {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := now
	if l.interval > 0 {
		if l.next.After(start) {
			start = l.next
		}
		l.next = start.Add(l.interval)
	}
	return turn{at: start, gen: l.gen}
}

// limited records a 429 to a request booked as t: the pace is set or slowed,
// unless it was already slowed after t was booked (that 429 says nothing about
// the new pace).
func (l *limiter) limited(t turn, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.gen != l.gen {
		return
	}
	l.gen++
	switch est, ok := l.estimate(now); {
	case ok && est > l.interval:
		l.interval = est
	case l.interval == 0:
		l.interval = firstPace
	default:
		l.interval += l.interval / 16
	}
	l.interval = min(l.interval, maxPace)
}

// estimate is the mean spacing of the successes HostUp let through in the
// second before now, widened by a tenth.
func (l *limiter) estimate(now time.Time) (time.Duration, bool) {
	from := now.Add(-estimateWindow)
	count, oldest := 0, now
	for i := 1; i <= min(l.n, len(l.successes)); i++ {
		at := l.successes[(l.n-i)%len(l.successes)]
		if !at.After(from) {
			break
		}
		count, oldest = count+1, at
	}
	if count < 3 {
		return 0, false
	}
	return now.Sub(oldest) / time.Duration(count-1) * 11 / 10, true
}

// succeeded records a success at now and speeds the pace up a little, so that
// it follows a limit that rose.
func (l *limiter) succeeded(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.successes[l.n%len(l.successes)] = now
	l.n++
	if l.interval > 0 {
		l.interval -= l.interval / 512
	}
}
