package github

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Cache holds ETag-validated GET responses. It may be shared by several
// Clients (a long-running server); entries are keyed by URL, Accept header
// and a digest of the credentials, so clients never see each other's data.
// It is bounded: the least recently used entry goes first, and a body
// larger than maxCachedBody is not kept.
type Cache struct {
	entries *lru.Cache[string, cached]
}

type cached struct {
	etag   string
	header http.Header
	body   []byte
}

// DefaultCacheEntries bounds a Cache from NewCache: with bodies of at most
// maxCachedBody (team member pages are about 120 KB) a full cache stays
// in the tens of megabytes in practice.
const DefaultCacheEntries = 512

// maxCachedBody is the largest body kept (a larger diff is fetched whole).
const maxCachedBody = 1 << 20

// NewCache returns an empty cache of DefaultCacheEntries entries.
func NewCache() *Cache { return NewCacheSize(DefaultCacheEntries) }

// NewCacheSize returns an empty cache of at most entries entries
// (DefaultCacheEntries when entries <= 0).
func NewCacheSize(entries int) *Cache {
	if entries <= 0 {
		entries = DefaultCacheEntries
	}
	c, err := lru.New[string, cached](entries)
	if err != nil { // only for a size <= 0, excluded above
		panic(err)
	}
	return &Cache{entries: c}
}

// Len is the number of responses held.
func (c *Cache) Len() int { return c.entries.Len() }

func (c *Cache) get(k string) (cached, bool) { return c.entries.Get(k) }

func (c *Cache) put(k string, e cached) {
	if len(e.body) <= maxCachedBody {
		c.entries.Add(k, e)
	}
}

// Stats counts the API calls of one Client.
type Stats struct {
	// Calls is the number of requests sent (retries after a rate limit included).
	Calls int
	// NotModified is how many of them GitHub answered 304 (served from the
	// cache; they do not count against the rate limit).
	NotModified int
	// RateLimitWaits counts waits for a rate-limit reset.
	RateLimitWaits int
	// Endpoints counts calls per "METHOD /path".
	Endpoints map[string]int
}

// String renders the counts on one line, endpoints sorted.
func (s Stats) String() string {
	keys := make([]string, 0, len(s.Endpoints))
	for k := range s.Endpoints {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, s.Endpoints[k])
	}
	return fmt.Sprintf("%d API calls (%d not modified, %d rate-limit waits): %s", s.Calls, s.NotModified, s.RateLimitWaits, strings.Join(parts, ", "))
}

// transport adds conditional requests, rate-limit handling and call
// counting under the client's authentication.
type transport struct {
	base    http.RoundTripper
	cache   *Cache
	maxWait time.Duration
	sleep   func(context.Context, time.Duration) error
	now     func() time.Time

	mu    sync.Mutex
	stats Stats
}

func (t *transport) snapshot() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats
	s.Endpoints = make(map[string]int, len(t.stats.Endpoints))
	for k, v := range t.stats.Endpoints {
		s.Endpoints[k] = v
	}
	return s
}

func (t *transport) count(req *http.Request, notModified, waited bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stats.Calls++
	if notModified {
		t.stats.NotModified++
	}
	if waited {
		t.stats.RateLimitWaits++
	}
	if t.stats.Endpoints == nil {
		t.stats.Endpoints = map[string]int{}
	}
	t.stats.Endpoints[req.Method+" "+req.URL.Path]++
}

func cacheKey(req *http.Request) string {
	cred := sha256.Sum256([]byte(req.Header.Get("Authorization")))
	return fmt.Sprintf("%s %s|%s|%x", req.Method, req.URL.String(), req.Header.Get("Accept"), cred[:8])
}

