// Package redisstate keeps the state that replicas of hostup-mcp must share in
// Redis: the record of confirm tokens (coord.TokenRecord), the per-VPS leases
// that serialize changes across replicas (coord.Leases) and the record of MCP
// tasks (coord.Tasks, tasks.go). Redis is the
// engine, so that single use and mutual exclusion rest on its atomic commands
// (SET NX, and scripts that compare before they switch, extend or delete)
// rather than on a protocol of our own.
//
// Keys, all under the prefix "hostup-mcp:":
//
//	token:<id>   a confirm token: "issued" from its issue, then "sending <vps>"
//	             until its change was answered, then "sent"; it expires a
//	             minute after the token. A token without this key is refused,
//	             so a Redis that lost its data refuses the tokens it held.
//	lease:<vps>  the holder's random value; it expires unless kept
//
// and a task's keys, listed in tasks.go.
//
// Nothing stored is a secret: token and task ids are random, VPS ids are
// HostUp's, a task's owner is a key id (a hash), and a HostUp API key never
// reaches Redis.
package redisstate

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hostup/hostup-mcp/internal/coord"
)

// DefaultLeaseTTL is how long a lease outlives its holder: a replica killed
// while it held a VPS holds it this long at most. Its holder renews it every
// third of that, so a change may take any time while the holder lives.
const DefaultLeaseTTL = 15 * time.Second

const prefix = "hostup-mcp:"

// Options tune a Store.
type Options struct {
	// LeaseTTL is a lease's life without renewal; DefaultLeaseTTL when zero.
	LeaseTTL time.Duration
	// Poll is how often a waiter tries a held lease again; 50 ms when zero.
	Poll time.Duration
	// Logger hears of a lease lost while its holder ran; nothing when nil.
	Logger *slog.Logger
}

// Store is the Redis-backed record and leases. It implements coord.TokenRecord
// and coord.Leases, and is safe for concurrent use.
type Store struct {
	rdb      *redis.Client
	leaseTTL time.Duration
	poll     time.Duration
	log      *slog.Logger
	addr     string
	cancels  cancelListener // the tasks this process runs (tasks.go)
}

// ParseURL checks a Redis URL (redis://, rediss:// or unix://) without
// connecting. Its errors never repeat the URL, which may hold a password.
func ParseURL(raw string) (*redis.Options, error) {
	o, err := redis.ParseURL(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the whole URL, password included
		}
		return nil, errors.New(trimRedisPrefix(err.Error()))
	}
	return o, nil
}

// Open connects to the Redis at rawURL and checks, within ctx, that it
// answers. The errors name the address, never the password.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	o, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	// The client's own identification (CLIENT SETINFO) is noise on servers
	// that predate it, and tells Redis nothing it needs.
	o.DisableIdentity = true
	s := &Store{rdb: redis.NewClient(o), leaseTTL: opts.LeaseTTL, poll: opts.Poll, log: opts.Logger, addr: o.Addr}
	if s.leaseTTL <= 0 {
		s.leaseTTL = DefaultLeaseTTL
	}
	if s.poll <= 0 {
		s.poll = 50 * time.Millisecond
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	clientLog.Store(s.log)
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		s.rdb.Close()
		return nil, fmt.Errorf("Redis at %s does not answer: %s", o.Addr, trimRedisPrefix(err.Error()))
	}
	return s, nil
}

// CheckEviction says whether Redis may evict this server's keys, which all
// expire, so every policy but noeviction may pick them once Redis is full. An
// evicted lease lets two replicas change one VPS at once, so a Redis that can
// evict now (a memory limit and an evicting policy) is an error: the server is
// better stopped at start. What can only evict later (an evicting policy
// without a limit yet), or cannot be checked (CONFIG and INFO both denied, as
// on some managed Redis), is the warning returned, for the server to log.
func (s *Store) CheckEviction(ctx context.Context) (warning string, err error) {
	policy, limit, err := s.memoryPolicy(ctx)
	const why = "an evicted lease lets two replicas change one VPS at once"
	switch {
	case err != nil:
		return fmt.Sprintf("could not check whether the Redis at %s may evict hostup-mcp's keys (%v): make sure its maxmemory-policy is noeviction, since %s", s.addr, err, why), nil
	case policy == "noeviction":
		return "", nil
	case limit == 0:
		return fmt.Sprintf("the Redis at %s has maxmemory-policy %s: it evicts hostup-mcp's keys once a memory limit (maxmemory) is set, and %s; set maxmemory-policy noeviction", s.addr, policy, why), nil
	}
	return "", fmt.Errorf("the Redis at %s may evict hostup-mcp's keys (maxmemory-policy %s, maxmemory %d bytes), and %s; set maxmemory-policy noeviction (CONFIG SET maxmemory-policy noeviction, and in its configuration), or give hostup-mcp a Redis of its own", s.addr, policy, limit, why)
}

