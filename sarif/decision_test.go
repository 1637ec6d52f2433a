package sarif

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
)

var update = flag.Bool("update", false, "rewrite testdata/sarif golden files")

// sampleDecision is a denied decision on testdata/patches/auth-change.diff
// with one violation of each placement and enforcement kind.
func sampleDecision() *engine.Decision {
	return &engine.Decision{
		Decision: engine.Deny, Reason: "denied by 1 policy", RiskLevel: "high", RequestID: "req-42",
		Bundle:      engine.BundleInfo{Source: "./policy", Ref: "v1.2.0", Revision: "0123456789abcdef0123456789abcdef01234567"},
		Enforcement: engine.EnforcementStrict,
		Violations: []engine.Violation{
			{Rule: "auth/session-ttl", Action: engine.ActionDeny, Message: "session TTL raised above 24h", File: "auth/session.go", Line: 12, Severity: "critical", Controls: []string{"SOC2:CC6.1", "HIPAA:164.312(b)"}},
			{Rule: "protected-paths/auth", Action: engine.ActionRequireApproval, Message: "auth/** changes need approval", File: "auth/session.go", Severity: "medium", Controls: []string{"SOC2:CC8.1"}},
			{Rule: "gov.builtin.env.production", Action: engine.ActionRequireApproval, Message: "production needs approval", Severity: "medium"},
			{Rule: "style/nil-check", Action: engine.ActionWarn, Message: "nil receiver check", File: "auth/session.go", Line: 35, Enforced: boolPtr(false)},
			{Rule: "code/legacy", Action: engine.ActionDeny, Message: "legacy call", File: "auth/session.go", Line: 36, Exception: "waived until 2027-01-31 by user:carol: legacy build script"},
		},
	}
}

func sampleOptions() Options {
	return Options{
		ToolVersion: "1.0.0-test", InformationURI: "https://github.com/gov-policy/gov",
		AutomationID: "gov/eval/",
		Rules: []bundles.RuleInfo{{
			ID: "auth/session-ttl", Title: "Session lifetime", Description: "Sessions must not outlive a working day.",
			Severity: "critical", Controls: []string{"SOC2:CC6.1", "HIPAA:164.312(b)"}, Action: engine.ActionDeny,
			File: "policies/auth.rego", Line: 7,
		}},
	}
}

func TestFromDecision(t *testing.T) {
	sch := schema(t)
	p := mustParse(t, readFile(t, filepath.Join(repoRoot(t), "testdata", "patches", "auth-change.diff")))
	r, err := FromDecision(sampleDecision(), p, sampleOptions())
	if err != nil {
		t.Fatal(err)
	}
	_, doc := encode(t, sch, r)
	run := dig(t, doc, "runs", 0)
	if n := len(dig(t, doc, "runs").([]any)); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
	rules := dig(t, run, "tool", "driver", "rules").([]any)
	results := dig(t, run, "results").([]any)
	if len(results) != 4 {
		t.Fatalf("%d results, want 4 (the violation without a file is a notification)", len(results))
	}

	tests := []struct {
		name, rule, level string
		line              float64
		suppression       string
	}{
		{"deny at its line", "auth/session-ttl", "error", 12, ""},
		{"no line: first added line of the file", "protected-paths/auth", "warning", 12, ""},
		{"warn, not enforced", "style/nil-check", "note", 35, ""},
		{"waived by an exception", "code/legacy", "error", 36, "external"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := results[i]
			if got := dig(t, res, "ruleId"); got != tt.rule {
				t.Errorf("ruleId %v, want %s", got, tt.rule)
			}
			idx := int(dig(t, res, "ruleIndex").(float64))
			if got := dig(t, rules, idx, "id"); got != tt.rule {
				t.Errorf("ruleIndex %d names %v, want %s", idx, got, tt.rule)
			}
			if got := dig(t, res, "level"); got != tt.level {
				t.Errorf("level %v, want %s", got, tt.level)
			}
			loc := dig(t, res, "locations", 0, "physicalLocation")
			if got := dig(t, loc, "artifactLocation", "uri"); got != "auth/session.go" {
				t.Errorf("uri %v", got)
			}
			if got := dig(t, loc, "artifactLocation", "uriBaseId"); got != SrcRootBase {
				t.Errorf("uriBaseId %v", got)
			}
			if got := dig(t, loc, "region", "startLine"); got != tt.line {
				t.Errorf("startLine %v, want %v", got, tt.line)
			}
			if fp, _ := dig(t, res, "partialFingerprints", FingerprintKey).(string); len(fp) < 66 {
				t.Errorf("fingerprint %q", fp)
			}
			sup := dig(t, res, "suppressions")
			switch {
			case tt.suppression == "" && sup != nil:
				t.Errorf("unexpected suppressions %v", sup)
			case tt.suppression != "" && dig(t, sup, 0, "kind") != tt.suppression:
				t.Errorf("suppressions %v, want kind %s", sup, tt.suppression)
			}
		})
	}

	inv := dig(t, run, "invocations", 0)
	if dig(t, inv, "executionSuccessful") != true {
		t.Error("executionSuccessful is not true")
	}
	n := dig(t, inv, "toolExecutionNotifications", 0)
	if msg := dig(t, n, "message", "text").(string); !strings.Contains(msg, "production needs approval") {
		t.Errorf("decision-level notification %q", msg)
	}
	if dig(t, n, "level") != "warning" || dig(t, n, "associatedRule", "id") != "gov.builtin.env.production" {
		t.Errorf("notification %v", n)
	}

	props := dig(t, run, "properties")
	if dig(t, props, "decision") != "deny" || dig(t, props, "enforcement") != "strict" ||
		dig(t, props, "bundle", "revision") != "0123456789abcdef0123456789abcdef01234567" || dig(t, props, "bundle", "ref") != "v1.2.0" {
		t.Errorf("run properties %v", props)
	}
	if dig(t, run, "automationDetails", "id") != "gov/eval/" {
		t.Errorf("automationDetails %v", dig(t, run, "automationDetails"))
	}
	if v := dig(t, run, "versionControlProvenance"); v != nil {
		t.Errorf("versionControlProvenance without a repository URI: %v", v)
	}
	driver := dig(t, run, "tool", "driver")
	if dig(t, driver, "name") != "gov" || dig(t, driver, "version") != "1.0.0-test" || dig(t, driver, "informationUri") == nil {
		t.Errorf("driver %v", driver)
	}
}

