package hostuptest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Scopes a key may hold. HostUp names them on every v2 endpoint page.
const (
	ScopeRead   = "read:vm"
	ScopeWrite  = "write:vm"
	ScopeBackup = "backup:vm"
)

// Default job timing: long enough that a poller sees every state, short enough
// that the sandbox feels alive.
const (
	DefaultQueuedFor  = 2 * time.Second
	DefaultRunningFor = 6 * time.Second
)

// maxBody bounds what one request may make the simulator read and log.
const maxBody = 1 << 20

// Simulator is an in-memory HostUp API. It is an http.Handler and is safe for
// concurrent use.
type Simulator struct {
	mu sync.Mutex

	clock      func() time.Time
	offset     time.Duration // added by Advance
	queuedFor  time.Duration
	runningFor time.Duration

	keys    map[string]apiKey
	vpses   map[string]*vps
	order   []string // every VPS id in insertion order: the list order
	jobs    map[string]*job
	pending []*job // jobs not finished yet, oldest first
	seq     int    // resource id counter
	reqSeq  int    // request id counter, separate so resource ids do not depend on traffic

	log     []Request
	faults  []*faultRule
	latency time.Duration
	rate    rateLimit
}

type apiKey struct {
	account string
	scopes  []string
}

// Option configures a Simulator.
type Option func(*Simulator)

// WithClock makes the simulator read the time from now instead of time.Now.
// Schedules' nextRun, job progress and timestamps all follow it.
func WithClock(now func() time.Time) Option {
	return func(s *Simulator) { s.clock = now }
}

// WithJobTiming sets how long a backup job stays queued and then running.
func WithJobTiming(queued, running time.Duration) Option {
	return func(s *Simulator) { s.queuedFor, s.runningFor = queued, running }
}

// New returns a simulator with no keys and no VPSes.
func New(opts ...Option) *Simulator {
	s := &Simulator{
		clock:      time.Now,
		queuedFor:  DefaultQueuedFor,
		runningFor: DefaultRunningFor,
		keys:       map[string]apiKey{},
		vpses:      map[string]*vps{},
		jobs:       map[string]*job{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Start serves the simulator on a local httptest server; the caller closes it.
func (s *Simulator) Start() *httptest.Server {
	return httptest.NewServer(s)
}

// AddKey lets key act on account with the given scopes (all three when none are given).
func (s *Simulator) AddKey(key, account string, scopes ...string) {
	if len(scopes) == 0 {
		scopes = []string{ScopeRead, ScopeWrite, ScopeBackup}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[key] = apiKey{account: account, scopes: slices.Clone(scopes)}
}

// Advance moves the simulator's time forward by d, whatever its clock. Jobs
// progress and schedules' nextRun move accordingly.
func (s *Simulator) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// now is the simulated time; callers hold s.mu.
func (s *Simulator) now() time.Time {
	return s.clock().Add(s.offset).UTC()
}

func (s *Simulator) newID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s_sim%06d", prefix, s.seq)
}

// ServeHTTP handles one HostUp API request: it logs it, applies latency, the
// rate limit and any fault, then authenticates and routes it.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))

	s.mu.Lock()
	s.reqSeq++
	reqID := fmt.Sprintf("req_sim%08d", s.reqSeq)
	s.record(r, body)
	latency := s.latency
	s.mu.Unlock()

	w.Header().Set("X-Request-Id", reqID)
	if !sleep(r.Context(), latency) {
		return
	}
	if s.rateLimited(w, r, reqID) {
		return
	}
	if s.applyFault(w, r, reqID) {
		return
	}

	s.mu.Lock()
	now := s.now()
	s.settleJobs(now)
	c := &call{r: r, body: body, now: now, reqID: reqID}
	resp := s.dispatch(c)
	s.mu.Unlock()

	writeResponse(w, r, reqID, now, resp)
}

// call is one authenticated request on its way through a handler.
type call struct {
	r       *http.Request
	body    []byte
	params  []string // the path segments matched by "*"
	account string
	now     time.Time
	reqID   string
}

type route struct {
	method  string
	pattern string
	scope   string
	handle  func(s *Simulator, c *call) response
}

var routes = []route{
	{http.MethodGet, "/api/v2/vps", ScopeRead, (*Simulator).listVPS},
	{http.MethodGet, "/api/v2/vps/*", ScopeRead, (*Simulator).getVPS},
	{http.MethodGet, "/api/v2/vps/*/backup-schedules", ScopeRead, (*Simulator).getSchedules},
	{http.MethodPost, "/api/v2/vps/*/backup-schedules", ScopeWrite, (*Simulator).upsertSchedule},
	{http.MethodPatch, "/api/v2/vps/*/backup-schedules", ScopeWrite, (*Simulator).updateSettings},
	{http.MethodDelete, "/api/v2/vps/*/backup-schedules/*", ScopeWrite, (*Simulator).deleteSchedule},
	{http.MethodGet, "/api/v2/vps/*/backups", ScopeRead, (*Simulator).listBackups},
	{http.MethodPost, "/api/v2/vps/*/backups", ScopeBackup, (*Simulator).createBackup},
	{http.MethodDelete, "/api/v2/vps/*/backups/*", ScopeBackup, (*Simulator).deleteBackup},
	{http.MethodGet, "/api/jobs/*", ScopeRead, (*Simulator).getJob},
}

// dispatch routes, authenticates and runs the handler; callers hold s.mu.
func (s *Simulator) dispatch(c *call) response {
	var allowed []string
	for _, rt := range routes {
		params, ok := matchPath(rt.pattern, c.r.URL)
		if !ok {
			continue
		}
		if rt.method != c.r.Method {
			allowed = append(allowed, rt.method)
			continue
		}
		c.params = params
		key, ok := s.authenticate(c.r)
		if !ok {
			return problem(http.StatusUnauthorized, "unauthorized", "Authentication is required.")
		}
		if !slices.Contains(key.scopes, rt.scope) {
			return problem(http.StatusForbidden, "forbidden",
				fmt.Sprintf("The API key lacks the required scope %s.", rt.scope))
		}
		c.account = key.account
		return rt.handle(s, c)
	}
	if len(allowed) > 0 {
		resp := problem(http.StatusMethodNotAllowed, "method_not_allowed", "The method is not allowed on this resource.")
		resp.header = http.Header{"Allow": {strings.Join(allowed, ", ")}}
		return resp
	}
	return problem(http.StatusNotFound, "not_found", "The requested resource could not be found.")
}

func (s *Simulator) authenticate(r *http.Request) (apiKey, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return apiKey{}, false
	}
	key, ok := s.keys[strings.TrimSpace(token)]
	return key, ok
}
