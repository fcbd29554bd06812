package hostuptest

import (
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"
)

// Request is one request the simulator received, as it arrived.
type Request struct {
	Method string
	Path   string // as sent, still escaped: "/api/v2/vps/a%2Fb" stays visible
	Query  string // raw query, without "?"
	Body   []byte
	// Header is a copy of the request headers, Authorization included, so that a
	// test can check which key each request carried.
	Header http.Header
	At     time.Time // simulated time of arrival
}

// IsMutation reports whether the request could change state on HostUp.
func (r Request) IsMutation() bool {
	switch r.Method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// documentedPath is every path hostup-mcp may call (hostup-api.md), each id in the
// shape of its kind; a v1 volid is escaped into one segment. Compiled on first
// use: only tests ask, and the counted repetitions cost milliseconds at start-up.
var documentedPath = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^/api/(` +
		`v2/vps(/vps_[A-Za-z0-9_-]{1,64}(/backup-schedules(/bks_[A-Za-z0-9_-]{1,64})?|/backups(/bkp_[A-Za-z0-9_-]{1,64})?)?)?` +
		`|jobs/[A-Za-z0-9][A-Za-z0-9_-]{0,127}` +
		`|vm/[1-9][0-9]{0,15}/(backup-schedules|backups(/[A-Za-z0-9_.~+=%-]+)?))$`)
})

// Documented reports whether the request went to one of the documented endpoints
// with well-formed ids and no query beyond the VPS list's paging. Tests of hostile
// input assert it for every request that reached the simulator.
func (r Request) Documented() bool {
	if !documentedPath().MatchString(r.Path) {
		return false
	}
	return r.Query == "" || r.Path == "/api/v2/vps"
}

// record appends r to the log; callers hold s.mu.
func (s *Simulator) record(r *http.Request, body []byte) {
	s.log = append(s.log, Request{
		Method: r.Method,
		Path:   r.URL.EscapedPath(),
		Query:  r.URL.RawQuery,
		Body:   body,
		Header: r.Header.Clone(),
		At:     s.now(),
	})
}

// Requests returns every request received since the last ResetLog, oldest first,
// including those refused or faulted.
func (s *Simulator) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Mutations returns the POST, PATCH, PUT and DELETE requests among Requests: a test
// asserts it is empty to prove that nothing was changed.
func (s *Simulator) Mutations() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.log {
		if r.IsMutation() {
			out = append(out, r)
		}
	}
	return out
}

// ResetLog forgets the requests received so far.
func (s *Simulator) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}