// memoryPolicy reads maxmemory-policy and maxmemory with CONFIG GET, or from
// INFO memory where CONFIG is not allowed.
func (s *Store) memoryPolicy(ctx context.Context) (string, int64, error) {
	cfg, cfgErr := s.rdb.ConfigGet(ctx, "maxmemory*").Result()
	fields := map[string]string{"policy": cfg["maxmemory-policy"], "limit": cfg["maxmemory"]}
	if cfgErr != nil || fields["policy"] == "" {
		info, err := s.rdb.Info(ctx, "memory").Result()
		if err != nil {
			if cfgErr == nil {
				cfgErr = errors.New("CONFIG GET did not give maxmemory-policy")
			}
			return "", 0, fmt.Errorf("CONFIG GET: %s; INFO memory: %s", trimRedisPrefix(cfgErr.Error()), trimRedisPrefix(err.Error()))
		}
		for line := range strings.Lines(info) {
			k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
			switch k {
			case "maxmemory_policy":
				fields["policy"] = v
			case "maxmemory":
				fields["limit"] = v
			}
		}
	}
	limit, err := strconv.ParseInt(fields["limit"], 10, 64)
	if fields["policy"] == "" || err != nil {
		return "", 0, errors.New("neither CONFIG GET nor INFO memory gave maxmemory-policy and maxmemory")
	}
	return fields["policy"], limit, nil
}

// The client's own log lines (a failed dial, a pool's retries) would go to
// stderr through the standard logger, one per attempt, around the one line a
// failed start prints; they go to the last Store's logger at debug level.
var clientLog atomic.Pointer[slog.Logger]

type clientLogger struct{}

func (clientLogger) Printf(ctx context.Context, format string, v ...any) {
	if l := clientLog.Load(); l != nil {
		l.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
	}
}

func init() { redis.SetLogger(clientLogger{}) }

// Addr is the address of the Redis server, for logs.
func (s *Store) Addr() string { return s.addr }

// Close closes the connections.
func (s *Store) Close() error {
	s.cancels.close()
	return s.rdb.Close()
}

func trimRedisPrefix(msg string) string {
	if len(msg) > 7 && msg[:7] == "redis: " {
		return msg[7:]
	}
	return msg
}

// Record values of a token.
const (
	issued  = "issued"
	sending = "sending " // + the VPS id, until Sent
	sent    = "sent"
)

// Issue records id as issued for ttl. SET NX: a random id is new, and one
// that is not must not reopen what its record says.
func (s *Store) Issue(ctx context.Context, id string, ttl time.Duration) error {
	ok, err := s.rdb.SetNX(ctx, prefix+"token:"+id, issued, max(ttl, time.Second)).Result()
	if err == nil && !ok {
		err = errors.New("a token with this id is recorded already")
	}
	return s.wrap(err)
}

// useScript switches a token from issued to "sending <vps>" (ARGV[1]) in one
// step, keeping its expiry, and returns what the record held: of replicas
// presenting the same token, one only finds it issued. A missing record is
// nil, whatever the reason it is missing.
var useScript = redis.NewScript(`local v = redis.call("GET", KEYS[1])
if v == "issued" then redis.call("SET", KEYS[1], ARGV[1], "KEEPTTL") end
return v`)

// Use switches id from issued to being sent to vpsID, and says what it found:
// what the winner recorded tells a finished use from one cut off.
func (s *Store) Use(ctx context.Context, id, vpsID string) (coord.TokenUse, error) {
	v, err := useScript.Run(ctx, s.rdb, []string{prefix + "token:" + id}, sending+vpsID).Text()
	switch {
	case errors.Is(err, redis.Nil):
		return coord.TokenUnknown, nil
	case err != nil:
		return 0, s.wrap(err)
	case v == issued:
		return coord.TokenFresh, nil
	case v == sending+vpsID:
		return coord.TokenInterrupted, nil
	}
	return coord.TokenUsed, nil
}

