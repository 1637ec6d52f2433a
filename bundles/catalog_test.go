package bundles

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

func TestRuleCatalog(t *testing.T) {
	files := map[string]string{
		"rules.cue": "rules: [\n\t{id: \"decl\", message: \"no prod\", action: \"require_approval\", severity: \"high\", controls: [\"SOC2:CC8.1\"], conditions: []},\n]\n",
		"policies/custom.rego": `package gov.custom

deny contains "a" if input.x == 1

deny contains "b" if input.x == 2

# METADATA
# title: Secrets in code
# description: A secret was added.
# custom:
#   id: secrets/aws-key
#   severity: critical
#   controls: ["SOC2:CC6.1", "PCI:3.4"]
warn contains "c" if input.x == 3

helper := 1
`,
		"policies/custom_test.rego": "package gov.custom_test\n\ntest_x if true\n",
		"policies/nodata.rego":      "package gov.nodata\n\nallow := true\n",
	}
	b, err := LoadFS(mapFS(files), "t", "", "r")
	if err != nil {
		t.Fatal(err)
	}
	want := []RuleInfo{
		{ID: "decl", Kind: "declarative", Name: "require_approval", File: "rules.cue", Line: 2, Title: "no prod", Severity: "high", Controls: []string{"SOC2:CC8.1"}, Action: "require_approval"},
		{ID: "gov.custom.deny", Kind: "rego", Package: "gov.custom", Name: "deny", File: "policies/custom.rego", Line: 3, Action: "deny"},
		{ID: "secrets/aws-key", Kind: "rego", Package: "gov.custom", Name: "warn", File: "policies/custom.rego", Line: 14,
			Title: "Secrets in code", Description: "A secret was added.", Severity: "critical", Controls: []string{"SOC2:CC6.1", "PCI:3.4"}, Action: "warn"},
	}
	if got := b.RuleCatalog(); !reflect.DeepEqual(got, want) {
		t.Errorf("RuleCatalog()\n got: %+v\nwant: %+v", got, want)
	}
	if len(b.Parsed) != 3 || len(b.Modules) != 2 || len(b.Tests) != 1 {
		t.Errorf("parsed %d modules %d tests %d, want 3 2 1", len(b.Parsed), len(b.Modules), len(b.Tests))
	}
	wantWarn := []string{"policies/nodata.rego: no test (policies/nodata_test.rego)"}
	if !reflect.DeepEqual(b.Warnings, wantWarn) {
		t.Errorf("warnings = %q, want %q", b.Warnings, wantWarn)
	}
}

func TestKeptFiles(t *testing.T) {
	files := map[string]string{
		"cases/prod/request.json":     "{}",
		"frameworks/soc2.cue":         "controls: []",
		"policies/README.md":          "ignored",
		"notes.txt":                   "ignored",
		"policies/sub/deep.rego":      "package gov.sub.deep\n",
		"policies/.hidden/x.rego":     "this would not parse",
		"policies/sub/deep_test.rego": "package gov.sub.deep_test\n",
	}
	b, err := LoadFS(mapFS(files), "t", "", "r")
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{"cases/prod/request.json", "frameworks/soc2.cue"}
	if got := slices.Sorted(maps.Keys(b.Files)); !reflect.DeepEqual(got, wantFiles) {
		t.Errorf("Files = %v, want %v", got, wantFiles)
	}
	if _, ok := b.Modules["policies/sub/deep.rego"]; !ok || len(b.Warnings) != 0 {
		t.Errorf("modules %v warnings %v", slices.Sorted(maps.Keys(b.Modules)), b.Warnings)
	}
}

// TestEvaluatedRules: the bundle's own rules, the built-in modules' and
// the enabled library families', each id once.
func TestEvaluatedRules(t *testing.T) {
	dir := t.TempDir()
	rego := `package gov.acme

# METADATA
# custom:
#   id: acme/no-todo
#   controls: ["SOC2:CC8.1"]
deny contains "TODO added" if {
	some f in input.patch.files
	some a in f.added
	contains(a.text, "TODO")
}
`
	if err := os.MkdirAll(filepath.Join(dir, "policies"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "policies", "todo.rego"), []byte(rego), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := Load(context.Background(), dir, LoadOptions{WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(b *Bundle) []string {
		rules, err := b.EvaluatedRules()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rules {
			if slices.Contains(out, r.ID) {
				t.Errorf("rule %s listed twice", r.ID)
			}
			out = append(out, r.ID)
		}
		return out
	}
	tests := []struct {
		name        string
		configure   func(*Config)
		has, hasNot []string
	}{
		{"library on", func(*Config) {},
			[]string{"acme/no-todo", "gov.builtin.environment/require-approval", "secrets/finding", "patch-risk/deleted-test"}, nil},
		{"library off", func(c *Config) { c.Library.Enabled = false },
			[]string{"acme/no-todo", "gov.builtin.environment/require-approval"}, []string{"secrets/finding"}},
		{"family off", func(c *Config) {
			c.Library.Families = map[string]map[string]any{"patch-risk": {"enabled": false}}
		}, []string{"secrets/finding"}, []string{"patch-risk/deleted-test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb := *b
			nb.Config.Library = LibraryConfig{Enabled: true}
			tt.configure(&nb.Config)
			got := ids(&nb)
			for _, id := range tt.has {
				if !slices.Contains(got, id) {
					t.Errorf("missing %s", id)
				}
			}
			for _, id := range tt.hasNot {
				if slices.Contains(got, id) {
					t.Errorf("has %s", id)
				}
			}
		})
	}
}
