package simulate

import (
	"context"
	"strings"
	"testing"

	"github.com/gov-policy/gov/engine"
)

const ciDiff = `diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml
--- a/.github/workflows/ci.yml
+++ b/.github/workflows/ci.yml
@@ -1,2 +1,2 @@
 on: push
-permissions: read-all
+permissions: write-all
`

func TestFromCorpus(t *testing.T) {
	dir := bundleDir(t, map[string]string{
		"ci.yaml":         "name: ci edit\nrequest: {environment: staging, service_name: api}\npatch_file: patches/ci.diff\nexpect: {decision: allow}\n",
		"patches/ci.diff": ciDiff,
		"nested/config.json": `{"request": {"request_id": "cfg-1", "environment": "production"}, "expect": {"decision": "allow"},
			"patch": "diff --git a/config/a.yaml b/config/a.yaml\n--- a/config/a.yaml\n+++ b/config/a.yaml\n@@ -1 +1 @@\n-a: 1\n+a: 2\n"}`,
		"off.yaml":          "request: {}\npatch_file: patches/ci.diff\nenforcement: \"off\"\nnow: 2026-01-01\nexpect: {decision: allow}\n",
		"unknown-key.yaml":  "request: {}\npatch: x\nbogus: 1\nexpect: {decision: allow}\n",
		"missing-diff.yaml": "request: {}\npatch_file: nowhere.diff\nexpect: {decision: allow}\n",
		"notes.txt":         "not a case",
	})
	r, err := Run(context.Background(), v2Engine(t), v1Engine(t), FromCorpus(dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 3 || r.Changed != 1 || r.Errors != 0 {
		t.Errorf("total %d changed %d errors %d, want 3 1 0", r.Total, r.Changed, r.Errors)
	}
	if len(r.Changes) != 1 || r.Changes[0].RequestID != "ci edit" || r.Changes[0].To != string(engine.Deny) || r.Changes[0].Recorded != "" {
		t.Errorf("changes %+v, want the ci edit case denied", r.Changes)
	}
	// config.json loses warn-config; off.yaml is evaluated with enforcement off: no rule at all.
	if len(r.Rules) != 2 {
		t.Errorf("rules %+v, want custom/no-ci-edits and warn-config only", r.Rules)
	}
	tests := []struct{ file, want string }{
		{"missing-diff.yaml", "patch_file"},
		{"unknown-key.yaml", "bogus"},
	}
	if len(r.Skipped) != len(tests) {
		t.Fatalf("skipped %q, want %d", r.Skipped, len(tests))
	}
	for i, tt := range tests {
		if !strings.HasPrefix(r.Skipped[i], dir+"/"+tt.file+":") || !strings.Contains(r.Skipped[i], tt.want) {
			t.Errorf("skipped[%d] = %q, want %s named with %q", i, r.Skipped[i], tt.file, tt.want)
		}
	}
	if _, err := Run(context.Background(), v1Engine(t), v1Engine(t), FromCorpus(dir+"/none"), Options{}); err == nil {
		t.Error("missing corpus directory: no error")
	}
}
