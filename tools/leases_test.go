package tools_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/coord"
	"github.com/hostup/hostup-mcp/tools"
)

// What execute does with Deps.Leases, the per-VPS leases replicas share (Redis
// in production, internal/redisstate, tested there and in the two-replica test
// at the top of the repository), shown here with an in-memory stand-in.

// memLeases is tools.Leases in memory: one holder per VPS, waiters poll.
type memLeases struct {
	mu       sync.Mutex
	held     map[string]bool
	acquired []string // the VPS of every lease taken, in order
	// before, when set, runs once at the start of the next Acquire: another
	// replica's change landing while this one waits for the lease.
	before func()
	// lose makes the next lease taken lost before its holder sends.
	lose bool
}

func (m *memLeases) Acquire(ctx context.Context, vpsID string) (tools.Lease, error) {
	m.mu.Lock()
	before := m.before
	m.before = nil
	m.mu.Unlock()
	if before != nil {
		before()
	}
	for {
		m.mu.Lock()
		if !m.held[vpsID] {
			if m.held == nil {
				m.held = map[string]bool{}
			}
			m.held[vpsID] = true
			m.acquired = append(m.acquired, vpsID)
			lost := m.lose
			m.lose = false
			m.mu.Unlock()
			return &memLease{m: m, vpsID: vpsID, lost: lost}, nil
		}
		m.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

func (m *memLeases) taken() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.acquired...)
}

func (m *memLeases) holds(vpsID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.held[vpsID]
}

type memLease struct {
	m     *memLeases
	vpsID string
	lost  bool
}

func (l *memLease) Check(context.Context) error {
	if l.lost {
		return errors.New("the lease expired")
	}
	return nil
}

func (l *memLease) Release() {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	delete(l.m.held, l.vpsID)
}

// replicas starts n servers over one simulator that share leases and the
// record of tokens, as replicas configured with one Redis do.
func replicas(t *testing.T, n int) ([]*env, *memLeases, *coord.MemoryTokens) {
	t.Helper()
	sim := hostuptest.Sandbox()
	leases, used := &memLeases{}, &coord.MemoryTokens{}
	var envs []*env
	for range n {
		e := newEnv(t, sim, withKey(hostuptest.SandboxAPIKey))
		e.deps.Leases = leases
		e.deps.Confirm.Record = used
		envs = append(envs, e)
	}
	return envs, leases, used
}

// The lease follows the lock's rule: taken only after the caller's own read
// of the VPS succeeded, never by a dry run, one per change.
func TestTheSharedLeaseIsTakenOnlyForAChangeAfterItsRead(t *testing.T) {
	es, leases, _ := replicas(t, 1)
	e := es[0]
	keepFour := map[string]any{"vps_id": "vps_sandbox02", "frequency": "daily", "hour": 2, "retention_count": 4}
	e.ok("upsert_backup_schedule", with(keepFour, "dry_run", true), nil)
	e.fails("upsert_backup_schedule", with(keepFour, "vps_id", "vps_unknown1"))
	if got := leases.taken(); len(got) != 0 {
		t.Fatalf("a dry run and a failed read took leases on %v", got)
	}
	var out tools.MutationOutput
	e.ok("upsert_backup_schedule", keepFour, &out)
	if got := leases.taken(); out.Outcome != "applied" || len(got) != 1 || got[0] != "vps_sandbox02" {
		t.Fatalf("outcome %q, leases taken: %v, want applied under one lease on vps_sandbox02", out.Outcome, got)
	}
	if leases.holds("vps_sandbox02") {
		t.Fatal("the lease outlived the change")
	}
}

