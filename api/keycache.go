package api

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// KeyCache remembers valid API keys for TTL, so that a busy client's
// every request does not ask the catalog again. A revoked key is refused
// at the latest TTL after its revocation; unknown tokens are never cached.
type KeyCache struct {
	Keys KeyStore
	TTL  time.Duration    // 0: 10 s
	Max  int              // entries kept at most; 0: 10,000
	Now  func() time.Time // nil: time.Now

	mu sync.Mutex
	m  map[[sha256.Size]byte]cachedKey
}

type cachedKey struct {
	key     catalog.APIKey
	expires time.Time
}

// APIKeyByToken implements KeyStore.
func (c *KeyCache) APIKeyByToken(ctx context.Context, token string) (catalog.APIKey, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	// Kept by hash: the cache never holds tokens themselves.
	h := sha256.Sum256([]byte(token))
	c.mu.Lock()
	e, ok := c.m[h]
	c.mu.Unlock()
	if ok && now().Before(e.expires) {
		return e.key, nil
	}
	k, err := c.Keys.APIKeyByToken(ctx, token)
	if err != nil {
		return k, err
	}
	ttl, max := c.TTL, c.Max
	if ttl <= 0 {
		ttl = 10 * time.Second
	}
	if max <= 0 {
		max = 10000
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= max {
		c.m = map[[sha256.Size]byte]cachedKey{} // crude, bounded: start over
	}
	c.m[h] = cachedKey{key: k, expires: now().Add(ttl)}
	c.mu.Unlock()
	return k, nil
}
