package hostuptest

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure injected on the routes that match a SetFault pattern.
type Fault struct {
	// Latency delays the response (real time); with no Status and no Drop the
	// request is then served normally.
	Latency time.Duration
	// Status answers with this HTTP status instead of serving the request: an
	// RFC 7807 body with the code HostUp uses for it, unless Body is set.
	Status int
	// RetryAfter sets the Retry-After header (whole seconds, rounded up); a 429
	// without it says 1 second.
	RetryAfter time.Duration
	// Body replaces the response body verbatim, e.g. an HTML error page or
	// malformed JSON. It is served as text/html when it starts with "<".
	Body string
	// Drop closes the connection without any response.
	Drop bool
	// Times applies the fault to this many requests and then removes it; 0
	// applies it until ClearFaults.
	Times int
}

type faultRule struct {
	method  string
	pattern string
	fault   Fault
	left    int
}

// SetFault injects f on requests whose method is method ("" or "*" for any) and
// whose path matches pathPattern: "*" stands for one path segment, as in
// "/api/v2/vps/*/backup-schedules", and a lone "*" for every path. Setting the
// same method and pattern again replaces the earlier fault.
func (s *Simulator) SetFault(method, pathPattern string, f Fault) {
	if method == "" {
		method = "*"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rule := &faultRule{method: strings.ToUpper(method), pattern: pathPattern, fault: f, left: f.Times}
	for i, r := range s.faults {
		if r.method == rule.method && r.pattern == rule.pattern {
			s.faults[i] = rule
			return
		}
	}
	s.faults = append(s.faults, rule)
}

// ClearFaults removes every fault set with SetFault.
func (s *Simulator) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// SetLatency delays every response by d (real time), giving up early when the
// client goes away.
func (s *Simulator) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// takeFault returns the first fault matching r and counts one use of it.
func (s *Simulator) takeFault(r *http.Request) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, rule := range s.faults {
		if rule.method != "*" && rule.method != r.Method {
			continue
		}
		if _, ok := matchPath(rule.pattern, r.URL); !ok {
			continue
		}
		if rule.fault.Times > 0 {
			rule.left--
			if rule.left == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return rule.fault, true
	}
	return Fault{}, false
}

// applyFault serves r's fault, if any, and reports whether the response is done.
func (s *Simulator) applyFault(w http.ResponseWriter, r *http.Request, reqID string) bool {
	f, ok := s.takeFault(r)
	if !ok {
		return false
	}
	if !sleep(r.Context(), f.Latency) {
		return true
	}
	if f.Drop {
		drop(w)
		return true
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter > 0 || f.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", retryAfterSeconds(f.RetryAfter))
	}
	if f.Body != "" {
		contentType := "application/json"
		if strings.HasPrefix(strings.TrimSpace(f.Body), "<") {
			contentType = "text/html; charset=utf-8"
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
		return true
	}
	s.mu.Lock()
	now := s.now()
	s.mu.Unlock()
	code, detail := faultProblem(f.Status)
	writeResponse(w, r, reqID, now, problem(f.Status, code, detail))
	return true
}

// faultProblem picks the code HostUp documents for an injected status.
func faultProblem(status int) (code, detail string) {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request", "The request is invalid."
	case http.StatusUnauthorized:
		return "unauthorized", "Authentication is required."
	case http.StatusForbidden:
		return "forbidden", "The caller lacks a required scope or does not own the resource."
	case http.StatusNotFound:
		return "not_found", "The requested resource could not be found."
	case http.StatusConflict:
		return "vps_not_ready", "The VPS is not ready for this action."
	case http.StatusTooManyRequests:
		return "rate_limit_exceeded", "Too many requests. Retry after the limit resets."
	case http.StatusBadGateway:
		return "upstream_failed", "An upstream service failed."
	case http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "upstream_unavailable", "An upstream service is unavailable."
	}
	return "internal_error", "An unexpected error occurred. Retry later or contact support if the issue persists."
}

// drop closes the connection without answering. Handlers that cannot be hijacked
// (HTTP/2, or ServeHTTP called directly) abort with http.ErrAbortHandler, which
// net/http turns into a reset stream.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// sleep waits d and reports false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
