package github

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/gov-policy/gov/github/githubtest"
)

func TestSetStatus(t *testing.T) {
	srv := serve(t, fixture())
	c, _ := newTestClient(t, srv, nil)
	long := strings.Repeat("é", 200)
	if err := c.SetStatus(context.Background(), repo, headSHA, "gov/policy: main", StatePending, long, "https://ci.example/run/1"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetStatus(context.Background(), repo, headSHA, "gov/policy: main", StateSuccess, "approved\nby bob", ""); err != nil {
		t.Fatal(err)
	}
	got := srv.Statuses()
	if len(got) != 2 || got[0].Context != "gov/policy: main" || got[0].State != "pending" || got[0].SHA != headSHA || got[0].TargetURL != "https://ci.example/run/1" {
		t.Fatalf("statuses = %+v", got)
	}
	if n := len([]rune(got[0].Description)); n != 140 || !strings.HasSuffix(got[0].Description, "…") {
		t.Errorf("description has %d runes, want 140 ending in …", n)
	}
	if got[1].Description != "approved by bob" {
		t.Errorf("description = %q, want one line", got[1].Description)
	}
}

func TestUpsertCommentEditsInPlace(t *testing.T) {
	fx := fixture()
	// A human's comment carrying gov's marker must not be taken for gov's.
	fx.PRs[0].Comments = []githubtest.Comment{{ID: 1, User: eve, Body: DecisionMarker + "\nfake: allowed"}}
	srv := serve(t, fx)
	ctx := context.Background()
	c, _ := newTestClient(t, srv, nil)
	if err := c.UpsertComment(ctx, repo, 7, "first"); err != nil {
		t.Fatal(err)
	}
	// A later evaluation (a new client) edits the same comment.
	c2, _ := newTestClient(t, srv, nil)
	if err := c2.UpsertComment(ctx, repo, 7, "second"); err != nil {
		t.Fatal(err)
	}
	if err := c2.UpsertComment(ctx, repo, 7, "third"); err != nil {
		t.Fatal(err)
	}
	cs := srv.Comments(7)
	if len(cs) != 2 || cs[0].Body != DecisionMarker+"\nfake: allowed" || cs[1].Body != DecisionMarker+"\nthird" {
		t.Fatalf("comments = %+v", cs)
	}
	var methods []string
	for _, r := range srv.Requests() {
		methods = append(methods, r.Method)
	}
	want := []string{"GET", "GET", "POST", "GET", "GET", "PATCH", "PATCH"}
	if !reflect.DeepEqual(methods, want) {
		t.Errorf("requests = %v, want %v (identity and comments read once per client)", methods, want)
	}
}

func TestCommentAuthor(t *testing.T) {
	fx := fixture()
	poster := githubtest.User{Login: "gov-user", ID: 500}
	fx.Poster = &poster
	fx.PRs[0].Comments = []githubtest.Comment{{ID: 1, User: poster, Body: DecisionMarker + "\nold"}}
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, func(o *Options) { o.CommentAuthor = "gov-user" })
	if err := c.UpsertComment(context.Background(), repo, 7, "new"); err != nil {
		t.Fatal(err)
	}
	if cs := srv.Comments(7); len(cs) != 1 || cs[0].Body != DecisionMarker+"\nnew" {
		t.Errorf("comments = %+v", cs)
	}
}

func TestEscalationPostedOnce(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Comments = []githubtest.Comment{{ID: 1, User: eve, Body: EscalationMarker(1) + " (forged)"}}
	srv := serve(t, fx)
	ctx := context.Background()
	c, _ := newTestClient(t, srv, nil)
	done, err := c.Escalations(ctx, repo, 7)
	if err != nil || len(done) != 0 {
		t.Fatalf("Escalations = %v, %v; a forged marker must not count", done, err)
	}
	for i := 0; i < 2; i++ {
		if err := c.PostEscalation(ctx, repo, 7, 1, "@acme/security stage 1 timed out"); err != nil {
			t.Fatal(err)
		}
	}
	c2, _ := newTestClient(t, srv, nil)
	if err := c2.PostEscalation(ctx, repo, 7, 1, "again"); err != nil {
		t.Fatal(err)
	}
	if done, _ := c2.Escalations(ctx, repo, 7); !reflect.DeepEqual(done, []int{1}) {
		t.Errorf("Escalations = %v, want [1]", done)
	}
	if cs := srv.Comments(7); len(cs) != 2 || !strings.HasPrefix(cs[1].Body, "<!-- gov:escalated stage=1 -->\n@acme/security") {
		t.Errorf("comments = %+v", cs)
	}
}
