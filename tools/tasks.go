package tools

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/internal/coord"
)

// Long operations as MCP Tasks (spec 2025-11-25). A tool declared with withTasks
// may be called task-augmented: mcp-go answers at once with a task, runs the
// handler in the background, and serves tasks/get, tasks/list, tasks/result and
// tasks/cancel. A client that does not ask for a task gets today's behaviour.
//
// The handler is the same in both cases: the decision and its confirmation (the
// plan, a refusal, a confirm_token) come first and end the task at once; only an
// applied change goes on to the waiting. Inside a task nobody can answer a dialog.
// A client that can show one must still be asked (SPEC: whatever token it
// passes), so its task is refused a change that needs confirmation, and it calls
// again without a task. A client without a dialog gets the plan and a
// confirm_token from the task, and calls again with them.
//
// mcp-go gets two things wrong on the stateless HTTP transport, fixed here with
// its hooks (and a third, that tasks live in one replica's memory, fixed in
// tasks_shared.go):
//   - It isolates tasks by session, and a stateless request has none: any caller
//     could list, read and cancel any task. Each task is bound to the credential
//     that started it; another credential neither sees nor reaches it.
//   - It runs the task on the request's context, which ends with the POST that
//     started it, cancelling the task. The handler runs on a context detached from
//     the request, which only tasks/cancel (or the task's end of life) stops.

// withTasks declares that a tool may run as a task (the registry's tasks field).
func withTasks(t server.ServerTool) server.ServerTool {
	t.Tool.Execution = &mcp.ToolExecution{TaskSupport: mcp.TaskSupportOptional}
	return t
}

// maxTaskTTL bounds how long a task and its result are kept: mcp-go keeps a task
// without a TTL for ever.
const maxTaskTTL = time.Hour

// taskRunKey is the _meta key that links a task-augmented call to its run; the
// server sets it, overwriting whatever a client sent.
const taskRunKey = "hostup-mcp/task-run"

// taskRun is one task started by a task-augmented call.
type taskRun struct {
	credential string
	mu         sync.Mutex
	id         string             // the task id, once mcp-go has answered with it
	cancel     context.CancelFunc // stops the handler
	cancelled  bool
	note       string // what a cancellation leaves behind, in words for the user
	// askable records that the client that started the task can show the
	// confirmation dialog: the handler runs without its session, so it cannot
	// tell by itself, yet such a client must always be asked (authorize).
	askable bool
	// returned is closed when the handler has returned: a cancelled task's
	// note is final only then.
	returned     chan struct{}
	returnedOnce sync.Once
}

// A task's note until its tool says better (Call.taskNote), and what it
// becomes once a change is on its way to HostUp (taskSending) if the tool said
// nothing by then: from there on, "nothing was sent" would be untrue.
const (
	noteNothingSent = "Cancelled before anything was sent to HostUp."
	noteSomeSent    = "Cancelled after changes had started to be sent to HostUp: what was sent before the cancel stays, and may be only part of what was asked. Read the state back before calling again."
)

func (r *taskRun) setNote(text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.note = text
}

func (r *taskRun) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cancelled = true
	if r.cancel != nil {
		r.cancel()
	}
}

// sending records that a change is about to be sent: a note that still says
// nothing was sent no longer holds.
func (r *taskRun) sending() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.note == noteNothingSent {
		r.note = noteSomeSent
	}
}

// handlerReturned records that the handler has returned.
func (r *taskRun) handlerReturned() { r.returnedOnce.Do(func() { close(r.returned) }) }

// waitHandler waits, up to limit, for a handler that has started to return,
// and says whether it did.
func (r *taskRun) waitHandler(limit time.Duration) bool {
	r.mu.Lock()
	started := r.cancel != nil
	r.mu.Unlock()
	if !started {
		return false
	}
	select {
	case <-r.returned:
		return true
	case <-time.After(limit):
		return false
	}
}

// cancelledNote is the note when the run was cancelled, "" otherwise.
func (r *taskRun) cancelledNote() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.cancelled {
		return ""
	}
	return r.note
}

// taskRegistry knows every task our tools started, by run key and by task id.
type taskRegistry struct {
	mu    sync.Mutex
	byRun map[string]*taskRun
	byID  map[string]*taskRun

	shared coord.Tasks // the record replicas share (tasks_shared.go); nil without
	log    *slog.Logger
}

func (g *taskRegistry) add(key string, r *taskRun) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byRun == nil {
		g.byRun, g.byID = map[string]*taskRun{}, map[string]*taskRun{}
	}
	g.byRun[key] = r
}

func (g *taskRegistry) run(key string) *taskRun {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.byRun[key]
}

func (g *taskRegistry) named(id string) *taskRun {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.byID[id]
}

