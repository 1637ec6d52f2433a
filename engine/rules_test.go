package engine

import (
	"slices"
	"testing"

	"github.com/gov-policy/gov/bundles"
)

// TestDeclarativeRules checks each operator (positive and negative) and
// field kind of rules.cue through the whole engine.
func TestDeclarativeRules(t *testing.T) {
	req := Request{
		Environment: "production", ServiceName: "billing-api", Language: "python", ActionType: "code_fix",
		RequestedBy: "healer-bot", RequestID: "req-42",
		ErrorContext: map[string]any{"error_type": "KeyError", "count": 12, "frame": map[string]any{"file": "app/db.py"}},
	}
	p := mkPatch(
		modified("app/db.py", added(40, "x = 1", `password = "hunter2"`)...),
		modified("docs/notes.md", added(1, "hello")...),
	)
	cases := []struct {
		name  string
		cond  bundles.Condition
		fires bool
		at    string // file:line of the violation when it fires
	}{
		{"equals", bundles.Condition{Field: "environment", Operator: "equals", Value: "production"}, true, ":0"},
		{"equals no", bundles.Condition{Field: "environment", Operator: "equals", Value: "staging"}, false, ""},
		{"not_equals", bundles.Condition{Field: "language", Operator: "not_equals", Value: "go"}, true, ":0"},
		{"not_equals no", bundles.Condition{Field: "language", Operator: "not_equals", Value: "python"}, false, ""},
		{"in", bundles.Condition{Field: "action_type", Operator: "in", Value: []any{"code_fix", "rollback"}}, true, ":0"},
		{"in no", bundles.Condition{Field: "action_type", Operator: "in", Value: []any{"rollback"}}, false, ""},
		{"not_in", bundles.Condition{Field: "requested_by", Operator: "not_in", Value: []any{"alice"}}, true, ":0"},
		{"not_in no", bundles.Condition{Field: "requested_by", Operator: "not_in", Value: []any{"healer-bot"}}, false, ""},
		{"contains", bundles.Condition{Field: "service_name", Operator: "contains", Value: "billing"}, true, ":0"},
		{"contains no", bundles.Condition{Field: "service_name", Operator: "contains", Value: "auth"}, false, ""},
		{"regex", bundles.Condition{Field: "request_id", Operator: "regex", Value: `^req-\d+$`}, true, ":0"},
		{"regex no", bundles.Condition{Field: "request_id", Operator: "regex", Value: `^job-`}, false, ""},
		{"glob", bundles.Condition{Field: "service_name", Operator: "glob", Value: "billing-*"}, true, ":0"},
		{"glob no", bundles.Condition{Field: "service_name", Operator: "glob", Value: "auth-*"}, false, ""},
		{"gt", bundles.Condition{Field: "error_context.count", Operator: "gt", Value: 10}, true, ":0"},
		{"gt no", bundles.Condition{Field: "error_context.count", Operator: "gt", Value: 12}, false, ""},
		{"lt", bundles.Condition{Field: "stats.additions", Operator: "lt", Value: 4}, true, ":0"},
		{"lt no", bundles.Condition{Field: "stats.additions", Operator: "lt", Value: 3}, false, ""},
		{"error_context field", bundles.Condition{Field: "error_context.error_type", Operator: "equals", Value: "KeyError"}, true, ":0"},
		{"error_context nested", bundles.Condition{Field: "error_context.frame.file", Operator: "glob", Value: "app/*.py"}, true, ":0"},
		{"error_context missing", bundles.Condition{Field: "error_context.nope", Operator: "equals", Value: "x"}, false, ""},
		{"patch_content regex names line", bundles.Condition{Field: "patch_content", Operator: "regex", Value: `password\s*=\s*"`}, true, "app/db.py:41"},
		{"patch_content contains", bundles.Condition{Field: "patch_content", Operator: "contains", Value: "hello"}, true, "docs/notes.md:1"},
		{"patch_content no", bundles.Condition{Field: "patch_content", Operator: "contains", Value: "eval("}, false, ""},
		{"patch_content not_equals", bundles.Condition{Field: "patch_content", Operator: "not_equals", Value: "x = 1"}, false, ""},
		{"files glob", bundles.Condition{Field: "files", Operator: "glob", Value: "**/*.md"}, true, "docs/notes.md:1"},
		{"files in", bundles.Condition{Field: "files", Operator: "in", Value: []any{"app/db.py"}}, true, "app/db.py:40"},
		{"files not_in", bundles.Condition{Field: "files", Operator: "not_in", Value: []any{"go.mod"}}, true, ":0"},
		{"files no", bundles.Condition{Field: "files", Operator: "glob", Value: "infra/**"}, false, ""},
		{"risk_level", bundles.Condition{Field: "risk_level", Operator: "equals", Value: "medium"}, true, ":0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := policyBundle(nil)
			b.Rules = []bundles.Rule{{
				ID: "decl/" + tc.name, Message: "rule " + tc.name, Action: ActionWarn,
				Conditions: []bundles.Condition{tc.cond}, Controls: []string{"SOC2:CC6.1"},
			}}
			d := mustEval(t, mustEngine(t, b), Input{Request: req, Patch: p})
			if fired := len(d.Violations) == 1; fired != tc.fires {
				t.Fatalf("fired %v (%q), want %v", fired, ruleIDs(d), tc.fires)
			}
			if !tc.fires {
				return
			}
			v := d.Violations[0]
			want := "warn decl/" + tc.name + " " + tc.at
			if got := ruleIDs(d)[0]; got != want || v.Message != "rule "+tc.name || !slices.Equal(v.Controls, []string{"SOC2:CC6.1"}) {
				t.Errorf("violation %q %+v, want %q", got, v, want)
			}
		})
	}
}

