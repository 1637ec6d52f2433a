package github

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github/githubtest"
)

func newEvaluator(t *testing.T, c *Client) Evaluator {
	t.Helper()
	ctx := context.Background()
	b, err := bundles.Load(ctx, "embedded", bundles.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	return Evaluator{Source: c, Members: c, Engine: eng, Bundle: b, Now: func() time.Time { return t0.Add(time.Hour) }}
}

// TestEvaluatorAPIBudget: a production PR with no team to check (the
// approver is named as a user with a pinned id) costs 6 calls: the PR, the
// diff of base...head, commits, the number of reviews (GraphQL), reviews,
// and the PR again (answered 304 from
// the ETag cache, free of rate limit); nothing else is repeated.
func TestEvaluatorAPIBudget(t *testing.T) {
	srv := serve(t, fixture())
	c, _ := newTestClient(t, srv, nil)
	ev := newEvaluator(t, c)
	ev.Bundle.Roles = map[string]bundles.Role{"sre": {Members: []string{"user:bob#2"}, Permissions: []string{"approve"}}}
	out, err := ev.Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if out.Decision.Decision != engine.Allow || !strings.HasPrefix(out.Decision.Reason, "approved by bob (SRE review)") {
		t.Errorf("decision = %s: %s", out.Decision.Decision, out.Decision.Reason)
	}
	st := c.Stats()
	if st.Calls != 6 || st.NotModified != 1 {
		t.Errorf("%s; want 6, 1 not modified", st)
	}
	seen := map[string]bool{}
	for _, r := range srv.Requests() {
		k := r.Method + " " + r.Path + " " + r.Accept
		if seen[k] && (r.Status != 304 || !strings.HasSuffix(r.Path, "/pulls/7")) {
			t.Errorf("request repeated: %s", k)
		}
		seen[k] = true
	}
}

// TestEvaluatorTooManyCommits: with more commits than GitHub lists, the
// committers are unknown and no review counts.
func TestEvaluatorTooManyCommits(t *testing.T) {
	fx := fixture()
	fx.PRs[0].CommitCount = 300
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	out, err := newEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if out.Decision.Decision != engine.RequireApproval || len(out.Approvals.Ignored) != 1 || !strings.Contains(out.Approvals.Ignored[0].Reason, "committers unknown") {
		t.Errorf("decision = %s, ignored %+v", out.Decision.Decision, out.Approvals.Ignored)
	}
}

func TestEvaluatorEnvironmentFromBranch(t *testing.T) {
	tests := []struct {
		base, env string
		decision  engine.Outcome
	}{
		{"main", "production", engine.RequireApproval},
		// An unmapped base takes default_environment (production).
		{"feature/x", "production", engine.RequireApproval},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			fx := fixture()
			fx.PRs[0].Base = tt.base
			fx.PRs[0].Reviews = nil
			srv := serve(t, fx)
			c, _ := newTestClient(t, srv, nil)
			out, err := newEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
			if err != nil {
				t.Fatal(err)
			}
			if out.Decision.Decision != tt.decision || out.Decision.Environment != tt.env {
				t.Errorf("decision = %s in %q, want %s in %q (%s)", out.Decision.Decision, out.Decision.Environment, tt.decision, tt.env, out.Decision.Reason)
			}
		})
	}
	branches := map[string]string{"main": "production", "release/*": "production", "*": "dev", "staging": "staging"}
	for base, want := range map[string]string{"main": "production", "release/1.2": "production", "staging": "staging", "topic": "dev", "a/b": ""} {
		if got := EnvironmentFor(branches, base); got != want {
			t.Errorf("EnvironmentFor(%q) = %q, want %q", base, got, want)
		}
	}
}

// Attack: a PR against a base branch that gov.cue's branches does not map
// (a new release branch, a retarget) must not evaluate without an
// environment and allow; without default_environment it is an error.
func TestUnmappedBaseBranch(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Base = "hotfix/quiet"
	fx.PRs[0].Reviews = nil
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	ev := newEvaluator(t, c)
	out, err := ev.Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if d := out.Decision; d.Decision != engine.RequireApproval || d.Environment != "production" {
		t.Fatalf("unmapped base: %s in %q (%s), want require_approval in production", d.Decision, d.Environment, d.Reason)
	}
	b := *ev.Bundle
	b.Config.DefaultEnvironment = ""
	ev.Bundle = &b
	if ev.Engine, err = engine.New(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	out, err = ev.Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	var envErr *bundles.EnvironmentError
	if !errors.As(err, &envErr) {
		t.Fatalf("no default_environment: got %v (%+v), want an EnvironmentError", err, out)
	}
}

// TestEvaluatorDiffTooLarge: without a diff the files list is evaluated and
// the change is never allowed by default (an approval still allows it).
func TestEvaluatorDiffTooLarge(t *testing.T) {
	for _, tt := range []struct {
		name    string
		mod     func(*githubtest.PR)
		partial string
		err     string
	}{
		{"GitHub refuses the diff", func(p *githubtest.PR) { p.DiffStatus = 406 }, "(1 of 1 files)", ""},
		// A patch missing files is never evaluated: a deny rule could fire
		// on one of them (TestAttackA12DeniedFileBeyondFilesList).
		{"more files than GitHub lists", func(p *githubtest.PR) { p.ChangedFiles = 3500 }, "",
			"acme/app#7 changes 3500 files; GitHub lists at most 3000 and will not return the whole diff: cannot evaluate the whole change (failing closed)"},
		{"files list shorter than the PR", func(p *githubtest.PR) { p.ChangedFiles = 3 }, "",
			"acme/app#7: GitHub listed 1 of the PR's 3 changed files and will not return the whole diff: cannot evaluate the whole change (failing closed)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fx := fixture()
			fx.PRs[0].Base = "feature/x"
			fx.PRs[0].Reviews = nil
			tt.mod(&fx.PRs[0])
			srv := serve(t, fx)
			c, _ := newTestClient(t, srv, nil)
			out, err := newEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Decision.Decision != engine.RequireApproval || !strings.Contains(out.Decision.Reason, tt.partial) || len(out.Notes) != 1 {
				t.Errorf("decision = %s: %s (notes %v)", out.Decision.Decision, out.Decision.Reason, out.Notes)
			}
		})
	}
}
