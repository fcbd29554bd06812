package coord

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMemoryTokensAreUsedOnceAndOnlyWhileRecorded(t *testing.T) {
	ctx := context.Background()
	m := &MemoryTokens{}
	if got, _ := m.Use(ctx, "never-issued", "vps_a"); got != TokenUnknown {
		t.Fatalf("a token never issued: %v, want TokenUnknown", got)
	}
	if err := m.Issue(ctx, "tok", time.Minute); err != nil {
		t.Fatal(err)
	}
	var fresh atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if got, _ := m.Use(ctx, "tok", "vps_b"); got == TokenFresh {
				fresh.Add(1)
			}
		})
	}
	wg.Wait()
	if fresh.Load() != 1 {
		t.Fatalf("%d callers found the token fresh, want 1", fresh.Load())
	}
	if got, _ := m.Use(ctx, "tok", "vps_b"); got != TokenInterrupted {
		t.Fatalf("same VPS before Sent: %v, want TokenInterrupted", got)
	}
	if got, _ := m.Use(ctx, "tok", "vps_c"); got != TokenUsed {
		t.Fatalf("another VPS: %v, want TokenUsed", got)
	}
	_ = m.Sent(ctx, "tok")
	if got, _ := m.Use(ctx, "tok", "vps_b"); got != TokenUsed {
		t.Fatalf("same VPS once answered: %v, want TokenUsed", got)
	}
	// A restarted process has a new, empty record.
	if got, _ := (&MemoryTokens{}).Use(ctx, "tok", "vps_b"); got != TokenUnknown {
		t.Fatalf("after a restart: %v, want TokenUnknown", got)
	}
}

func TestMemoryTokensForgetExpiredRecords(t *testing.T) {
	ctx := context.Background()
	m := &MemoryTokens{}
	_ = m.Issue(ctx, "short", time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	_ = m.Issue(ctx, "other", time.Minute)
	if got, _ := m.Use(ctx, "short", "vps_a"); got != TokenUnknown {
		t.Fatalf("an expired record: %v, want TokenUnknown", got)
	}
	m.mu.Lock()
	n := len(m.tokens)
	m.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d records kept, want only the unexpired one", n)
	}
}
