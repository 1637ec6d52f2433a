package engine

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/patch"
)

const pathPolicy = `package gov.paths

# METADATA
# custom:
#   id: paths/touched
deny contains {"msg": sprintf("touched %s", [f.path]), "file": f.path, "line": 1} if {
	some f in input.patch.files
	startswith(f.path, "tools/")
}

warn contains "always" if true
`

func TestExceptions(t *testing.T) {
	p := mkPatch(modified("tools/build.py", added(1, "x")...))
	cases := []struct {
		name      string
		exception bundles.Exception
		decision  Outcome
		want      []string // action rule exception
	}{
		{
			name:      "waived",
			exception: bundles.Exception{Rule: "paths/touched", Paths: []string{"tools/**"}, Expires: "2026-03-10", Reason: "legacy", ApprovedBy: "user:carol"},
			decision:  Allow,
			want:      []string{"deny paths/touched waived until 2026-03-10 by user:carol: legacy", "warn gov.paths.warn "},
		},
		{
			name:      "expired yesterday",
			exception: bundles.Exception{Rule: "paths/touched", Paths: []string{"tools/**"}, Expires: "2026-03-09"},
			decision:  Deny,
			want: []string{
				"deny paths/touched exception expired on 2026-03-09",
				"warn gov.exceptions/expired ", "warn gov.paths.warn ",
			},
		},
		{
			name:      "path not covered",
			exception: bundles.Exception{Rule: "paths/touched", Paths: []string{"scripts/**"}, Expires: "2027-01-31"},
			decision:  Deny,
			want:      []string{"deny paths/touched ", "warn gov.paths.warn "},
		},
		{
			name:      "other rule",
			exception: bundles.Exception{Rule: "paths/other", Expires: "2027-01-31"},
			decision:  Deny,
			want:      []string{"deny paths/touched ", "warn gov.paths.warn "},
		},
		{
			name:      "no paths covers every file and glob rule",
			exception: bundles.Exception{Rule: "paths/*", Expires: "2027-01-31"},
			decision:  Allow,
			want:      []string{"deny paths/touched waived until 2027-01-31 by : ", "warn gov.paths.warn "},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := policyBundle(map[string]string{"policies/paths.rego": pathPolicy})
			b.Exceptions = []bundles.Exception{tc.exception}
			d := mustEval(t, mustEngine(t, b), Input{Patch: p})
			var got []string
			for _, v := range d.Violations {
				got = append(got, v.Action+" "+v.Rule+" "+v.Exception)
			}
			if d.Decision != tc.decision || !slices.Equal(got, tc.want) {
				t.Errorf("decision %s %q, want %s %q", d.Decision, got, tc.decision, tc.want)
			}
			wantErrors := 0
			if tc.decision == Deny {
				wantErrors = 1
			}
			if d.Summary.ErrorCount != wantErrors || d.Summary.WarningCount != len(tc.want)-1 {
				t.Errorf("summary %+v", d.Summary)
			}
			if strings.Contains(tc.name, "expired") && d.Violations[1].Message != "exception for paths/touched expired on 2026-03-09" {
				t.Errorf("expiry message %q", d.Violations[1].Message)
			}
		})
	}
}

