package tools_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/internal/redisstate"
	"github.com/hostup/hostup-mcp/internal/redistest"
)

// The record of tasks replicas share, seen by one server each: the replica
// tests (replicas_tasks_test.go, at the top) run it over Streamable HTTP;
// these run what is left without it.

func sharedTasks(t *testing.T, rs *redistest.Server) *redisstate.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := redisstate.Open(ctx, rs.URL(), redisstate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Over a transport without Streamable HTTP's handler in front (stdio, SSE), a
// replica cannot answer in mcp-go's stead: a task another replica runs is
// refused by saying so, never as "not found", and tasks/list still lists it.
func TestATaskOfAnotherReplicaIsRefusedByNameWhereItCannotBeAnswered(t *testing.T) {
	rs := redistest.Start(t)
	sim, _, id := taskSim(t)
	runner := newEnv(t, sim, withSharedTasks(sharedTasks(t, rs)))
	other := newEnv(t, sim, withSharedTasks(sharedTasks(t, rs)))
	ctx := t.Context()
	taskID := runner.startTask(ctx, "create_backup", map[string]any{"vps_id": id, "wait": true})
	for _, method := range []string{"tasks/get", "tasks/result", "tasks/cancel"} {
		_, rpcErr := other.rpc(ctx, method, map[string]any{"taskId": taskID})
		if !strings.Contains(rpcErr, "runs on another replica") || !strings.Contains(rpcErr, "Streamable HTTP") {
			t.Errorf("%s on the other replica: %q, want a refusal naming the replica problem", method, rpcErr)
		}
	}
	if raw, _ := other.rpc(ctx, "tasks/list", map[string]any{}); !strings.Contains(string(raw), taskID) {
		t.Errorf("tasks/list on the other replica: %s", raw)
	}
	if _, rpcErr := other.rpc(ctx, "tasks/get", map[string]any{"taskId": "no-such-task"}); rpcErr != "task not found" {
		t.Errorf("a task nobody runs: %q, want task not found", rpcErr)
	}
	if task := runner.taskStatus(ctx, taskID); task.Status != "working" {
		t.Errorf("on the replica running it: %s", task.Status)
	}
}
