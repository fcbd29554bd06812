package tools_test

// Fuzz targets (issue 6). `go test` runs each on its seeds and on the corpus
// committed under testdata/fuzz; .ci/run fuzzes each for a few seconds; to fuzz
// longer, see docs/development.md ("Fuzzing").

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

var fuzzTools = []string{"list_vps", "list_backup_schedules", "audit_backup_coverage", "list_backups", "get_job",
	"upsert_backup_schedule", "update_backup_settings", "delete_backup_schedule", "create_backup", "delete_backup",
	"restore_backup", "list_snapshot_schedule", "set_snapshot_schedule", "delete_snapshot_schedule", "apply_backup_policy"}

// FuzzToolArguments sends any arguments to any tool through the MCP server, on the
// sandbox account. Whatever they are: no panic, every request that reaches HostUp
// goes to a documented endpoint, an error result is plain words (no Go
// internals), and a call refused as invalid input sent nothing at all.
func FuzzToolArguments(f *testing.F) {
	seeds := []string{
		`{}`, `null`, `[]`, `"x"`, `{"vps_id":"vps_sandbox01"}`, `{"vps_id":10000}`, `{"vps_id":"10000"}`,
		`{"vps_id":"vps_sandbox01","frequency":"daily","hour":2,"retention_count":2}`,
		`{"vps_id":"vps_sandbox02","frequency":"weekly","hour":3,"day_of_week":"monday","retention_count":2,"replace_existing":true,"dry_run":true}`,
		`{"vps_id":"10001","frequency":"monthly","day_of_month":31,"hour":23,"minute":59,"retention_count":1,"timezone":"Europe/Stockholm"}`,
		`{"vps_id":"vps_sandbox02","schedule_id":"bks_sandbox02","confirm_token":"v1.x.y"}`,
		`{"vps_id":"vps_sandbox02","backup_id":"bkp_sim000001"}`,
		`{"vps_id":"vps_sandbox01","max_total_backups":1,"auto_delete_oldest":false}`,
		`{"vps_id":"vps_sandbox01","note":"before upgrade","wait":true}`,
		`{"job_id":"job_sim000001"}`, `{"job_id":"../../admin"}`, `{"vps_id":"vps_1/../x"}`, `{"vps_id":"vps_1%2F.."}`,
		`{"vps_id":"vps_sandbox01","history_limit":1e12}`, `{"vps_id":"vps_sandbox01","history_limit":-1}`,
		`{"vps_id":"vps_sandbox02","backup_id":"bkp_sim000001","confirm_token":"hu1.x.y","confirm_vps_name":"db-01"}`,
		`{"vps_id":"vps_sandbox02","interval_hours":4.5,"enabled":"no"}`, `{"vps_id":"10001","interval_hours":24}`,
		`{"name":"web","limit":1000000}`, `{"vps_id":"vps_sandbox01","vps_id":"vps_sandbox02"}`, `{"vps_id":"vps_sаndbox01"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}

	sim := hostuptest.Sandbox()
	c, err := hostup.New(hostup.Options{APIKey: hostuptest.SandboxAPIKey, HTTPClient: &http.Client{Transport: sim.Transport()},
		MaxRetries: -1, Timeout: 2 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	deps := &tools.Deps{Client: c, Sandbox: true, Confirm: tools.NewConfirmer([]byte("fuzz")),
		Now: func() time.Time { return winter }, JobPoll: time.Millisecond, JobWait: time.Millisecond}
	srv := tools.NewServer(deps, tools.ServerOptions{Name: "hostup-mcp", Version: "fuzz"})
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, which uint8, args []byte) {
		name := fuzzTools[int(which)%len(fuzzTools)]
		params := map[string]any{"name": name, "arguments": json.RawMessage(args)}
		if !json.Valid(args) {
			params["arguments"] = string(args) // not JSON: sent as a string, which is not an object either
		}
		msg, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params})
		if err != nil {
			t.Fatal(err)
		}
		sim.ResetLog()
		resp := srv.HandleMessage(ctx, msg)
		for _, r := range sim.Requests() {
			if !r.Documented() {
				t.Fatalf("%s %s reached HostUp: an undocumented endpoint (arguments %s)", r.Method, r.Path, args)
			}
		}
		// Read the answer as a client does, from its JSON.
		raw, err := json.Marshal(resp)
		if err != nil {
			t.Fatalf("the answer cannot be encoded: %v", err)
		}
		var answer struct {
			Result *mcp.CallToolResult `json:"result"`
		}
		if err := json.Unmarshal(raw, &answer); err != nil {
			t.Fatalf("the answer is not JSON-RPC: %v\n%s", err, raw)
		}
		if answer.Result == nil || !answer.Result.IsError {
			return // a JSON-RPC error (arguments not an object: nothing ran) or a success
		}
		text := textOf(answer.Result)
		if strings.TrimSpace(strings.TrimPrefix(text, "[SANDBOX")) == "" {
			t.Fatalf("an empty error for %s %s", name, args)
		}
		// What the caller sent comes back quoted (an unknown argument's name):
		// only the text around it must be free of Go internals.
		ours := quotedInput.ReplaceAllString(text, `"…"`)
		for _, internal := range []string{"goroutine ", "panic", ".go:", "*hostup.", "&{", "json: ", "<nil>", "%!"} {
			if strings.Contains(ours, internal) {
				t.Fatalf("the error for %s %s shows %q:\n%s", name, args, internal, text)
			}
		}
		if strings.Contains(text, "Invalid input, nothing was sent") && len(sim.Requests()) > 0 {
			t.Fatalf("%s says nothing was sent, yet %d requests reached HostUp", name, len(sim.Requests()))
		}
	})
}

// quotedInput matches a Go-quoted string, the form in which errors echo what
// the caller sent.
var quotedInput = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// issuedWith reports whether token is a token format a Confirmer with secret
// issues, checked here without the Confirmer's own code.
func issuedWith(secret []byte, token string) bool {
	body, ok := strings.CutPrefix(token, "hu2.")
	if !ok {
		return false
	}
	// claims.rows.signature
	dot := strings.LastIndexByte(body, '.')
	if dot < 0 || strings.Count(body, ".") != 2 {
		return false
	}
	body, sig := body[:dot], body[dot+1:]
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(body))
	return sig == base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// FuzzConfirmToken: only the exact token the server issued confirms its plan;
// anything else is refused with a reason and the way out, never a panic.
func FuzzConfirmToken(f *testing.F) {
	c := tools.NewConfirmer([]byte("fuzz"))
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	issued, _, _ := c.Issue(context.Background(), "confirm", "delete_backup", "key", nil, "", now)
	f.Add(issued)
	f.Add(issued[:len(issued)-1])
	f.Add(strings.Replace(issued, ".", "..", 1))
	f.Add(strings.ToUpper(issued))
	f.Add(issued + "=")
	f.Add("")
	f.Add("v1.e30.")
	f.Fuzz(func(t *testing.T, token string) {
		_, err := c.Check(token, "confirm", "delete_backup", "key", now)
		if err == nil {
			// Each token has a random id, and the fuzzing workers are other
			// processes: the seeds were issued by another Confirmer with the same
			// secret. An accepted token must be exactly one such Confirmer
			// issues: its claims and rows, a dot, and their HMAC under the secret.
			if !issuedWith([]byte("fuzz"), token) {
				t.Fatalf("token %q was accepted, but no Confirmer with this secret issues it (the server issued %q)", token, issued)
			}
			return
		}
		var r *tools.Refusal
		if !errors.As(err, &r) || r.Reason == "" || r.Fix == "" {
			t.Fatalf("refusal without reason or way out: %v", err)
		}
	})
}
