package engine

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/patch"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

func TestStarterBundle(t *testing.T) {
	e := mustEngine(t, starterBundle(t))
	cases := []struct {
		name       string
		env        string
		patch      *patch.Patch
		decision   Outcome
		violations []string
		workflow   string
		pending    string
		exit       int
	}{
		{
			name: "deleting a test is denied", env: "development",
			patch:    mkPatch(modified("app/db.py", added(10, "if x is None:")...), deleted("tests/test_db.py")),
			decision: Deny, violations: []string{"deny starter/deleted-test tests/test_db.py:0"}, exit: 1,
		},
		{
			name: "protected path requires approval", env: "development",
			patch:    mkPatch(modified(".github/workflows/ci.yml", added(7, "  run: make")...)),
			decision: RequireApproval, violations: []string{"require_approval starter/protected-path .github/workflows/ci.yml:7"},
			workflow: "protected_change", pending: `waiting for 1 approval from security (stage "Security review")`, exit: 3,
		},
		{
			name: "production requires approval", env: "production",
			patch:    mkPatch(modified("app/db.py", added(10, "if x is None:")...)),
			decision: RequireApproval, violations: []string{"require_approval gov.builtin.environment/require-approval :0"},
			workflow: "production_change", pending: `waiting for 1 approval from sre (stage "SRE review")`, exit: 3,
		},
		{
			name: "small staging fix is allowed", env: "staging",
			patch:    mkPatch(modified("app/db.py", added(10, "if x is None:", "    return")...)),
			decision: Allow, exit: 0,
		},
		{
			name: "deny wins over approval", env: "production",
			patch:    mkPatch(modified("auth/login.go", added(3, "x")...), deleted("auth/login_test.go")),
			decision: Deny, exit: 1,
			violations: []string{
				"deny starter/deleted-test auth/login_test.go:0",
				"require_approval gov.builtin.environment/require-approval :0",
				"require_approval starter/protected-path auth/login.go:3",
				"require_approval starter/protected-path auth/login_test.go:0",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustEval(t, e, Input{Request: Request{Environment: tc.env, RequestID: "r-1"}, Patch: tc.patch})
			if d.Decision != tc.decision || ExitCode(d) != tc.exit {
				t.Fatalf("decision %s (exit %d), want %s (exit %d); reason %q", d.Decision, ExitCode(d), tc.decision, tc.exit, d.Reason)
			}
			if got := ruleIDs(d); !slices.Equal(got, tc.violations) {
				t.Errorf("violations %q, want %q", got, tc.violations)
			}
			wf := ""
			if d.Workflow != nil {
				wf = d.Workflow.Name
			}
			if wf != tc.workflow || d.PendingReason != tc.pending {
				t.Errorf("workflow %q pending %q, want %q %q", wf, d.PendingReason, tc.workflow, tc.pending)
			}
			if d.RequestID != "r-1" || d.Bundle.Revision != "embedded:test" || d.EvaluatedAt.Format(time.RFC3339) != "2026-03-10T12:00:00Z" {
				t.Errorf("request %q bundle %+v evaluated_at %q", d.RequestID, d.Bundle, d.EvaluatedAt)
			}
			want := []string{"gov.builtin.environment", "gov.builtin.rules", "gov.starter.protected", "gov.starter.tests"}
			if !slices.Equal(d.Summary.PolicyTypesChecked, want) {
				t.Errorf("policy_types_checked %q, want %q", d.Summary.PolicyTypesChecked, want)
			}
		})
	}
}

func TestStarterDecisionDetails(t *testing.T) {
	e := mustEngine(t, starterBundle(t))
	d := mustEval(t, e, Input{Request: Request{Environment: "development"}, Patch: mkPatch(deleted("pkg/a_test.go"), deleted("pkg/b_test.go"))})
	if d.Reason != "denied by 1 rule: starter/deleted-test" {
		t.Errorf("reason %q", d.Reason)
	}
	v := d.Violations[0]
	if v.Severity != "high" || !slices.Equal(v.Controls, []string{"SOC2:CC8.1"}) || v.Message != "deletes test file pkg/a_test.go" {
		t.Errorf("violation %+v", v)
	}
	if d.Summary.ErrorCount != 2 || d.Passed() || d.Allowed() {
		t.Errorf("summary %+v allowed %v", d.Summary, d.Allowed())
	}
}

