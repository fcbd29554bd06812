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

	keys       map[string]apiKey
	vpses      map[string]*vps
	vmids      map[int]string // v1 vmid -> VPS id
	nextVMID   int
	clientNums map[string]int // account -> v1 client_id
	order      []string       // every VPS id in insertion order: the list order
	jobs       map[string]*job
	pending    []*job // jobs not finished yet, oldest first
	seq        int    // resource id counter
	numSeq     int    // v1 numeric row id counter, separate so v2 ids stay as they were
	reqSeq     int    // request id counter, separate so resource ids do not depend on traffic

	log     requestLog
	faults  []*faultRule
	latency time.Duration
	rate    rateLimit
	bucket  tokenBucket

	variants Variants
	maxPage  int // largest page GET /api/v2/vps serves; 0: as the request's limit asks
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
		vmids:      map[int]string{},
		clientNums: map[string]int{},
		jobs:       map[string]*job{},
		numSeq:     firstRowID - 1,
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
	if s.variants.IDSeparators {
		return fmt.Sprintf("%s_sim-%06d_a", prefix, s.seq)
	}
	return fmt.Sprintf("%s_sim%06d", prefix, s.seq)
}

// firstRowID starts v1's numeric row ids (schedules, settings, history), one counter
// for all, so that no two rows of any kind share an id.
const firstRowID = 2000

func (s *Simulator) newNum() int {
	s.numSeq++
	return s.numSeq
}

// requestID is req_… on v2 and a UUID on v1, as HostUp's examples show.
func requestID(seq int, path string) string {
	if isV1Path(path) {
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", seq)
	}
	return fmt.Sprintf("req_sim%08d", seq)
}

// isV1Path reports whether errors on path take v1's body rather than RFC 7807.
// GET /api/jobs is documented on v1 pages but keeps RFC 7807 errors, as v2's pollUrl
// callers expect (see doc.go).
func isV1Path(path string) bool { return strings.HasPrefix(path, "/api/vm/") }

// ServeHTTP handles one HostUp API request: it logs it, applies latency, the
// rate limit and any fault, then authenticates and routes it.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))

	s.mu.Lock()
	s.reqSeq++
	reqID := requestID(s.reqSeq, r.URL.Path)
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
	resp := s.v1Refusal(r, s.dispatch(c))
	if s.variants.FractionalIntegers && resp.status < 300 {
		resp.rewrite = fractionalIntegers
	}
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
	auth    authHeader
	handle  func(s *Simulator, c *call) response
}

// authHeader is the header a route reads the key from. v1 routes take X-API-Key only,
// so a client that sends v2's Bearer to a v1 path is caught; the job route, named by
// v1 pages (X-API-Key) and by v2's pollUrl (Bearer), takes either.
type authHeader int

const (
	bearerAuth authHeader = iota
	apiKeyAuth
	eitherAuth
)

// The scopes of v1 routes are not documented; the simulator applies v2's.
var routes = []route{
	{http.MethodGet, "/api/v2/vps", ScopeRead, bearerAuth, (*Simulator).listVPS},
	{http.MethodGet, "/api/v2/vps/*", ScopeRead, bearerAuth, (*Simulator).getVPS},
	{http.MethodGet, "/api/v2/vps/*/backup-schedules", ScopeRead, bearerAuth, (*Simulator).getSchedules},
	{http.MethodPost, "/api/v2/vps/*/backup-schedules", ScopeWrite, bearerAuth, (*Simulator).upsertSchedule},
	{http.MethodPatch, "/api/v2/vps/*/backup-schedules", ScopeWrite, bearerAuth, (*Simulator).updateSettings},
	{http.MethodDelete, "/api/v2/vps/*/backup-schedules/*", ScopeWrite, bearerAuth, (*Simulator).deleteSchedule},
	{http.MethodGet, "/api/v2/vps/*/backups", ScopeRead, bearerAuth, (*Simulator).listBackups},
	{http.MethodPost, "/api/v2/vps/*/backups", ScopeBackup, bearerAuth, (*Simulator).createBackup},
	{http.MethodDelete, "/api/v2/vps/*/backups/*", ScopeBackup, bearerAuth, (*Simulator).deleteBackup},
	{http.MethodPost, "/api/v2/vps/*/backups/*/actions/restore", ScopeBackup, bearerAuth, (*Simulator).restoreBackup},
	{http.MethodGet, "/api/v2/vps/*/snapshot-schedules", ScopeRead, bearerAuth, (*Simulator).getSnapshotSchedule},
	{http.MethodPost, "/api/v2/vps/*/snapshot-schedules", ScopeWrite, bearerAuth, (*Simulator).setSnapshotSchedule},
	{http.MethodDelete, "/api/v2/vps/*/snapshot-schedules", ScopeWrite, bearerAuth, (*Simulator).deleteSnapshotSchedule},
	{http.MethodGet, "/api/jobs/*", ScopeRead, eitherAuth, (*Simulator).getJob},
	{http.MethodGet, "/api/vm/*/backup-schedules", ScopeRead, apiKeyAuth, (*Simulator).getVMSchedules},
	{http.MethodPost, "/api/vm/*/backup-schedules", ScopeWrite, apiKeyAuth, (*Simulator).upsertVMSchedule},
	{http.MethodGet, "/api/vm/*/backups", ScopeRead, apiKeyAuth, (*Simulator).listVMBackups},
	{http.MethodDelete, "/api/vm/*/backups/*", ScopeBackup, apiKeyAuth, (*Simulator).deleteVMBackup},
	{http.MethodGet, "/api/vm/*/snapshot-schedules", ScopeRead, apiKeyAuth, (*Simulator).getVMSnapshotSchedule},
	{http.MethodPost, "/api/vm/*/snapshot-schedules", ScopeWrite, apiKeyAuth, (*Simulator).setVMSnapshotSchedule},
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
		auth := rt.auth
		if rt.pattern == "/api/jobs/*" {
			switch s.variants.JobsAuth {
			case "api-key":
				auth = apiKeyAuth
			case "bearer":
				auth = bearerAuth
			}
		}
		key, ok := s.authenticate(c.r, auth)
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

func (s *Simulator) authenticate(r *http.Request, how authHeader) (apiKey, bool) {
	if how != bearerAuth {
		if key, ok := s.keys[strings.TrimSpace(r.Header.Get("X-API-Key"))]; ok {
			return key, true
		}
	}
	if how == apiKeyAuth {
		return apiKey{}, false
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return apiKey{}, false
	}
	key, ok := s.keys[strings.TrimSpace(token)]
	return key, ok
}
