package bundles

import (
	"reflect"
	"testing"

	"github.com/gov-policy/gov/internal/gittest"
)

// historyRepo builds a bundle history under policy/ with one unrelated
// commit in between.
func historyRepo(t *testing.T) (*gittest.Repo, []string) {
	r := gittest.New(t)
	var shas []string
	shas = append(shas, r.Commit("roles and a rule", map[string]string{
		"policy/roles.cue": `roles: sre: members: ["team:acme/sre"]` + "\n",
		"policy/rules.cue": `rules: [{id: "r1", action: "warn", conditions: []}]` + "\n",
	}))
	shas = append(shas, r.Commit("app code only", map[string]string{"main.go": "package main\n"}))
	shas = append(shas, r.Commit("workflow, stricter r1, new r2", map[string]string{
		"policy/workflows.cue": `workflows: w: stages: [{name: "s", approver_roles: ["sre"]}]` + "\n",
		"policy/rules.cue":     `rules: [{id: "r1", action: "deny", conditions: []}, {id: "r2", action: "warn", conditions: []}]` + "\n",
	}))
	shas = append(shas, r.Commit("rego instead of r2; security role", map[string]string{
		"policy/rules.cue":                 `rules: [{id: "r1", action: "deny", conditions: []}]` + "\n",
		"policy/roles.cue":                 `roles: {sre: members: ["team:acme/sre"], security: members: ["team:acme/sec"]}` + "\n",
		"policy/gov.cue":                   "enforcement: \"warn\"\n",
		"policy/policies/custom.rego":      "package gov.custom\n\ndeny contains \"x\" if false\n",
		"policy/policies/custom_test.rego": "package gov.custom_test\n\ntest_x if true\n",
	}))
	shas = append(shas, r.Commit("change the rego body", map[string]string{
		"policy/policies/custom.rego": "package gov.custom\n\n# moved down\n\ndeny contains \"y\" if false\n",
	}))
	shas = append(shas, r.Commit("broken", map[string]string{"policy/gov.cue": "enforcment: \"warn\"\n"}))
	return r, shas
}

func TestLog(t *testing.T) {
	r, shas := historyRepo(t)
	t.Chdir(r.Dir)
	got, err := Log(t.Context(), "policy", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Commit{
		{SHA: shas[5], Message: "broken", Changes: []Change{ch("policy-file", "gov.cue", "changed")}},
		{SHA: shas[4], Message: "change the rego body", Changes: []Change{ch("rule", "gov.custom.deny", "changed"), ch("policy-file", "policies/custom.rego", "changed")}},
		{SHA: shas[3], Message: "rego instead of r2; security role", Changes: []Change{
			ch("rule", "gov.custom.deny", "added"), ch("rule", "r2", "removed"), ch("role", "security", "added"),
			ch("config", "enforcement", "changed"),
			ch("policy-file", "policies/custom.rego", "added")}},
		{SHA: shas[2], Message: "workflow, stricter r1, new r2", Changes: []Change{
			ch("rule", "r1", "changed"), ch("rule", "r2", "added"), ch("workflow", "w", "added")}},
		{SHA: shas[0], Message: "roles and a rule", Changes: []Change{ch("rule", "r1", "added"), ch("role", "sre", "added")}},
	}
	if len(got) != len(want) {
		t.Fatalf("Log returned %d commits, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].SHA != want[i].SHA || got[i].Message != want[i].Message || !reflect.DeepEqual(ops(got[i].Changes), want[i].Changes) {
			t.Errorf("commit %d\n got: %s %q %v\nwant: %s %q %v", i, got[i].SHA[:7], got[i].Message, got[i].Changes, want[i].SHA[:7], want[i].Message, want[i].Changes)
		}
		if got[i].Author != "Ada" || got[i].Time.IsZero() {
			t.Errorf("commit %d author %q time %v", i, got[i].Author, got[i].Time)
		}
	}
	if got[0].Invalid == "" || got[1].Invalid != "" {
		t.Errorf("Invalid: broken commit %q, good commit %q", got[0].Invalid, got[1].Invalid)
	}
	limited, err := Log(t.Context(), "policy@"+shas[3][:8], 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(limited) != 2 || limited[0].SHA != shas[3] || limited[1].SHA != shas[2] {
		t.Errorf("Log from %s limit 2 = %d commits", shas[3][:8], len(limited))
	}
}

func TestDiff(t *testing.T) {
	r, shas := historyRepo(t)
	opts := LoadOptions{WorkDir: r.Dir}
	tests := []struct {
		name, a, b string
		want       []Change
	}{
		{"same", "policy@" + shas[0], "policy@" + shas[1], nil},
		{"forward", "policy@" + shas[0], "policy@" + shas[4], []Change{
			ch("rule", "gov.custom.deny", "added"), ch("rule", "r1", "changed"),
			ch("role", "security", "added"), ch("workflow", "w", "added"),
			ch("config", "enforcement", "changed"),
			ch("policy-file", "policies/custom.rego", "added")}},
		{"backward", "policy@" + shas[2], "policy@" + shas[0], []Change{
			ch("rule", "r1", "changed"), ch("rule", "r2", "removed"), ch("workflow", "w", "removed")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Diff(t.Context(), tt.a, tt.b, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ops(got), tt.want) {
				t.Errorf("Diff\n got: %v\nwant: %v", got, tt.want)
			}
		})
	}
	if _, err := Diff(t.Context(), "policy@"+shas[0], "policy@"+shas[5], opts); err == nil {
		t.Error("Diff to a broken bundle: no error")
	}
}

func ch(kind, name, op string) Change { return Change{Kind: kind, Name: name, Op: op} }

// ops is changes without their details: kind, name and op.
func ops(changes []Change) []Change {
	var out []Change
	for _, c := range changes {
		out = append(out, ch(c.Kind, c.Name, c.Op))
	}
	return out
}
