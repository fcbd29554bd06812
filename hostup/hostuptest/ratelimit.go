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

// rateLimited counts r against the limit, sets the headers, and answers 429
// when the window is used up.
func (s *Simulator) rateLimited(w http.ResponseWriter, r *http.Request, reqID string) bool {
	s.mu.Lock()
	rl := &s.rate
	if rl.perSecond <= 0 {
		s.mu.Unlock()
		return false
	}
	now := s.now()
	if window := now.Truncate(time.Second); !window.Equal(rl.window) {
		rl.window, rl.used = window, 0
	}
	rl.used++
	limit, used, reset := rl.perSecond, rl.used, rl.window.Add(time.Second)
	s.mu.Unlock()

	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, limit-used)))
	h.Set("X-RateLimit-Reset", isoTime(reset))
	if used <= limit {
		return false
	}
	h.Set("Retry-After", retryAfterSeconds(reset.Sub(now)))
	writeResponse(w, r, reqID, now, problem(http.StatusTooManyRequests, "rate_limit_exceeded",
		"Too many requests. Retry after the limit resets."))
	return true
}