// started links a run to its task id and forgets both after the task's TTL,
// when mcp-go forgets the task.
func (g *taskRegistry) started(key, id string, ttl time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.byRun[key]
	if r == nil {
		return
	}
	r.mu.Lock()
	r.id = id
	r.mu.Unlock()
	g.byID[id] = r
	time.AfterFunc(ttl, func() {
		r.stop()
		g.mu.Lock()
		defer g.mu.Unlock()
		delete(g.byRun, key)
		delete(g.byID, id)
	})
}

func (g *taskRegistry) forget(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.byRun, key)
}

// visibleTo says whether the caller whose context is ctx may see the task: only
// the credential that started it may, besides the requests with which this
// replica records it (internalRequest). A task we do not know is nobody's.
func (g *taskRegistry) visibleTo(ctx context.Context, id string) (*taskRun, bool) {
	r := g.named(id)
	return r, r != nil && (r.credential == hostup.Credential(ctx) || isInternal(ctx))
}

// taskHooks wires the registry into mcp-go.
func (d *Deps) taskHooks(h *server.Hooks) {
	g := &d.tasks
	g.shared, g.log = d.SharedTasks, d.logger()
	h.AddBeforeCallTool(g.beforeCall)
	h.AddAfterCallTool(g.afterCall)
	h.AddOnError(g.onError)
	h.AddOnRequestInitialization(g.refuseOthersTask)
	h.AddAfterListTasks(g.afterList)
	h.AddAfterGetTask(g.afterGet)
	h.AddAfterCancelTask(g.afterCancel)
	h.AddAfterTaskResult(g.afterResult)
	if g.shared != nil {
		h.AddBeforeGetTask(g.answerGet)
		h.AddBeforeTaskResult(g.answerResult)
		h.AddBeforeCancelTask(g.answerCancel)
	}
}

// beforeCall starts a run for a task-augmented call of a tool that declares
// tasks: it bounds the task's TTL, links the call to the run through its
// _meta (removing any link a client sent), and records who started it.
func (g *taskRegistry) beforeCall(ctx context.Context, _ any, req *mcp.CallToolRequest) {
	if req.Params.Meta != nil {
		delete(req.Params.Meta.AdditionalFields, taskRunKey)
	}
	if req.Params.Task == nil || !declaresTasks(ctx, req.Params.Name) {
		return // mcp-go runs it as a plain call: the same as without a task
	}
	if ttl := req.Params.Task.TTL; ttl == nil || *ttl <= 0 || *ttl > maxTaskTTL.Milliseconds() {
		req.Params.Task.TTL = new(maxTaskTTL.Milliseconds())
	}
	key := newRunKey()
	if req.Params.Meta == nil {
		req.Params.Meta = &mcp.Meta{}
	}
	if req.Params.Meta.AdditionalFields == nil {
		req.Params.Meta.AdditionalFields = map[string]any{}
	}
	req.Params.Meta.AdditionalFields[taskRunKey] = key
	g.add(key, &taskRun{credential: hostup.Credential(ctx), note: noteNothingSent, askable: clientCanElicit(ctx), returned: make(chan struct{})})
}

// afterCall links the run to the task mcp-go created, and records it for the
// other replicas, or forgets a run that ended up a plain call.
func (g *taskRegistry) afterCall(ctx context.Context, _ any, req *mcp.CallToolRequest, result any) {
	key := runKeyOf(*req)
	if key == "" {
		return
	}
	if created, ok := result.(*mcp.CreateTaskResult); ok {
		ttl := time.Duration(*req.Params.Task.TTL) * time.Millisecond
		g.started(key, created.Task.TaskId, ttl)
		g.share(ctx, created.Task, g.run(key), ttl)
		return
	}
	g.forget(key)
}

// onError forgets the run of a call that failed before it became a task.
func (g *taskRegistry) onError(_ context.Context, _ any, method mcp.MCPMethod, message any, _ error) {
	if req, ok := message.(*mcp.CallToolRequest); ok && method == mcp.MethodToolsCall {
		if key := runKeyOf(*req); key != "" {
			g.forget(key)
		}
	}
}

