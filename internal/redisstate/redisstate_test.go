package redisstate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hostup/hostup-mcp/internal/coord"
	"github.com/hostup/hostup-mcp/internal/redistest"
)

// Each Store stands for one replica: its own connections to the same Redis.
func open(t *testing.T, srv *redistest.Server, opts Options) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := Open(ctx, srv.URL(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func raw(t *testing.T, srv *redistest.Server) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestATokenIsFreshForOneReplicaOnly(t *testing.T) {
	srv := redistest.Start(t)
	replicas := []*Store{open(t, srv, Options{}), open(t, srv, Options{})}
	ctx := context.Background()
	if err := replicas[0].Issue(ctx, "tok1", time.Minute); err != nil {
		t.Fatal(err)
	}
	var fresh, used atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			// Every caller but the first also finds it cut off (its sender
			// never said Sent): on another VPS that is plain used.
			got, err := replicas[i%2].Use(ctx, "tok1", "vps_"+string(rune('a'+i)))
			if err != nil {
				t.Error(err)
			}
			switch got {
			case coord.TokenFresh:
				fresh.Add(1)
			case coord.TokenUsed:
				used.Add(1)
			}
		})
	}
	wg.Wait()
	if fresh.Load() != 1 || used.Load() != 19 {
		t.Fatalf("%d callers found the token fresh and %d used, want 1 and 19", fresh.Load(), used.Load())
	}
	ttl := raw(t, srv).PTTL(ctx, prefix+"token:tok1").Val()
	if ttl <= 0 || ttl > time.Minute {
		t.Fatalf("the used token's record lives %v, want what Issue gave it (1m)", ttl)
	}
}

// A token is used only while the record of its issue stands: one the record
// never held, and one whose record Redis lost (a restart without persistence,
// here FLUSHALL), is unknown, used or not before.
func TestATokenWithoutItsRecordIsUnknown(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, Options{})
	ctx := context.Background()
	if got, err := s.Use(ctx, "never-issued", "vps_a"); err != nil || got != coord.TokenUnknown {
		t.Fatalf("a token never issued: %v %v, want TokenUnknown", got, err)
	}
	for _, id := range []string{"used", "unused"} {
		if err := s.Issue(ctx, id, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.Use(ctx, "used", "vps_a"); got != coord.TokenFresh {
		t.Fatalf("first use: %v", got)
	}
	if err := s.Sent(ctx, "used"); err != nil {
		t.Fatal(err)
	}
	if err := raw(t, srv).FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"used", "unused"} {
		if got, err := s.Use(ctx, id, "vps_a"); err != nil || got != coord.TokenUnknown {
			t.Errorf("%s token after Redis lost its data: %v %v, want TokenUnknown", id, got, err)
		}
	}
	if err := s.Sent(ctx, "used"); err == nil || !strings.Contains(err.Error(), "record is gone") {
		t.Errorf("Sent of a lost record: %v, want an error saying the record is gone", err)
	}
	if n := raw(t, srv).Exists(ctx, prefix+"token:used").Val(); n != 0 {
		t.Error("Sent wrote back a record Redis had lost")
	}
}

