package tools

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/internal/coord"
)

// Tasks on every replica. With shared state (Deps.SharedTasks), the replica
// that runs a task records it: who started it (the credential's key id, as the
// registry has it), its status and, at its end, its outcome. It records them
// as its own server answers for the task, through requests it sends that
// server (internalRequest), so every hook in tasks.go has shaped them (a
// cancelled task's note, above all). Any other replica answers tasks/get,
// tasks/result and tasks/cancel for the task from that record
// (SharedTaskAnswers), and adds the caller's tasks to tasks/list.
//
// A cancel that reaches another replica is asked through the record; the
// running replica cancels the task through its own server, as a local
// tasks/cancel does, so the task stops the same way and leaves the same note.
// A replica that dies mid-task stops marking it alive: the task then reads as
// failed, saying its outcome is unknown, on every replica.
//
// Without Streamable HTTP's handler in front (stdio, SSE) a request cannot be
// answered in mcp-go's stead: a task another replica runs is refused by
// saying so, never as "not found".

const (
	// sharedPoll is how often a replica waiting for another's task reads its
	// record.
	sharedPoll = 100 * time.Millisecond
	// cancelConfirm bounds how long a cancel asked of another replica waits
	// for that replica to record it.
	cancelConfirm = 10 * time.Second
	// recordTimeout bounds one write of the record.
	recordTimeout = 5 * time.Second
	// handlerUnwind bounds how long a cancelled task's record waits for its
	// handler to return, with what it has to say by then.
	handlerUnwind = time.Minute
)

// noteRunnerLost is a lost task's status message, and its result.
const noteRunnerLost = "The replica of this server that ran the task stopped before the task ended (killed, or cut off from Redis): whatever it had sent to HostUp stays, and whether it was applied is unknown. Read the state back (list_backup_schedules, list_backups, or get_job with the job id) before calling again."

// reply is a JSON-RPC answer without its id: what the record keeps of a
// task's tasks/result.
type reply struct {
	Result json.RawMessage          `json:"result,omitempty"`
	Error  *mcp.JSONRPCErrorDetails `json:"error,omitempty"`
}

// internalKey marks the requests a replica sends its own server about a task
// it runs: they reach the task whoever started it.
type internalKey struct{}

func isInternal(ctx context.Context) bool { return ctx.Value(internalKey{}) != nil }

// internalRequest sends srv a tasks/* request for taskID and returns its
// answer. Its id is random: mcp-go keys a request's cancellation by id alone
// when there is no session, and a client must not reach this one.
func internalRequest(srv *server.MCPServer, method mcp.MCPMethod, taskID string) reply {
	msg, _ := json.Marshal(map[string]any{
		"jsonrpc": mcp.JSONRPC_VERSION, "id": "hostup-mcp-record-" + rand.Text(),
		"method": method, "params": map[string]any{"taskId": taskID},
	})
	b, _ := json.Marshal(srv.HandleMessage(context.WithValue(context.Background(), internalKey{}, true), msg))
	var r reply
	_ = json.Unmarshal(b, &r)
	return r
}

// share records a task this replica has just started, then follows it to its
// end. A task the record could not take runs on: only this replica answers
// for it, as without shared state.
func (g *taskRegistry) share(ctx context.Context, task mcp.Task, r *taskRun, ttl time.Duration) {
	srv := server.ServerFromContext(ctx)
	if g.shared == nil || srv == nil || r == nil {
		return
	}
	b, _ := json.Marshal(task)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	run, err := g.shared.Start(ctx, coord.TaskRecord{ID: task.TaskId, Owner: r.credential, Status: coord.TaskWorking, Task: b}, ttl)
	if err != nil {
		g.log.Warn("a task could not be recorded in the shared state: only this replica answers for it", "task_id", task.TaskId, "error", err)
		return
	}
	go g.follow(srv, task.TaskId, r, run)
}

// follow waits for the task's end, or for a cancel asked on another replica,
// which it passes on as a local tasks/cancel (refused when the task ended
// meanwhile). It records the end, and records it again once a cancelled
// task's handler has returned: its note may say more by then.
func (g *taskRegistry) follow(srv *server.MCPServer, id string, r *taskRun, run coord.TaskRun) {
	defer run.Close()
	ended := make(chan struct{})
	go func() {
		internalRequest(srv, mcp.MethodTasksResult, id) // waits for the end
		close(ended)
	}()
	select {
	case <-ended:
	case <-run.Stop():
		internalRequest(srv, mcp.MethodTasksCancel, id)
		<-ended
	}
	if g.recordEnd(srv, id, run) == mcp.TaskStatusCancelled && r.waitHandler(handlerUnwind) {
		g.recordEnd(srv, id, run)
	}
}