// maxRetries bounds retries after rate-limit waits.
const maxRetries = 2

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	key := ""
	var hit cached
	var haveHit bool
	if req.Method == http.MethodGet {
		key = cacheKey(req)
		if hit, haveHit = t.cache.get(key); haveHit {
			req = req.Clone(req.Context())
			req.Header.Set("If-None-Match", hit.etag)
		}
	}
	waited := false
	for attempt := 0; ; attempt++ {
		if attempt > 0 && req.Body != nil && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
		resp, err := t.base.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		t.count(req, resp.StatusCode == http.StatusNotModified, waited)
		if resp.StatusCode == http.StatusNotModified && haveHit {
			drain(resp)
			return fromCache(req, resp, hit), nil
		}
		limit := rateLimited(resp, t.now())
		if limit == nil {
			if key != "" && resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != "" {
				return t.store(key, resp)
			}
			return resp, nil
		}
		drain(resp)
		if limit.Wait > t.maxWait || attempt >= maxRetries {
			limit.Bound, limit.Waits = max(t.maxWait, 0), attempt
			return nil, limit
		}
		if err := t.sleep(req.Context(), limit.Wait); err != nil {
			return nil, fmt.Errorf("waiting for the GitHub rate limit to reset: %w", err)
		}
		waited = true
	}
}

// store reads a 200 response with an ETag into the cache and returns a copy.
func (t *transport) store(key string, resp *http.Response) (*http.Response, error) {
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	t.cache.put(key, cached{etag: resp.Header.Get("ETag"), header: resp.Header.Clone(), body: body})
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// fromCache answers a 304 with the cached 200. X-From-Cache tells go-github
// not to take its rate headers as current.
func fromCache(req *http.Request, notModified *http.Response, e cached) *http.Response {
	h := e.header.Clone()
	for k, v := range notModified.Header {
		if strings.HasPrefix(k, "X-Ratelimit") {
			h[k] = v
		}
	}
	h.Set("X-From-Cache", "1")
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: notModified.Proto,
		ProtoMajor: notModified.ProtoMajor, ProtoMinor: notModified.ProtoMinor,
		Header: h, Body: io.NopCloser(bytes.NewReader(e.body)), ContentLength: int64(len(e.body)),
		Request: req,
	}
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
}

// RateLimitError is returned when GitHub's rate limit would need a longer
// wait than allowed, or still holds after maxRetries waits.
type RateLimitError struct {
	// Kind is "primary" (X-RateLimit-Remaining: 0) or "secondary" (Retry-After).
	Kind     string
	Resource string
	Limit    string
	Reset    time.Time
	Wait     time.Duration
	Bound    time.Duration
	// Waits is how many times the client had already waited for this request.
	Waits int
}

func (e *RateLimitError) Error() string {
	what := "secondary rate limit"
	when := fmt.Sprintf("retry after %s (at %s)", e.Wait.Round(time.Second), e.Reset.UTC().Format(time.RFC3339))
	if e.Kind == "primary" {
		what = "primary rate limit exhausted"
		if e.Limit != "" || e.Resource != "" {
			what += fmt.Sprintf(" (%s requests/hour, resource %s)", orDash(e.Limit), orDash(e.Resource))
		}
		when = fmt.Sprintf("resets at %s (in %s)", e.Reset.UTC().Format(time.RFC3339), e.Wait.Round(time.Second))
	}
	if e.Waits > 0 && e.Wait <= e.Bound {
		// A wait within the bound: the client gave up because waiting did not help.
		return fmt.Sprintf("GitHub %s: still limited after %d waits, gave up; %s", what, e.Waits, when)
	}
	return fmt.Sprintf("GitHub %s: %s, beyond the %s wait bound", what, when, e.Bound)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// rateLimited recognises a primary or secondary rate-limit answer.
func rateLimited(resp *http.Response, now time.Time) *RateLimitError {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return nil
	}
	h := resp.Header
	if ra := h.Get("Retry-After"); ra != "" {
		secs, err := strconv.Atoi(strings.TrimSpace(ra))
		if err == nil && secs >= 0 {
			d := time.Duration(secs) * time.Second
			return &RateLimitError{Kind: "secondary", Reset: now.Add(d), Wait: d}
		}
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		e := &RateLimitError{Kind: "primary", Resource: h.Get("X-RateLimit-Resource"), Limit: h.Get("X-RateLimit-Limit")}
		if unix, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			e.Reset = time.Unix(unix, 0)
			e.Wait = max(e.Reset.Sub(now)+time.Second, 0)
		} else {
			e.Reset, e.Wait = now.Add(time.Hour), time.Hour
		}
		return e
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		// A secondary limit without Retry-After: GitHub asks for at least a minute.
		return &RateLimitError{Kind: "secondary", Reset: now.Add(time.Minute), Wait: time.Minute}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
