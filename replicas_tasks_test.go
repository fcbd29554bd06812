package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcptransport "github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/internal/redistest"
)

// MCP Tasks on every replica: two replica processes share a real Redis, and a
// client that started a task on one reaches it through the other, as it does
// behind a load balancer without session affinity. Each client below talks
// to one replica directly, so the test says which replica serves what.

var taskRPCID atomic.Int64

// taskRPC sends one raw JSON-RPC request and returns its result, or the
// JSON-RPC error's message.
func taskRPC(t *testing.T, c *client.Client, method string, params any) (json.RawMessage, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.GetTransport().SendRequest(ctx, mcptransport.JSONRPCRequest{
		JSONRPC: mcp.JSONRPC_VERSION, ID: mcp.NewRequestId(taskRPCID.Add(1)), Method: method, Params: params,
	})
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	if resp.Error != nil {
		return nil, resp.Error.Message
	}
	return resp.Result, ""
}

func startBackupTask(t *testing.T, c *client.Client, vps string) string {
	t.Helper()
	raw, rpcErr := taskRPC(t, c, "tools/call", map[string]any{"name": "create_backup", "arguments": map[string]any{"vps_id": vps, "wait": true}, "task": map[string]any{}})
	var created mcp.CreateTaskResult
	if rpcErr != "" || json.Unmarshal(raw, &created) != nil || created.Task.TaskId == "" {
		t.Fatalf("task-augmented create_backup: %s %s", raw, rpcErr)
	}
	return created.Task.TaskId
}

func getTask(t *testing.T, c *client.Client, id string) (mcp.Task, string) {
	t.Helper()
	raw, rpcErr := taskRPC(t, c, "tasks/get", map[string]any{"taskId": id})
	var task mcp.GetTaskResult
	if rpcErr == "" {
		if err := json.Unmarshal(raw, &task); err != nil {
			t.Fatalf("tasks/get: %s: %v", raw, err)
		}
	}
	return task.Task, rpcErr
}

func cancelTask(t *testing.T, c *client.Client, id string) mcp.Task {
	t.Helper()
	raw, rpcErr := taskRPC(t, c, "tasks/cancel", map[string]any{"taskId": id})
	var task mcp.CancelTaskResult
	if rpcErr != "" || json.Unmarshal(raw, &task) != nil {
		t.Fatalf("tasks/cancel: %s %s", raw, rpcErr)
	}
	return task.Task
}

