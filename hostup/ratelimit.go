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
// It does two things. A 429 pauses every request until HostUp's hint (Retry-After,
// else X-RateLimit-Reset, else our backoff) has passed. And from the first 429 on,
// request starts are spaced: the spacing doubles on a 429 to a request sent at the
// current pace and shrinks a little with every success (additive increase,
// multiplicative decrease of the rate), so the pace settles just under HostUp's
// limit whatever the limit's kind (window or token bucket), which HostUp does not
// document.
type limiter struct {
	mu       sync.Mutex
	resume   time.Time     // no request starts before this (HostUp's hint)
	interval time.Duration // spacing of request starts; 0 until HostUp first says 429
	next     time.Time     // the earliest start of the next request at this pace
	raised   time.Time     // when interval was last raised
	starts   [16]time.Time // the latest request starts, to measure our own pace
	n        int
}

const (
	minPace = 2 * time.Millisecond
	maxPace = 2 * time.Second
)

// reserve returns when a request may start, at the earliest now, and books that
// slot; the caller waits until then.
func (l *limiter) reserve(now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := now
	if l.resume.After(start) {
		start = l.resume
	}
	if l.interval > 0 {
		if l.next.After(start) {
			start = l.next
		}
		l.next = start.Add(l.interval)
	}
	l.starts[l.n%len(l.starts)] = start
	l.n++
	return start
}

// limited records a 429 to a request that started at sent: every request waits
// until now+wait, and the pace halves unless the request was sent before the
// pace was last lowered (its 429 then says nothing about the new pace).
func (l *limiter) limited(sent, now time.Time, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := now.Add(wait); until.After(l.resume) {
		l.resume = until
	}
	if sent.Before(l.raised) {
		return
	}
	l.raised = now
	if l.interval == 0 {
		// Start from our own pace when HostUp first refused: half of it.
		l.interval = 2 * l.ownPace()
	} else {
		l.interval *= 2
	}
	l.interval = min(max(l.interval, minPace), maxPace)
	if l.next.Before(l.resume) {
		l.next = l.resume
	}
}

// succeeded speeds the pace up a little, so that it follows a limit that rose.
func (l *limiter) succeeded() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.interval == 0 {
		return
	}
	l.interval -= l.interval / 64
	if l.interval < minPace {
		l.interval = 0
	}
}

// ownPace is the mean spacing of the latest request starts.
func (l *limiter) ownPace() time.Duration {
	count := min(l.n, len(l.starts))
	if count < 2 {
		return minPace
	}
	newest := l.starts[(l.n-1)%len(l.starts)]
	oldest := l.starts[(l.n-count)%len(l.starts)]
	return max(newest.Sub(oldest)/time.Duration(count-1), 0)
}
