package tools_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// Tests of long operations as MCP Tasks, driven with raw JSON-RPC through the
// in-process client: tools/call with a task, then tasks/get, tasks/list,
// tasks/result and tasks/cancel, as a client that supports tasks sends them.

var rpcID atomic.Int64

// rpc sends one request and returns its result, or the JSON-RPC error's message.
func (e *env) rpc(ctx context.Context, method string, params any) (json.RawMessage, string) {
	e.t.Helper()
	resp, err := e.client.GetTransport().SendRequest(ctx, transport.JSONRPCRequest{
		JSONRPC: mcp.JSONRPC_VERSION, ID: mcp.NewRequestId(rpcID.Add(1)), Method: method, Params: params,
	})
	if err != nil {
		e.t.Fatalf("%s: %v", method, err)
	}
	if resp.Error != nil {
		return nil, resp.Error.Message
	}
	return resp.Result, ""
}

func (e *env) startTask(ctx context.Context, tool string, args map[string]any) string {
	e.t.Helper()
	raw, rpcErr := e.rpc(ctx, "tools/call", map[string]any{"name": tool, "arguments": args, "task": map[string]any{}})
	var created mcp.CreateTaskResult
	if rpcErr != "" || json.Unmarshal(raw, &created) != nil || created.Task.TaskId == "" {
		e.t.Fatalf("task-augmented %s: %s %s, want a task", tool, raw, rpcErr)
	}
	return created.Task.TaskId
}

func (e *env) taskStatus(ctx context.Context, id string) mcp.Task {
	e.t.Helper()
	raw, rpcErr := e.rpc(ctx, "tasks/get", map[string]any{"taskId": id})
	var task mcp.GetTaskResult
	if rpcErr != "" || json.Unmarshal(raw, &task) != nil {
		e.t.Fatalf("tasks/get: %s %s", raw, rpcErr)
	}
	return task.Task
}

