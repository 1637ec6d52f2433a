package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/patch"
)

// testNow is the evaluation time of the tests.
var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// added makes added lines numbered from start.
func added(start int, texts ...string) []patch.Line {
	out := make([]patch.Line, len(texts))
	for i, t := range texts {
		out[i] = patch.Line{Line: start + i, Text: t}
	}
	return out
}

func modified(path string, lines ...patch.Line) patch.File {
	return patch.File{Path: path, Status: patch.StatusModified, Added: lines}
}

func deleted(path string) patch.File {
	return patch.File{Path: path, Status: patch.StatusDeleted, Removed: added(1, "old")}
}

// parseDiff reads and parses a diff file, returning its text too.
func parseDiff(t testing.TB, name string) (*patch.Patch, []byte) {
	t.Helper()
	diff, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := patch.Parse(diff)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p, diff
}

// mkPatch builds a patch and its stats.
func mkPatch(files ...patch.File) *patch.Patch {
	p := &patch.Patch{Files: files}
	for _, f := range files {
		p.Stats.Files++
		p.Stats.Additions += len(f.Added)
		p.Stats.Deletions += len(f.Removed)
	}
	return p
}

// readPolicies reads dir/*.rego into modules (tests excluded) and tests.
func readPolicies(t testing.TB, dir string) (modules, tests map[string]string) {
	t.Helper()
	modules, tests = map[string]string{}, map[string]string{}
	names, err := filepath.Glob(filepath.Join(dir, "*.rego"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no policies in %s: %v", dir, err)
	}
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		rel := "policies/" + filepath.Base(name)
		if strings.HasSuffix(name, "_test.rego") {
			tests[rel] = string(src)
		} else {
			modules[rel] = string(src)
		}
	}
	return modules, tests
}

// starterBundle is a default-like configuration (as the embedded gov.cue,
// roles.cue and workflows.cue say) with the starter policies of
// testdata/starter (the first built-in bundle, kept as engine fixtures).
func starterBundle(t testing.TB) *bundles.Bundle {
	t.Helper()
	modules, _ := readPolicies(t, "testdata/starter")
	return &bundles.Bundle{
		Source: "embedded", Revision: "embedded:test",
		Config: bundles.Config{
			Enforcement: "strict",
			Environments: map[string]bundles.EnvironmentConfig{
				"production": {Enforcement: "strict", RequireApproval: true},
				"staging":    {Enforcement: "warn"},
				// development and qa have no settings of their own.
				"development": {}, "qa": {},
			},
			DefaultEnvironment: "production",
			DefaultWorkflow:    "production_change",
		},
		Roles: map[string]bundles.Role{
			"sre":      {Members: []string{"team:acme/sre"}, Permissions: []string{"approve"}},
			"security": {Members: []string{"team:acme/security"}, Permissions: []string{"approve", "break_glass"}},
		},
		Workflows: map[string]bundles.Workflow{
			"production_change": {
				When:       bundles.Conditions{Environments: []string{"production"}},
				Stages:     []bundles.Stage{{Name: "SRE review", ApproverRoles: []string{"sre"}, MinApprovals: 1, TimeoutHours: 8}},
				EscalateTo: "security",
			},
			"protected_change": {
				When: bundles.Conditions{Paths: []string{".github/workflows/**", "auth/**", "infra/**"}},
				Stages: []bundles.Stage{
					{Name: "Security review", ApproverRoles: []string{"security"}, MinApprovals: 1},
					{Name: "SRE review", ApproverRoles: []string{"sre"}, MinApprovals: 1},
				},
				Priority: 10,
			},
		},
		Modules: modules,
	}
}

// policyBundle is a bundle of the given modules and nothing else.
func policyBundle(modules map[string]string) *bundles.Bundle {
	return &bundles.Bundle{Source: "test", Revision: "sha256:test", Modules: modules}
}

func mustEngine(t testing.TB, b *bundles.Bundle) *Engine {
	t.Helper()
	e, err := New(context.Background(), b)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

func mustEval(t testing.TB, e *Engine, in Input) *Decision {
	t.Helper()
	if in.Now.IsZero() {
		in.Now = testNow
	}
	d, err := e.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return d
}

// ruleIDs lists the violations as "action rule file:line".
func ruleIDs(d *Decision) []string {
	var out []string
	for _, v := range d.Violations {
		out = append(out, v.Action+" "+v.Rule+" "+v.File+":"+strconv.Itoa(v.Line))
	}
	return out
}
