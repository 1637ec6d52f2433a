package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github/githubtest"
)

// TestAttackA12CoAuthorApproves: bob co-wrote the head commit (a
// Co-authored-by trailer with his account's noreply address) and then
// approves the PR. A co-author never approves a change (THREATS.md
// "Approvals (GitHub) / Who"): the approval must not count.
func TestAttackA12CoAuthorApproves(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Commits[0].Message = "fix the thing\n\nCo-authored-by: bob <2+bob@users.noreply.github.com>\n"
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("VULNERABLE: co-author bob's approval counted: %s", ev.Decision.Reason)
	}
}

// linkRewriter rewrites GitHub's answers on the way to gov: GitHub's
// pagination links are facts gov must not take on trust.
type linkRewriter struct {
	base http.RoundTripper
	fix  func(*http.Request, *http.Response)
}

func (l linkRewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(r)
	if err == nil {
		l.fix(r, resp)
	}
	return resp, err
}

// reviewPages is the fixture with 100 reviews on page 1 (bob's approval
// first) and, on page 2, bob's own CHANGES_REQUESTED after his approval.
func reviewPages() githubtest.Fixture {
	fx := fixture()
	var rs []githubtest.Review
	rs = append(rs, githubtest.Review{ID: 10, User: bob, State: "APPROVED", CommitID: headSHA, SubmittedAt: t0.Add(time.Hour)})
	for i := 0; i < 99; i++ {
		rs = append(rs, githubtest.Review{ID: int64(100 + i), User: eve, State: "COMMENTED", CommitID: headSHA, SubmittedAt: t0.Add(time.Hour + time.Duration(i+1)*time.Second)})
	}
	rs = append(rs, githubtest.Review{ID: 500, User: bob, State: "CHANGES_REQUESTED", CommitID: headSHA, SubmittedAt: t0.Add(2 * time.Hour)})
	for i := 0; i < 100; i++ {
		rs = append(rs, githubtest.Review{ID: int64(600 + i), User: eve, State: "COMMENTED", CommitID: headSHA, SubmittedAt: t0.Add(3*time.Hour + time.Duration(i)*time.Second)})
	}
	fx.PRs[0].Reviews = rs
	return fx
}

// TestAttackA12ReviewsPageSkipped: GitHub's (garbled) Link header on page
// 1 of the reviews points at page 3, so page 2 -- where bob requested
// changes after approving -- is never read. gov must notice the gap (as
// TeamMembers does) and fail closed, not allow on bob's stale approval.
func TestAttackA12ReviewsPageSkipped(t *testing.T) {
	srv := serve(t, reviewPages())
	c, _ := newTestClient(t, srv, func(o *Options) {
		hc := *srv.Client()
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = linkRewriter{base: base, fix: func(r *http.Request, resp *http.Response) {
			if strings.HasSuffix(r.URL.Path, "/reviews") && r.URL.Query().Get("page") == "" {
				if l := resp.Header.Get("Link"); l != "" {
					resp.Header.Set("Link", strings.Replace(l, "page=2", "page=3", 1))
				}
			}
		}}
		o.HTTPClient = &hc
	})
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Logf("HELD: %v", err)
		return
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("VULNERABLE: page 2 of the reviews skipped, bob's later CHANGES_REQUESTED unseen: %s", ev.Decision.Reason)
	}
}

// TestAttackA12ReviewsListCutOff: GitHub answers page 1 of the reviews
// without its Link header (a list silently cut off). bob's later request
// for changes is on page 2. Nothing in what gov reads tells it the list is
// complete, so it must not allow on it.
func TestAttackA12ReviewsListCutOff(t *testing.T) {
	srv := serve(t, reviewPages())
	c, _ := newTestClient(t, srv, func(o *Options) {
		hc := *srv.Client()
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = linkRewriter{base: base, fix: func(r *http.Request, resp *http.Response) {
			if strings.HasSuffix(r.URL.Path, "/reviews") {
				resp.Header.Del("Link")
			}
		}}
		o.HTTPClient = &hc
	})
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Logf("HELD: %v", err)
		return
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("VULNERABLE: a reviews list cut off after page 1 (100 reviews, no Link) allowed: %s", ev.Decision.Reason)
	}
}

// TestAttackA12GuardReviewsPaginated (guard): without tampering, bob's
// CHANGES_REQUESTED on page 2 is read and blocks.
func TestAttackA12GuardReviewsPaginated(t *testing.T) {
	srv := serve(t, reviewPages())
	c, _ := newTestClient(t, srv, nil)
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("allowed: %s", ev.Decision.Reason)
	}
}

// TestAttackA12GuardCommitsPageSkipped (guard): bob authored commit 120 of
// 150 (page 2 of the commit list). GitHub's Link on page 1 skips page 2:
// bob is never seen as a committer, but the list is shorter than the PR's
// commit count, so no review counts.
func TestAttackA12GuardCommitsPageSkipped(t *testing.T) {
	fx := fixture()
	var cs []githubtest.Commit
	for i := 0; i < 149; i++ {
		author := &alice
		if i == 119 {
			author = &bob
		}
		cs = append(cs, githubtest.Commit{SHA: fmt.Sprintf("%040x", i+1), Author: author, Committer: author})
	}
	cs = append(cs, githubtest.Commit{SHA: headSHA, Author: &alice, Committer: &alice})
	fx.PRs[0].Commits = cs
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, func(o *Options) {
		hc := *srv.Client()
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = linkRewriter{base: base, fix: func(r *http.Request, resp *http.Response) {
			if strings.HasSuffix(r.URL.Path, "/commits") && r.URL.Query().Get("page") == "" {
				if l := resp.Header.Get("Link"); l != "" {
					resp.Header.Set("Link", strings.Replace(l, "page=2", "page=3", 1))
				}
			}
		}}
		o.HTTPClient = &hc
	})
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		return
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("committer bob's approval counted with page 2 of the commits skipped: %s", ev.Decision.Reason)
	}
}
