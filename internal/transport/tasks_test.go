package transport

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// mcp-go runs a task on the context of the POST that started it and isolates
// tasks by session, which stateless HTTP does not have. Over the real transport:
// the task must outlive its POST, and belong to the credential that started it.
func TestATaskOverStatelessHTTPOutlivesItsPOSTAndStaysWithItsCredential(t *testing.T) {
	sim := hostuptest.New(hostuptest.WithJobTiming(150*time.Millisecond, 250*time.Millisecond))
	sim.AddKey(keyA, "acct-a")
	sim.AddKey(keyB, "acct-b")
	sim.AddVPS("acct-a", hostuptest.VPSSpec{ID: "vps_a1", Name: "alpha"})
	api := sim.Start()
	t.Cleanup(api.Close)
	c, err := hostup.New(hostup.Options{BaseURL: api.URL, HTTPClient: api.Client()})
	if err != nil {
		t.Fatal(err)
	}
	srv := tools.NewServer(&tools.Deps{Client: c, Confirm: tools.NewConfirmer(nil), JobPoll: 20 * time.Millisecond, JobWait: 10 * time.Second},
		tools.ServerOptions{Name: "hostup-mcp", Version: "test"})
	r := serve(t, srv, Options{Kind: StreamableHTTP, PerRequestKeys: true})

	rpc := func(key, method string, params any) (json.RawMessage, string) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
		status, resp := rawRequest(t, http.MethodPost, r.url+MCPPath,
			withHeader(bearer(key), "Mcp-Protocol-Version", mcp.ProtocolVersion20251125), string(body))
		if status != http.StatusOK {
			t.Fatalf("%s: HTTP %d %s", method, status, resp)
		}
		var msg struct {
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(resp), &msg); err != nil {
			t.Fatalf("%s: %s: %v", method, resp, err)
		}
		if msg.Error != nil {
			return nil, msg.Error.Message
		}
		return msg.Result, ""
	}

	raw, rpcErr := rpc(keyA, "tools/call", map[string]any{"name": "create_backup", "arguments": map[string]any{"vps_id": "vps_a1", "wait": true}, "task": map[string]any{}})
	var created mcp.CreateTaskResult
	if rpcErr != "" || json.Unmarshal(raw, &created) != nil || created.Task.TaskId == "" {
		t.Fatalf("task-augmented call: %s %s", raw, rpcErr)
	}
	id := created.Task.TaskId

	// Another credential can neither list, read nor cancel the task.
	raw, _ = rpc(keyB, "tasks/list", map[string]any{})
	if strings.Contains(string(raw), id) {
		t.Errorf("another credential lists the task: %s", raw)
	}
	for _, method := range []string{"tasks/get", "tasks/result", "tasks/cancel"} {
		if _, rpcErr := rpc(keyB, method, map[string]any{"taskId": id}); !strings.Contains(rpcErr, "task not found") {
			t.Errorf("%s by another credential: %q, want task not found", method, rpcErr)
		}
	}

	// The POST that started it is long over; the task goes on to the end.
	deadline := time.Now().Add(10 * time.Second)
	var task mcp.GetTaskResult
	for {
		raw, rpcErr = rpc(keyA, "tasks/get", map[string]any{"taskId": id})
		if rpcErr != "" || json.Unmarshal(raw, &task) != nil {
			t.Fatalf("tasks/get: %s %s", raw, rpcErr)
		}
		if task.Status.IsTerminal() || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if task.Status != mcp.TaskStatusCompleted {
		t.Fatalf("the task ended %s (%s), want completed", task.Status, task.StatusMessage)
	}
	raw, rpcErr = rpc(keyA, "tasks/result", map[string]any{"taskId": id})
	if rpcErr != "" || !strings.Contains(string(raw), "Backup done.") {
		t.Fatalf("tasks/result: %s %s", raw, rpcErr)
	}
	raw, _ = rpc(keyA, "tasks/list", map[string]any{})
	if !strings.Contains(string(raw), id) {
		t.Errorf("the owner does not see the task: %s", raw)
	}
}
