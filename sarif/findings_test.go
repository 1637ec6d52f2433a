package sarif

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gov-policy/gov/engine"
)

func TestFromFindings(t *testing.T) {
	fs := []ScanFinding{
		{Rule: "secrets/aws-access-key", Description: "AWS access key", File: "config/app.env", Line: 3, Column: 15, Fingerprint: "fp-aws", Masked: "AKIA************MPLE"},
		{Rule: "secrets/generic-password", Description: "hardcoded password", File: "tests/fixture.py", Line: 9, Fingerprint: "fp-pw", Masked: "hu****", Suppressed: true, SuppressReason: "gov:allow test fixture"},
		{Rule: "secrets/generic-password", Description: "hardcoded password", File: "a b/c.py", Line: 0, Fingerprint: "fp-pw2", Suppressed: true},
		{Rule: "secrets/private-key", Description: "private key in the commit message", Masked: "-----BEGIN****"},
	}
	r, err := FromFindings(fs, Options{ToolVersion: "1.0.0", AutomationID: "gov/scan/"})
	if err != nil {
		t.Fatal(err)
	}
	raw, doc := encode(t, schema(t), r)
	results := dig(t, doc, "runs", 0, "results").([]any)
	tests := []struct {
		name, uri     string
		line, column  float64
		justification string
	}{
		{"plain finding with column", "config/app.env", 3, 15, ""},
		{"suppressed in source", "tests/fixture.py", 9, 0, "gov:allow test fixture"},
		{"no line, space in path", "a%20b/c.py", 1, 0, "suppressed in source"},
	}
	if len(results) != len(tests) {
		t.Fatalf("%d results, want %d", len(results), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := results[i]
			if dig(t, res, "level") != "error" {
				t.Errorf("level %v, want error", dig(t, res, "level"))
			}
			region := dig(t, res, "locations", 0, "physicalLocation", "region")
			if got := dig(t, res, "locations", 0, "physicalLocation", "artifactLocation", "uri"); got != tt.uri {
				t.Errorf("uri %v, want %s", got, tt.uri)
			}
			if got := dig(t, region, "startLine"); got != tt.line {
				t.Errorf("startLine %v, want %v", got, tt.line)
			}
			if got, _ := dig(t, region, "startColumn").(float64); got != tt.column {
				t.Errorf("startColumn %v, want %v", got, tt.column)
			}
			if tt.justification == "" {
				if s := dig(t, res, "suppressions"); s != nil {
					t.Errorf("suppressions %v", s)
				}
				return
			}
			s := dig(t, res, "suppressions", 0)
			if dig(t, s, "kind") != "inSource" || dig(t, s, "justification") != tt.justification {
				t.Errorf("suppression %v, want inSource %q", s, tt.justification)
			}
		})
	}
	if got := dig(t, results[0], "message", "text"); got != "AWS access key: AKIA************MPLE" {
		t.Errorf("message %v", got)
	}
	rules := dig(t, doc, "runs", 0, "tool", "driver", "rules").([]any)
	if msg := dig(t, doc, "runs", 0, "invocations", 0, "toolExecutionNotifications", 0, "message", "text"); msg != "secrets/private-key: private key in the commit message: -----BEGIN****" {
		t.Errorf("a finding without a file is a notification; got %v", msg)
	}
	if len(rules) != 3 || dig(t, rules, 0, "shortDescription", "text") != "AWS access key" {
		t.Errorf("rules %v", rules)
	}
	if bytes.Contains(raw, []byte("fp-aws")) {
		t.Error("the scanner fingerprint is written as is, want it hashed")
	}
}

func TestGitHubAnnotations(t *testing.T) {
	p := mustParse(t, shiftPatch(4, "token = get()"))
	tests := []struct {
		name string
		v    engine.Violation
		want string
	}{
		{"deny is an error", engine.Violation{Rule: "secrets/aws", Action: engine.ActionDeny, Message: "AWS key", File: "app.py", Line: 2},
			"::error file=app.py,line=2,title=secrets/aws::AWS key\n"},
		{"require_approval is a warning at the first added line", engine.Violation{Rule: "paths/auth", Action: engine.ActionRequireApproval, Message: "needs review", File: "app.py"},
			"::warning file=app.py,line=1,title=paths/auth::needs review\n"},
		{"warn is a notice; decision level has no file", engine.Violation{Rule: "env/prod", Action: engine.ActionWarn, Message: "production"},
			"::notice title=env/prod::production\n"},
		{"message escaping", engine.Violation{Rule: "r", Action: engine.ActionDeny, Message: "100% bad\r\nline two ::error::x", File: "a.py", Line: 1},
			"::error file=a.py,line=1,title=r::100%25 bad%0D%0Aline two ::error::x\n"},
		{"property escaping", engine.Violation{Rule: "a:b,c%", Action: engine.ActionDeny, Message: "m", File: "dir,x/f:1.py\n", Line: 3},
			"::error file=dir%2Cx/f%3A1.py%0A,line=3,title=a%3Ab%2Cc%25::m\n"},
		{"not enforced", engine.Violation{Rule: "r", Action: engine.ActionDeny, Message: "m", File: "a.py", Line: 1, Enforced: boolPtr(false)},
			"::error file=a.py,line=1,title=r::m (deny, not enforced)\n"},
		{"waived", engine.Violation{Rule: "r", Action: engine.ActionDeny, Message: "m", File: "a.py", Line: 1, Exception: "waived until 2027-01-31 by user:carol: legacy"},
			"::notice file=a.py,line=1,title=r::m (waived until 2027-01-31 by user:carol: legacy)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			d := &engine.Decision{Violations: []engine.Violation{tt.v}}
			if err := GitHubAnnotations(&b, d, p); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got  %q\nwant %q", b.String(), tt.want)
			}
			if strings.Count(b.String(), "\n") != 1 {
				t.Errorf("an annotation spans lines: %q", b.String())
			}
		})
	}
}
