package github

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/approvals"
	"github.com/gov-policy/gov/github/githubtest"
)

func TestReadPR(t *testing.T) {
	srv := serve(t, fixture())
	c, _ := newTestClient(t, srv, nil)
	ctx := context.Background()
	p, err := c.GetPR(ctx, repo, 7)
	if err != nil {
		t.Fatal(err)
	}
	want := &PullRequest{Number: 7, Title: "fix", State: "open", AuthorID: 1, AuthorLogin: "alice", HeadSHA: headSHA,
		HeadRef: "feature", BaseRef: "main", BaseSHA: baseSHA, Labels: []string{"bug"}, CreatedAt: t0, ChangedFiles: 1, Commits: 1,
		HTMLURL: "https://github.example/acme/app/pull/7"}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("GetPR = %+v\nwant %+v", p, want)
	}
	diff, err := c.CompareDiff(ctx, repo, baseSHA, headSHA)
	if err != nil || diff != sampleDiff {
		t.Errorf("CompareDiff = %q, %v", diff, err)
	}
	reviews, err := c.ListReviews(ctx, repo, 7)
	wantReviews := []approvals.Review{{ID: 10, UserID: 2, Login: "bob", State: "APPROVED", CommitID: headSHA, SubmittedAt: t0.Add(time.Hour)}}
	if err != nil || !reflect.DeepEqual(reviews, wantReviews) {
		t.Errorf("ListReviews = %+v, %v", reviews, err)
	}
	events, err := c.ListLabelEvents(ctx, repo, 7)
	wantEvents := []approvals.LabelEvent{
		{Label: "bug", ActorID: 2, ActorLogin: "bob", Added: true, At: t0},
		{Label: "wip", ActorID: 1, ActorLogin: "alice", Added: false, At: t0.Add(time.Minute)},
	}
	if err != nil || !reflect.DeepEqual(events, wantEvents) {
		t.Errorf("ListLabelEvents = %+v, %v", events, err)
	}
	commits, err := c.ListCommits(ctx, repo, 7)
	if err != nil {
		t.Fatal(err)
	}
	facts := Facts(p, append(commits, commits...), events)
	if !reflect.DeepEqual(facts.CommitAuthorIDs, []int64{1, 19864447}) || facts.HeadSHA != headSHA || facts.AuthorID != 1 {
		t.Errorf("Facts = %+v", facts)
	}
	files, err := c.CompareFiles(ctx, repo, baseSHA, headSHA)
	if err != nil || len(files) != 1 || files[0].Path != "app.py" || files[0].Additions != 1 {
		t.Errorf("CompareFiles = %+v, %v", files, err)
	}
	// GHES: every request went under /api/v3, with the token.
	for _, r := range srv.Requests() {
		if !strings.HasPrefix(r.Path, "/api/v3/repos/acme/app/") || r.Authorization != "Bearer "+testToken {
			t.Errorf("request %s %s (auth %v) not under /api/v3 with the token", r.Method, r.Path, r.Authorization != "")
		}
	}
}

