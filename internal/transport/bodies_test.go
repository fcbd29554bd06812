package transport

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// slowReads counts the bodies holding a slot.
func (b *bodyReads) slowReads() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.slots.used
}

// refusedWithin reads the answer to a stalled request and checks it is a 503
// of code, with Retry-After, that came between min and max after start.
func refusedWithin(t *testing.T, r *running, size int, header map[string]string, code string, minWait, maxWait time.Duration) {
	t.Helper()
	start := time.Now()
	conn := stallT(t, r.url, http.MethodPost, MCPPath, header, size)
	status, body, err := answer(conn, maxWait+time.Second)
	waited := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusServiceUnavailable || !strings.Contains(body, code) {
		t.Fatalf("got %d %s, want 503 %s", status, body, code)
	}
	if waited < minWait || waited > maxWait {
		t.Fatalf("answered after %s, want between %s and %s", waited.Round(time.Millisecond), minWait, maxWait)
	}
}

func TestAMadeUpKeyGetsNoMoreRoomForAStalledBodyThanNoCredential(t *testing.T) {
	// With per-request keys, one address may hold a quarter of the 4 slots.
	obs := &recorder{}
	sim := twoAccounts()
	r := serveSim(t, StreamableHTTP, sim, "", Options{PerRequestKeys: true, MaxBodyReads: 4, Observer: obs})
	stallT(t, r.url, http.MethodPost, MCPPath, bearer("made-up-key-1"), 1000)
	waitFor(t, func() bool { return r.srv.guard.bodies.slowReads() == 1 })

	// The next stalled body is cut as soon as its grace is over, not queued.
	refusedWithin(t, r, 1000, bearer("made-up-key-2"), codeTooManyBodies, bodyGrace, bodyGrace+time.Second)
	// A body that arrives with its headers needs no slot.
	status, body := rawRequest(t, http.MethodPost, r.url+MCPPath, bearer(keyA), listVPSCall)
	if status != http.StatusOK || !strings.Contains(body, "alpha") {
		t.Fatalf("a whole body while the slots are taken: %d %s", status, body)
	}
	if n := obs.count("refused 503 " + codeTooManyBodies); n != 1 {
		t.Fatalf("the observer heard %v", obs.all())
	}
	for _, req := range sim.Requests() {
		if auth := req.Header.Get("Authorization"); strings.Contains(auth, "made-up") {
			t.Fatalf("HostUp was asked with a stalled request's key: %s", auth)
		}
	}
}

func TestWithTheSharedTokenStalledBodiesMayTakeEverySlot(t *testing.T) {
	r := serveSim(t, StreamableHTTP, twoAccounts(), keyA, Options{Token: testToken, MaxBodyReads: 4})
	for range 4 {
		stallT(t, r.url, http.MethodPost, MCPPath, bearer(testToken), 1000)
	}
	waitFor(t, func() bool { return r.srv.guard.bodies.slowReads() == 4 })
	refusedWithin(t, r, 1000, bearer(testToken), codeTooManyBodies, bodyGrace, bodyGrace+time.Second)
}

func TestALargeBodyWithoutRoomIsRefusedBeforeItIsRead(t *testing.T) {
	// A client address may reserve a quarter of the 16 MiB that large bodies
	// share: four bodies of 1 MiB.
	r := serveSim(t, StreamableHTTP, twoAccounts(), "", Options{PerRequestKeys: true})
	for i := range 4 {
		stallT(t, r.url, http.MethodPost, MCPPath, bearer(fmt.Sprintf("made-up-key-%d", i)), 1<<20)
	}
	waitFor(t, func() bool { return r.srv.BodiesReading() == 4 })
	// Had it been read, it would have found a free slot after its grace, and
	// been held, not refused.
	refusedWithin(t, r, 1<<20, bearer("made-up-key-5"), codeTooManyBodies, 0, time.Second)
	status, body := rawRequest(t, http.MethodPost, r.url+MCPPath, bearer(keyA), listVPSCall)
	if status != http.StatusOK || !strings.Contains(body, "alpha") {
		t.Fatalf("a small body while large ones hold the budget: %d %s", status, body)
	}
}

func TestABodysDeadlineGrowsWithItsLength(t *testing.T) {
	g := newGuard(authPerRequestKey, "", nil, withDefaults(Options{}))
	trusted := newGuard(authToken, testToken, nil, withDefaults(Options{}))
	for _, tc := range []struct {
		g    *guard
		size int64
		want time.Duration
	}{
		{g, 1000, untrustedBodyBase + 1000*time.Second/minBodyRate},
		{g, 64 << 10, untrustedBodyBase + time.Second},
		{g, 1 << 20, untrustedBodyBase + 16*time.Second},
		{g, -1, untrustedBodyBase + 16*time.Second}, // chunked: as long as the largest
		{trusted, 64 << 10, trustedBodyBase + time.Second},
		{trusted, 1 << 20, trustedBodyBase + 16*time.Second},
	} {
		if got := tc.g.readDeadline(tc.size, tc.g.auth == authToken); got != tc.want {
			t.Errorf("%s, %d bytes: %s, want %s", tc.g.auth, tc.size, got, tc.want)
		}
	}
	short := newGuard(authToken, testToken, nil, withDefaults(Options{BodyReadTimeout: 3 * time.Second}))
	if got := short.readDeadline(1<<20, true); got != 3*time.Second {
		t.Errorf("BodyReadTimeout does not bound the deadline: %s", got)
	}
}

func TestAJSONRPCBatchIsRefusedAsNotSupported(t *testing.T) {
	batch := "[" + listVPSCall + "," + strings.Replace(listVPSCall, `"id":1`, `"id":2`, 1) + "]"
	for _, kind := range []Kind{StreamableHTTP, SSE} {
		t.Run(string(kind), func(t *testing.T) {
			obs := &recorder{}
			sim := twoAccounts()
			r := serveSim(t, kind, sim, keyA, Options{Observer: obs})
			path := MCPPath
			if kind == SSE {
				path = MessagePath + "?sessionId=x"
			}
			status, body := rawRequest(t, http.MethodPost, r.url+path, nil, "  \n"+batch)
			if status != http.StatusBadRequest || !strings.Contains(body, "batches are not supported") || !strings.Contains(body, `"code":-32600`) {
				t.Fatalf("got %d %s, want 400 and a JSON-RPC error saying batches are not supported", status, body)
			}
			if strings.Contains(body, "not valid json") {
				t.Fatalf("a batch is valid JSON: %s", body)
			}
			if len(sim.Requests()) != 0 {
				t.Fatal("HostUp was called")
			}
			if obs.count("refused 400 "+codeBatch) != 1 {
				t.Fatalf("the observer heard %v", obs.all())
			}
		})
	}
}
