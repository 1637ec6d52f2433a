package github

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/github/githubtest"
)

func TestRateLimit(t *testing.T) {
	tests := []struct {
		name   string
		limits []githubtest.RateLimit
		wait   time.Duration // bound
		waits  []time.Duration
		err    string
	}{
		{
			name:   "primary limit resetting soon: wait, then retry",
			limits: []githubtest.RateLimit{{Status: 403, Reset: t0.Add(20 * time.Second)}},
			waits:  []time.Duration{21 * time.Second},
		},
		{
			name:   "primary limit as 429",
			limits: []githubtest.RateLimit{{Status: 429, Reset: t0.Add(5 * time.Second)}},
			waits:  []time.Duration{6 * time.Second},
		},
		{
			name:   "primary limit resetting late: fail naming the limit and the reset",
			limits: []githubtest.RateLimit{{Status: 403, Reset: t0.Add(40 * time.Minute)}},
			err:    "pull request acme/app#7: GitHub primary rate limit exhausted (5000 requests/hour, resource core): resets at 2026-03-01T09:40:00Z (in 40m1s), beyond the 1m0s wait bound",
		},
		{
			name:   "secondary limit with Retry-After within the bound",
			limits: []githubtest.RateLimit{{Status: 403, RetryAfter: 30}},
			waits:  []time.Duration{30 * time.Second},
		},
		{
			name:   "secondary limit with Retry-After beyond the bound",
			limits: []githubtest.RateLimit{{Status: 429, RetryAfter: 600}},
			err:    "GitHub secondary rate limit: retry after 10m0s (at 2026-03-01T09:10:00Z), beyond the 1m0s wait bound",
		},
		{
			name: "primary limit again after each wait: say so, not that the wait is beyond the bound",
			limits: []githubtest.RateLimit{
				{Status: 403, Reset: t0.Add(5 * time.Second)}, {Status: 403, Reset: t0.Add(5 * time.Second)}, {Status: 403, Reset: t0.Add(5 * time.Second)},
			},
			err: "GitHub primary rate limit exhausted (5000 requests/hour, resource core): still limited after 2 waits, gave up; resets at 2026-03-01T09:00:05Z (in 6s)",
		},
		{
			name:   "a configured bound",
			limits: []githubtest.RateLimit{{Status: 403, RetryAfter: 30}},
			wait:   10 * time.Second,
			err:    "beyond the 10s wait bound",
		},
		{
			name: "limited again after each wait: give up after two retries",
			limits: []githubtest.RateLimit{
				{Status: 403, RetryAfter: 1}, {Status: 403, RetryAfter: 1}, {Status: 403, RetryAfter: 1},
			},
			err: "pull request acme/app#7: GitHub secondary rate limit: still limited after 2 waits, gave up; retry after 1s (at 2026-03-01T09:00:01Z)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, fixture())
			srv.RateLimitNext(tt.limits...)
			c, sl := newTestClient(t, srv, func(o *Options) { o.MaxWait = tt.wait })
			p, err := c.GetPR(context.Background(), repo, 7)
			if tt.err != "" {
				var rl *RateLimitError
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &rl) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || p.Number != 7 {
				t.Fatalf("GetPR = %+v, %v", p, err)
			}
			if len(sl.waits) != len(tt.waits) || sl.waits[0] != tt.waits[0] {
				t.Errorf("waits = %v, want %v", sl.waits, tt.waits)
			}
			if st := c.Stats(); st.RateLimitWaits != 1 || st.Calls != 2 {
				t.Errorf("stats = %s", st)
			}
		})
	}
}

func TestRateLimitWaitRespectsContext(t *testing.T) {
	srv := serve(t, fixture())
	srv.RateLimitNext(githubtest.RateLimit{Status: 403, RetryAfter: 30})
	c, err := New(Options{Token: testToken, BaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.GetPR(ctx, repo, 7)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Fatalf("err = %v after %s, want the context's deadline", err, time.Since(start))
	}
}
