// Package coord is what the processes serving hostup-mcp coordinate through:
// the record of confirm tokens, which makes each token work once, and the
// per-VPS leases, which let one change of a VPS run at a time across replicas.
//
// Package tools uses these types; internal/redisstate keeps them in Redis for
// replicas, and MemoryTokens keeps the record in one process. Both depend on
// this package only, so neither imports the other's package for a type.
package coord

import (
	"context"
	"sync"
	"time"
)

// TokenRecord is the record of confirm tokens. A token is recorded when it is
// issued and used only while that record stands: a record that lost its data
// (a Redis restarted without persistence, a process restarted) then refuses
// the tokens it held, used or not, instead of taking a used one for new.
type TokenRecord interface {
	// Issue records id as issued, for ttl (at least as long as the token is
	// valid, so that no token outlives its record).
	Issue(ctx context.Context, id string, ttl time.Duration) error
	// Use switches id from issued to being sent to vpsID, atomically: of
	// callers presenting the same id, one gets TokenFresh. It is called under
	// the VPS's lock (and lease, across replicas), right before the change is
	// sent, and says what it found.
	Use(ctx context.Context, id, vpsID string) (TokenUse, error)
	// Sent records that the change id was used for got its answer, whatever
	// it was: until then, a later Use of id for the same VPS finds it
	// TokenInterrupted.
	Sent(ctx context.Context, id string) error
}

// TokenUse is what TokenRecord.Use found.
type TokenUse int

const (
	// TokenFresh: the token was issued and nobody had used it; the caller now
	// has, and sends.
	TokenFresh TokenUse = iota
	// TokenUsed: a change was sent with it already (or is being sent, to
	// another VPS of the same confirmation).
	TokenUsed
	// TokenInterrupted: a change to this same VPS was about to be sent with it,
	// and its sender never said it was answered. The caller holds the VPS's
	// lock, so that sender is gone (a replica killed mid-call): the change may
	// or may not have reached HostUp, and must not be sent again.
	TokenInterrupted
	// TokenUnknown: the record holds nothing for the token. It expired, was
	// issued by a process that does not share this record, or the record lost
	// it; whether it was used cannot be known, so it is not used.
	TokenUnknown
)

// Leases serializes the changes of one VPS across processes (replicas sharing
// Redis), as the process's own lock does within one: a change takes its VPS's
// lease after that lock, so a process sends at most one request for the lease
// at a time.
type Leases interface {
	// Acquire waits until the caller holds vpsID's lease, or ctx ends. A lease
	// expires unless its holder keeps it (a process that dies cannot hold a VPS
	// for ever), and is kept while its holder runs.
	Acquire(ctx context.Context, vpsID string) (Lease, error)
}

// Lease is one VPS's lease, held.
type Lease interface {
	// Check reports an error unless the lease is still this caller's: a change
	// asks right before it sends, and sends nothing when it was lost.
	Check(ctx context.Context) error
	// Release gives the lease back, if it is still the caller's.
	Release()
}

// MemoryTokens keeps the record in this process. Expired ids are dropped as
// new ones come, so it holds the tokens of the last 11 minutes at most. A
// process that restarts forgets them, and so refuses every token it issued
// before: none is ever used twice.
type MemoryTokens struct {
	mu     sync.Mutex
	tokens map[string]memoryToken
}

type memoryToken struct {
	expires time.Time
	state   memoryState
	vpsID   string // while sending: the VPS the change goes to
}

type memoryState int

const (
	memoryIssued memoryState = iota
	memorySending
	memorySent
)

func (m *MemoryTokens) Issue(_ context.Context, id string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	m.dropExpired(now)
	if m.tokens == nil {
		m.tokens = map[string]memoryToken{}
	}
	m.tokens[id] = memoryToken{expires: now.Add(ttl)}
	return nil
}

func (m *MemoryTokens) Use(_ context.Context, id, vpsID string) (TokenUse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dropExpired(time.Now())
	t, ok := m.tokens[id]
	switch {
	case !ok:
		return TokenUnknown, nil
	case t.state == memoryIssued:
		t.state, t.vpsID = memorySending, vpsID
		m.tokens[id] = t
		return TokenFresh, nil
	case t.state == memorySending && t.vpsID == vpsID:
		return TokenInterrupted, nil
	}
	return TokenUsed, nil
}

func (m *MemoryTokens) Sent(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.tokens[id]; ok && t.state == memorySending {
		t.state = memorySent
		m.tokens[id] = t
	}
	return nil
}

func (m *MemoryTokens) dropExpired(now time.Time) {
	for id, t := range m.tokens {
		if now.After(t.expires) {
			delete(m.tokens, id)
		}
	}
}
