package engine

import (
	"container/list"
	"context"
	"strings"
	"sync"

	"github.com/gov-policy/gov/bundles"
)

// Cache keeps prepared engines per bundle content (Bundle.Digest), least
// recently used first out. A bundle without a digest is cached by its
// revision unless it has none or a "+dirty" one (then its content is not
// pinned by it); a revision alone does not tell two directories of one
// commit apart.
type Cache struct {
	mu    sync.Mutex
	size  int
	order *list.List // of *cacheEntry, most recent first
	byRev map[string]*list.Element
}

type cacheEntry struct {
	revision string
	engine   *Engine
}

// NewCache returns a cache of at most size engines (16 when size <= 0).
func NewCache(size int) *Cache {
	if size <= 0 {
		size = 16
	}
	return &Cache{size: size, order: list.New(), byRev: map[string]*list.Element{}}
}

// Get returns the engine for b's revision, building it on a miss.
func (c *Cache) Get(ctx context.Context, b *bundles.Bundle) (*Engine, error) {
	rev := b.Digest
	if rev == "" {
		rev = b.Revision
		if rev == "" || strings.HasSuffix(rev, "+dirty") {
			return New(ctx, b)
		}
	}
	c.mu.Lock()
	if el, ok := c.byRev[rev]; ok {
		c.order.MoveToFront(el)
		e := el.Value.(*cacheEntry).engine
		c.mu.Unlock()
		return e.withBundle(b), nil
	}
	c.mu.Unlock()
	// Built outside the lock: two concurrent misses may both compile; the
	// second simply replaces the first.
	e, err := New(ctx, b)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byRev[rev]; ok {
		c.order.Remove(el)
	}
	c.byRev[rev] = c.order.PushFront(&cacheEntry{revision: rev, engine: e})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byRev, last.Value.(*cacheEntry).revision)
	}
	return e, nil
}

// Len is the number of cached engines.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
