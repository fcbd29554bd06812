package main

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/redistest"
)

// What the server does with the Redis it shares with its replicas when that
// Redis loses keys: by a restart without its data, or by evicting them.

// A Redis whose memory limit and policy let it evict keys stops the start with
// one line, exit 2; one that would evict only once a limit is set starts with
// a warning saying so.
func TestAStartWithARedisThatMayEvictKeysIsRefused(t *testing.T) {
	t.Run("evicts now", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv("HOSTUP_MCP_REDIS_URL", redistest.Start(t, "--maxmemory-policy", "allkeys-lru", "--maxmemory", "64mb").URL())
		r := runMain(t, "", "--sandbox")
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], "HOSTUP_MCP_REDIS_URL") || !strings.Contains(lines[0], "maxmemory-policy allkeys-lru") {
			t.Fatalf("exit %d, stderr %q; want exit 2 and one line naming the setting and the policy", r.code, r.stderr)
		}
	})
	t.Run("evicts once a limit is set", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv("HOSTUP_MCP_REDIS_URL", redistest.Start(t, "--maxmemory-policy", "volatile-ttl").URL())
		r := runMain(t, "", "call", "list_vps", "--sandbox")
		if r.code != 0 || !strings.Contains(r.stderr, "WRN") || !strings.Contains(r.stderr, "maxmemory-policy volatile-ttl") {
			t.Fatalf("exit %d, stderr %q; want exit 0 and a warning naming the policy", r.code, r.stderr)
		}
	})
}

// A Redis that restarts without its data must not make a used token new again:
// every token is recorded when issued, and one without its record is refused.
// Without that record, the token below was accepted once more after the
// restart, and HostUp got the change a second time.
func TestATokenUsedBeforeRedisRestartedIsRefusedAfterIt(t *testing.T) {
	rs := redistest.Start(t)
	sim := hostuptest.New()
	sim.AddKey(replicaKeyA, "acct-a")
	sim.AddVPS("acct-a", hostuptest.VPSSpec{ID: "vps_r1", Name: "restart", TotalBackupLimit: 5})
	api := sim.Start()
	t.Cleanup(api.Close)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	replicas := []*replica{startReplica(t, api.URL, rs.URL(), hex.EncodeToString(secret)), startReplica(t, api.URL, rs.URL(), hex.EncodeToString(secret))}
	_, proxyURL := newRoundRobin(t, replicas...)
	c := connectThrough(t, proxyURL, replicaKeyA)
	patches := func() int {
		n := 0
		for _, m := range sim.Mutations() {
			if m.Method == http.MethodPatch {
				n++
			}
		}
		return n
	}

	// Turning auto_delete_oldest on needs the user's confirmation; off does not.
	on := map[string]any{"vps_id": "vps_r1", "auto_delete_oldest": true}
	plan := mustCall(t, c, "update_backup_settings", on)
	token, _ := plan.out["confirm_token"].(string)
	if token == "" {
		t.Fatalf("plan: %s", plan.text)
	}
	if r := mustCall(t, c, "update_backup_settings", withArgs(on, "confirm_token", token)); r.isError || r.outcome() != "applied" {
		t.Fatalf("confirmation: %s", r.text)
	}
	// Set back, so that the token's plan and basis fit again: only its record
	// stops it now.
	if r := mustCall(t, c, "update_backup_settings", map[string]any{"vps_id": "vps_r1", "auto_delete_oldest": false}); r.isError || r.outcome() != "applied" {
		t.Fatalf("setting it back: %s", r.text)
	}
	if r := mustCall(t, c, "update_backup_settings", withArgs(on, "confirm_token", token)); !r.isError || !strings.Contains(r.text, "used_confirm_token") {
		t.Fatalf("the used token before the restart: %s", r.text)
	}

	rs.Restart()
	for range replicas { // the proxy takes turns: each replica is asked once
		r := mustCall(t, c, "update_backup_settings", withArgs(on, "confirm_token", token))
		if !r.isError || !strings.Contains(r.text, "unknown_confirm_token") {
			t.Errorf("the used token after Redis restarted: %s", r.text)
		}
	}
	if n := patches(); n != 2 {
		t.Fatalf("%d PATCHes reached HostUp, want 2: the confirmed change and setting it back", n)
	}
}
