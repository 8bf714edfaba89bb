package api

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

type countingKeys struct {
	calls int
	keys  map[string]catalog.APIKey
}

func (c *countingKeys) APIKeyByToken(ctx context.Context, token string) (catalog.APIKey, error) {
	c.calls++
	k, ok := c.keys[token]
	if !ok {
		return k, catalog.ErrNotFound
	}
	return k, nil
}

func TestKeyCache(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	store := &countingKeys{keys: map[string]catalog.APIKey{"tok-a": {ID: "a"}, "tok-b": {ID: "b"}}}
	c := &KeyCache{Keys: store, TTL: 10 * time.Second, Max: 2, Now: func() time.Time { return now }}
	lookup := func(tok string) (string, error) {
		k, err := c.APIKeyByToken(ctx, tok)
		return k.ID, err
	}
	for range 3 {
		if id, err := lookup("tok-a"); id != "a" || err != nil {
			t.Fatalf("lookup = %q, %v", id, err)
		}
	}
	if store.calls != 1 {
		t.Errorf("3 lookups within the TTL asked the store %d times, want 1", store.calls)
	}
	// Unknown tokens are never cached: each asks again.
	for range 2 {
		if _, err := lookup("nope"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
	}
	if store.calls != 3 {
		t.Errorf("store asked %d times, want 3", store.calls)
	}
	// Revoked: refused once the TTL has passed.
	delete(store.keys, "tok-a")
	if _, err := lookup("tok-a"); err != nil {
		t.Errorf("within the TTL a revoked key still passes (documented), got %v", err)
	}
	now = now.Add(11 * time.Second)
	if _, err := lookup("tok-a"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("after the TTL a revoked key: %v, want ErrNotFound", err)
	}
	// Bounded: more keys than Max start the cache over, answers stay right.
	for _, tok := range []string{"tok-b", "tok-c", "tok-b"} {
		store.keys["tok-c"] = catalog.APIKey{ID: "c"}
		if id, err := lookup(tok); err != nil || id != tok[4:] {
			t.Errorf("lookup(%s) = %q, %v", tok, id, err)
		}
	}
	if len(c.m) > 2 {
		t.Errorf("cache holds %d entries, Max 2", len(c.m))
	}
}
