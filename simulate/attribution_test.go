package simulate

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gov-policy/gov/engine"
)

const ciEditDiff = `diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml
--- a/.github/workflows/ci.yml
+++ b/.github/workflows/ci.yml
@@ -1 +1 @@
-on: push
+on: pull_request
`

// items is a Source of the given requests.
func items(reqs ...engine.Request) Source {
	return func(fn func(Item) error) ([]error, error) {
		for i, r := range reqs {
			if err := fn(Item{Name: fmt.Sprintf("item-%d", i), Request: r}); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
}

// TestAttributesActionChange: a rule that fires under both versions but
// whose action went from deny to require_approval is named as the cause
// of the changed decision, with both results, although the set of rules
// that fire is the same.
func TestAttributesActionChange(t *testing.T) {
	approval := strings.Replace(ciRego, "deny contains", "require_approval contains", 1)
	baseline := engineFor(t, bundleDir(t, map[string]string{"gov.cue": v1Config, "policies/ci.rego": ciRego}))
	candidate := engineFor(t, bundleDir(t, map[string]string{"gov.cue": v1Config, "policies/ci.rego": approval}))
	r, err := Run(context.Background(), candidate, baseline, items(engine.Request{Environment: "production", PatchContent: ciEditDiff}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Changes) != 1 {
		t.Fatalf("changes %+v, want one", r.Changes)
	}
	c := r.Changes[0]
	if c.From != string(engine.Deny) || c.To != string(engine.RequireApproval) {
		t.Errorf("change %s -> %s, want deny -> require_approval", c.From, c.To)
	}
	want := []RuleChange{{Rule: "custom/no-ci-edits", From: engine.ActionDeny, To: engine.ActionRequireApproval}}
	if fmt.Sprint(c.RuleChanges) != fmt.Sprint(want) {
		t.Errorf("rule changes %+v, want %+v", c.RuleChanges, want)
	}
	if got := ruleDelta(c); !strings.Contains(got, "~custom/no-ci-edits deny->require_approval") {
		t.Errorf("text %q does not name the rule and its results", got)
	}
}

// TestAttributesEnforcementChange: under enforcement warn the rule still
// fires; its result says it is no longer enforced.
func TestAttributesEnforcementChange(t *testing.T) {
	baseline := engineFor(t, bundleDir(t, map[string]string{"gov.cue": v1Config, "policies/ci.rego": ciRego}))
	candidate := engineFor(t, bundleDir(t, map[string]string{"gov.cue": v1Config + "enforcement: \"warn\"\n", "policies/ci.rego": ciRego}))
	r, err := Run(context.Background(), candidate, baseline, items(engine.Request{Environment: "staging", PatchContent: ciEditDiff}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Changes) != 1 {
		t.Fatalf("changes %+v, want one", r.Changes)
	}
	want := []RuleChange{{Rule: "custom/no-ci-edits", From: engine.ActionDeny, To: "deny (not enforced)"}}
	if fmt.Sprint(r.Changes[0].RuleChanges) != fmt.Sprint(want) {
		t.Errorf("rule changes %+v, want %+v", r.Changes[0].RuleChanges, want)
	}
}
