package redisstate

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hostup/hostup-mcp/internal/coord"
)

// The task record (coord.Tasks). A task's keys:
//
//	task:<id>          a hash: owner, status, task (the protocol's JSON) and
//	                   cancel ("1" once asked); it expires with the task
//	task-outcome:<id>  its outcome, from its end until the task expires
//	task-alive:<id>    set by the process running it, for a lease's life, and
//	                   renewed every third of that while it runs
//	tasks-of:<owner>   a sorted set of the owner's task ids, by expiry time
//
// A working task without its alive key is lost: the first reader to find it
// so switches it to "lost" in the same script, and a lost task takes no end,
// so every replica tells the same story from then on.

var _ coord.Tasks = (*Store)(nil)

// cancelChannel carries the id of a task some replica was asked to cancel.
const cancelChannel = prefix + "task-cancel"

// maxListed bounds tasks/list: the newest tasks of one owner.
const maxListed = 1000

func taskKeys(id string) (task, outcome, alive string) {
	return prefix + "task:" + id, prefix + "task-outcome:" + id, prefix + "task-alive:" + id
}

func ownerKey(owner string) string { return prefix + "tasks-of:" + owner }

var (
	// KEYS: task, alive, owner's set. ARGV: owner, task JSON, ttl ms, alive
	// ms, expiry (unix ms), id, holder.
	startScript = redis.NewScript(`if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
redis.call("HSET", KEYS[1], "owner", ARGV[1], "status", "working", "task", ARGV[2])
redis.call("PEXPIRE", KEYS[1], ARGV[3])
redis.call("SET", KEYS[2], ARGV[7], "PX", ARGV[4])
redis.call("ZADD", KEYS[3], ARGV[5], ARGV[6])
if redis.call("PTTL", KEYS[3]) < tonumber(ARGV[3]) then redis.call("PEXPIRE", KEYS[3], ARGV[3]) end
return 1`)
	// KEYS: task, alive. Reads a task, switching a working one whose process
	// stopped marking it alive to lost.
	getScript = redis.NewScript(`local st = redis.call("HGET", KEYS[1], "status")
if not st then return false end
if st == "working" and redis.call("EXISTS", KEYS[2]) == 0 then redis.call("HSET", KEYS[1], "status", "lost") end
return redis.call("HMGET", KEYS[1], "owner", "status", "task")`)
	// KEYS: task, alive. ARGV: holder, alive ms. -1: the task no longer runs
	// by the record; 1: it runs and was asked to cancel; 0: it runs.
	keepScript = redis.NewScript(`if redis.call("HGET", KEYS[1], "status") ~= "working" then return -1 end
redis.call("SET", KEYS[2], ARGV[1], "PX", ARGV[2])
if redis.call("HGET", KEYS[1], "cancel") == "1" then return 1 end
return 0`)
	// KEYS: task, outcome, alive. ARGV: status, task JSON, outcome.
	endScript = redis.NewScript(`local st = redis.call("HGET", KEYS[1], "status")
if st ~= "working" and st ~= ARGV[1] then return 0 end
local ttl = redis.call("PTTL", KEYS[1])
if ttl <= 0 then return 0 end
redis.call("HSET", KEYS[1], "status", ARGV[1], "task", ARGV[2])
redis.call("SET", KEYS[2], ARGV[3], "PX", ttl)
redis.call("DEL", KEYS[3])
return 1`)
	// KEYS: task, alive. ARGV: channel, id. Asks only a task that runs.
	cancelScript = redis.NewScript(`if redis.call("HGET", KEYS[1], "status") ~= "working" or redis.call("EXISTS", KEYS[2]) == 0 then return 0 end
redis.call("HSET", KEYS[1], "cancel", "1")
redis.call("PUBLISH", ARGV[1], ARGV[2])
return 1`)
)

// Start records t as working for ttl and keeps it alive until Close.
func (s *Store) Start(ctx context.Context, t coord.TaskRecord, ttl time.Duration) (coord.TaskRun, error) {
	if err := s.listenForCancels(ctx); err != nil {
		return nil, err
	}
	run := &taskRun{s: s, id: t.ID, holder: rand.Text(), stop: make(chan struct{}), quit: make(chan struct{}), done: make(chan struct{})}
	s.cancels.add(t.ID, run)
	task, _, alive := taskKeys(t.ID)
	ttl = max(ttl, time.Second)
	expiry := time.Now().Add(ttl).UnixMilli()
	n, err := startScript.Run(ctx, s.rdb, []string{task, alive, ownerKey(t.Owner)},
		t.Owner, t.Task, ttl.Milliseconds(), s.leaseTTL.Milliseconds(), expiry, t.ID, run.holder).Int()
	if err == nil && n == 0 {
		err = errors.New("a task with this id is recorded already")
	}
	if err != nil {
		s.cancels.remove(t.ID)
		return nil, s.wrap(err)
	}
	go run.keep()
	return run, nil
}