func TestAPIBudgetOfOneEvaluation(t *testing.T) {
	srv := serve(t, fixture())
	c, _ := newTestClient(t, srv, nil)
	ctx := context.Background()
	if _, err := c.GetPR(ctx, repo, 7); err != nil {
		t.Fatal(err)
	}
	for _, f := range []func() error{
		func() error { _, err := c.CompareDiff(ctx, repo, baseSHA, headSHA); return err },
		func() error { _, err := c.ListCommits(ctx, repo, 7); return err },
		func() error { _, err := c.ListReviews(ctx, repo, 7); return err },
		func() error { _, err := c.ListLabelEvents(ctx, repo, 7); return err },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	st := c.Stats()
	if st.Calls != 5 || len(srv.Requests()) != 5 {
		t.Errorf("calls = %d (server saw %d), want 5: %s", st.Calls, len(srv.Requests()), st)
	}
	if st.Endpoints["GET /api/v3/repos/acme/app/pulls/7"] != 1 || st.Endpoints["GET /api/v3/repos/acme/app/compare/"+baseSHA+"..."+headSHA] != 1 {
		t.Errorf("endpoints = %v", st.Endpoints)
	}
}

func TestPagination(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Reviews = nil
	for i := 0; i < 230; i++ {
		fx.PRs[0].Reviews = append(fx.PRs[0].Reviews, githubtest.Review{ID: int64(i + 1), User: bob, State: "COMMENTED", CommitID: headSHA, SubmittedAt: t0})
	}
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	rs, err := c.ListReviews(context.Background(), repo, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 230 || rs[229].ID != 230 {
		t.Fatalf("got %d reviews", len(rs))
	}
	if got := c.Stats().Calls; got != 3 {
		t.Errorf("calls = %d, want 3 pages of 100", got)
	}
}

func TestETagReuse(t *testing.T) {
	srv := serve(t, fixture())
	cache := NewCache()
	first, _ := newTestClient(t, srv, func(o *Options) { o.Cache = cache })
	second, _ := newTestClient(t, srv, func(o *Options) { o.Cache = cache })
	other, _ := newTestClient(t, srv, func(o *Options) { o.Cache = cache; o.Token = "ghp_other" })
	ctx := context.Background()
	a, err := first.GetPR(ctx, repo, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := second.GetPR(ctx, repo, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("cached PR differs: %+v vs %+v", a, b)
	}
	if st := second.Stats(); st.Calls != 1 || st.NotModified != 1 {
		t.Errorf("second client: %s, want one 304", st)
	}
	reqs := srv.Requests()
	if reqs[1].IfNoneMatch == "" || reqs[1].Status != 304 {
		t.Errorf("second request = %+v, want a conditional request answered 304", reqs[1])
	}
	// Another credential never reuses the entry (nor gets past the fake's 401).
	if _, err := other.GetPR(ctx, repo, 7); err == nil || reqs[0].IfNoneMatch != "" || srv.Requests()[2].IfNoneMatch != "" {
		t.Errorf("other credential: err %v, request %+v", err, srv.Requests()[2])
	}
	// A change on GitHub is seen: new ETag, 200.
	srv.Update(func(fx *githubtest.Fixture) { fx.PRs[0].Head = "2222222222222222222222222222222222222222" })
	p, err := second.GetPR(ctx, repo, 7)
	if err != nil || p.HeadSHA != "2222222222222222222222222222222222222222" {
		t.Errorf("after a push: %+v, %v", p, err)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Options)
		repo    Repo
		number  int
		is      error
		message string
	}{
		{name: "unknown repository", repo: Repo{"acme", "nope"}, number: 7, is: ErrNotFound,
			message: "pull request acme/nope#7: not found (404): check the name and number, and that the credentials can read it"},
		{name: "unknown PR", repo: repo, number: 99, is: ErrNotFound, message: "pull request acme/app#99: not found (404)"},
		{name: "bad token", mod: func(o *Options) { o.Token = "ghp_wrong_SECRET" }, repo: repo, number: 7,
			message: "pull request acme/app#7: GitHub rejected the credentials (401): check GITHUB_TOKEN or the GitHub App settings"},
		{name: "no token", mod: func(o *Options) { o.Token = "" }, repo: repo, number: 7, message: "(401)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, fixture())
			c, _ := newTestClient(t, srv, tt.mod)
			_, err := c.GetPR(context.Background(), tt.repo, tt.number)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), testToken) {
				t.Errorf("error leaks the token: %q", err)
			}
		})
	}
}

func TestDiffTooLarge(t *testing.T) {
	for _, status := range []int{406, 422} {
		fx := fixture()
		fx.PRs[0].DiffStatus = status
		srv := serve(t, fx)
		c, _ := newTestClient(t, srv, nil)
		_, err := c.CompareDiff(context.Background(), repo, baseSHA, headSHA)
		if !errors.Is(err, ErrDiffTooLarge) {
			t.Errorf("status %d: err = %v, want ErrDiffTooLarge", status, err)
		}
	}
}
