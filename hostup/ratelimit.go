package hostup

import (
	"sync"
	"time"
)

// limiter paces the requests made with one API key, shared by every request and
// every worker using that key: when HostUp answers 429, all of them slow down, not
// only the one that got it. Workers that each waited out their own 429 would retry
// in step, collide again and give up; HostUp's limit belongs to the key, so the pace
// does too, and a Client serving many keys (WithAPIKey) keeps one limiter per key
// (limiters), so that one tenant's 429s never slow another tenant.
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

// turn is a start: when, at which pace generation, and, when it was booked,
// where it moved the next start to.
type turn struct {
	at   time.Time
	gen  int
	next time.Time // zero when nothing was booked (no pace yet, or refused)
}

// reserve books the earliest start from now on, which the caller waits for. A
// start after latest (when latest is not zero: the caller's deadline) is not
// booked, and ok is false: a turn nobody takes must not push back every later
// request.
func (l *limiter) reserve(now, latest time.Time) (t turn, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t = turn{at: now, gen: l.gen}
	if l.interval == 0 {
		return t, true
	}
	if l.next.After(t.at) {
		t.at = l.next
		if !latest.IsZero() && t.at.After(latest) {
			return t, false
		}
	}
	l.next = t.at.Add(l.interval)
	t.next = l.next
	return t, true
}

// unbook gives back a turn its caller stopped waiting for (cancelled), when no
// later turn was booked after it; otherwise the gap it leaves is one interval.
func (l *limiter) unbook(t turn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !t.next.IsZero() && l.next.Equal(t.next) {
		l.next = t.at
	}
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

// limiters holds the limiter of each API key a Client has used, by the key's
// id (keyID, never the key itself). A limiter unused for idleLimiter is dropped,
// so that a server that has seen many tenants does not keep them all: after that
// long the pace it learned says little about HostUp's limit now, and the first
// 429 teaches it again.
type limiters struct {
	mu    sync.Mutex
	byKey map[string]*keyLimiter
	swept time.Time
}

// keyLimiter is one key's limiter and who is using it, guarded by limiters.mu.
type keyLimiter struct {
	limiter
	users   int       // requests in flight with the key, which keep it from being dropped
	lastUse time.Time // when the last of them started
}

const idleLimiter = 10 * time.Minute

// acquire returns the limiter of the key named id, for a request starting at now,
// and a release the request calls when it is done.
func (ls *limiters) acquire(id string, now time.Time) (*limiter, func()) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if now.Sub(ls.swept) >= idleLimiter {
		for k, kl := range ls.byKey {
			if kl.users == 0 && now.Sub(kl.lastUse) >= idleLimiter {
				delete(ls.byKey, k)
			}
		}
		ls.swept = now
	}
	kl := ls.byKey[id]
	if kl == nil {
		if ls.byKey == nil {
			ls.byKey = map[string]*keyLimiter{}
		}
		kl = &keyLimiter{}
		ls.byKey[id] = kl
	}
	kl.users++
	kl.lastUse = now
	return &kl.limiter, func() {
		ls.mu.Lock()
		defer ls.mu.Unlock()
		kl.users--
	}
}