// Get reads a task's record, switching a working one found dead to lost.
func (s *Store) Get(ctx context.Context, id string) (coord.TaskRecord, bool, error) {
	task, _, alive := taskKeys(id)
	v, err := getScript.Run(ctx, s.rdb, []string{task, alive}).Slice()
	if errors.Is(err, redis.Nil) {
		return coord.TaskRecord{}, false, nil
	}
	if err != nil {
		return coord.TaskRecord{}, false, s.wrap(err)
	}
	field := func(i int) string { f, _ := v[i].(string); return f }
	if len(v) != 3 || field(1) == "" {
		return coord.TaskRecord{}, false, nil // expired between the two reads
	}
	return coord.TaskRecord{ID: id, Owner: field(0), Status: field(1), Task: []byte(field(2))}, true, nil
}

// List reads owner's newest tasks, dropping from its set those expired.
func (s *Store) List(ctx context.Context, owner string) ([]coord.TaskRecord, error) {
	key := ownerKey(owner)
	now := fmt.Sprint(time.Now().UnixMilli())
	if err := s.rdb.ZRemRangeByScore(ctx, key, "-inf", now).Err(); err != nil {
		return nil, s.wrap(err)
	}
	ids, err := s.rdb.ZRevRange(ctx, key, 0, maxListed-1).Result()
	if err != nil {
		return nil, s.wrap(err)
	}
	out := []coord.TaskRecord{}
	for _, id := range ids {
		t, ok, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok && t.Owner == owner {
			out = append(out, t)
		}
	}
	return out, nil
}

// Outcome reads what the task's process recorded at its end.
func (s *Store) Outcome(ctx context.Context, id string) ([]byte, bool, error) {
	_, key, _ := taskKeys(id)
	b, err := s.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	return b, err == nil, s.wrap(err)
}

// Cancel marks a running task as asked to cancel, and tells the processes at
// once; the one running it also reads the mark on its next renewal, should
// the message not reach it.
func (s *Store) Cancel(ctx context.Context, id string) (bool, error) {
	task, _, alive := taskKeys(id)
	n, err := cancelScript.Run(ctx, s.rdb, []string{task, alive}, cancelChannel, id).Int()
	return n == 1, s.wrap(err)
}

// taskRun keeps one running task alive and hears of its cancellation.
type taskRun struct {
	s      *Store
	id     string
	holder string

	stopOnce, closeOnce sync.Once
	stop                chan struct{}
	quit, done          chan struct{}
}

func (r *taskRun) Stop() <-chan struct{} { return r.stop }

func (r *taskRun) halt() { r.stopOnce.Do(func() { close(r.stop) }) }

func (r *taskRun) End(ctx context.Context, status string, task, outcome []byte) error {
	if len(outcome) > coord.MaxTaskOutcome {
		return fmt.Errorf("a task's outcome of %d bytes is more than the record holds (%d)", len(outcome), coord.MaxTaskOutcome)
	}
	k, o, a := taskKeys(r.id)
	return r.s.wrap(endScript.Run(ctx, r.s.rdb, []string{k, o, a}, status, task, outcome).Err())
}

func (r *taskRun) Close() {
	r.closeOnce.Do(func() {
		close(r.quit)
		<-r.done
		r.s.cancels.remove(r.id)
	})
}

// keep renews the alive mark every third of its life. A renewal that fails on
// the network is tried again on the next tick; one that finds the task asked
// to cancel, or no longer running by the record, stops the run.
func (r *taskRun) keep() {
	k, _, a := taskKeys(r.id)
	r.s.everyThird(r.quit, r.done, func(ctx context.Context) bool {
		n, err := keepScript.Run(ctx, r.s.rdb, []string{k, a}, r.holder, r.s.leaseTTL.Milliseconds()).Int()
		switch {
		case err != nil:
			r.s.log.Warn("renewing a task's alive mark in the shared record failed; trying again", "task_id", r.id, "error", r.s.wrap(err))
		case n == -1:
			r.halt()
			return false
		case n == 1:
			r.halt()
		}
		return true
	})
}

// cancelListener hands the cancellations other replicas publish to the runs
// of this process, through one subscription opened with the first task.
type cancelListener struct {
	mu   sync.Mutex
	sub  *redis.PubSub
	runs map[string]*taskRun
}

func (l *cancelListener) add(id string, r *taskRun) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.runs == nil {
		l.runs = map[string]*taskRun{}
	}
	l.runs[id] = r
}

func (l *cancelListener) remove(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.runs, id)
}

func (l *cancelListener) deliver(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.runs[id]; r != nil {
		r.halt()
	}
}

// listenForCancels subscribes to cancelChannel once, and waits for Redis to
// confirm it, so that a task recorded afterwards misses no cancellation.
func (s *Store) listenForCancels(ctx context.Context) error {
	l := &s.cancels
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sub != nil {
		return nil
	}
	sub := s.rdb.Subscribe(context.Background(), cancelChannel)
	if _, err := sub.Receive(ctx); err != nil {
		sub.Close()
		return s.wrap(err)
	}
	l.sub = sub
	go func() {
		for m := range sub.Channel() {
			l.deliver(m.Payload)
		}
	}()
	return nil
}

func (l *cancelListener) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sub != nil {
		l.sub.Close()
	}
}
