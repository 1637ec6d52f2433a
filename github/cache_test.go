package github

import (
	"context"
	"strings"
	"testing"
)

// TestCacheEvicts: the response cache holds at most its size; the least
// recently used response goes first, so its next request is unconditional
// while a kept one is revalidated (304).
func TestCacheEvicts(t *testing.T) {
	fx := fixture()
	fx.Teams["acme/a"] = []string{"bob"}
	fx.Teams["acme/b"] = []string{"bob"}
	fx.Teams["acme/c"] = []string{"bob"}
	srv := serve(t, fx)
	cache := NewCacheSize(2)
	ctx := context.Background()
	list := func(team string) {
		t.Helper()
		// A new client each time: its own memo is empty, the cache is shared.
		c, _ := newTestClient(t, srv, func(o *Options) { o.Cache = cache })
		if _, err := c.TeamMembers(ctx, "acme", team); err != nil {
			t.Fatal(err)
		}
	}
	list("a")
	list("b")
	list("a") // a is now the most recently used
	list("c") // evicts b
	if n := cache.Len(); n != 2 {
		t.Errorf("cache holds %d responses, want 2", n)
	}
	list("b") // unconditional; evicts a, the least recently used
	list("c")
	var got []string
	for _, r := range srv.Requests() {
		cond := "unconditional"
		if r.IfNoneMatch != "" {
			cond = "conditional"
		}
		got = append(got, strings.TrimPrefix(r.Path, "/api/v3/orgs/acme/teams/")+" "+cond)
	}
	want := "a/members unconditional, b/members unconditional, a/members conditional, c/members unconditional, b/members unconditional, c/members conditional"
	if strings.Join(got, ", ") != want {
		t.Errorf("requests:\n%s\nwant\n%s", strings.Join(got, ", "), want)
	}
}

func TestCacheDefaultSize(t *testing.T) {
	if c := NewCache(); c.entries == nil || NewCacheSize(0).Len() != 0 {
		t.Fatal("no cache")
	}
	c := NewCacheSize(0)
	for i := range DefaultCacheEntries + 10 {
		c.put(strings.Repeat("k", i+1), cached{etag: "x"})
	}
	if c.Len() != DefaultCacheEntries {
		t.Errorf("default cache holds %d, want %d", c.Len(), DefaultCacheEntries)
	}
	c.put("big", cached{etag: "x", body: make([]byte, maxCachedBody+1)})
	if _, ok := c.get("big"); ok {
		t.Error("a body above maxCachedBody was kept")
	}
}
