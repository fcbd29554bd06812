package transport

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/coord"
	"github.com/hostup/hostup-mcp/tools"
)

// Over stateless HTTP the server cannot send a request back to the client on
// a later POST, so a destructive change is confirmed with a confirm_token,
// which any replica sharing the signing secret and the record of tokens
// accepts.

var deleteSchedule = map[string]any{"vps_id": "vps_sandbox02", "schedule_id": "bks_sandbox02"}

// elicitor accepts every elicitation and counts them.
type elicitor struct{ asked atomic.Int32 }

func (e *elicitor) Elicit(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	e.asked.Add(1)
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}, nil
}

func TestDestructiveCallOverStatelessHTTPIsConfirmedWithAToken(t *testing.T) {
	secret := []byte("a secret shared by every replica, 32+ bytes")
	sim := hostuptest.Sandbox()
	record := &coord.MemoryTokens{}
	replica1 := serve(t, newReplica(t, sim, hostuptest.SandboxAPIKey, secret, record), Options{Kind: StreamableHTTP})
	replica2 := serve(t, newReplica(t, sim, hostuptest.SandboxAPIKey, secret, record), Options{Kind: StreamableHTTP})
	// A replica with the secret but its own record cannot tell whether the
	// token was used elsewhere, so it refuses it.
	alone := serve(t, newMCPServer(t, sim, hostuptest.SandboxAPIKey, secret), Options{Kind: StreamableHTTP})

	// A client on protocol 2025-11-25 that declares elicitation still gets a
	// token: on a stateless server its capabilities are not known past
	// initialize, and no later POST could carry the question back.
	e := &elicitor{}
	c1 := connect(t, StreamableHTTP, replica1.url, "", client.WithProtocolVersion(mcp.ProtocolVersion20251125), client.WithElicitationHandler(e))
	res := callTool(t, c1, "delete_backup_schedule", deleteSchedule)
	out := structured(t, res)
	token, _ := out["confirm_token"].(string)
	if res.IsError || out["outcome"] != "confirmation_required" || token == "" {
		t.Fatalf("first call: isError=%v %v, want confirmation_required with a confirm_token", res.IsError, out)
	}
	if n := len(sim.Mutations()); n != 0 || e.asked.Load() != 0 {
		t.Fatalf("before confirmation: %d mutations sent, %d elicitations", n, e.asked.Load())
	}

	// The confirmation may land on another replica.
	args := map[string]any{"confirm_token": token}
	for k, v := range deleteSchedule {
		args[k] = v
	}
	res = callTool(t, connect(t, StreamableHTTP, alone.url, ""), "delete_backup_schedule", args)
	if !res.IsError || !strings.Contains(text(res), "unknown_confirm_token") || len(sim.Mutations()) != 0 {
		t.Fatalf("a replica without the record: isError=%v %s; %d mutations", res.IsError, text(res), len(sim.Mutations()))
	}
	c2 := connect(t, StreamableHTTP, replica2.url, "", client.WithProtocolVersion(mcp.ProtocolVersion20251125))
	res = callTool(t, c2, "delete_backup_schedule", args)
	if out := structured(t, res); res.IsError || out["outcome"] != "applied" {
		t.Fatalf("call with the token: isError=%v %s", res.IsError, text(res))
	}
	muts := sim.Mutations()
	if len(muts) != 1 || muts[0].Method != http.MethodDelete || !strings.HasSuffix(muts[0].Path, "/bks_sandbox02") {
		t.Fatalf("mutations: %+v, want the one DELETE of the schedule", muts)
	}
}

func TestTokenFromAReplicaWithAnotherSecretIsRefused(t *testing.T) {
	sim := hostuptest.Sandbox()
	replica1 := serve(t, newMCPServer(t, sim, hostuptest.SandboxAPIKey, []byte("secret one, long enough for HMAC use")), Options{Kind: StreamableHTTP})
	replica2 := serve(t, newMCPServer(t, sim, hostuptest.SandboxAPIKey, []byte("secret two, long enough for HMAC use")), Options{Kind: StreamableHTTP})
	c1 := connect(t, StreamableHTTP, replica1.url, "")
	token, _ := structured(t, callTool(t, c1, "delete_backup_schedule", deleteSchedule))["confirm_token"].(string)
	if token == "" {
		t.Fatal("no confirm_token")
	}
	c2 := connect(t, StreamableHTTP, replica2.url, "")
	args := map[string]any{"confirm_token": token}
	for k, v := range deleteSchedule {
		args[k] = v
	}
	res := callTool(t, c2, "delete_backup_schedule", args)
	if !res.IsError || !strings.Contains(text(res), "confirm_token") || len(sim.Mutations()) != 0 {
		t.Fatalf("isError=%v %s; mutations %d", res.IsError, text(res), len(sim.Mutations()))
	}
}

