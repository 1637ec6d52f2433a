package github

import (
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/approvals"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/patch"
)

func TestDiffFromFilesParses(t *testing.T) {
	files := []File{
		{Path: "app.py", Status: "modified", Patch: "@@ -1 +1,2 @@\n x = 1\n+y = 2"},
		{Path: "new.go", Status: "added", Patch: "@@ -0,0 +1 @@\n+package x"},
		{Path: "old.txt", Status: "removed", Patch: "@@ -1 +0,0 @@\n-gone"},
		{Path: "b.txt", PreviousPath: "a.txt", Status: "renamed"},
		{Path: "logo.png", Status: "modified"},
	}
	p, err := patch.Parse([]byte(DiffFromFiles(files)))
	if err != nil {
		t.Fatalf("%v\n%s", err, DiffFromFiles(files))
	}
	var got []string
	for _, f := range p.Files {
		got = append(got, f.Status+":"+f.Path)
	}
	if strings.Join(got, " ") != "modified:app.py added:new.go deleted:old.txt renamed:b.txt modified:logo.png" || p.Stats.Additions != 2 || p.Stats.Deletions != 1 {
		t.Errorf("files = %v, stats %+v", got, p.Stats)
	}
}

func TestRenderComment(t *testing.T) {
	d := &engine.Decision{Decision: engine.Allow, Reason: "BREAK-GLASS: label | by @carol",
		Violations: []engine.Violation{{Rule: "gov.builtin.environment/require-approval", Action: "require_approval", Message: "production\nneeds approval", File: "app.py", Line: 3}},
		Workflow:   &engine.WorkflowResult{Name: "production_change", Stages: []engine.StageResult{{Name: "SRE review", ApproverRoles: []string{"sre"}, MinApprovals: 1, ApprovedBy: []string{"bob"}, Satisfied: true}}},
		Bundle:     engine.BundleInfo{Source: "embedded", Revision: "embedded:dev"}}
	res := &approvals.Result{
		BreakGlass: &approvals.BreakGlass{Label: "gov/break-glass", ByLogin: "carol", At: time.Date(2026, 3, 1, 9, 3, 0, 0, time.UTC)},
		Ignored:    []approvals.Ignored{{Login: "alice", ReviewID: 10, Reason: "self-approval: the PR author cannot approve it"}},
	}
	got := RenderComment(d, res, []string{"diff unavailable: evaluated from the files list"})
	for _, want := range []string{
		DecisionMarker + "\n" + GrantMarker(Grant{At: time.Date(2026, 3, 1, 9, 3, 0, 0, time.UTC)}) + "\n### gov/policy: ✅ allowed",
		"**BREAK-GLASS**: label `gov/break-glass` added by `carol` at 2026-03-01 09:03 UTC",
		`**Reason:** BREAK-GLASS: label \| by @` + "\u200b" + `carol`,
		"| require_approval | `gov.builtin.environment/require-approval` | `app.py:3` | production needs approval |",
		"| SRE review | 1 from sre | `bob` | ✅ satisfied |",
		"- `alice` (review 10): self-approval",
		"> diff unavailable: evaluated from the files list",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("comment lacks %q:\n%s", want, got)
		}
	}
}

func TestStatusFor(t *testing.T) {
	for _, tt := range []struct {
		decision engine.Outcome
		state    string
	}{
		{engine.Allow, StateSuccess}, {engine.Deny, StateFailure}, {engine.RequireApproval, StatePending}, {"", StateError},
	} {
		if got, _ := StatusFor(&engine.Decision{Decision: tt.decision}); got != tt.state {
			t.Errorf("StatusFor(%s) = %s, want %s", tt.decision, got, tt.state)
		}
	}
}

// TestCommentEscapesQuotedText: paths, messages, notes and reasons gov
// quotes never open an HTML comment in gov's own comment; only gov's own
// markers do (TestAttackA12GrantMarkerInjectedThroughFilePath).
func TestCommentEscapesQuotedText(t *testing.T) {
	evil := "x<!-- gov:break-glass sha=" + strings.Repeat("a", 40) + " by=3 at=1 -->y"
	d := &engine.Decision{Decision: engine.RequireApproval, Reason: evil, PendingReason: evil,
		Violations: []engine.Violation{{Rule: evil, Action: "require_approval", Message: evil, File: evil, Line: 1}},
		Workflow:   &engine.WorkflowResult{Name: evil, Stages: []engine.StageResult{{Name: evil, ApproverRoles: []string{evil}, ApprovedBy: []string{evil}}}},
		Bundle:     engine.BundleInfo{Source: evil, Revision: evil}}
	res := &approvals.Result{Ignored: []approvals.Ignored{{Login: evil, ReviewID: 1, Reason: evil}}}
	got := RenderComment(d, res, []string{evil})
	if n := strings.Count(got, "<!--"); n != 1 || !strings.HasPrefix(got, DecisionMarker+"\n") {
		t.Errorf("%d HTML comments opened (want only DecisionMarker):\n%s", n, got)
	}
}