// pollTask polls tasks/get as a client does until the task ends.
func (e *env) pollTask(ctx context.Context, id string) mcp.Task {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		task := e.taskStatus(ctx, id)
		if task.Status.IsTerminal() {
			return task
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("task %s still %s", id, task.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (e *env) taskResult(ctx context.Context, id string) *mcp.CallToolResult {
	e.t.Helper()
	raw, rpcErr := e.rpc(ctx, "tasks/result", map[string]any{"taskId": id})
	if rpcErr != "" {
		e.t.Fatalf("tasks/result: %s", rpcErr)
	}
	res, err := mcp.ParseCallToolResult(&raw)
	if err != nil {
		e.t.Fatalf("tasks/result %s: %v", raw, err)
	}
	return res
}

// taskSim is a simulator on a stopped clock: a job stays queued until the test
// moves the clock.
func taskSim(t *testing.T) (*hostuptest.Simulator, *hostuptest.ManualClock, string) {
	t.Helper()
	clock := hostuptest.NewManualClock(winter)
	sim := newSim(hostuptest.WithClock(clock.Now), hostuptest.WithJobTiming(time.Minute, time.Minute))
	id := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "web", TotalBackupLimit: 5, Backups: []hostuptest.BackupSpec{{Age: 30 * time.Hour}}})
	return sim, clock, id
}

func TestTaskToolsDeclareOptionalTaskSupport(t *testing.T) {
	e := newEnv(t, newSim())
	for name, raw := range listTools(t, e) {
		var exec struct {
			TaskSupport string `json:"taskSupport"`
		}
		if x, ok := raw["execution"]; ok {
			_ = json.Unmarshal(x, &exec)
		}
		want := map[string]string{"create_backup": "optional", "restore_backup": "optional", "apply_backup_policy": "optional"}[name]
		if exec.TaskSupport != want {
			t.Errorf("%s: taskSupport %q, want %q", name, exec.TaskSupport, want)
		}
	}
}

func TestRestoreAsATaskEndToEnd(t *testing.T) {
	sim, clock, id := taskSim(t)
	// A client without a dialog, on a server whose operator lets a token
	// confirm a restore: the confirmation is the token path, in tasks too.
	e := newEnv(t, sim, withJobTiming(time.Millisecond, time.Minute), withRestoreByToken())
	ctx := t.Context()
	args := map[string]any{"vps_id": id, "backup_id": backupIDs(t, e, id)[0]}

	// The decision comes first: the task ends at once with the plan and a token.
	taskID := e.startTask(ctx, "restore_backup", args)
	if task := e.pollTask(ctx, taskID); task.Status != mcp.TaskStatusCompleted {
		t.Fatalf("planning task: %+v", task)
	}
	var plan tools.RestoreBackupOutput
	res := e.taskResult(ctx, taskID)
	decodeStructured(t, res, &plan)
	if plan.Outcome != "confirmation_required" || plan.ConfirmToken == "" {
		t.Fatalf("planning task's result: %s", textOf(res))
	}
	contains(t, textOf(res), "confirm_vps_name", "the last 1 day 6 hours of changes are lost")
	if len(e.mutations()) != 0 {
		t.Fatalf("%d mutations before the confirmation", len(e.mutations()))
	}

	// Confirmed: the task queues the restore and then waits for its job.
	taskID = e.startTask(ctx, "restore_backup", with(args, "confirm_token", plan.ConfirmToken, "confirm_vps_name", "web"))
	// The clock may move only once HostUp answered the restore: a request is
	// logged when it arrives and handled later, and a job created after the
	// advance would never end. The task polling the job shows the answer came.
	waitFor(t, func() bool { return len(e.mutations()) == 1 && sim.JobReads(id) > 0 })
	if task := e.taskStatus(ctx, taskID); task.Status != mcp.TaskStatusWorking {
		t.Fatalf("while the job is queued the task is %s", task.Status)
	}
	raw, _ := e.rpc(ctx, "tasks/list", map[string]any{})
	contains(t, string(raw), taskID)
	clock.Advance(3 * time.Minute)
	if task := e.pollTask(ctx, taskID); task.Status != mcp.TaskStatusCompleted {
		t.Fatalf("task %+v", task)
	}
	var out tools.RestoreBackupOutput
	res = e.taskResult(ctx, taskID)
	decodeStructured(t, res, &out)
	if out.Outcome != "applied" || out.Job == nil || out.Job.Status != hostup.JobCompleted || len(sim.Restored(id)) != 1 {
		t.Fatalf("task result: %s", textOf(res))
	}
	contains(t, textOf(res), `"web" now runs from backup`)
	if len(e.mutations()) != 1 {
		t.Errorf("%d mutations, want the one restore", len(e.mutations()))
	}
}

// The fleet as a task, for a client without a dialog: the plan and its one
// confirmation come first; the confirmed task applies every row once.
func TestFleetPolicyAsATask(t *testing.T) {
	sim := newSim()
	a := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "a", TotalBackupLimit: 5})
	b := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "b", TotalBackupLimit: 5})
	e := newEnv(t, sim)
	ctx := t.Context()
	args := map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3, "vps_ids": []any{a, b}}

	taskID := e.startTask(ctx, "apply_backup_policy", args)
	if task := e.pollTask(ctx, taskID); task.Status != mcp.TaskStatusCompleted {
		t.Fatalf("planning task: %+v", task)
	}
	var plan tools.ApplyBackupPolicyOutput
	res := e.taskResult(ctx, taskID)
	decodeStructured(t, res, &plan)
	if plan.Outcome != "confirmation_required" || plan.ConfirmToken == "" {
		t.Fatalf("planning task's result: %s", textOf(res))
	}
	if len(e.mutations()) != 0 {
		t.Fatalf("%d mutations before the confirmation", len(e.mutations()))
	}

	taskID = e.startTask(ctx, "apply_backup_policy", with(args, "confirm_token", plan.ConfirmToken))
	if task := e.pollTask(ctx, taskID); task.Status != mcp.TaskStatusCompleted {
		t.Fatalf("applying task: %+v", task)
	}
	var out tools.ApplyBackupPolicyOutput
	res = e.taskResult(ctx, taskID)
	decodeStructured(t, res, &out)
	if out.Outcome != "applied" || out.Totals.ByOutcome["applied"] != 2 || len(e.mutations()) != 2 {
		t.Fatalf("task result (%d mutations): %s", len(e.mutations()), textOf(res))
	}
}

