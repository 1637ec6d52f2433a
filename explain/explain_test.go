package explain

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/patch"
)

const denyPolicy = `package gov.custom.payments

# METADATA
# custom:
#   id: custom/payments-debug
#   severity: high
deny contains msg if {
	input.request.service_name == "payments"
	some f in input.patch.files
	some l in f.added
	contains(l.text, "DEBUG = True")
	msg := sprintf("debug mode turned on in %s", [f.path])
}
`

const debugDiff = `diff --git a/app/settings.py b/app/settings.py
--- a/app/settings.py
+++ b/app/settings.py
@@ -1,2 +1,3 @@
 import os
+DEBUG = True
 NAME = "x"
`

// writeBundle writes a bundle directory with gov.cue and the files given.
func writeBundle(t *testing.T, files map[string]string) *bundles.Bundle {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{"gov.cue": "enforcement: \"strict\"\nlibrary: enabled: false\n"}
	for k, v := range files {
		all[k] = v
	}
	for name, text := range all {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bundles.Load(context.Background(), dir, bundles.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t *testing.T, diff string) *patch.Patch {
	t.Helper()
	p, err := patch.Parse([]byte(diff))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExplainDenyNamesRuleLineAndValues: the explanation of a deny names
// the rule, the file:line it is written at, and the input values its body
// read when it fired (the service name and the added line).
func TestExplainDenyNamesRuleLineAndValues(t *testing.T) {
	b := writeBundle(t, map[string]string{"policies/payments.rego": denyPolicy})
	req := engine.Request{ServiceName: "payments", Environment: "production", PatchContent: debugDiff}
	x, err := ForRequest(context.Background(), b, req, mustParse(t, debugDiff), "")
	if err != nil {
		t.Fatal(err)
	}
	if x.Decision != engine.Deny {
		t.Fatalf("decision %s, want deny", x.Decision)
	}
	var r *Rule
	for i := range x.Rules {
		if x.Rules[i].ID == "custom/payments-debug" {
			r = &x.Rules[i]
		}
	}
	if r == nil {
		t.Fatalf("rule custom/payments-debug not explained: %+v", x.Rules)
	}
	if r.Source != "policies/payments.rego:7" {
		t.Errorf("source %q, want policies/payments.rego:7", r.Source)
	}
	if !r.Traced {
		t.Error("the deny is not traced")
	}
	reads := map[string]any{}
	for _, rd := range append(r.Reads, r.Bindings...) {
		reads[rd.Path] = rd.Value
	}
	if reads["input.request.service_name"] != "payments" {
		t.Errorf("reads %v: want input.request.service_name = payments", reads)
	}
	l, _ := reads["l"].(map[string]any)
	if l["text"] != "DEBUG = True" {
		t.Errorf("bindings %v: want l = the added line DEBUG = True", reads)
	}
	var text bytes.Buffer
	if err := WriteText(&text, x); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"deny custom/payments-debug (policies/payments.rego:7): debug mode turned on in app/settings.py",
		`read input.request.service_name = "payments"`,
		"DEBUG = True",
		"revision sha256:",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
}

// TestExplainDeclarativeConditions: a declarative rule is explained by its
// conditions, each with the value it read, at its rules.cue line.
func TestExplainDeclarativeConditions(t *testing.T) {
	b := writeBundle(t, map[string]string{"rules.cue": `rules: [{
	id: "no-debug", message: "debug on", action: "deny"
	conditions: [{field: "service_name", operator: "equals", value: "payments"},
		{field: "patch_content", operator: "contains", value: "DEBUG"}]
}]
`})
	req := engine.Request{ServiceName: "payments", Environment: "production", PatchContent: debugDiff}
	x, err := ForRequest(context.Background(), b, req, mustParse(t, debugDiff), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Rules) != 1 || x.Rules[0].ID != "no-debug" {
		t.Fatalf("rules %+v", x.Rules)
	}
	r := x.Rules[0]
	if r.Source != "rules.cue:1" {
		t.Errorf("source %q, want rules.cue:1", r.Source)
	}
	if len(r.Conditions) != 2 || r.Conditions[0].Read != "payments" || r.Conditions[1].Read != "DEBUG = True" {
		t.Errorf("conditions %+v", r.Conditions)
	}
}

// TestExplainWorkflowWhen: the workflow chosen is explained by the `when`
// condition that matched.
func TestExplainWorkflowWhen(t *testing.T) {
	b := writeBundle(t, map[string]string{
		"roles.cue": `roles: sre: {members: ["user:sam#5"], permissions: ["approve"]}` + "\n",
		"workflows.cue": `workflows: settings_change: {
	when: paths: ["app/*.py"]
	stages: [{name: "SRE review", approver_roles: ["sre"], min_approvals: 1}]
}
`,
		"rules.cue": `rules: [{id: "py-change", message: "python", action: "require_approval", conditions: [{field: "files", operator: "glob", value: "**/*.py"}]}]` + "\n",
	})
	req := engine.Request{Environment: "production", PatchContent: debugDiff}
	x, err := ForRequest(context.Background(), b, req, mustParse(t, debugDiff), "")
	if err != nil {
		t.Fatal(err)
	}
	if x.Workflow == nil || x.Workflow.Name != "settings_change" {
		t.Fatalf("workflow %+v", x.Workflow)
	}
	if len(x.Workflow.Why) != 1 || x.Workflow.Why[0] != `when.paths "app/*.py" matched app/settings.py` {
		t.Errorf("why %q", x.Workflow.Why)
	}
}

// TestExplainReadsThroughHelpers: a rule that reads the input through a
// helper rule is shown the input values that helper read for the element
// the rule used, and which helper read them.
func TestExplainReadsThroughHelpers(t *testing.T) {
	b := writeBundle(t, map[string]string{"policies/helper.rego": `package gov.custom.helper

_settings contains f.path if {
	some f in input.patch.files
	endswith(f.path, "settings.py")
}

deny contains sprintf("%s changed", [p]) if {
	some p in _settings
}
`})
	req := engine.Request{Environment: "production", PatchContent: debugDiff}
	x, err := ForRequest(context.Background(), b, req, mustParse(t, debugDiff), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Rules) != 1 {
		t.Fatalf("rules %+v", x.Rules)
	}
	found := false
	for _, rd := range x.Rules[0].Reads {
		f, _ := rd.Value.(map[string]any)
		if strings.HasPrefix(rd.Path, "input.patch.files") && f["path"] == "app/settings.py" &&
			strings.HasPrefix(rd.Via, "data.gov.custom.helper._settings (policies/helper.rego:3)") {
			found = true
		}
	}
	if !found {
		t.Errorf("reads %+v: want input.patch.files[0] via _settings", x.Rules[0].Reads)
	}
}

// TestExplainExceptionAndEnforcement: a waived violation says which
// exception waived it and does not count; under enforcement warn the
// explanation says where the level came from and that nothing is enforced.
func TestExplainExceptionAndEnforcement(t *testing.T) {
	expires := time.Now().UTC().AddDate(0, 0, 30).Format(time.DateOnly)
	files := map[string]string{
		"policies/payments.rego": denyPolicy,
		"exceptions.cue": `exceptions: [{rule: "custom/payments-debug", expires: "` + expires + `",
	reason: "legacy settings", approved_by: "user:carol"}]
`,
	}
	b := writeBundle(t, files)
	req := engine.Request{ServiceName: "payments", Environment: "production", PatchContent: debugDiff}
	x, err := ForRequest(context.Background(), b, req, mustParse(t, debugDiff), "")
	if err != nil {
		t.Fatal(err)
	}
	if x.Decision != engine.Allow || len(x.Rules) != 1 {
		t.Fatalf("decision %s rules %+v, want allow with the waived rule", x.Decision, x.Rules)
	}
	r := x.Rules[0]
	if r.Counted || r.Exception != "waived until "+expires+" by user:carol: legacy settings" {
		t.Errorf("waived rule: counted %v exception %q", r.Counted, r.Exception)
	}
	files["gov.cue"] = "enforcement: \"warn\"\nlibrary: enabled: false\n"
	delete(files, "exceptions.cue")
	x, err = ForRequest(context.Background(), writeBundle(t, files), req, mustParse(t, debugDiff), "")
	if err != nil {
		t.Fatal(err)
	}
	if x.Enforcement != (Enforcement{Level: "warn", From: "gov.cue enforcement"}) {
		t.Errorf("enforcement %+v", x.Enforcement)
	}
	if len(x.Rules) != 1 || x.Rules[0].Enforced || x.Rules[0].Counted {
		t.Errorf("rules %+v: want the deny not enforced", x.Rules)
	}
	x, err = ForRequest(context.Background(), writeBundle(t, files), req, mustParse(t, debugDiff), "strict")
	if err != nil {
		t.Fatal(err)
	}
	if x.Decision != engine.Deny || x.Enforcement.From != "the --enforcement override" {
		t.Errorf("override: decision %s enforcement %+v", x.Decision, x.Enforcement)
	}
}