// recordEnd records the task as this replica's server answers for it now,
// and returns its status.
func (g *taskRegistry) recordEnd(srv *server.MCPServer, id string, run coord.TaskRun) mcp.TaskStatus {
	got := internalRequest(srv, mcp.MethodTasksGet, id)
	var task mcp.Task
	if got.Error != nil || json.Unmarshal(got.Result, &task) != nil {
		return "" // gone at its TTL, as its record is
	}
	b, _ := json.Marshal(task)
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	if err := run.End(ctx, string(task.Status), b, boundedOutcome(internalRequest(srv, mcp.MethodTasksResult, id))); err != nil {
		g.log.Warn("a task's end could not be recorded in the shared state: other replicas will find it lost", "task_id", id, "error", err)
	}
	return task.Status
}

// boundedOutcome is what the record keeps of r: r itself, or, when it is more
// than the record holds, an error saying so.
func boundedOutcome(r reply) []byte {
	b, _ := json.Marshal(r)
	if len(b) <= coord.MaxTaskOutcome {
		return b
	}
	e := mcp.NewJSONRPCErrorDetails(mcp.INTERNAL_ERROR, fmt.Sprintf(
		"the task's result (%d bytes) is more than replicas share (%d bytes), and only the replica that ran it kept it; read the state back instead (list_backup_schedules, audit_backup_coverage)",
		len(b), coord.MaxTaskOutcome), nil)
	b, _ = json.Marshal(reply{Error: &e})
	return b
}

// sharedTask reads, for the caller whose context is ctx, a task's record:
// false when it holds none of theirs.
func (g *taskRegistry) sharedTask(ctx context.Context, id string) (coord.TaskRecord, bool, error) {
	rec, ok, err := g.shared.Get(ctx, id)
	if err != nil || !ok || rec.Owner != hostup.Credential(ctx) {
		return coord.TaskRecord{}, false, err
	}
	return rec, true, nil
}

// taskOf is the task as the protocol shows it: a lost task failed.
func taskOf(rec coord.TaskRecord) mcp.Task {
	var t mcp.Task
	_ = json.Unmarshal(rec.Task, &t)
	t.TaskId = rec.ID
	if rec.Status == coord.TaskLost {
		t.Status, t.StatusMessage = mcp.TaskStatusFailed, noteRunnerLost
	}
	return t
}

// refuseUnreachable decides on a request for a task this replica does not
// hold: over Streamable HTTP it goes on, to be answered from the record
// (elsewhere); otherwise it is refused, saying where the task is when the
// record has it.
func (g *taskRegistry) refuseUnreachable(ctx context.Context, id string) error {
	if slotOf(ctx) != nil {
		return nil
	}
	if _, ok, _ := g.sharedTask(ctx, id); ok {
		return taskError(fmt.Sprintf("task %s runs on another replica of this server, and over this transport only the replica that runs a task answers for it; use Streamable HTTP (/mcp), where every replica does", id))
	}
	return errTaskNotFound
}

// elsewhere returns the slot to answer in and the caller's record of a task
// another replica runs; false when mcp-go answers (a task it holds, or none
// of the caller's), or when the slot already holds the error of reading it.
func (g *taskRegistry) elsewhere(ctx context.Context, reqID any, taskID string) (*answerSlot, coord.TaskRecord, bool) {
	slot := slotOf(ctx)
	if slot == nil || g.shared == nil || g.named(taskID) != nil {
		return nil, coord.TaskRecord{}, false
	}
	rec, ok, err := g.sharedTask(ctx, taskID)
	if err != nil {
		slot.fail(reqID, mcp.INTERNAL_ERROR, "the shared record of tasks could not be read: "+err.Error())
		return nil, rec, false
	}
	return slot, rec, ok
}

func (g *taskRegistry) answerGet(ctx context.Context, id any, req *mcp.GetTaskRequest) {
	if slot, rec, ok := g.elsewhere(ctx, id, req.Params.TaskId); ok {
		slot.answer(id, mcp.NewGetTaskResult(taskOf(rec)))
	}
}