func TestATokenCutOffBeforeItsAnswerIsInterruptedOnItsVPSOnly(t *testing.T) {
	srv := redistest.Start(t)
	killed, other := open(t, srv, Options{}), open(t, srv, Options{})
	ctx := context.Background()
	if err := killed.Issue(ctx, "tok", time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, _ := killed.Use(ctx, "tok", "vps_a"); got != coord.TokenFresh {
		t.Fatalf("first use: %v", got)
	}
	// The replica that used it dies before HostUp answers: no Sent.
	if got, err := other.Use(ctx, "tok", "vps_a"); err != nil || got != coord.TokenInterrupted {
		t.Fatalf("same VPS after a use cut off: %v %v, want TokenInterrupted", got, err)
	}
	if got, _ := other.Use(ctx, "tok", "vps_b"); got != coord.TokenUsed {
		t.Fatalf("another VPS: %v, want TokenUsed", got)
	}
	ttlBefore := raw(t, srv).PTTL(ctx, prefix+"token:tok").Val()
	if err := killed.Sent(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if got, _ := other.Use(ctx, "tok", "vps_a"); got != coord.TokenUsed {
		t.Fatalf("same VPS once answered: %v, want TokenUsed", got)
	}
	if ttl := raw(t, srv).PTTL(ctx, prefix+"token:tok").Val(); ttl <= 0 || ttl > ttlBefore {
		t.Fatalf("Sent changed the record's life from %v to %v; it must keep it", ttlBefore, ttl)
	}
}

func TestALeaseIsHeldByOneReplicaAtATimeAndKeptPastItsTTL(t *testing.T) {
	srv := redistest.Start(t)
	// A renewal runs every third of the TTL and may take a third: with 1.2 s,
	// the lease survives a stall of about 800 ms, which a loaded 2-core CI
	// machine running every package under -race can reach; 300 ms could not.
	opts := Options{LeaseTTL: 1200 * time.Millisecond, Poll: 10 * time.Millisecond}
	replicas := []*Store{open(t, srv, opts), open(t, srv, opts)}
	var inside, overlaps atomic.Int32
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			l, err := replicas[i%2].Acquire(ctx, "vps_a")
			if err != nil {
				t.Error(err)
				return
			}
			if inside.Add(1) > 1 {
				overlaps.Add(1)
			}
			// Longer than the lease's TTL: renewal must keep it.
			time.Sleep(1500 * time.Millisecond)
			if err := l.Check(ctx); err != nil {
				t.Errorf("a lease held past its TTL was lost: %v", err)
			}
			inside.Add(-1)
			l.Release()
		})
	}
	wg.Wait()
	if overlaps.Load() != 0 {
		t.Fatalf("%d times two holders held one VPS's lease at once", overlaps.Load())
	}
	if n := raw(t, srv).Exists(context.Background(), prefix+"lease:vps_a").Val(); n != 0 {
		t.Fatal("the lease is still there after every holder released it")
	}
}

func TestLeasesOfDifferentVPSesDoNotWaitForEachOther(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	a, err := s.Acquire(ctx, "vps_a")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	b, err := s.Acquire(ctx, "vps_b")
	if err != nil {
		t.Fatalf("vps_b waited for vps_a's lease: %v", err)
	}
	b.Release()
}

func TestWaitingForALeaseEndsWithTheContext(t *testing.T) {
	srv := redistest.Start(t)
	holder, waiter := open(t, srv, Options{}), open(t, srv, Options{})
	l, err := holder.Acquire(context.Background(), "vps_a")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = waiter.Acquire(ctx, "vps_a")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("after %v: %v, want the context's deadline within a second", time.Since(start), err)
	}
}

// A replica killed while it held a lease renews it no more: the lease expires
// and another replica gets it, not before.
func TestALeaseOfAKilledReplicaExpires(t *testing.T) {
	srv := redistest.Start(t)
	opts := Options{LeaseTTL: 600 * time.Millisecond, Poll: 10 * time.Millisecond}
	killed, other := open(t, srv, opts), open(t, srv, opts)
	dead, err := killed.Acquire(context.Background(), "vps_a")
	if err != nil {
		t.Fatal(err)
	}
	killed.Close()       // its renewals now fail, as a dead process's would not even be tried
	defer dead.Release() // stops the renewals; its delete fails on the closed client
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l, err := other.Acquire(ctx, "vps_a")
	if err != nil {
		t.Fatalf("the killed replica's lease never expired: %v", err)
	}
	defer l.Release()
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Fatalf("the lease passed on after %v, before it expired (its TTL is 600ms and it was renewed)", waited)
	}
}

// A holder whose lease expired (a long pause) and passed to another replica
// finds it lost before it sends, and its Release leaves the new holder's lease.
func TestOnlyTheHolderReleasesALease(t *testing.T) {
	srv := redistest.Start(t)
	opts := Options{LeaseTTL: 5 * time.Second, Poll: 10 * time.Millisecond}
	first, second := open(t, srv, opts), open(t, srv, opts)
	ctx := context.Background()
	old, err := first.Acquire(ctx, "vps_a")
	if err != nil {
		t.Fatal(err)
	}
	// The lease runs out under the first holder, as after a pause longer than
	// its TTL, and the second replica takes it.
	raw(t, srv).Del(ctx, prefix+"lease:vps_a")
	cur, err := second.Acquire(ctx, "vps_a")
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Release()
	if err := old.Check(ctx); err == nil {
		t.Fatal("the first holder's Check passed after its lease went to another replica")
	}
	old.Release()
	if err := cur.Check(ctx); err != nil {
		t.Fatalf("the old holder's Release took the new holder's lease: %v", err)
	}
}