// refuseOthersTask refuses tasks/get, tasks/result and tasks/cancel of a task
// another credential started before mcp-go looks it up, with mcp-go's own
// words. Cancelling is not decided here: mcp-go may yet refuse it. With shared
// state, a task this replica does not hold may run on another
// (refuseUnreachable).
func (g *taskRegistry) refuseOthersTask(ctx context.Context, _ any, message any) error {
	raw, ok := message.(json.RawMessage)
	if !ok {
		return nil
	}
	var m struct {
		Method mcp.MCPMethod `json:"method"`
		Params struct {
			TaskID string `json:"taskId"`
		} `json:"params"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	switch m.Method {
	case mcp.MethodTasksGet, mcp.MethodTasksResult, mcp.MethodTasksCancel:
	default:
		return nil
	}
	if g.shared != nil && g.named(m.Params.TaskID) == nil {
		return g.refuseUnreachable(ctx, m.Params.TaskID)
	}
	if _, ok := g.visibleTo(ctx, m.Params.TaskID); !ok {
		return errTaskNotFound
	}
	return nil
}

// afterList lists only the caller's tasks, a cancelled one with what
// cancelling left behind, and those other replicas run for them.
func (g *taskRegistry) afterList(ctx context.Context, _ any, _ *mcp.ListTasksRequest, result *mcp.ListTasksResult) {
	result.Tasks = slices.DeleteFunc(result.Tasks, func(t mcp.Task) bool {
		_, ok := g.visibleTo(ctx, t.TaskId)
		return !ok
	})
	for i := range result.Tasks {
		if note := g.named(result.Tasks[i].TaskId).cancelledNote(); note != "" {
			result.Tasks[i].StatusMessage = note
		}
	}
	g.listShared(ctx, result)
}

// afterGet says what cancelling a task left behind.
func (g *taskRegistry) afterGet(_ context.Context, _ any, req *mcp.GetTaskRequest, result *mcp.GetTaskResult) {
	if r := g.named(req.Params.TaskId); r != nil && result != nil {
		if note := r.cancelledNote(); note != "" {
			result.StatusMessage = note
		}
	}
}

// afterCancel stops the handler, only for a cancel mcp-go accepted: it refuses
// to cancel a task that already ended, whose result and message must stay as
// they were.
func (g *taskRegistry) afterCancel(_ context.Context, _ any, req *mcp.CancelTaskRequest, result *mcp.CancelTaskResult) {
	if r := g.named(req.Params.TaskId); r != nil && result != nil {
		r.stop()
		if note := r.cancelledNote(); note != "" {
			result.StatusMessage = note
		}
	}
}

// afterResult gives a cancelled task, which has no result of its own, the
// words of what cancelling left behind.
func (g *taskRegistry) afterResult(_ context.Context, _ any, req *mcp.TaskResultRequest, result *mcp.TaskResultResult) {
	if r := g.named(req.Params.TaskId); r != nil && result != nil && len(result.Content) == 0 {
		if note := r.cancelledNote(); note != "" {
			result.Content = []mcp.Content{mcp.NewTextContent(note)}
		}
	}
}

// declaresTasks says whether the tool called may run as a task. mcp-go runs a
// task-augmented call of any other tool as a plain call, which must then keep
// everything a plain call has (the request's context, its dialog).
func declaresTasks(ctx context.Context, name string) bool {
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return false
	}
	t := srv.GetTool(name)
	return t != nil && t.Tool.Execution != nil && t.Tool.Execution.TaskSupport != mcp.TaskSupportForbidden
}

type taskError string

func (e taskError) Error() string { return string(e) }

// errTaskNotFound is what mcp-go says of a task it does not have: another
// credential's task is indistinguishable from one that never existed.
const errTaskNotFound = taskError("task not found")

func newRunKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func runKeyOf(req mcp.CallToolRequest) string {
	if req.Params.Meta == nil {
		return ""
	}
	key, _ := req.Params.Meta.AdditionalFields[taskRunKey].(string)
	return key
}

// taskContext is the context a handler runs on. For a task it is detached from
// the request that started it (which ends as soon as the task is created) and
// stopped only by tasks/cancel or the task's TTL; it carries no client session,
// because a task has nobody to answer a dialog, and it carries the run, which
// execute marks before it sends (taskSending). Otherwise it is ctx as is.
func (d *Deps) taskContext(ctx context.Context, req mcp.CallToolRequest) (context.Context, *taskRun, context.CancelFunc) {
	r := d.tasks.run(runKeyOf(req))
	if r == nil {
		return ctx, nil, func() {}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if srv := server.ServerFromContext(ctx); srv != nil {
		ctx = srv.WithContext(ctx, nil)
	}
	ctx = context.WithValue(ctx, taskRunCtxKey{}, r)
	r.mu.Lock()
	r.cancel = cancel
	cancelled := r.cancelled
	r.mu.Unlock()
	if cancelled {
		cancel()
	}
	return ctx, r, func() { cancel(); r.handlerReturned() }
}

// taskRunCtxKey carries a task's run in its handler's context, for the code
// that sends changes and is handed no Call (execute).
type taskRunCtxKey struct{}

// taskSending tells the task that ctx runs, if any, that a change is about to
// be sent to HostUp, so that cancelling it never claims nothing was sent.
func taskSending(ctx context.Context) {
	if r, ok := ctx.Value(taskRunCtxKey{}).(*taskRun); ok {
		r.sending()
	}
}

// inTaskOfAskableClient says whether the call runs as a task started by a client
// that can show the confirmation dialog, which the task itself cannot.
func (c *Call) inTaskOfAskableClient() bool {
	return c != nil && c.task != nil && c.task.askable
}

// taskNote records what cancelling this call's task would leave behind; a call
// that is not a task ignores it.
func (c *Call) taskNote(text string) {
	if c.task != nil {
		c.task.setNote(text)
	}
}
