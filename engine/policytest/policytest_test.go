package policytest

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gov-policy/gov/bundles"
)

const policy = `package gov.custom.ci

# METADATA
# custom:
#   id: custom/no-ci-edits
deny contains {"msg": "no CI edits", "file": f.path} if {
	some f in input.patch.files
	startswith(f.path, ".github/workflows/")
}

deny contains "never" if {
	input.request.environment == "never-used"
}
`

const goodTest = `package gov.custom.ci_test

import data.gov.custom.ci

test_ci_edit_denied if {
	count(ci.deny) == 1 with input as {"request": {}, "patch": {"files": [{"path": ".github/workflows/x.yml"}]}}
}
`

const ciDiff = "diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml\n--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n@@ -1 +1 @@\n-on: push\n+on: [push, pull_request]\n"

func load(t *testing.T, files fstest.MapFS) *bundles.Bundle {
	t.Helper()
	b, err := bundles.LoadFS(files, "test", "", "sha256:test")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRunRegoAndCases(t *testing.T) {
	b := load(t, fstest.MapFS{
		"policies/ci.rego":      {Data: []byte(policy)},
		"policies/ci_test.rego": {Data: []byte(goodTest + "\ntest_wrong if { count(ci.deny) == 2 with input as {\"request\": {}, \"patch\": {\"files\": []}} }\n")},
		"cases/ci.diff":         {Data: []byte(ciDiff)},
		"cases/denied.yaml":     {Data: []byte("name: ci edit denied\nrequest: {environment: staging}\npatch_file: ci.diff\nexpect: {decision: deny, rules: [custom/no-ci-edits]}\n")},
		"cases/wrong.yaml":      {Data: []byte("name: wrongly expects allow\nrequest: {environment: staging}\npatch_file: ci.diff\nexpect: {decision: allow, not_rules: [custom/no-ci-edits]}\n")},
	})
	rep, err := Run(context.Background(), b, Options{Coverage: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Tests) != 2 || len(rep.Cases) != 2 || rep.Passed != 2 || rep.Failed != 2 || rep.OK() {
		t.Fatalf("report: %d tests, %d cases, %d passed, %d failed", len(rep.Tests), len(rep.Cases), rep.Passed, rep.Failed)
	}
	for _, tr := range rep.Tests {
		if tr.Name == "gov.custom.ci_test.test_wrong" && (tr.Pass || tr.File != "policies/ci_test.rego") {
			t.Errorf("test_wrong: %+v", tr)
		}
	}
	for _, c := range rep.Cases {
		switch c.Name {
		case "ci edit denied":
			if !c.Pass {
				t.Errorf("case should pass: %v", c.Problems)
			}
		case "wrongly expects allow":
			got := strings.Join(c.Problems, "; ")
			if c.Pass || !strings.Contains(got, "decision deny, want allow") || !strings.Contains(got, "rule custom/no-ci-edits fired but must not") {
				t.Errorf("problems: %s", got)
			}
		default:
			t.Errorf("unexpected case %q", c.Name)
		}
	}
	// The second deny rule is never exercised: coverage is below 100% and
	// counts only the policy file, not the test.
	if rep.Coverage == nil || rep.Coverage.Percent <= 0 || rep.Coverage.Percent >= 100 {
		t.Fatalf("coverage %+v", rep.Coverage)
	}
	if _, ok := rep.Coverage.Files["policies/ci_test.rego"]; ok || len(rep.Coverage.Files) != 1 {
		t.Errorf("coverage files %v", rep.Coverage.Files)
	}
}

func TestRunFilterAndTodo(t *testing.T) {
	b := load(t, fstest.MapFS{
		"policies/ci.rego":      {Data: []byte(policy)},
		"policies/ci_test.rego": {Data: []byte(goodTest + "\ntodo_test_later if { false }\n")},
	})
	rep, err := Run(context.Background(), b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatalf("a todo_ test must count as a failure: %+v", rep.Tests)
	}
	rep, err = Run(context.Background(), b, Options{Run: "denied"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Tests) != 1 || !rep.OK() {
		t.Fatalf("filtered run: %+v", rep.Tests)
	}
}

func TestBadCases(t *testing.T) {
	for name, c := range map[string]struct{ yaml, want string }{
		"unknown field":   {"name: x\nrequest: {}\npatch: x\nexpect: {decision: deny}\nbogus: 1\n", `cases/c.yaml:5:1: unknown key "bogus" (keys: enforcement, expect, name, now, patch, patch_file, request)`},
		"nested unknown":  {"request:\n  envirnment: prod\npatch: x\nexpect: {decision: deny}\n", `cases/c.yaml:2:3: request: unknown key "envirnment"`},
		"expect typo":     {"request: {}\npatch: x\nexpect:\n  decision: deny\n  rule: [a]\n", `cases/c.yaml:5:3: expect: unknown key "rule"`},
		"yaml syntax":     {"request: {\npatch: x\n", `cases/c.yaml: line 2: did not find expected ',' or '}'`},
		"bad decision":    {"request: {}\npatch: x\nexpect: {decision: maybe}\n", `expect.decision must be allow, deny or require_approval, not "maybe"`},
		"no patch":        {"request: {}\nexpect: {decision: deny}\n", "give exactly one of patch_file and patch"},
		"bad request key": {"request: {environment: 5}\npatch: x\nexpect: {decision: deny}\n", "cases/c.yaml:"},
	} {
		t.Run(name, func(t *testing.T) {
			b := load(t, fstest.MapFS{"cases/c.yaml": {Data: []byte(c.yaml)}})
			_, err := Run(context.Background(), b, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			// gov bundle check finds the same without running anything.
			if err := CheckCases(b); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("CheckCases: %v, want %q", err, c.want)
			}
		})
	}
}

// TestLibraryCoverage runs the built-in modules' and library's own tests,
// as `gov test --library --coverage` does: all pass, coverage >= 90%.
func TestLibraryCoverage(t *testing.T) {
	b := load(t, fstest.MapFS{})
	rep, err := Run(context.Background(), b, Options{Library: true, Coverage: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Tests) < 100 || !rep.OK() {
		t.Fatalf("%d tests, %d failed", len(rep.Tests), rep.Failed)
	}
	if rep.Coverage == nil || rep.Coverage.Percent < 90 {
		t.Fatalf("coverage %+v, want >= 90%%", rep.Coverage)
	}
	for _, want := range []string{"builtin/rules.rego", "lib/secrets/secrets.rego"} {
		if _, ok := rep.Coverage.Files[want]; !ok {
			t.Errorf("coverage lacks %s", want)
		}
	}
}

// gov test runs the program gov eval compiles: a policy reading another
// package's deny set by value passes its Rego test and its case alike.
func TestRunsTheEvalProgram(t *testing.T) {
	b := load(t, fstest.MapFS{
		"policies/a.rego":      {Data: []byte("package gov.a\n\ndeny contains \"ci edited\" if {\n\tsome f in input.patch.files\n\tstartswith(f.path, \".github/\")\n}\n")},
		"policies/a_test.rego": {Data: []byte("package gov.a_test\n\ntest_a if data.gov.a.deny == {\"ci edited\"} with input as {\"patch\": {\"files\": [{\"path\": \".github/x\"}]}}\n")},
		"policies/b.rego":      {Data: []byte("package gov.b\n\ndeny contains \"b: a says ci edited\" if \"ci edited\" in data.gov.a.deny\n")},
		"policies/b_test.rego": {Data: []byte("package gov.b_test\n\ntest_b if \"b: a says ci edited\" in data.gov.b.deny with input as {\"patch\": {\"files\": [{\"path\": \".github/x\"}]}}\n")},
		"cases/ci.diff":        {Data: []byte(ciDiff)},
		"cases/b.yaml":         {Data: []byte("request: {environment: staging}\npatch_file: ci.diff\nexpect: {decision: deny, rules: [gov.b.deny, gov.a.deny]}\n")},
	})
	rep, err := Run(context.Background(), b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Tests) != 2 || len(rep.Cases) != 1 {
		t.Fatalf("report: %+v", rep)
	}
}