// A client on protocol 2026-07-28 that declares elicitation is asked through
// a multi round-trip request: the question travels in the result and the
// answer in a new POST, carrying the signed token as its request state, so no
// replica needs to remember anything.
func TestModernClientOverStatelessHTTPConfirmsThroughElicitation(t *testing.T) {
	sim := hostuptest.Sandbox()
	r := serve(t, newMCPServer(t, sim, hostuptest.SandboxAPIKey, nil), Options{Kind: StreamableHTTP})
	e := &elicitor{}
	c := connect(t, StreamableHTTP, r.url, "", client.WithProtocolVersion(mcp.ProtocolVersion20260728), client.WithElicitationHandler(e))
	res := callTool(t, c, "delete_backup_schedule", deleteSchedule)
	if out := structured(t, res); res.IsError || out["outcome"] != "applied" || e.asked.Load() != 1 {
		t.Fatalf("isError=%v outcome=%v asked=%d: %s", res.IsError, out["outcome"], e.asked.Load(), text(res))
	}
	if n := len(sim.Mutations()); n != 1 {
		t.Fatalf("%d mutations, want 1", n)
	}
}

// With per-request keys, a token is bound to the key that got the
// plan. A token obtained with a read-only key is refused for another key of the
// same account, which must get and confirm its own plan.
func TestConfirmTokenIsBoundToTheCallersKey(t *testing.T) {
	const readOnlyKey, writeKey = "key-read-only-0123", "key-write-0123456"
	sim := hostuptest.New()
	sim.AddKey(readOnlyKey, "acct", hostuptest.ScopeRead)
	sim.AddKey(writeKey, "acct")
	sim.AddVPS("acct", hostuptest.VPSSpec{ID: "vps_a1", Name: "alpha", TotalBackupLimit: 5,
		Schedule: &hostuptest.ScheduleSpec{ID: "bks_a1", Frequency: "daily", Hour: 2, RetentionCount: 3}})
	r := serve(t, newMCPServer(t, sim, "", []byte("a secret shared by every replica, 32+ bytes")), Options{Kind: StreamableHTTP, PerRequestKeys: true})
	args := map[string]any{"vps_id": "vps_a1", "schedule_id": "bks_a1"}

	reader := connect(t, StreamableHTTP, r.url, readOnlyKey)
	token, _ := structured(t, callTool(t, reader, "delete_backup_schedule", args))["confirm_token"].(string)
	if token == "" {
		t.Fatal("the read-only key got no confirm_token")
	}
	writer := connect(t, StreamableHTTP, r.url, writeKey)
	res := callTool(t, writer, "delete_backup_schedule", map[string]any{"vps_id": "vps_a1", "schedule_id": "bks_a1", "confirm_token": token})
	if !res.IsError || !strings.Contains(text(res), "another HostUp API key") || len(sim.Mutations()) != 0 {
		t.Fatalf("another key's token: isError=%v %s; %d mutations", res.IsError, text(res), len(sim.Mutations()))
	}
	// Its own token works.
	own, _ := structured(t, callTool(t, writer, "delete_backup_schedule", args))["confirm_token"].(string)
	res = callTool(t, writer, "delete_backup_schedule", map[string]any{"vps_id": "vps_a1", "schedule_id": "bks_a1", "confirm_token": own})
	if out := structured(t, res); res.IsError || out["outcome"] != "applied" || len(sim.Mutations()) != 1 {
		t.Fatalf("own token: isError=%v %s", res.IsError, text(res))
	}
}