// A client that can show the confirmation dialog is always asked, whatever
// token it passes; a task cannot show the dialog, so its task is refused a
// change that needs confirmation: no dialog, no token, nothing sent.
func TestATaskOfAClientWithADialogIsRefusedAChangeThatNeedsConfirmation(t *testing.T) {
	sim, _, id := taskSim(t)
	a := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "a", TotalBackupLimit: 5})
	h := &typist{action: mcp.ElicitationResponseActionAccept, content: map[string]any{"confirm": true}}
	e := newEnv(t, sim, withElicitation(h))
	// The same user, through a client without a dialog, gets a genuine token
	// (for a restore, from a server whose operator allows restore tokens).
	tokenless := newEnv(t, sim, withRestoreByToken())
	ctx := t.Context()
	restore := map[string]any{"vps_id": id, "backup_id": backupIDs(t, e, id)[0]}
	var plan tools.RestoreBackupOutput
	decodeStructured(t, tokenless.call("restore_backup", restore), &plan)
	fleet := map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3, "vps_ids": []any{a}}
	var fleetPlan tools.ApplyBackupPolicyOutput
	decodeStructured(t, tokenless.call("apply_backup_policy", fleet), &fleetPlan)
	if plan.ConfirmToken == "" || fleetPlan.ConfirmToken == "" {
		t.Fatalf("no token from the client without a dialog: %q %q", plan.ConfirmToken, fleetPlan.ConfirmToken)
	}

	for name, c := range map[string]struct {
		tool string
		args map[string]any
	}{
		"restore without a token":   {"restore_backup", restore},
		"restore with a token":      {"restore_backup", with(restore, "confirm_token", plan.ConfirmToken, "confirm_vps_name", "web")},
		"fleet policy without one":  {"apply_backup_policy", fleet},
		"fleet policy with a token": {"apply_backup_policy", with(fleet, "confirm_token", fleetPlan.ConfirmToken)},
	} {
		taskID := e.startTask(ctx, c.tool, c.args)
		e.pollTask(ctx, taskID)
		res := e.taskResult(ctx, taskID)
		contains(t, textOf(res), "Refused: nothing was sent to HostUp", "confirmation_needs_dialog", "call the tool again without a task")
		lacks(t, textOf(res), "hu2.")
		if !res.IsError {
			t.Errorf("%s: the refusal is not an error result", name)
		}
	}
	if len(h.messages()) != 0 || len(sim.Mutations()) != 0 {
		t.Fatalf("%d dialogs, %d mutations from tasks that needed the dialog", len(h.messages()), len(sim.Mutations()))
	}

	// Without a task the same client is asked, and the change goes ahead.
	var out tools.ApplyBackupPolicyOutput
	decodeStructured(t, e.call("apply_backup_policy", fleet), &out)
	if out.Outcome != "applied" || len(h.messages()) != 1 || len(sim.Mutations()) != 1 {
		t.Errorf("plain call after the refusals: outcome %q, %d dialogs, %d mutations", out.Outcome, len(h.messages()), len(sim.Mutations()))
	}
}

func TestCancellingATaskStopsOurPollingAndSaysHostUpGoesOn(t *testing.T) {
	sim, clock, id := taskSim(t)
	e := newEnv(t, sim, withJobTiming(2*time.Millisecond, time.Minute))
	ctx := t.Context()
	taskID := e.startTask(ctx, "create_backup", map[string]any{"vps_id": id, "wait": true})
	waitFor(t, func() bool { return sim.JobReads(id) >= 2 })

	raw, rpcErr := e.rpc(ctx, "tasks/cancel", map[string]any{"taskId": taskID})
	var cancelled mcp.CancelTaskResult
	if rpcErr != "" || json.Unmarshal(raw, &cancelled) != nil || cancelled.Status != mcp.TaskStatusCancelled {
		t.Fatalf("tasks/cancel: %s %s", raw, rpcErr)
	}
	contains(t, cancelled.StatusMessage, "Stopped following job", "HostUp goes on with the backup of "+id, "neither stops nor undoes it", "get_job job_id=")
	contains(t, e.taskStatus(ctx, taskID).StatusMessage, "HostUp goes on with the backup")
	contains(t, textOf(e.taskResult(ctx, taskID)), "HostUp goes on with the backup")

	// Our polling stopped; HostUp's job did not.
	time.Sleep(20 * time.Millisecond)
	polled := sim.JobReads(id)
	time.Sleep(40 * time.Millisecond)
	if sim.JobReads(id) != polled {
		t.Error("the job is still polled after the task was cancelled")
	}
	clock.Advance(3 * time.Minute)
	var after tools.ListBackupsOutput
	e.ok("list_backups", map[string]any{"vps_id": id}, &after)
	if after.Total != 2 {
		t.Errorf("the backup HostUp went on with should be there: %d backups", after.Total)
	}
}