func TestARedisURLsErrorsNeverShowItsPassword(t *testing.T) {
	for _, u := range []string{
		"redis://user:hunter2secret@host:6379/x",
		"http://:hunter2secret@host:6379/0",
		"redis://:hunter2secret@host:6379/0?bogus=1",
		"redis://:hunter2secret@ho st:6379/0",
	} {
		_, err := ParseURL(u)
		if err == nil || strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("%s: %v", u, err)
		}
	}
	// Unreachable: a port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = Open(ctx, "redis://:hunter2secret@"+addr+"/0", Options{})
	if err == nil || strings.Contains(err.Error(), "hunter2secret") || !strings.Contains(err.Error(), addr) {
		t.Fatalf("unreachable Redis: %v; want its address and no password", err)
	}
}

// A lease request that Redis runs after its caller gave up (Redis stalled past
// the client's read timeout, then went on) takes the lease for nobody. It must
// block the VPS for a moment, not for a lease's life.
func TestALeaseRequestThatOutlivedItsCallerLeavesNoLeaseForItsLife(t *testing.T) {
	srv := redistest.Start(t)
	const life = 20 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	gaveUp, err := Open(ctx, srv.URL()+"?read_timeout=100ms&max_retries=-1", Options{LeaseTTL: life})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gaveUp.Close() })
	other := open(t, srv, Options{LeaseTTL: life, Poll: 20 * time.Millisecond})
	rdb := raw(t, srv)
	srv.Pause()
	l, err := gaveUp.Acquire(ctx, "vps_a")
	srv.Resume()
	if err == nil {
		l.Release()
		t.Fatal("the lease was taken while Redis stalled")
	}
	// The request the caller gave up on runs once Redis goes on.
	deadline := time.Now().Add(2 * time.Second)
	for rdb.Exists(ctx, prefix+"lease:vps_a").Val() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the SET of the request given up never ran; the test shows nothing")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	l, err = other.Acquire(ctx, "vps_a")
	if err != nil {
		t.Fatalf("another replica waited %v and could not take the lease: %v", time.Since(start), err)
	}
	l.Release()
	if waited := time.Since(start); waited > claimTTL+time.Second {
		t.Fatalf("another replica waited %v for a lease nobody held, want at most about %v", waited, claimTTL)
	}
}

// Every key of ours expires, so any policy but noeviction may evict it once
// Redis is full: a start is refused where that can happen now, warned where a
// memory limit set later would allow it, and warned, saying what could not be
// read, where neither CONFIG nor INFO is allowed. Without CONFIG, INFO tells.
func TestCheckEvictionRefusesARedisThatMayEvictOurKeys(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		user    string // an ACL user without these commands; "" for the default user
		denied  string
		err     string
		warning string
	}{
		{name: "noeviction"},
		{name: "evicting, with a limit", args: []string{"--maxmemory-policy", "allkeys-lru", "--maxmemory", "64mb"}, err: "maxmemory-policy allkeys-lru, maxmemory 67108864"},
		{name: "evicting, no limit yet", args: []string{"--maxmemory-policy", "volatile-ttl"}, warning: "maxmemory-policy volatile-ttl: it evicts hostup-mcp's keys once a memory limit"},
		{name: "no CONFIG, INFO tells", args: []string{"--maxmemory-policy", "volatile-lru", "--maxmemory", "64mb"}, user: "noconfig", denied: "-config", err: "maxmemory-policy volatile-lru"},
		{name: "neither CONFIG nor INFO", args: []string{"--maxmemory-policy", "allkeys-lru", "--maxmemory", "64mb"}, user: "blind", denied: "-config -info", warning: "could not check whether the Redis at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t, tc.args...)
			ctx := context.Background()
			url := srv.URL()
			if tc.user != "" {
				acl := append([]any{"ACL", "SETUSER", tc.user, "on", ">pw-0123", "~*", "&*", "+@all"}, toAny(strings.Fields(tc.denied))...)
				if err := raw(t, srv).Do(ctx, acl...).Err(); err != nil {
					t.Fatal(err)
				}
				url = "redis://" + tc.user + ":pw-0123@" + srv.Addr + "/0"
			}
			s, err := Open(ctx, url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			warning, err := s.CheckEviction(ctx)
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "noeviction")):
				t.Errorf("error %v, want one naming %q and the fix", err, tc.err)
			case tc.err == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case !strings.Contains(warning, tc.warning) || (tc.warning == "") != (warning == ""):
				t.Errorf("warning %q, want %q", warning, tc.warning)
			case strings.Contains(warning+fmt.Sprint(err), "pw-0123"):
				t.Errorf("the password shows: %q %v", warning, err)
			}
		})
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