// TestStarterRego runs the starter policies' _test.rego with OPA's tester.
func TestStarterRego(t *testing.T) {
	mods, tests := readPolicies(t, "testdata/starter")
	parsed := map[string]*ast.Module{}
	for _, set := range []map[string]string{mods, tests} {
		for name, src := range set {
			m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
			if err != nil {
				t.Fatal(err)
			}
			parsed[name] = m
		}
	}
	ch, err := tester.NewRunner().SetCompiler(ast.NewCompiler()).SetStore(inmem.New()).
		SetModules(parsed).RaiseBuiltinErrors(true).RunTests(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range ch {
		n++
		if r.Fail || r.Error != nil || r.Skip {
			t.Errorf("%s.%s failed: %v %v", r.Package, r.Name, r.Error, r.FailedAt)
		}
	}
	if n < 8 {
		t.Errorf("ran %d tests, want at least 8", n)
	}
}

func TestMetadataAttribution(t *testing.T) {
	src := `package gov.custom

# METADATA
# custom:
#   id: custom/first
#   severity: critical
#   controls: ["HIPAA:164.312(b)"]
deny contains "first rule" if input.request.environment == "production"

# METADATA
# custom:
#   id: custom/second
deny contains {"msg": "second rule", "file": "a.go", "line": 4, "controls": ["SOC2:CC6.1"], "severity": "low"} if true

deny contains {"msg": "object id", "id": "custom/by-object"} if true

warn contains "plain" if count(deny) > 2

require_approval contains msg if {
	some f in input.patch.files
	msg := sprintf("touches %s", [f.path])
}
`
	e := mustEngine(t, policyBundle(map[string]string{"policies/custom.rego": src}))
	d := mustEval(t, e, Input{Request: Request{Environment: "production"}, Patch: mkPatch(modified("x.go", added(1, "a")...))})
	got := map[string]Violation{}
	for _, v := range d.Violations {
		got[v.Rule] = v
	}
	want := map[string]Violation{
		"custom/first":                {Rule: "custom/first", Action: ActionDeny, Message: "first rule", Severity: "critical", Controls: []string{"HIPAA:164.312(b)"}},
		"custom/second":               {Rule: "custom/second", Action: ActionDeny, Message: "second rule", File: "a.go", Line: 4, Severity: "low", Controls: []string{"SOC2:CC6.1"}},
		"custom/by-object":            {Rule: "custom/by-object", Action: ActionDeny, Message: "object id", Severity: "high"},
		"gov.custom.warn":             {Rule: "gov.custom.warn", Action: ActionWarn, Message: "plain", Severity: "low"},
		"gov.custom.require_approval": {Rule: "gov.custom.require_approval", Action: ActionRequireApproval, Message: "touches x.go", Severity: "medium"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("violations\n got %+v\nwant %+v", got, want)
	}
	if d.Reason != "denied by 3 rules: custom/by-object, custom/first, custom/second" {
		t.Errorf("reason %q", d.Reason)
	}
}

func TestFailClosed(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"runtime builtin error", "package gov.x\n\ndeny contains x if {\n\tx := 1 / 0\n}\n", "divide by zero"},
		{"conflicting complete rule", "package gov.x\n\nrisk_level := \"high\" if true\n\nrisk_level := \"low\" if true\n", "conflict"},
		{"undefined set", "package gov.x\n\ndeny := {\"a\"} if false\n", "gov.x.deny is undefined"},
		{"not a set", "package gov.x\n\ndeny := \"nope\"\n", "gov.x.deny is a string, want a set"},
		{"bad element", "package gov.x\n\ndeny contains 7 if true\n", "deny element is a number"},
		{"element without msg", "package gov.x\n\nwarn contains {\"file\": \"a\"} if true\n", "warn element without msg"},
		{"bad line", "package gov.x\n\nwarn contains {\"msg\": \"m\", \"line\": \"7\"} if true\n", "element line is a string"},
		{"bad risk override", "package gov.x\n\nrisk_level := \"extreme\"\n", "gov.x.risk_level is extreme"},
		{"unknown workflow", "package gov.x\n\nrequire_approval contains {\"msg\": \"m\", \"workflow\": \"nope\"} if true\n", `workflow "nope"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := mustEngine(t, policyBundle(map[string]string{"policies/x.rego": tc.src}))
			d, err := e.Evaluate(context.Background(), Input{Patch: mkPatch(modified("a.go", added(1, "x")...))})
			if err == nil || d != nil {
				t.Fatalf("got decision %+v, err %v; want an error", d, err)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line containing %q", err, tc.want)
			}
			if ExitCode(d) != 2 {
				t.Errorf("ExitCode(nil) = %d, want 2", ExitCode(d))
			}
		})
	}
}

func TestTimeoutFailsClosed(t *testing.T) {
	src := "package gov.x\n\ndeny contains n if {\n\tsome n in numbers.range(1, 100000000)\n\tn < 0\n}\n"
	e := mustEngine(t, policyBundle(map[string]string{"policies/x.rego": src}))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	d, err := e.Evaluate(ctx, Input{Patch: mkPatch()})
	if err == nil || d != nil {
		t.Fatalf("got %+v, %v; want a timeout error", d, err)
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"type error", "package gov.x\n\ndeny contains x if {\n\tx := concat(1, 2)\n}\n", "policies/x.rego:4: rego_type_error: "},
		{"parse error", "package gov.x\n\ndeny contains if {\n", "policies/x.rego:3: rego_parse_error: "},
		{"unsafe var", "package gov.x\n\ndeny contains y if {\n\ttrue\n}\n", "policies/x.rego:3: rego_unsafe_var_error: "},
		{"reserved package", "package gov.builtin.rules\n\nx := 1\n", "policies/x.rego:1: package gov.builtin.rules is reserved"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(context.Background(), policyBundle(map[string]string{"policies/x.rego": tc.src}))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line starting %q", err, tc.want)
			}
		})
	}
}

func TestConcurrentEvaluate(t *testing.T) {
	e := mustEngine(t, starterBundle(t))
	inputs := []struct {
		in   Input
		want Outcome
	}{
		{Input{Request: Request{Environment: "qa"}, Patch: mkPatch(deleted("x_test.go"))}, Deny},
		{Input{Request: Request{Environment: "production"}, Patch: mkPatch(modified("a.py", added(1, "x")...))}, RequireApproval},
		{Input{Request: Request{Environment: "qa"}, Patch: mkPatch(modified("a.py", added(1, "x")...))}, Allow},
	}
	errs := make(chan string, 60)
	done := make(chan struct{})
	for g := range 6 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 10 {
				c := inputs[(g+i)%len(inputs)]
				d, err := e.Evaluate(context.Background(), c.in)
				if err != nil || d.Decision != c.want {
					errs <- fmt.Sprintf("got %v %v, want %s", d, err, c.want)
				}
			}
		}()
	}
	for range 6 {
		<-done
	}
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}
