package github

import (
	"context"
	"fmt"
	"testing"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github/githubtest"
)

// TestAttackA12DeniedFileBeyondFilesList: GitHub will not render the diff
// of a 301-file PR and its files list holds 300 files; the 301st is a
// committed .env file with a credential, which the bundle denies
// (secrets/credential-file). gov evaluates the 300 files it got, finds
// only "approval required" and lets one SRE approval allow the PR. A deny
// rule that would have fired was skipped because the list was cut off:
// an incomplete patch must not be allowed by an approval that the full
// patch would not accept (fail closed: error or approval that cannot
// override a deny).
func TestAttackA12DeniedFileBeyondFilesList(t *testing.T) {
	fx := fixture()
	var files []githubtest.File
	for i := 0; i < 300; i++ {
		files = append(files, githubtest.File{Path: fmt.Sprintf("docs/page%03d.md", i), Status: "added", Additions: 1, Patch: "@@ -0,0 +1 @@\n+hello"})
	}
	files = append(files, githubtest.File{Path: ".env", Status: "added", Additions: 1,
		Patch: "@@ -0,0 +1 @@\n+DATABASE_URL=postgres://app:s3cr3t-Passw0rd@db:5432/app"})
	fx.PRs[0].Files = files
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Logf("HELD: %v", err)
		return
	}
	t.Logf("notes: %v", ev.Notes)
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("VULNERABLE: 301-file PR whose 301st file (.env with a credential) is denied was allowed on one approval: %s", ev.Decision.Reason)
	}
}

// TestAttackA12GuardDeniedFileWithinFilesList (guard): the same .env as
// file 1 of the list is seen and denied; the approval does not override.
func TestAttackA12GuardDeniedFileWithinFilesList(t *testing.T) {
	fx := fixture()
	fx.PRs[0].DiffStatus = 406
	fx.PRs[0].Files = []githubtest.File{{Path: ".env", Status: "added", Additions: 1,
		Patch: "@@ -0,0 +1 @@\n+DATABASE_URL=postgres://app:s3cr3t-Passw0rd@db:5432/app"}}
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Decision.Decision != engine.Deny {
		t.Fatalf("decision %s: %s", ev.Decision.Decision, ev.Decision.Reason)
	}
}

// TestAttackA12UndeclaredBaseBranch: a PR into a base branch the bundle's
// branches map does not declare gets environment "" and is allowed with
// no approval at all. THREATS.md (Deciding): a branch the bundle does not
// declare is an unknown fact and must fail closed (error or approval
// required), never allow.
func TestAttackA12UndeclaredBaseBranch(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Base = "release-2026"
	fx.PRs[0].Reviews = nil
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	ev, err := newEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Logf("HELD: %v", err)
		return
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("VULNERABLE: PR into undeclared branch %q allowed without approval (environment %q): %s",
			"release-2026", EnvironmentFor(integrityEvaluator(t, c).Bundle.Config.Branches, "release-2026"), ev.Decision.Reason)
	}
}

// TestAttackA12GuardGarbageDiff (guard): GitHub answers the diff request of a
// staging PR with a garbage body (200, no diff in it). The real change is
// a committed .env with a credential, which the bundle denies. gov parses
// an empty patch, calls it incomplete and requires one approval; bob's
// approval then allows a change no rule ever looked at. THREATS.md: a
// garbage body or an empty patch must fail closed (error), never end in
// allow.
func TestAttackA12GuardGarbageDiff(t *testing.T) {
	for _, garbage := range []string{"<html><body>Unicorn! Something went wrong</body></html>", "\n"} {
		t.Run(fmt.Sprintf("%.10q", garbage), func(t *testing.T) { garbageDiff(t, garbage) })
	}
}

func garbageDiff(t *testing.T, garbage string) {
	fx := fixture()
	fx.PRs[0].Base = "feature/x" // staging
	fx.PRs[0].Files = []githubtest.File{{Path: ".env", Status: "added", Additions: 1,
		Patch: "@@ -0,0 +1 @@\n+DATABASE_URL=postgres://app:s3cr3t-Passw0rd@db:5432/app"}}
	fx.PRs[0].Diff = "diff --git a/.env b/.env\nnew file mode 100644\n--- /dev/null\n+++ b/.env\n@@ -0,0 +1 @@\n+DATABASE_URL=postgres://app:s3cr3t-Passw0rd@db:5432/app\n"
	fx.Faults = []githubtest.Fault{{Path: "/repos/acme/app/compare/" + baseSHA + "..." + headSHA, Body: garbage}}
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	ev, err := integrityEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{}, "")
	if err != nil {
		t.Logf("HELD: %v", err)
		return
	}
	t.Logf("diff evaluated: %q notes %v", ev.Diff, ev.Notes)
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("VULNERABLE: a garbage diff body (empty patch) was allowed on one approval: %s", ev.Decision.Reason)
	}
}

// TestAttackA12UndeclaredEnvironmentName: `gov pr --environment prod` (a
// typo: the bundle declares "production", which requires approval) on a
// PR into main. The engine looks the name up, finds nothing and decides
// with the defaults: allowed without any approval. THREATS.md (Deciding):
// an environment the bundle does not declare must fail closed.
func TestAttackA12UndeclaredEnvironmentName(t *testing.T) {
	fx := fixture()
	fx.PRs[0].Reviews = nil
	srv := serve(t, fx)
	c, _ := newTestClient(t, srv, nil)
	ev, err := newEvaluator(t, c).Evaluate(context.Background(), repo, 7, engine.Request{Environment: "prod"}, "")
	if err != nil {
		t.Logf("HELD: %v", err)
		return
	}
	if ev.Decision.Decision == engine.Allow {
		t.Fatalf("VULNERABLE: undeclared environment %q allowed without approval: %s", "prod", ev.Decision.Reason)
	}
}
