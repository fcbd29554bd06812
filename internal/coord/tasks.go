package coord

import (
	"context"
	"time"
)

// Tasks is the shared record of the MCP tasks the processes run: who started
// each, its status and, once it ended, its outcome. The process that runs a
// task writes its record; any process reads it, so that a client's tasks/get,
// tasks/result, tasks/list and tasks/cancel work on whichever replica they
// reach. A record lives as long as its task (at most the task's TTL).
type Tasks interface {
	// Start records a task this process has just started, TaskWorking, for
	// ttl, and marks it alive until the returned run is closed: a task whose
	// process stops marking it (a replica killed) is read as TaskLost.
	Start(ctx context.Context, t TaskRecord, ttl time.Duration) (TaskRun, error)
	// Get reads a task's record; false when there is none (never recorded, or
	// expired). A working task whose process no longer marks it alive is
	// switched to TaskLost, for good, and read so.
	Get(ctx context.Context, id string) (TaskRecord, bool, error)
	// List reads the records of owner's tasks, as Get does each.
	List(ctx context.Context, owner string) ([]TaskRecord, error)
	// Outcome reads what the task's process recorded at its end (TaskRun.End);
	// false before then, or when there is no record.
	Outcome(ctx context.Context, id string) ([]byte, bool, error)
	// Cancel asks the process running a working task to cancel it, and says
	// whether the task was working, so asked. It does not wait: the running
	// process records the cancellation (TaskRun.End) once it has stopped.
	Cancel(ctx context.Context, id string) (bool, error)
}

// TaskRecord is one task as the record holds it.
type TaskRecord struct {
	ID string
	// Owner names the credential that started the task: a key id, never a key
	// or a token (the record is not a secret store).
	Owner string
	// Status is TaskWorking until the task's process records its end, then the
	// status it recorded; TaskLost when its process stopped before that.
	Status string
	// Task is the task as the protocol shows it (JSON), as its process last
	// recorded it; the record does not read it.
	Task []byte
}

// The statuses the record itself sets; an ended task has the status its
// process recorded.
const (
	TaskWorking = "working"
	TaskLost    = "lost"
)

// MaxTaskOutcome bounds a recorded outcome, far below what Redis holds in one
// value and large enough for a fleet's result: the process that runs a task
// records something shorter in place of a larger outcome.
const MaxTaskOutcome = 4 << 20

// TaskRun is a task this process runs, as Tasks.Start recorded it.
type TaskRun interface {
	// Stop is closed when the task must stop here: another process asked to
	// cancel it, or its record no longer says it runs (it was found lost while
	// this process could not reach the record).
	Stop() <-chan struct{}
	// End records the task's end: its status, the task as the protocol shows
	// it, and its outcome (at most MaxTaskOutcome bytes). It is taken while the
	// task is working, and again with the same status (what a cancelled task
	// says may change until its run returns); a lost task stays lost.
	End(ctx context.Context, status string, task, outcome []byte) error
	// Close stops marking the task alive; the record keeps what End wrote.
	Close()
}