func TestDeclarativeActionsAndConjunction(t *testing.T) {
	b := policyBundle(nil)
	b.Rules = []bundles.Rule{
		{ID: "prod-secrets", Action: ActionDeny, Severity: "critical", Conditions: []bundles.Condition{
			{Field: "environment", Operator: "equals", Value: "production"},
			{Field: "patch_content", Operator: "contains", Value: "AKIA"},
		}},
		{ID: "big", Message: "big change", Action: ActionRequireApproval, Conditions: []bundles.Condition{
			{Field: "lines_changed", Operator: "gt", Value: 1},
		}},
	}
	e := mustEngine(t, b)
	p := mkPatch(modified("cfg.py", added(3, "key = 'AKIA123'", "x")...))
	d := mustEval(t, e, Input{Request: Request{Environment: "production"}, Patch: p})
	if got := ruleIDs(d); !slices.Equal(got, []string{"deny prod-secrets cfg.py:3", "require_approval big :0"}) {
		t.Errorf("production: %q", got)
	}
	if d.Violations[0].Severity != "critical" || d.Violations[0].Message != "prod-secrets" {
		t.Errorf("severity/message %+v", d.Violations[0])
	}
	d = mustEval(t, e, Input{Request: Request{Environment: "staging"}, Patch: p})
	if got := ruleIDs(d); !slices.Equal(got, []string{"require_approval big :0"}) {
		t.Errorf("staging: %q", got)
	}
}

func TestDeclarativeRulesRejected(t *testing.T) {
	cases := []struct {
		name string
		rule bundles.Rule
	}{
		{"unknown operator", bundles.Rule{ID: "r", Action: ActionDeny, Conditions: []bundles.Condition{{Field: "environment", Operator: "startswith", Value: "p"}}}},
		{"unknown action", bundles.Rule{ID: "r", Action: "block", Conditions: []bundles.Condition{{Field: "environment", Operator: "equals", Value: "p"}}}},
		{"empty field", bundles.Rule{ID: "r", Action: ActionDeny, Conditions: []bundles.Condition{{Operator: "equals", Value: "p"}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := policyBundle(nil)
			b.Rules = []bundles.Rule{tc.rule}
			if e, err := New(t.Context(), b); err == nil {
				t.Errorf("New accepted the rule (engine %v)", e != nil)
			}
		})
	}
}
