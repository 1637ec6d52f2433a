package bundles

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/gov-policy/gov/internal/gittest"
)

// detailRepo has two tagged versions of a bundle under policy/: v2 turns
// r1 from deny into require_approval with another message, a new control
// and another condition; swaps a member of sre; raises a stage's
// approvals and adds a stage; tunes a library family; and adds a test
// and an example case (neither is policy).
func detailRepo(t *testing.T) (*gittest.Repo, string, string) {
	r := gittest.New(t)
	v1 := r.Commit("v1", map[string]string{
		"policy/gov.cue": "library: families: \"protected-paths\": paths: [\"auth/**\"]\n",
		"policy/rules.cue": `rules: [{id: "r1", message: "no debug", action: "deny", controls: ["SOC2:CC6.1"],
	conditions: [{field: "patch_content", operator: "contains", value: "DEBUG"}]}]
`,
		"policy/roles.cue": `roles: sre: {members: ["user:ann#1", "user:bob#2"], permissions: ["approve"]}` + "\n",
		"policy/workflows.cue": `workflows: w: {when: environments: ["production"]
	stages: [{name: "SRE review", approver_roles: ["sre"], min_approvals: 1}]}
`,
	})
	r.Tag("v1.0.0", v1, true)
	v2 := r.Commit("v2", map[string]string{
		"policy/gov.cue": "library: families: \"protected-paths\": paths: [\"auth/**\", \"infra/**\"]\n",
		"policy/rules.cue": `rules: [{id: "r1", message: "debug needs review", action: "require_approval", controls: ["SOC2:CC6.1", "SOC2:CC8.1"],
	conditions: [{field: "patch_content", operator: "contains", value: "DEBUG = True"}]}]
`,
		"policy/roles.cue": `roles: sre: {members: ["user:ann#1", "user:cid#3"], permissions: ["approve"]}` + "\n",
		"policy/workflows.cue": `workflows: w: {when: environments: ["production"]
	stages: [{name: "SRE review", approver_roles: ["sre"], min_approvals: 2}, {name: "Security", approver_roles: ["sre"], min_approvals: 1}]}
`,
		"policy/policies/x.rego":      "package gov.x\n\ndeny contains \"x\" if false\n",
		"policy/policies/x_test.rego": "package gov.x_test\n\ntest_x if true\n",
		"policy/cases/patches/a.diff": "not a policy\n",
	})
	r.Tag("v2", v2, false)
	return r, v1, v2
}

// TestDiffDetails: gov bundle diff says per entry which fields changed,
// with before and after (and items added and removed for lists).
func TestDiffDetails(t *testing.T) {
	r, _, _ := detailRepo(t)
	got, err := Diff(t.Context(), "policy@v1.0.0", "policy@v2", LoadOptions{WorkDir: r.Dir})
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]FieldChange{}
	var names []string
	for _, c := range got {
		names = append(names, c.Kind+" "+c.Name+" "+c.Op)
		for _, f := range c.Fields {
			fields[c.Kind+" "+c.Name+" "+f.Field] = f
		}
		if c.Op == "changed" && (c.Before == nil || c.After == nil) {
			t.Errorf("%s %s changed without before and after", c.Kind, c.Name)
		}
	}
	wantNames := []string{"rule gov.x.deny added", "rule r1 changed", "role sre changed", "workflow w changed",
		"library-family protected-paths changed", "policy-file policies/x.rego added"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("changes %q, want %q", names, wantNames)
	}
	check := func(key string, before, after any, added, removed []string) {
		t.Helper()
		f, ok := fields[key]
		if !ok {
			t.Errorf("no field change %q (have %v)", key, keys(fields))
			return
		}
		if fmt.Sprint(f.Before) != fmt.Sprint(before) || fmt.Sprint(f.After) != fmt.Sprint(after) ||
			fmt.Sprint(f.Added) != fmt.Sprint(added) || fmt.Sprint(f.Removed) != fmt.Sprint(removed) {
			t.Errorf("%s: %v -> %v +%v -%v, want %v -> %v +%v -%v", key, f.Before, f.After, f.Added, f.Removed, before, after, added, removed)
		}
	}
	check("rule r1 action", "deny", "require_approval", nil, nil)
	check("rule r1 message", "no debug", "debug needs review", nil, nil)
	check("rule r1 controls", []any{"SOC2:CC6.1"}, []any{"SOC2:CC6.1", "SOC2:CC8.1"}, []string{"SOC2:CC8.1"}, nil)
	check("rule r1 conditions", []any{map[string]any{"field": "patch_content", "operator": "contains", "value": "DEBUG"}},
		[]any{map[string]any{"field": "patch_content", "operator": "contains", "value": "DEBUG = True"}}, nil, nil)
	check("role sre members", []any{"user:ann#1", "user:bob#2"}, []any{"user:ann#1", "user:cid#3"}, []string{"user:cid#3"}, []string{"user:bob#2"})
	check("workflow w stages[SRE review].min_approvals", 1.0, 2.0, nil, nil)
	check("workflow w stages[Security]", nil, map[string]any{"name": "Security", "approver_roles": []any{"sre"}, "min_approvals": 1.0}, nil, nil)
	check("library-family protected-paths paths", []any{"auth/**"}, []any{"auth/**", "infra/**"}, []string{"infra/**"}, nil)
	data, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal(data, &back); err != nil || back[1]["before"] == nil || back[1]["after"] == nil {
		t.Errorf("JSON of a changed rule lacks before/after: %s", data)
	}
}

// TestLogTagsAndPolicyFilesOnly: gov bundle log shows the tags of each
// commit and lists no test or example case as a policy file.
func TestLogTagsAndPolicyFilesOnly(t *testing.T) {
	r, v1, v2 := detailRepo(t)
	r.Commit("only a case", map[string]string{"policy/cases/patches/b.diff": "still not policy\n"})
	t.Chdir(r.Dir)
	got, err := Log(t.Context(), "policy", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].SHA != v2 || got[1].SHA != v1 {
		t.Fatalf("log %+v: want v2 and v1 only (a commit changing only a case is not a policy change)", got)
	}
	if fmt.Sprint(got[0].Tags) != "[v2]" || fmt.Sprint(got[1].Tags) != "[v1.0.0]" {
		t.Errorf("tags %v %v, want [v2] [v1.0.0]", got[0].Tags, got[1].Tags)
	}
	for _, c := range got[0].Changes {
		if c.Kind == "policy-file" && c.Name != "policies/x.rego" {
			t.Errorf("%s listed as a policy file", c.Name)
		}
	}
}

func keys(m map[string]FieldChange) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