// mcp-go refuses to cancel a task that already ended; the refused cancel must
// not make the task say it was cancelled before anything was sent.
func TestCancellingAFinishedTaskLeavesItAsItWas(t *testing.T) {
	sim, _, id := taskSim(t)
	e := newEnv(t, sim, withJobTiming(time.Millisecond, time.Minute))
	ctx := t.Context()
	taskID := e.startTask(ctx, "create_backup", map[string]any{"vps_id": id})
	done := e.pollTask(ctx, taskID)
	if done.Status != mcp.TaskStatusCompleted || len(e.mutations()) != 1 {
		t.Fatalf("task %+v after %d mutations", done, len(e.mutations()))
	}
	before := textOf(e.taskResult(ctx, taskID))

	if _, rpcErr := e.rpc(ctx, "tasks/cancel", map[string]any{"taskId": taskID}); !strings.Contains(rpcErr, "terminal status") {
		t.Fatalf("tasks/cancel of a finished task: %q, want a refusal", rpcErr)
	}
	after := e.taskStatus(ctx, taskID)
	if after.Status != mcp.TaskStatusCompleted || after.StatusMessage != done.StatusMessage {
		t.Errorf("after a refused cancel the task says %s %q, was %s %q", after.Status, after.StatusMessage, done.Status, done.StatusMessage)
	}
	raw, _ := e.rpc(ctx, "tasks/list", map[string]any{})
	lacks(t, string(raw), "Cancelled")
	if got := textOf(e.taskResult(ctx, taskID)); got != before {
		t.Errorf("after a refused cancel the result is %q, was %q", got, before)
	}
}

// A fleet task cancelled while its changes are being sent must not tell the
// user nothing was sent.
func TestCancellingAFleetTaskPartwayDoesNotClaimNothingWasSent(t *testing.T) {
	sim := newSim()
	a := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "a", TotalBackupLimit: 5})
	b := sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "b", TotalBackupLimit: 5})
	e := newEnv(t, sim)
	ctx := t.Context()
	args := map[string]any{"frequency": "daily", "hour": 2, "retention_count": 3, "vps_ids": []any{a, b}}
	var plan tools.ApplyBackupPolicyOutput
	decodeStructured(t, e.call("apply_backup_policy", args), &plan)
	if plan.ConfirmToken == "" {
		t.Fatalf("no confirm_token: %+v", plan)
	}

	sim.SetLatency(time.Second) // each answer comes late: the cancel lands mid-send
	taskID := e.startTask(ctx, "apply_backup_policy", with(args, "confirm_token", plan.ConfirmToken))
	waitFor(t, func() bool { return len(sim.Mutations()) >= 1 })
	raw, rpcErr := e.rpc(ctx, "tasks/cancel", map[string]any{"taskId": taskID})
	var cancelled mcp.CancelTaskResult
	if rpcErr != "" || json.Unmarshal(raw, &cancelled) != nil || cancelled.Status != mcp.TaskStatusCancelled {
		t.Fatalf("tasks/cancel: %s %s", raw, rpcErr)
	}
	for _, said := range []string{cancelled.StatusMessage, e.taskStatus(ctx, taskID).StatusMessage, textOf(e.taskResult(ctx, taskID))} {
		lacks(t, said, "before anything was sent")
		contains(t, said, "what was sent before the cancel stays")
	}
}

