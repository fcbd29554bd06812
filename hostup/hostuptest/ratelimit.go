package hostuptest

import (
	"net/http"
	"strconv"
	"time"
)

// rateLimit is a fixed one-second window over simulated time, so that a test on a
// manual clock can move past it with Advance.
type rateLimit struct {
	perSecond int
	window    time.Time
	used      int
}

// SetRateLimit allows perSecond requests per second across all keys; 0 turns the
// limit off. While it is on, every response carries X-RateLimit-Limit,
// X-RateLimit-Remaining and X-RateLimit-Reset (an ISO timestamp, as on HostUp).
func (s *Simulator) SetRateLimit(perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = rateLimit{perSecond: perSecond}
}

// tokenBucket is the other kind of limit HostUp may apply (its docs do not say
// which, hostup-api.md §7): perSecond tokens a second, at most burst saved up,
// one per request, over simulated time. A refused request costs no token.
type tokenBucket struct {
	perSecond float64
	burst     float64
	tokens    float64
	at        time.Time
}

// SetTokenBucket limits requests across all keys to a token bucket of rate
// perSecond and depth burst (at least 1); perSecond 0 turns it off. It is
// checked before SetRateLimit's window, and its 429s carry the same headers,
// Retry-After being the time until the next token.
func (s *Simulator) SetTokenBucket(perSecond float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bucket = tokenBucket{perSecond: perSecond, burst: float64(max(burst, 1)), tokens: float64(max(burst, 1)), at: s.now()}
}

// take spends a token at now, or says how long until one is there.
func (b *tokenBucket) take(now time.Time) (ok bool, remaining int, wait time.Duration) {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.at).Seconds()*b.perSecond)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, int(b.tokens), 0
	}
	return false, 0, time.Duration((1 - b.tokens) / b.perSecond * float64(time.Second))
}

// rateLimited counts r against the limits, sets the headers, and answers 429
// when the window is used up or the bucket is empty.
func (s *Simulator) rateLimited(w http.ResponseWriter, r *http.Request, reqID string) bool {
	s.mu.Lock()
	now := s.now()
	hints := s.variants.RateLimitHints
	var limit, remaining int
	var reset time.Time
	refused := false
	switch {
	case s.bucket.perSecond > 0:
		ok, left, wait := s.bucket.take(now)
		limit, remaining, reset, refused = int(s.bucket.burst), left, now.Add(wait), !ok
	case s.rate.perSecond > 0:
		rl := &s.rate
		if window := now.Truncate(time.Second); !window.Equal(rl.window) {
			rl.window, rl.used = window, 0
		}
		rl.used++
		limit, remaining, reset, refused = rl.perSecond, max(0, rl.perSecond-rl.used), rl.window.Add(time.Second), rl.used > rl.perSecond
	default:
		s.mu.Unlock()
		return false
	}
	s.mu.Unlock()

	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	if hints != "none" && hints != "retry-after-only" {
		h.Set("X-RateLimit-Reset", isoTime(reset))
	}
	if !refused {
		return false
	}
	if hints != "none" && hints != "reset-only" {
		h.Set("Retry-After", retryAfterSeconds(reset.Sub(now)))
	}
	writeResponse(w, r, reqID, now, problem(http.StatusTooManyRequests, "rate_limit_exceeded",
		"Too many requests. Retry after the limit resets."))
	return true
}
