package hostup

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// stillClock makes c's clock move only by its sleeps, so that pacing is exact
// however slow the machine is, and returns what it slept. A sleep whose context
// is already done returns at once, as sleepContext does.
func stillClock(c *Client) (slept func() []time.Duration, advance func(time.Duration)) {
	var mu sync.Mutex
	clock := time.Now()
	var waits []time.Duration
	c.now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(d)
		waits = append(waits, d)
		return nil
	}
	slept = func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Duration(nil), waits...)
	}
	advance = func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(d)
	}
	return slept, advance
}

// limitedOnce answers 429 (Retry-After: 1) to the first request carrying
// Authorization: Bearer <key>, and 200 to every other request.
func limitedOnce(key string) http.HandlerFunc {
	var mu sync.Mutex
	limited := false
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !limited && r.Header.Get("Authorization") == "Bearer "+key
		limited = limited || first
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "1")
			writeProblem(w, 429, "rate_limited")
			return
		}
		writeJSON(w, 200, `{}`)
	}
}

// Issue 13.5: one tenant must not stall another. HostUp limits each key, so a
// 429 to tenant A paces A's requests and no one else's.
func TestRateLimitOfOneKeyDoesNotPaceAnother(t *testing.T) {
	const keyA, keyB = "hk_tenant_A", "hk_tenant_B"
	c, _ := newTestClient(t, limitedOnce(keyA))
	slept, _ := stillClock(c)
	ctxA := WithAPIKey(context.Background(), keyA)
	ctxB := WithAPIKey(context.Background(), keyB)

	for range 4 {
		if err := call(ctxA, c, http.MethodGet); err != nil {
			t.Fatal(err)
		}
	}
	// The Retry-After, then a turn at A's new pace for each of the 3 later calls.
	if n := len(slept()); n != 4 {
		t.Fatalf("tenant A slept %v; want the Retry-After and 3 paced turns", slept())
	}
	for range 5 {
		if err := call(ctxB, c, http.MethodGet); err != nil {
			t.Fatal(err)
		}
	}
	if got := slept()[4:]; len(got) != 0 {
		t.Errorf("tenant B waited %v for tenant A's rate limit", got)
	}
}

// A call that does not take its turn (refused for its deadline, or cancelled
// while waiting) must not push back the calls after it: 20 of them once left
// the pace 10 s in the future with a 500 ms interval.
func TestRefusedAndCancelledCallsDoNotKeepTheirTurn(t *testing.T) {
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelExpired()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for name, ctx := range map[string]context.Context{"past its deadline": expired, "cancelled": cancelled} {
		t.Run(name, func(t *testing.T) {
			c, rec := newTestClient(t, limitedOnce(testKey))
			slept, _ := stillClock(c)
			if err := call(context.Background(), c, http.MethodGet); err != nil {
				t.Fatal(err)
			}
			for range 20 {
				if err := call(ctx, c, http.MethodGet); err == nil {
					t.Fatal("a call that could not wait for its turn succeeded")
				}
			}
			if n := len(rec.requests()); n != 2 {
				t.Fatalf("%d requests reached HostUp, want 2 (the 429 and its retry)", n)
			}
			if err := call(context.Background(), c, http.MethodGet); err != nil {
				t.Fatal(err)
			}
			waits := slept()
			if last := waits[len(waits)-1]; last > firstPace {
				t.Errorf("the next call waited %v for its turn, want at most one interval (%v)", last, firstPace)
			}
		})
	}
}

// A server that has served many keys keeps the pace of those in use, not of
// every key it ever saw.
func TestIdleKeysLimitersAreDropped(t *testing.T) {
	c, _ := newTestClient(t, limitedOnce("none"))
	_, advance := stillClock(c)
	for _, key := range []string{"hk_a", "hk_b"} {
		if err := call(WithAPIKey(context.Background(), key), c, http.MethodGet); err != nil {
			t.Fatal(err)
		}
	}
	advance(idleLimiter)
	if err := call(WithAPIKey(context.Background(), "hk_c"), c, http.MethodGet); err != nil {
		t.Fatal(err)
	}
	c.limits.mu.Lock()
	defer c.limits.mu.Unlock()
	if len(c.limits.byKey) != 1 || c.limits.byKey[keyID("hk_c")] == nil {
		t.Errorf("limiters kept for %d keys, want only the one in use", len(c.limits.byKey))
	}
}

// X-RateLimit-Reset is read on the clock the retry deadline is kept on; read on
// another, a reset 5 s away could look an hour away (or past) and the call give
// up or retry at once.
func TestRateLimitResetIsReadOnTheClientsClock(t *testing.T) {
	var c *Client
	var mu sync.Mutex
	calls := 0
	c, _ = newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			w.Header().Set("X-RateLimit-Reset", c.now().Add(5*time.Second).UTC().Format(time.RFC3339Nano))
			writeProblem(w, 429, "rate_limited")
			return
		}
		writeJSON(w, 200, `{}`)
	})
	slept, advance := stillClock(c)
	advance(time.Hour)
	if err := call(context.Background(), c, http.MethodGet); err != nil {
		t.Fatal(err)
	}
	if got := slept(); len(got) != 1 || got[0] != 5*time.Second {
		t.Errorf("slept %v, want [5s]", got)
	}
}