func TestATaskBelongsToTheCredentialThatStartedIt(t *testing.T) {
	sim, _, id := taskSim(t)
	sim.AddKey("other-key-0123456789", testAccount)
	e := newEnv(t, sim, withJobTiming(time.Millisecond, time.Minute))
	a := hostup.WithAPIKey(t.Context(), testKey)
	b := hostup.WithAPIKey(t.Context(), "other-key-0123456789")
	taskID := e.startTask(a, "create_backup", map[string]any{"vps_id": id, "wait": true})

	raw, _ := e.rpc(b, "tasks/list", map[string]any{})
	lacks(t, string(raw), taskID)
	for _, method := range []string{"tasks/get", "tasks/result", "tasks/cancel"} {
		if _, rpcErr := e.rpc(b, method, map[string]any{"taskId": taskID}); !strings.Contains(rpcErr, "task not found") {
			t.Errorf("%s by another credential: %q, want task not found", method, rpcErr)
		}
	}
	if task := e.taskStatus(a, taskID); task.Status != mcp.TaskStatusWorking {
		t.Errorf("another credential's cancel reached the task: %+v", task)
	}
	raw, _ = e.rpc(a, "tasks/list", map[string]any{})
	contains(t, string(raw), taskID)
	if _, rpcErr := e.rpc(a, "tasks/cancel", map[string]any{"taskId": taskID}); rpcErr != "" {
		t.Errorf("the owner's cancel: %s", rpcErr)
	}
}

func TestTaskToolsWithoutTaskSupportBehaveAsBefore(t *testing.T) {
	sim := hostuptest.Sandbox(hostuptest.WithJobTiming(10*time.Millisecond, 30*time.Millisecond))
	e := newEnv(t, sim, withKey(hostuptest.SandboxAPIKey), withJobTiming(5*time.Millisecond, 5*time.Second))
	rec := &progressRecorder{token: "b"}
	e.client.OnNotification(rec.handle)
	res := e.callCtx(t.Context(), "create_backup", map[string]any{"vps_id": "vps_sandbox01", "wait": true}, &mcp.Meta{ProgressToken: "b"})
	var out tools.CreateBackupOutput
	decodeStructured(t, res, &out)
	if out.Job == nil || out.Job.Status != hostup.JobCompleted || !strings.HasSuffix(textOf(res), "Backup done.") {
		t.Fatalf("%s", textOf(res))
	}
	if seen, _ := rec.wait(1); len(seen) == 0 {
		t.Error("no progress notification without a task")
	}
	res = e.call("create_backup", map[string]any{"vps_id": "vps_sandbox04"})
	contains(t, textOf(res), "Refused: nothing was sent to HostUp")
	if raw, _ := e.rpc(t.Context(), "tasks/list", map[string]any{}); strings.Contains(string(raw), "taskId") {
		t.Errorf("calls without a task made tasks: %s", raw)
	}
	if n := len(sim.Mutations()); n != 1 || sim.Mutations()[0].Method != http.MethodPost {
		t.Errorf("%d mutations", n)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// A task-augmented call of a tool without task support runs as a plain call, and
// keeps what a plain call has: here, the confirmation dialog.
func TestATaskForAToolWithoutTaskSupportIsAPlainCall(t *testing.T) {
	h := accepting()
	e := sandboxEnv(t, withElicitation(h))
	raw, rpcErr := e.rpc(t.Context(), "tools/call", map[string]any{"name": "delete_backup_schedule",
		"arguments": map[string]any{"vps_id": "vps_sandbox06", "schedule_id": "bks_sandbox06"}, "task": map[string]any{}})
	if rpcErr != "" {
		t.Fatalf("tools/call: %s", rpcErr)
	}
	res, err := mcp.ParseCallToolResult(&raw)
	if err != nil {
		t.Fatal(err)
	}
	var out tools.MutationOutput
	decodeStructured(t, res, &out)
	if out.Outcome != "applied" || len(h.asked()) != 1 {
		t.Errorf("outcome %q after %d dialogs:\n%s", out.Outcome, len(h.asked()), textOf(res))
	}
}
