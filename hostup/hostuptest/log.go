package hostuptest

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
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
		`v2/vps(/vps_[A-Za-z0-9_-]{1,64}(/backup-schedules(/bks_[A-Za-z0-9_-]{1,64})?|/backups(/bkp_[A-Za-z0-9_-]{1,64}(/actions/restore)?)?|/snapshot-schedules)?)?` +
		`|jobs/[A-Za-z0-9][A-Za-z0-9_-]{0,127}` +
		`|vm/[1-9][0-9]{0,15}/(backup-schedules|snapshot-schedules|backups(/[A-Za-z0-9_.~+=%-]+)?))$`)
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

// logBudget bounds the memory of each of the two request logs: every request,
// and the mutations among them. Tests look at the requests of one scenario, a
// few hundred at most; the sandbox serves for as long as it runs, and a log of
// every request (about 3 KB each) would grow without end.
const logBudget = 4 << 20

// requestLog keeps the newest requests, and apart from them the newest
// mutations, each within logBudget: a stream of reads never pushes out the
// mutation a test looks for.
type requestLog struct {
	all, mutations           []Request // oldest first
	allBytes, mutationsBytes int
}

func (l *requestLog) add(r Request) {
	l.all, l.allBytes = keepNewest(l.all, l.allBytes, r)
	if r.IsMutation() {
		l.mutations, l.mutationsBytes = keepNewest(l.mutations, l.mutationsBytes, r)
	}
}

// keepNewest appends r and drops the oldest requests until the list fits
// logBudget again; the newest request always stays.
func keepNewest(list []Request, used int, r Request) ([]Request, int) {
	list = append(list, r)
	used += r.size()
	for used > logBudget && len(list) > 1 {
		used -= list[0].size()
		list[0] = Request{} // the array keeps the slot until append moves it: let go of its contents
		list = list[1:]
	}
	return list, used
}

// size estimates the bytes a logged request holds, bookkeeping included.
func (r Request) size() int {
	const perRequest, perHeader = 256, 64
	n := perRequest + len(r.Method) + len(r.Path) + len(r.Query) + len(r.Body)
	for k, vs := range r.Header {
		n += perHeader + len(k)
		for _, v := range vs {
			n += len(v)
		}
	}
	return n
}

// record adds r to the log; callers hold s.mu.
func (s *Simulator) record(r *http.Request, body []byte) {
	s.log.add(Request{
		Method: r.Method,
		Path:   r.URL.EscapedPath(),
		Query:  r.URL.RawQuery,
		Body:   body,
		Header: r.Header.Clone(),
		At:     s.now(),
	})
}

// Requests returns the requests received since the last ResetLog, oldest
// first, including those refused or faulted: all of them, unless they hold more
// than 4 MiB (thousands of requests), in which case the newest that fit.
func (s *Simulator) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log.all)
}

// JobReads counts the GET /api/jobs/{id} requests received since the last
// ResetLog for the jobs of vpsID. A tool asks for a job only once HostUp's
// answer to its change named it: a test that must act after that answer, not
// merely after the request arrived, waits for a read.
func (s *Simulator) JobReads(vpsID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log.all {
		id, ok := strings.CutPrefix(r.Path, "/api/jobs/")
		if j := s.jobs[id]; ok && r.Method == http.MethodGet && j != nil && j.vpsID == vpsID {
			n++
		}
	}
	return n
}

// Mutations returns the POST, PATCH, PUT and DELETE requests among those
// received since the last ResetLog, kept apart from the others so that any
// number of reads leaves them in: a test asserts it is empty to prove that
// nothing was changed.
func (s *Simulator) Mutations() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log.mutations)
}

// ResetLog forgets the requests received so far.
func (s *Simulator) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = requestLog{}
}