// awaitBackupAnswered waits until HostUp answered the backup of vps and its
// task follows the job: a task cancelled from then on says what it leaves
// behind in its own words. Its request merely arriving is not enough: the
// simulator logs a request before it answers it, and a cancel in between gets
// the note of a request that may have been on its way.
func awaitBackupAnswered(t *testing.T, sim *hostuptest.Simulator, vps string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for sim.JobReads(vps) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the task never read the job of %s's backup", vps)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// idsInNotes are what differs between the notes of two tasks on two VPSes.
var idsInNotes = regexp.MustCompile(`job_[A-Za-z0-9_-]+|vps_t[0-9]`)

// taskReplicas is the scene: two replicas, a client of one account on each.
type taskReplicas struct {
	rs            *redistest.Server
	sim           *hostuptest.Simulator
	clock         *hostuptest.ManualClock
	replicas      []*replica
	runner, other *client.Client
}

func TestTasksAnswerOnEveryReplica(t *testing.T) {
	s := &taskReplicas{rs: redistest.Start(t), clock: hostuptest.NewManualClock(time.Now())}
	// Jobs stand still until the test moves the clock.
	s.sim = hostuptest.New(hostuptest.WithClock(s.clock.Now), hostuptest.WithJobTiming(time.Minute, time.Minute))
	s.sim.AddKey(replicaKeyA, "acct-a")
	s.sim.AddKey(replicaKeyB, "acct-b")
	for _, id := range []string{"vps_t1", "vps_t2", "vps_t3", "vps_t4"} {
		s.sim.AddVPS("acct-a", hostuptest.VPSSpec{ID: id, Name: id, TotalBackupLimit: 10})
	}
	api := s.sim.Start()
	t.Cleanup(api.Close)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	for range 2 {
		s.replicas = append(s.replicas, startReplica(t, api.URL, s.rs.URL(), hex.EncodeToString(secret)))
	}
	s.runner, s.other = connectThrough(t, s.replicas[0].url, replicaKeyA), connectThrough(t, s.replicas[1].url, replicaKeyA)

	t.Run("a task started on one replica is read, listed and awaited on the other", s.readOnTheOther)
	t.Run("a task cancelled on the other replica stops where it runs, with the note of a local cancel", s.cancelOnTheOther)
	t.Run("no HostUp key reaches the record of tasks", s.noKeyInTheRecord)
	t.Run("a task whose replica is killed fails, its outcome unknown", s.killTheRunner)
}

func (s *taskReplicas) readOnTheOther(t *testing.T) {
	id := startBackupTask(t, s.runner, "vps_t1")
	if task, rpcErr := getTask(t, s.other, id); rpcErr != "" || task.Status != mcp.TaskStatusWorking {
		t.Fatalf("tasks/get on the other replica: %+v %q, want working", task, rpcErr)
	}
	if raw, rpcErr := taskRPC(t, s.other, "tasks/list", map[string]any{}); rpcErr != "" || !strings.Contains(string(raw), id) {
		t.Fatalf("tasks/list on the other replica: %s %s", raw, rpcErr)
	}
	stranger := connectThrough(t, s.replicas[1].url, replicaKeyB)
	if raw, _ := taskRPC(t, stranger, "tasks/list", map[string]any{}); strings.Contains(string(raw), id) {
		t.Errorf("another credential lists the task: %s", raw)
	}
	if _, rpcErr := getTask(t, stranger, id); !strings.Contains(rpcErr, "task not found") {
		t.Errorf("tasks/get by another credential: %q, want task not found", rpcErr)
	}

	result := make(chan string, 1)
	go func() {
		raw, rpcErr := taskRPC(t, s.other, "tasks/result", map[string]any{"taskId": id})
		result <- string(raw) + rpcErr
	}()
	time.Sleep(300 * time.Millisecond) // tasks/result waits, as on the runner
	s.clock.Advance(3 * time.Minute)
	if got := <-result; !strings.Contains(got, "Backup done.") {
		t.Fatalf("tasks/result on the other replica: %s", got)
	}
	if task, _ := getTask(t, s.other, id); task.Status != mcp.TaskStatusCompleted {
		t.Fatalf("tasks/get once it ended: %+v", task)
	}
}

func (s *taskReplicas) cancelOnTheOther(t *testing.T) {
	local := startBackupTask(t, s.runner, "vps_t2")
	awaitBackupAnswered(t, s.sim, "vps_t2")
	want := cancelTask(t, s.runner, local).StatusMessage

	id := startBackupTask(t, s.runner, "vps_t3")
	awaitBackupAnswered(t, s.sim, "vps_t3")
	got := cancelTask(t, s.other, id)
	if got.Status != mcp.TaskStatusCancelled || want == "" || idsInNotes.ReplaceAllString(got.StatusMessage, "ID") != idsInNotes.ReplaceAllString(want, "ID") {
		t.Fatalf("cancelled on the other replica: %s %q\nwant the note of a local cancel: %q", got.Status, got.StatusMessage, want)
	}
	for name, c := range map[string]*client.Client{"runner": s.runner, "other": s.other} {
		if task, _ := getTask(t, c, id); task.Status != mcp.TaskStatusCancelled || task.StatusMessage != got.StatusMessage {
			t.Errorf("tasks/get on the %s: %s %q", name, task.Status, task.StatusMessage)
		}
	}
	if raw, _ := taskRPC(t, s.other, "tasks/result", map[string]any{"taskId": id}); !strings.Contains(string(raw), "Stopped following job") {
		t.Errorf("tasks/result of the cancelled task: %s", raw)
	}
	// The run stopped: it reads its job no more (it polls every 2 s).
	polls := s.sim.JobReads("vps_t3")
	time.Sleep(2500 * time.Millisecond)
	if n := s.sim.JobReads("vps_t3"); n != polls {
		t.Fatalf("%d more job reads after the cancel: the run goes on", n-polls)
	}
	if _, rpcErr := taskRPC(t, s.other, "tasks/cancel", map[string]any{"taskId": id}); !strings.Contains(rpcErr, "terminal status: cancelled") {
		t.Errorf("cancelling it again: %q", rpcErr)
	}
}

func (s *taskReplicas) noKeyInTheRecord(t *testing.T) {
	noHostUpKeyIn(t, s.rs, "hostup-mcp:task*")
}

func (s *taskReplicas) killTheRunner(t *testing.T) {
	id := startBackupTask(t, s.runner, "vps_t4")
	awaitBackupAnswered(t, s.sim, "vps_t4")
	s.replicas[0].kill()
	deadline := time.Now().Add(10 * testLease)
	task, _ := getTask(t, s.other, id)
	for task.Status == mcp.TaskStatusWorking && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		task, _ = getTask(t, s.other, id)
	}
	if task.Status != mcp.TaskStatusFailed || !strings.Contains(task.StatusMessage, "unknown") || !strings.Contains(task.StatusMessage, "Read the state back") {
		t.Fatalf("the killed replica's task: %s %q, want failed, outcome unknown", task.Status, task.StatusMessage)
	}
	if _, rpcErr := taskRPC(t, s.other, "tasks/result", map[string]any{"taskId": id}); !strings.Contains(rpcErr, "unknown") {
		t.Errorf("tasks/result of the lost task: %q", rpcErr)
	}
	if _, rpcErr := taskRPC(t, s.other, "tasks/cancel", map[string]any{"taskId": id}); !strings.Contains(rpcErr, "terminal status: failed") {
		t.Errorf("cancelling the lost task: %q", rpcErr)
	}
}