func TestEnforcement(t *testing.T) {
	b := starterBundle(t)
	b.Config.Environments["dev"] = bundles.EnvironmentConfig{Enforcement: "off"}
	e := mustEngine(t, b)
	del := mkPatch(deleted("tests/test_a.py"))
	cases := []struct {
		name, env, override string
		enforcement         string
		decision            Outcome
		reason              string
		violations          int
		enforced            bool // violations carry enforced=false
	}{
		{"strict from config", "qa", "", "strict", Deny, "denied by 1 rule: starter/deleted-test", 1, true},
		{"warn per environment", "staging", "", "warn", Allow, "enforcement warn, not enforced: denied by 1 rule: starter/deleted-test", 1, false},
		{"off per environment", "dev", "", "off", Allow, "enforcement off", 0, true},
		{"override wins over environment", "staging", "strict", "strict", Deny, "denied by 1 rule: starter/deleted-test", 1, true},
		{"override off", "production", "off", "off", Allow, "enforcement off", 0, true},
		{"override warn", "production", "warn", "warn", Allow, "enforcement warn, not enforced: denied by 1 rule: starter/deleted-test", 2, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustEval(t, e, Input{Request: Request{Environment: tc.env}, Patch: del, Enforcement: tc.override})
			if d.Enforcement != tc.enforcement || d.Decision != tc.decision || d.Reason != tc.reason || len(d.Violations) != tc.violations {
				t.Fatalf("got %s %s %q %d violations, want %s %s %q %d", d.Enforcement, d.Decision, d.Reason, len(d.Violations),
					tc.enforcement, tc.decision, tc.reason, tc.violations)
			}
			if d.Allowed() != (tc.decision == Allow) || (ExitCode(d) == 0) != (tc.decision == Allow) {
				t.Errorf("allowed %v exit %d", d.Allowed(), ExitCode(d))
			}
			for _, v := range d.Violations {
				if (v.Enforced == nil) != tc.enforced || (v.Enforced != nil && *v.Enforced) || v.Action == "" {
					t.Errorf("violation %+v enforced %v", v, v.Enforced)
				}
			}
			if tc.enforcement == "warn" && (d.Passed() || d.Summary.ErrorCount != 1 || d.Workflow != nil) {
				t.Errorf("warn summary %+v workflow %v", d.Summary, d.Workflow)
			}
		})
	}
	if _, err := e.Evaluate(context.Background(), Input{Patch: del, Enforcement: "loud"}); err == nil {
		t.Error("unknown enforcement accepted")
	}
}

func TestRiskLevel(t *testing.T) {
	big := make([]string, 320)
	for i := range big {
		big[i] = "x"
	}
	override := `package gov.risky

risk_level := "critical" if input.request.service_name == "payments"
`
	lower := "package gov.calm\n\nrisk_level := \"low\"\n"
	cases := []struct {
		name, env, service string
		patch              *patch.Patch
		modules            map[string]string
		want               string
	}{
		{"small staging", "staging", "api", mkPatch(modified("app/a.py", added(1, "x")...)), nil, "low"},
		{"production", "production", "api", mkPatch(modified("app/a.py", added(1, "x")...)), nil, "medium"},
		{"medium size", "staging", "api", mkPatch(modified("app/a.py", added(1, big[:60]...)...)), nil, "medium"},
		{"large size", "staging", "api", mkPatch(modified("app/a.py", added(1, big...)...)), nil, "high"},
		{"high risk path in production", "production", "api", mkPatch(modified("infra/main.tf", added(1, "x")...)), nil, "critical"},
		{"configured path", "staging", "api", mkPatch(modified("billing/x.go", added(1, "x")...)), nil, "high"},
		{"critical service", "staging", "ledger", mkPatch(modified("app/a.py", added(1, "x")...)), nil, "medium"},
		{"policy override applies", "staging", "payments", mkPatch(modified("app/a.py", added(1, "x")...)), map[string]string{"policies/r.rego": override}, "critical"},
		{"policy override does not apply", "staging", "api", mkPatch(modified("app/a.py", added(1, "x")...)), map[string]string{"policies/r.rego": override}, "low"},
		{"highest override wins", "staging", "payments", mkPatch(modified("app/a.py", added(1, "x")...)), map[string]string{"policies/r.rego": override, "policies/c.rego": lower}, "critical"},
		{"override may lower", "production", "api", mkPatch(modified("infra/a.tf", added(1, "x")...)), map[string]string{"policies/c.rego": lower}, "low"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := policyBundle(tc.modules)
			b.Config.Risk = bundles.RiskConfig{HighRiskPaths: []string{"billing/**"}, CriticalServices: []string{"ledger"}}
			d := mustEval(t, mustEngine(t, b), Input{Request: Request{Environment: tc.env, ServiceName: tc.service}, Patch: tc.patch})
			if d.RiskLevel != tc.want {
				t.Errorf("risk %s, want %s", d.RiskLevel, tc.want)
			}
		})
	}
}
