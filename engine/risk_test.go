package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/patch"
)

// sized is a patch changing the given paths with additions lines in all.
func sized(additions int, paths ...string) *patch.Patch {
	p := &patch.Patch{}
	for _, path := range paths {
		p.Files = append(p.Files, patch.File{Path: path, Status: patch.StatusModified})
	}
	p.Stats.Files, p.Stats.Additions = len(paths), additions
	return p
}

func TestRiskScorer(t *testing.T) {
	renamed := sized(1, "lib/x.go")
	renamed.Files[0].OldPath, renamed.Files[0].Status = "auth/x.go", patch.StatusRenamed
	for _, tc := range []struct {
		name     string
		cfg      bundles.RiskConfig
		env, svc string
		p        *patch.Patch
		want     string
	}{
		{"small staging change", bundles.RiskConfig{}, "staging", "api", sized(3, "app/x.py"), "low"},
		{"no patch", bundles.RiskConfig{}, "staging", "api", nil, "low"},
		{"49 lines", bundles.RiskConfig{}, "staging", "api", sized(49, "app/x.py"), "low"},
		{"50 lines", bundles.RiskConfig{}, "staging", "api", sized(50, "app/x.py"), "medium"},
		{"300 lines", bundles.RiskConfig{}, "staging", "api", sized(300, "app/x.py"), "high"},
		{"medium_lines", bundles.RiskConfig{MediumLines: 10}, "staging", "api", sized(10, "app/x.py"), "medium"},
		{"high_lines", bundles.RiskConfig{MediumLines: 10, HighLines: 20}, "staging", "api", sized(20, "app/x.py"), "high"},
		{"production raises", bundles.RiskConfig{}, "production", "api", sized(3, "app/x.py"), "medium"},
		{"auth path", bundles.RiskConfig{}, "staging", "api", sized(1, "auth/login.go"), "high"},
		{"nested migration", bundles.RiskConfig{}, "staging", "api", sized(1, "db/migrations/001.sql"), "high"},
		{"top-level migration", bundles.RiskConfig{}, "staging", "api", sized(1, "migrations/001.sql"), "high"},
		{"workflow", bundles.RiskConfig{}, "staging", "api", sized(1, ".github/workflows/ci.yml"), "high"},
		{"configured path", bundles.RiskConfig{HighRiskPaths: []string{"pay/**"}}, "staging", "api", sized(1, "pay/x.go"), "high"},
		{"path is not a prefix", bundles.RiskConfig{}, "staging", "api", sized(1, "app/auth/x.go"), "low"},
		{"old path counts", bundles.RiskConfig{}, "staging", "api", renamed, "high"},
		{"paths and size do not add", bundles.RiskConfig{}, "staging", "api", sized(400, "infra/main.tf"), "high"},
		{"critical is capped", bundles.RiskConfig{CriticalServices: []string{"billing"}}, "production", "billing", sized(1000, "infra/main.tf"), "critical"},
		{"critical service", bundles.RiskConfig{CriticalServices: []string{"billing"}}, "staging", "billing", sized(1, "app/x.py"), "medium"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := newRiskScorer(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.level(Request{Environment: tc.env, ServiceName: tc.svc}, tc.p); got != tc.want {
				t.Errorf("level = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestRiskLevelInput: policies and declarative rules read the computed
// level as input.risk_level, and a package's risk_level still overrides the
// decision's level.
func TestRiskLevelInput(t *testing.T) {
	b := policyBundle(map[string]string{"policies/p.rego": `package gov.p

warn contains sprintf("risk is %s", [input.risk_level])

deny contains "risky (old name)" if data.gov.builtin.risk.level in {"high", "critical"}
`})
	b.Rules = []bundles.Rule{{ID: "risky", Message: "high risk", Action: ActionRequireApproval,
		Conditions: []bundles.Condition{{Field: "risk_level", Operator: "in", Value: []any{"high", "critical"}}}}}
	e := mustEngine(t, b)
	ctx := context.Background()
	d, err := e.Evaluate(ctx, Input{Request: Request{Environment: "staging"}, Patch: sized(1, "auth/x.go")})
	if err != nil {
		t.Fatal(err)
	}
	if d.RiskLevel != "high" || d.Decision != Deny || len(d.Violations) != 3 || !strings.Contains(messages(d), "risk is high") || !strings.Contains(messages(d), "risky (old name)") {
		t.Errorf("auth change: %s %s %v", d.RiskLevel, d.Decision, d.Violations)
	}
	d, err = e.Evaluate(ctx, Input{Request: Request{Environment: "staging"}, Patch: sized(1, "app/x.py")})
	if err != nil {
		t.Fatal(err)
	}
	if d.RiskLevel != "low" || d.Decision != Allow || !strings.Contains(messages(d), "risk is low") {
		t.Errorf("app change: %s %s %v", d.RiskLevel, d.Decision, d.Violations)
	}
	doc, err := InputDocument(b, Input{Request: Request{Environment: "production"}, Patch: sized(1, "app/x.py")})
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.(map[string]any)["risk_level"]; got != "medium" {
		t.Errorf("InputDocument risk_level = %v, want medium", got)
	}
}

func TestRiskBadGlob(t *testing.T) {
	b := policyBundle(nil)
	b.Config.Risk.HighRiskPaths = []string{"auth/[x"}
	if _, err := New(context.Background(), b); err == nil || !strings.Contains(err.Error(), "risk.high_risk_paths") {
		t.Fatalf("New = %v, want an error naming risk.high_risk_paths", err)
	}
}

func messages(d *Decision) string {
	var b strings.Builder
	for _, v := range d.Violations {
		b.WriteString(v.Message + "\n")
	}
	return b.String()
}