// Another replica's change lands between this replica's plan and its lease:
// this process's lock saw nothing, so only a read under the lease can notice
// that the confirmed plan no longer fits.
func TestWithSharedLeasesAChangeIsDecidedFromAReadUnderTheLease(t *testing.T) {
	es, leases, _ := replicas(t, 2)
	first, second := es[0], es[1]
	token := planToken(t, first, "delete_backup_schedule", deleteScheduleArgs())
	leases.before = func() {
		second.ok("upsert_backup_schedule", map[string]any{"vps_id": "vps_sandbox02", "frequency": "daily", "hour": 2, "retention_count": 4}, nil)
	}
	text := first.fails("delete_backup_schedule", with(deleteScheduleArgs(), "confirm_token", token))
	contains(t, text, "stale_confirm_token")
	if m := first.mutations(); len(m) != 1 || m[0].Method == "DELETE" {
		t.Fatalf("mutations %s; want only the other replica's change, no DELETE:\n%s", describeRequests(m), text)
	}
}

// A lease lost before the change is sent (its holder stalled past its life)
// sends nothing, and leaves the token usable.
func TestALostLeaseSendsNothing(t *testing.T) {
	es, leases, _ := replicas(t, 1)
	e := es[0]
	token := planToken(t, e, "delete_backup_schedule", deleteScheduleArgs())
	leases.lose = true
	e.refused("delete_backup_schedule", with(deleteScheduleArgs(), "confirm_token", token), "vps_lease_unavailable", "nothing was sent")
	e.noMutations()
	var out tools.MutationOutput
	e.ok("delete_backup_schedule", with(deleteScheduleArgs(), "confirm_token", token), &out)
	if out.Outcome != "applied" || len(e.mutations()) != 1 {
		t.Fatalf("retry with the same token: %q, %d mutations", out.Outcome, len(e.mutations()))
	}
}

// A replica used the token and stopped before HostUp's answer came (killed):
// the next call with the token, on any replica, sends nothing and reads the
// state back instead, saying whether the change happened.
func TestATokenWhoseSenderStoppedIsNotSentAgain(t *testing.T) {
	es, _, used := replicas(t, 2)
	token := planToken(t, es[0], "delete_backup_schedule", deleteScheduleArgs())
	// What the killed replica left: the token claimed for this VPS, no answer.
	if got, _ := used.Use(context.Background(), tokenID(t, token), "vps_sandbox02"); got != coord.TokenFresh {
		t.Fatal(got)
	}
	var out tools.DeleteBackupScheduleOutput
	text := es[1].ok("delete_backup_schedule", with(deleteScheduleArgs(), "confirm_token", token), &out)
	if out.Outcome != "outcome_unknown" || out.Schedules == nil || len((*out.Schedules)) != 1 {
		t.Fatalf("outcome %q, state %+v; want outcome_unknown with the schedule read back:\n%s", out.Outcome, out.Schedules, text)
	}
	contains(t, text, "was not sent again", "does NOT show the change")
	es[1].noMutations()
}

// tokenID reads the id a confirm_token carries (its claims' "i").
func tokenID(t *testing.T, token string) string {
	t.Helper()
	body, _, _ := strings.Cut(strings.TrimPrefix(token, "hu2."), ".")
	raw, err := base64.RawURLEncoding.DecodeString(body)
	var claims struct {
		ID string `json:"i"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &claims)
	}
	if err != nil || claims.ID == "" {
		t.Fatalf("token %q: %v", token, err)
	}
	return claims.ID
}

// A change waiting for a VPS another replica holds gives up when its request
// ends, and sends nothing (issue 13.5's rule, across replicas).
func TestWaitingForASharedLeaseEndsWithTheRequest(t *testing.T) {
	es, leases, _ := replicas(t, 1)
	e := es[0]
	leases.held = map[string]bool{"vps_sandbox02": true} // another replica's change runs
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := e.client.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "upsert_backup_schedule",
		Arguments: map[string]any{"vps_id": "vps_sandbox02", "frequency": "daily", "hour": 2, "retention_count": 4}}})
	if waited := time.Since(start); waited > 2*time.Second {
		t.Fatalf("the call waited %v for a lease after its request ended", waited)
	}
	if err == nil && !res.IsError {
		t.Fatalf("the call went ahead without the lease: %s", textOf(res))
	}
	e.noMutations()
	if got := leases.taken(); len(got) != 0 {
		t.Fatalf("leases taken: %v", got)
	}
}
