package redisstate

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/internal/coord"
	"github.com/hostup/hostup-mcp/internal/redistest"
)

func startTask(t *testing.T, s *Store, id, owner string, ttl time.Duration) coord.TaskRun {
	t.Helper()
	run, err := s.Start(context.Background(), coord.TaskRecord{ID: id, Owner: owner, Task: []byte(`{"taskId":"` + id + `"}`)}, ttl)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	return run
}

func mustGet(t *testing.T, s *Store, id string) coord.TaskRecord {
	t.Helper()
	got, ok, err := s.Get(context.Background(), id)
	if err != nil || !ok {
		t.Fatalf("Get %s: %v %v", id, ok, err)
	}
	return got
}

func stopped(run coord.TaskRun, within time.Duration) bool {
	select {
	case <-run.Stop():
		return true
	case <-time.After(within):
		return false
	}
}

// What one replica records of a task it runs, another reads: while it runs,
// once it ended, and its outcome, all expiring with the task.
func TestATaskRecordedByOneReplicaIsReadByAnother(t *testing.T) {
	srv := redistest.Start(t)
	runner, reader := open(t, srv, Options{}), open(t, srv, Options{})
	ctx := context.Background()
	run := startTask(t, runner, "t1", "key-id-a", time.Minute)
	if got := mustGet(t, reader, "t1"); got.Status != coord.TaskWorking || got.Owner != "key-id-a" || string(got.Task) != `{"taskId":"t1"}` {
		t.Fatalf("a running task read elsewhere: %+v", got)
	}
	if _, ok, _ := reader.Outcome(ctx, "t1"); ok {
		t.Fatal("a running task has an outcome")
	}
	if err := run.End(ctx, "completed", []byte(`{"status":"completed"}`), []byte(`{"result":{}}`)); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, reader, "t1"); got.Status != "completed" || string(got.Task) != `{"status":"completed"}` {
		t.Fatalf("an ended task read elsewhere: %+v", got)
	}
	if out, ok, err := reader.Outcome(ctx, "t1"); !ok || err != nil || string(out) != `{"result":{}}` {
		t.Fatalf("outcome: %q %v %v", out, ok, err)
	}
	// An end is recorded once: another status does not replace it.
	if err := run.End(ctx, "cancelled", []byte(`{}`), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, reader, "t1"); got.Status != "completed" {
		t.Fatalf("a second end with another status replaced the first: %+v", got)
	}
	r := raw(t, srv)
	task, outcome, _ := taskKeys("t1")
	// The outcome takes the record's remaining time when it is written; Redis
	// rounds each expiry to the millisecond, so it may read a few ms later.
	if ttl, out := r.PTTL(ctx, task).Val(), r.PTTL(ctx, outcome).Val(); ttl <= 0 || ttl > time.Minute || out <= 0 || out > ttl+10*time.Millisecond {
		t.Fatalf("the record lives %v and its outcome %v; want both within the task's minute", ttl, out)
	}
	if _, ok, _ := reader.Get(ctx, "never-started"); ok {
		t.Fatal("a task nobody started has a record")
	}
}

func TestATaskIsListedForItsOwnerOnly(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, Options{})
	startTask(t, s, "a1", "owner-a", time.Minute)
	startTask(t, s, "a2", "owner-a", time.Minute)
	startTask(t, s, "b1", "owner-b", time.Minute)
	got, err := s.List(context.Background(), "owner-a")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, ",") != "a2,a1" {
		t.Fatalf("owner-a's tasks: %v, want a2,a1 (newest first)", ids)
	}
}

// A replica that dies while its task runs stops marking it alive: the task is
// then lost for every reader, and stays lost even if its runner comes back.
func TestATaskWhoseReplicaStopsMarkingItIsLostForGood(t *testing.T) {
	srv := redistest.Start(t)
	opts := Options{LeaseTTL: 300 * time.Millisecond}
	runner, reader := open(t, srv, opts), open(t, srv, opts)
	run := startTask(t, runner, "t1", "o", time.Minute)
	time.Sleep(700 * time.Millisecond) // renewed twice over its life
	if got := mustGet(t, reader, "t1"); got.Status != coord.TaskWorking {
		t.Fatalf("a task kept alive: %s, want working", got.Status)
	}
	run.Close() // as a killed replica: no more renewals, no end
	time.Sleep(400 * time.Millisecond)
	if got := mustGet(t, reader, "t1"); got.Status != coord.TaskLost {
		t.Fatalf("a task whose replica stopped: %s, want lost", got.Status)
	}
	if err := run.End(context.Background(), "completed", []byte(`{}`), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, reader, "t1"); got.Status != coord.TaskLost {
		t.Fatalf("a lost task took an end: %s", got.Status)
	}
	if asked, _ := reader.Cancel(context.Background(), "t1"); asked {
		t.Fatal("a lost task was asked to cancel")
	}
}

// A cancel asked on one replica stops the run on the other at once, and a run
// whose message was lost hears of it on its next renewal.
func TestACancelAskedOnOneReplicaStopsTheRunOnTheOther(t *testing.T) {
	srv := redistest.Start(t)
	opts := Options{LeaseTTL: 3 * time.Second}
	runner, asker := open(t, srv, opts), open(t, srv, opts)
	ctx := context.Background()
	run := startTask(t, runner, "t1", "o", time.Minute)
	if asked, err := asker.Cancel(ctx, "t1"); !asked || err != nil {
		t.Fatalf("Cancel: %v %v", asked, err)
	}
	if !stopped(run, 500*time.Millisecond) {
		t.Fatal("the run did not hear of the cancel within 500ms")
	}

	quiet := startTask(t, runner, "t2", "o", time.Minute)
	task, _, _ := taskKeys("t2")
	if err := raw(t, srv).HSet(ctx, task, "cancel", "1").Err(); err != nil { // marked, never published
		t.Fatal(err)
	}
	if stopped(quiet, 200*time.Millisecond) {
		t.Fatal("the run stopped before any message or renewal")
	}
	if !stopped(quiet, 2*time.Second) {
		t.Fatal("the run did not read the cancel mark on its renewal")
	}
	if err := run.End(ctx, "cancelled", []byte(`{}`), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if asked, _ := asker.Cancel(ctx, "t1"); asked {
		t.Fatal("an ended task was asked to cancel")
	}
}

func TestAnOutcomeLargerThanTheRecordHoldsIsRefused(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, Options{})
	run := startTask(t, s, "t1", "o", time.Minute)
	err := run.End(context.Background(), "completed", []byte(`{}`), make([]byte, coord.MaxTaskOutcome+1))
	if err == nil {
		t.Fatal("an outcome over MaxTaskOutcome was recorded")
	}
	if got := mustGet(t, s, "t1"); got.Status != coord.TaskWorking {
		t.Fatalf("status after a refused end: %s", got.Status)
	}
}