// answerResult waits, as mcp-go does, for the task to end, and answers with
// the outcome its replica recorded.
func (g *taskRegistry) answerResult(ctx context.Context, id any, req *mcp.TaskResultRequest) {
	slot, rec, ok := g.elsewhere(ctx, id, req.Params.TaskId)
	if !ok {
		return
	}
	rec, err := g.awaitEnd(ctx, rec)
	var out []byte
	if err == nil && rec.Status != coord.TaskLost {
		out, ok, err = g.shared.Outcome(ctx, rec.ID)
		if err == nil && !ok {
			err = errTaskNotFound
		}
	}
	var r reply
	switch {
	case err != nil:
		g.failWith(slot, id, err)
	case rec.Status == coord.TaskLost:
		slot.fail(id, mcp.INTERNAL_ERROR, noteRunnerLost)
	case json.Unmarshal(out, &r) != nil:
		slot.fail(id, mcp.INTERNAL_ERROR, "the shared record holds a task result this server cannot read")
	default:
		slot.give(id, r)
	}
}

// answerCancel asks the replica running the task to cancel it, and answers
// with what that replica recorded once it has: as mcp-go does, a task that
// had ended is not cancelled.
func (g *taskRegistry) answerCancel(ctx context.Context, id any, req *mcp.CancelTaskRequest) {
	slot, rec, ok := g.elsewhere(ctx, id, req.Params.TaskId)
	if !ok {
		return
	}
	var asked bool
	var err error
	if rec.Status == coord.TaskWorking {
		asked, err = g.shared.Cancel(ctx, rec.ID)
	}
	if err == nil {
		wait, stop := context.WithTimeout(ctx, cancelConfirm)
		rec, err = g.awaitEnd(wait, rec)
		stop()
	}
	switch t := taskOf(rec); {
	case err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		slot.fail(id, mcp.INTERNAL_ERROR, fmt.Sprintf("the replica running task %s was asked to cancel it and has not confirmed within %s; call tasks/get to see whether it stopped", rec.ID, cancelConfirm))
	case err != nil:
		g.failWith(slot, id, err)
	case !asked || t.Status != mcp.TaskStatusCancelled:
		slot.fail(id, mcp.INVALID_PARAMS, fmt.Sprintf("cannot cancel task in terminal status: %s", t.Status)) // mcp-go's words
	default:
		slot.answer(id, mcp.NewCancelTaskResult(t))
	}
}

// awaitEnd reads rec's record again until the task no longer runs, or ctx
// ends.
func (g *taskRegistry) awaitEnd(ctx context.Context, rec coord.TaskRecord) (coord.TaskRecord, error) {
	t := time.NewTicker(sharedPoll)
	defer t.Stop()
	for rec.Status == coord.TaskWorking {
		select {
		case <-ctx.Done():
			return rec, ctx.Err()
		case <-t.C:
		}
		now, ok, err := g.shared.Get(ctx, rec.ID)
		switch {
		case err != nil:
			return rec, err
		case !ok:
			return rec, errTaskNotFound
		}
		rec = now
	}
	return rec, nil
}

// failWith answers with err as mcp-go answers the same trouble.
func (g *taskRegistry) failWith(slot *answerSlot, id any, err error) {
	switch {
	case errors.Is(err, errTaskNotFound):
		slot.fail(id, mcp.INVALID_PARAMS, err.Error())
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		slot.fail(id, mcp.REQUEST_INTERRUPTED, err.Error())
	default:
		slot.fail(id, mcp.INTERNAL_ERROR, "the shared record of tasks could not be read: "+err.Error())
	}
}

// listShared adds to a tasks/list the caller's tasks that other replicas run.
// A record that cannot be read leaves the list as this replica has it.
func (g *taskRegistry) listShared(ctx context.Context, result *mcp.ListTasksResult) {
	if g.shared == nil || isInternal(ctx) {
		return
	}
	recs, err := g.shared.List(ctx, hostup.Credential(ctx))
	if err != nil {
		g.log.Warn("tasks/list lists only this replica's tasks: the shared record could not be read", "error", err)
		return
	}
	for _, rec := range recs {
		if g.named(rec.ID) == nil {
			result.Tasks = append(result.Tasks, taskOf(rec))
		}
	}
	slices.SortFunc(result.Tasks, func(a, b mcp.Task) int { return strings.Compare(a.TaskId, b.TaskId) })
}
