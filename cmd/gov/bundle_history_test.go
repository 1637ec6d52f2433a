package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gov-policy/gov/internal/gittest"
)

// TestBundleDiffAndLogText: gov bundle diff prints, under each changed
// entry, what changed in it; gov bundle log prints each commit's tags.
func TestBundleDiffAndLogText(t *testing.T) {
	r := gittest.New(t)
	v1 := r.Commit("v1", map[string]string{
		"policy/rules.cue": `rules: [{id: "r1", message: "no debug", action: "deny", conditions: [{field: "patch_content", operator: "contains", value: "DEBUG"}]}]` + "\n",
		"policy/roles.cue": `roles: sre: {members: ["user:ann#1", "user:bob#2"], permissions: ["approve"]}` + "\n",
	})
	r.Tag("v1.0.0", v1, true)
	r.Commit("v2", map[string]string{
		"policy/rules.cue": `rules: [{id: "r1", message: "no debug", action: "require_approval", conditions: [{field: "patch_content", operator: "contains", value: "DEBUG"}]}]` + "\n",
		"policy/roles.cue": `roles: sre: {members: ["user:ann#1", "user:cid#3"], permissions: ["approve"]}` + "\n",
	})
	t.Chdir(r.Dir)
	gov := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := runWith(args, strings.NewReader(""), &out, &errb); code != 0 {
			t.Fatalf("gov %s: exit %d\n%s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}
	diff := gov("bundle", "diff", "policy@v1.0.0", "policy@HEAD")
	for _, want := range []string{
		"~ rule r1\n    action: deny -> require_approval\n",
		"~ role sre\n    members: +user:cid#3 -user:bob#2\n",
	} {
		if !strings.Contains(diff, want) {
			t.Errorf("bundle diff lacks %q:\n%s", want, diff)
		}
	}
	if log := gov("bundle", "log", "policy"); !strings.Contains(log, " (tag: v1.0.0)  ") {
		t.Errorf("bundle log shows no tag:\n%s", log)
	}
	if js := gov("bundle", "diff", "policy@v1.0.0", "policy@HEAD", "--format", "json"); !strings.Contains(js, `"before"`) || !strings.Contains(js, `"after"`) {
		t.Errorf("bundle diff JSON has no before/after:\n%s", js)
	}
}
