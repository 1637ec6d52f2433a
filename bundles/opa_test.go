package bundles

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	opabundle "github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// readOPABundle writes ob and reads it back with OPA's bundle reader.
func readOPABundle(t *testing.T, ob *OPABundle) opabundle.Bundle {
	t.Helper()
	var buf bytes.Buffer
	if err := ob.Write(&buf); err != nil {
		t.Fatal(err)
	}
	read, err := opabundle.NewReader(&buf).Read()
	if err != nil {
		t.Fatalf("OPA cannot read the bundle: %v", err)
	}
	return read
}

// TestOPABundleEmbedded: the embedded bundle as an OPA bundle reads back
// with its revision, roots, data and every module; OPA's tester passes
// every test in it (what `opa test bundle.tar.gz` runs), and OPA evaluates
// a library rule from it.
func TestOPABundleEmbedded(t *testing.T) {
	b, err := LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	ob := BuildOPABundle(b, "test")
	read := readOPABundle(t, ob)
	if read.Manifest.Revision != b.Revision || read.Manifest.Roots == nil || !slices.Equal(*read.Manifest.Roots, []string{"gov"}) {
		t.Errorf("manifest = %+v, want revision %s and roots [gov]", read.Manifest, b.Revision)
	}
	if got := read.Manifest.Metadata["gov_version"]; got != "test" {
		t.Errorf("metadata gov_version = %v", got)
	}
	var paths []string
	for _, m := range read.Modules {
		paths = append(paths, m.Path)
	}
	for _, want := range []string{"/gov/lib/code/python.rego", "/gov/lib/code/python_test.rego", "/gov/builtin/rules.rego", "/gov/lib/util/util.rego"} {
		if !slices.Contains(paths, want) {
			t.Errorf("modules %v lack %s", paths, want)
		}
	}
	gov, _ := read.Data["gov"].(map[string]any)
	config, _ := gov["config"].(map[string]any)
	if config["enforcement"] != "strict" {
		t.Errorf("data.gov.config = %v", config)
	}
	ctx := context.Background()
	store := inmem.NewFromObject(read.Data)
	ch, err := tester.NewRunner().SetStore(store).SetModules(read.ParsedModules("gov")).RunTests(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	passed := 0
	for r := range ch {
		if r.Fail || r.Error != nil {
			t.Errorf("%s.%s failed: %v", r.Package, r.Name, r.Error)
		}
		passed++
	}
	if passed < 100 {
		t.Errorf("%d tests ran from the bundle, want the library's and built-ins' (>= 100)", passed)
	}
	rs, err := rego.New(rego.ParsedBundle("gov", &read), rego.Query("data.gov.lib.code.python.require_approval"),
		rego.Input(map[string]any{
			"request": map[string]any{"environment": "production"},
			"patch": map[string]any{"files": []any{map[string]any{
				"path": "app/x.py", "language": "python", "status": "modified", "removed": []any{},
				"added": []any{map[string]any{"line": 3, "text": "    return eval(expr)"}},
			}}},
		})).Eval(ctx)
	if err != nil || len(rs) != 1 || !strings.Contains(rs[0].Expressions[0].String(), "evaluates dynamic code") {
		t.Errorf("OPA on the bundle: %v %v, want the python-eval violation", rs, err)
	}
}

func TestOPABundleOwnPolicies(t *testing.T) {
	b, err := LoadFS(mapFS(map[string]string{
		"gov.cue":                 "library: enabled: false\n",
		"policies/main.rego":      "package gov.custom\n\nimport data.gov.helpers.text\n\ndeny contains text.msg if input.x\n",
		"policies/text.rego":      "package gov.helpers.text\n\nmsg := \"x\"\n",
		"policies/main_test.rego": "package gov.custom_test\n\nimport data.gov.custom\n\ntest_x if custom.deny with input as {\"x\": true}\n",
	}), "dir", "", "r1")
	if err != nil {
		t.Fatal(err)
	}
	ob := BuildOPABundle(b, "test")
	want := []string{"gov/builtin/environment.rego", "gov/builtin/environment_test.rego", "gov/builtin/risk.rego", "gov/builtin/risk_test.rego",
		"gov/builtin/rules.rego", "gov/builtin/rules_test.rego", "policies/main.rego", "policies/main_test.rego", "policies/text.rego"}
	if !slices.Equal(ob.Files, want) {
		t.Errorf("files %v, want %v (the library is off)", ob.Files, want)
	}
	read := readOPABundle(t, ob)
	if read.Manifest.Revision != "r1" {
		t.Errorf("revision = %q", read.Manifest.Revision)
	}
	rs, err := rego.New(rego.ParsedBundle("gov", &read), rego.Query("data.gov.custom.deny"), rego.Input(map[string]any{"x": true})).Eval(context.Background())
	if err != nil || len(rs) != 1 || rs[0].Expressions[0].String() != "[x]" {
		t.Errorf("deny = %v %v, want [x]", rs, err)
	}
}