// Sent records that the change id was used for was answered; the record keeps
// its expiry, and a record that is gone stays gone (the token is then refused
// as unknown, which is what it is).
func (s *Store) Sent(ctx context.Context, id string) error {
	err := s.rdb.SetArgs(ctx, prefix+"token:"+id, sent, redis.SetArgs{Mode: "XX", KeepTTL: true}).Err()
	if errors.Is(err, redis.Nil) {
		return s.wrap(errors.New("the token's record is gone: Redis lost it since the token was used"))
	}
	return s.wrap(err)
}

// Only the holder may extend or delete a lease: each script compares the
// stored value with the holder's before it acts.
var (
	extendScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)
	deleteScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)
)

// errLost is a lease's state once it was found taken by another or expired.
var errLost = errors.New("the lease expired or passed to another replica")

// claimTTL is the life a lease is first set with. A SET NX that Redis runs
// after its caller gave up (Redis paused, then resumed; an answer lost) takes
// the lease for nobody: with this short life it blocks the VPS that long, not
// a whole lease's life. The caller that does get the answer extends it at once.
const claimTTL = 2 * time.Second

// Acquire takes vpsID's lease (SET NX with claimTTL, then extended to the
// lease's life by its holder), trying again every poll until it is free or ctx
// ends. The lease is then renewed every third of its life until Release.
func (s *Store) Acquire(ctx context.Context, vpsID string) (coord.Lease, error) {
	key := prefix + "lease:" + vpsID
	holder := rand.Text()
	l := &lease{s: s, key: key, holder: holder, vpsID: vpsID, stop: make(chan struct{}), stopped: make(chan struct{})}
	tick := time.NewTicker(s.poll)
	defer tick.Stop()
	for {
		ok, err := s.rdb.SetNX(ctx, key, holder, min(claimTTL, s.leaseTTL)).Result()
		if err != nil {
			err = s.wrap(err)
		} else if ok {
			// errLost: the claim expired before its answer came; try again.
			if err = l.extend(ctx); err == nil {
				break
			}
		}
		if err != nil && !errors.Is(err, errLost) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
	go l.keep()
	return l, nil
}

type lease struct {
	s      *Store
	key    string
	holder string
	vpsID  string

	stop, stopped chan struct{}
}

// keep renews the lease until Release. A renewal that fails on the network is
// tried again on the next tick (the lease still has two thirds of its life);
// one that finds the lease gone stops, and Check says so from then on.
func (l *lease) keep() {
	l.s.everyThird(l.stop, l.stopped, func(ctx context.Context) bool {
		err := l.extend(ctx)
		if errors.Is(err, errLost) {
			l.s.log.Warn("the shared lease of a VPS was lost while its change ran; another replica may change it meanwhile", "vps_id", l.vpsID)
			return false
		}
		if err != nil {
			l.s.log.Warn("renewing the shared lease of a VPS failed; trying again", "vps_id", l.vpsID, "error", err)
		}
		return true
	})
}

// everyThird calls renew every third of a lease's life, within that third,
// until quit is closed or renew says to stop, and then closes done.
func (s *Store) everyThird(quit <-chan struct{}, done chan<- struct{}, renew func(context.Context) bool) {
	defer close(done)
	t := time.NewTicker(s.leaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-quit:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.leaseTTL/3)
		goOn := renew(ctx)
		cancel()
		if !goOn {
			return
		}
	}
}

func (l *lease) extend(ctx context.Context) error {
	n, err := extendScript.Run(ctx, l.s.rdb, []string{l.key}, l.holder, l.s.leaseTTL.Milliseconds()).Int()
	if err != nil {
		return l.s.wrap(err)
	}
	if n == 0 {
		return errLost
	}
	return nil
}

// Check renews the lease now, so the change about to be sent has its whole
// life ahead, and fails when the lease is no longer this holder's.
func (l *lease) Check(ctx context.Context) error { return l.extend(ctx) }

// Release stops the renewals and deletes the lease if it is still this
// holder's: a lease that expired and passed to another replica stays theirs.
func (l *lease) Release() {
	close(l.stop)
	<-l.stopped
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := deleteScript.Run(ctx, l.s.rdb, []string{l.key}, l.holder).Err(); err != nil {
		// The lease then expires on its own.
		l.s.log.Warn("releasing the shared lease of a VPS failed; it expires on its own", "vps_id", l.vpsID, "error", l.s.wrap(err))
	}
}

// wrap makes a client error say where Redis is; go-redis errors name neither
// a password nor a key's value.
func (s *Store) wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("Redis at %s: %s", s.addr, trimRedisPrefix(err.Error()))
}
