package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/github/githubtest"
)

// A PR whose diff is malformed with a secret in a file path and a hunk
// header: the parse error reaches the server log and the gov/policy status
// description posted on GitHub raw (github/evaluate.go does not redact it).
func TestAttackA13PRJobParseErrorPostsSecret(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	aws := a13Kind(t, "aws-access-key-id")
	path := "cfg/" + aws.Secret + ".py"
	diff := fmt.Sprintf("diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1,1 +4294967296,1 @@ token = %q\n-x = 1\n+x = 2\n", path, path, path, path, pat.Secret)
	author := githubtest.User{Login: "Codertocat", ID: 21031067}
	poster := githubtest.User{Login: "gov-server", ID: 900}
	fake := githubtest.NewEnterprise(githubtest.Fixture{Repo: "Codertocat/Hello-World", Token: ghToken, Poster: &poster, PRs: []githubtest.PR{{
		Number: 2, Title: "fix", Author: author, Head: headSHA, Base: "master",
		CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Diff: diff,
		Commits: []githubtest.Commit{{SHA: headSHA, Author: &author, Committer: &author}},
	}}})
	t.Cleanup(fake.Close)
	var logs bytes.Buffer
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor(fake.URL), MaxAttempts: 1,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	repo, _ := github.ParseRepo("Codertocat/Hello-World")
	err := s.prJob(github.Event{Repo: repo, Number: 2, HeadSHA: headSHA, BaseRef: "master"}, "d-a13")(t.Context())
	if err == nil {
		t.Fatal("a malformed diff was decided")
	}
	a13NoRaw(t, "job error", err.Error(), pat.Secret, aws.Secret)
	a13NoRaw(t, "server log", logs.String(), pat.Secret, aws.Secret)
	for _, st := range fake.Statuses() {
		a13NoRaw(t, "status "+st.Context, st.Description, pat.Secret, aws.Secret)
		if st.State == "success" {
			t.Errorf("status %s is success", st.Context)
		}
	}
}