// Single use across replicas needs a shared record of tokens. With the
// in-memory record each replica keeps its own; two replicas given one shared
// record, as a shared store would be, accept a token once in all.
func TestTokenUsedOnOneReplicaIsRefusedByAnotherSharingTheRecord(t *testing.T) {
	secret := []byte("a secret shared by every replica, 32+ bytes")
	sim := hostuptest.Sandbox()
	shared := &coord.MemoryTokens{}
	replica := func() *running {
		api := sim.Start()
		t.Cleanup(api.Close)
		c, err := hostup.New(hostup.Options{APIKey: hostuptest.SandboxAPIKey, BaseURL: api.URL, HTTPClient: api.Client()})
		if err != nil {
			t.Fatal(err)
		}
		confirm := tools.NewConfirmer(secret)
		confirm.Record = shared
		return serve(t, tools.NewServer(&tools.Deps{Client: c, Confirm: confirm}, tools.ServerOptions{Name: "hostup-mcp", Version: "test"}), Options{Kind: StreamableHTTP})
	}
	c1, c2 := connect(t, StreamableHTTP, replica().url, ""), connect(t, StreamableHTTP, replica().url, "")
	args := map[string]any{"vps_id": "vps_sandbox02", "backup_id": "bkp_sim000004"}
	token, _ := structured(t, callTool(t, c1, "delete_backup", args))["confirm_token"].(string)
	if token == "" {
		t.Fatal("no confirm_token")
	}
	args["confirm_token"] = token
	// Both replicas read and check the token before either DELETE is done: the
	// DELETE is slow enough that the other call's plan, made while it runs,
	// still finds the backup, even on a loaded machine.
	sim.SetFault(http.MethodDelete, "*", hostuptest.Fault{Latency: 2 * time.Second})
	results := make(chan *mcp.CallToolResult, 2)
	for _, c := range []*client.Client{c1, c2} {
		go func() { results <- callTool(t, c, "delete_backup", args) }()
	}
	used := 0
	for range 2 {
		if res := <-results; res.IsError && strings.Contains(text(res), "used_confirm_token") {
			used++
		}
	}
	if used != 1 {
		t.Errorf("%d of the two replicas refused the token as used, want 1", used)
	}
	if n := len(sim.Mutations()); n != 1 {
		t.Fatalf("%d DELETEs reached HostUp, want 1", n)
	}
}

// typist answers a restore's dialog by typing, as the user would.
type typist struct{ typed string }

func (ty typist) Elicit(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"typed_name": ty.typed}}}, nil
}

// A restore over stateless HTTP is the user's to confirm: a client on protocol
// 2026-07-28 asks them in its dialog, through a multi round-trip request; a
// client that cannot be asked gets no token but a refusal saying how the user
// can confirm, and nothing is sent.
func TestRestoreOverStatelessHTTPIsConfirmedByTheUserOnly(t *testing.T) {
	sim := hostuptest.Sandbox()
	api := sim.Start()
	t.Cleanup(api.Close)
	c, err := hostup.New(hostup.Options{APIKey: hostuptest.SandboxAPIKey, BaseURL: api.URL, HTTPClient: api.Client()})
	if err != nil {
		t.Fatal(err)
	}
	deps := &tools.Deps{Client: c, Confirm: tools.NewConfirmer([]byte("a secret shared by every replica, 32+ bytes")), JobPoll: time.Millisecond, JobWait: time.Millisecond}
	r := serve(t, tools.NewServer(deps, tools.ServerOptions{Name: "hostup-mcp", Version: "test"}), Options{Kind: StreamableHTTP})
	args := map[string]any{"vps_id": "vps_sandbox02", "backup_id": "bkp_sim000001"}

	legacy := connect(t, StreamableHTTP, r.url, "", client.WithProtocolVersion(mcp.ProtocolVersion20251125), client.WithElicitationHandler(typist{"db-01"}))
	for _, call := range []map[string]any{args, {"vps_id": "vps_sandbox02", "backup_id": "bkp_sim000001", "confirm_token": "hu2.x.y", "confirm_vps_name": "db-01"}} {
		res := callTool(t, legacy, "restore_backup", call)
		if !res.IsError || !strings.Contains(text(res), "user_confirmation_unavailable") || !strings.Contains(text(res), "hostup-mcp call restore_backup") {
			t.Fatalf("a client that cannot be asked: isError=%v %s", res.IsError, text(res))
		}
	}
	if n := len(sim.Mutations()); n != 0 {
		t.Fatalf("%d mutations before the user confirmed", n)
	}

	modern := connect(t, StreamableHTTP, r.url, "", client.WithProtocolVersion(mcp.ProtocolVersion20260728), client.WithElicitationHandler(typist{"db-01"}))
	res := callTool(t, modern, "restore_backup", args)
	if out := structured(t, res); res.IsError || out["outcome"] != "applied" {
		t.Fatalf("the user typed the name in the dialog: isError=%v %s", res.IsError, text(res))
	}
	if m := sim.Mutations(); len(m) != 1 || !strings.HasSuffix(m[0].Path, "/bkp_sim000001/actions/restore") {
		t.Errorf("mutations %+v, want the one restore", m)
	}
}