func TestDescriptors(t *testing.T) {
	r, err := FromDecision(sampleDecision(), nil, sampleOptions())
	if err != nil {
		t.Fatal(err)
	}
	_, doc := encode(t, schema(t), r)
	rules := dig(t, doc, "runs", 0, "tool", "driver", "rules").([]any)
	byID := map[string]any{}
	for _, r := range rules {
		byID[dig(t, r, "id").(string)] = r
	}
	tests := []struct {
		rule, short, level, severity string
		tags                         []string
	}{
		{"auth/session-ttl", "Session lifetime", "error", "9.5", []string{"security", "SOC2:CC6.1", "HIPAA:164.312(b)"}},
		{"protected-paths/auth", "auth/** changes need approval", "warning", "5.0", []string{"security", "SOC2:CC8.1"}},
		{"gov.builtin.env.production", "production needs approval", "warning", "5.0", []string{"security"}},
		{"style/nil-check", "nil receiver check", "note", "3.0", []string{"security"}},
		{"code/legacy", "legacy call", "error", "7.0", []string{"security"}},
	}
	if len(rules) != len(tests) {
		t.Fatalf("%d descriptors, want %d", len(rules), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			d := byID[tt.rule]
			if d == nil {
				t.Fatalf("no descriptor")
			}
			if got := dig(t, d, "shortDescription", "text"); got != tt.short {
				t.Errorf("shortDescription %v, want %s", got, tt.short)
			}
			if got := dig(t, d, "defaultConfiguration", "level"); got != tt.level {
				t.Errorf("level %v, want %s", got, tt.level)
			}
			if got := dig(t, d, "properties", "security-severity"); got != tt.severity {
				t.Errorf("security-severity %v, want %s", got, tt.severity)
			}
			tags := dig(t, d, "properties", "tags").([]any)
			if len(tags) != len(tt.tags) {
				t.Fatalf("tags %v, want %v", tags, tt.tags)
			}
			for i, tag := range tt.tags {
				if tags[i] != tag {
					t.Errorf("tag %d %v, want %s", i, tags[i], tag)
				}
			}
			for _, k := range []string{"text", "markdown"} {
				if s, _ := dig(t, d, "help", k).(string); !strings.Contains(s, tt.rule) {
					t.Errorf("help.%s %q does not name the rule", k, s)
				}
			}
			if dig(t, d, "fullDescription", "text") == nil {
				t.Error("no fullDescription")
			}
		})
	}
	if s := dig(t, byID["auth/session-ttl"], "help", "markdown").(string); !strings.Contains(s, "`HIPAA:164.312(b)`") || !strings.Contains(s, "policies/auth.rego:7") {
		t.Errorf("help markdown %q lacks controls or the definition", s)
	}
}

func TestLevel(t *testing.T) {
	tests := []struct{ action, want string }{
		{engine.ActionDeny, "error"}, {engine.ActionRequireApproval, "warning"}, {engine.Warn, "note"}, {"", "note"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			if got := Level(tt.action); got != tt.want {
				t.Errorf("Level(%q) = %q, want %q", tt.action, got, tt.want)
			}
		})
	}
}

func TestVersionControlProvenance(t *testing.T) {
	opts := sampleOptions()
	opts.RepoURI, opts.Commit, opts.SrcRoot = "https://github.com/acme/shop", "89abcdef0123456789abcdef0123456789abcdef", "/home/ci/shop"
	r, err := FromDecision(sampleDecision(), nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	_, doc := encode(t, schema(t), r)
	vcs := dig(t, doc, "runs", 0, "versionControlProvenance", 0)
	if dig(t, vcs, "repositoryUri") != opts.RepoURI || dig(t, vcs, "revisionId") != opts.Commit {
		t.Errorf("versionControlProvenance %v", vcs)
	}
	if got := dig(t, doc, "runs", 0, "originalUriBaseIds", SrcRootBase, "uri"); got != "file:///home/ci/shop/" {
		t.Errorf("originalUriBaseIds %v", got)
	}
}

func TestNoDecision(t *testing.T) {
	if _, err := FromDecision(nil, nil, Options{}); err == nil {
		t.Fatal("no error for a nil decision")
	}
}

// TestGolden compares one decision's SARIF with testdata/sarif (go test -update rewrites it).
func TestGolden(t *testing.T) {
	root := repoRoot(t)
	p := mustParse(t, readFile(t, filepath.Join(root, "testdata", "patches", "auth-change.diff")))
	r, err := FromDecision(sampleDecision(), p, sampleOptions())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := encode(t, schema(t), r)
	golden := filepath.Join(root, "testdata", "sarif", "auth-change.sarif")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("SARIF differs from %s (run with -update after checking):\n%s", golden, got)
	}
}
