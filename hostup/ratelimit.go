package hostup

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// rateLimitPause holds back every request of one API key while HostUp's rate
// limit is spent. Once HostUp answered 429 with a Retry-After, the requests
// other goroutines send before it passes would only be refused too: under a
// fleet's concurrency they crowd the next window, and one request could lose
// every retry it has to 429s alone. Keyed by a hash of the API key, because
// HostUp counts per key and an HTTP server serves many keys with one client.
type rateLimitPause struct {
	mu    sync.Mutex
	until map[[sha256.Size]byte]time.Time
}

// pause holds the key's requests back until until.
func (p *rateLimitPause) pause(key secret, until time.Time) {
	id := sha256.Sum256([]byte(key.value()))
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.until == nil {
		p.until = map[[sha256.Size]byte]time.Time{}
	}
	now := time.Now()
	for k, t := range p.until {
		if !t.After(now) {
			delete(p.until, k) // a pause that ended says nothing more
		}
	}
	if until.After(p.until[id]) {
		p.until[id] = until
	}
}

// wait returns how long a request with key must still wait, given that it has
// itself already waited out the pause that ended at waited (its own 429's).
func (p *rateLimitPause) wait(key secret, waited time.Time) (time.Duration, time.Time) {
	id := sha256.Sum256([]byte(key.value()))
	p.mu.Lock()
	until := p.until[id]
	p.mu.Unlock()
	if !until.After(waited) {
		return 0, waited
	}
	return time.Until(until), until
}

// waitRateLimit sleeps through the key's pause, if one is on, honouring ctx.
// waited is the end of the pause this request last slept through; it is
// updated, so a request does not wait twice for the same 429.
func (c *Client) waitRateLimit(ctx context.Context, key secret, waited *time.Time) error {
	d, until := c.rate.wait(key, *waited)
	*waited = until
	if d <= 0 {
		return nil
	}
	c.log.DebugContext(ctx, "hostup rate limit pause", "wait", d)
	return c.sleep(ctx, d)
}
