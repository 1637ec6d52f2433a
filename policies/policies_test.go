package policies

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

func parseAll(t *testing.T, files map[string]string, into map[string]*ast.Module) {
	t.Helper()
	for name, src := range files {
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		into[name] = m
	}
}

func TestBuiltinListsModulesAndTests(t *testing.T) {
	mods, tests := Builtin(), BuiltinTests()
	for _, name := range []string{"builtin/rules.rego", "builtin/environment.rego", "builtin/risk.rego"} {
		if _, ok := mods[name]; !ok {
			t.Errorf("Builtin() lacks %s", name)
		}
		test := strings.TrimSuffix(name, ".rego") + "_test.rego"
		if _, ok := tests[test]; !ok {
			t.Errorf("BuiltinTests() lacks %s", test)
		}
		if _, ok := mods[test]; ok {
			t.Errorf("Builtin() includes test file %s", test)
		}
	}
}

// TestBuiltinRego runs the _test.rego files with OPA's tester and checks
// that every test passes and that the modules are at least 90% covered.
func TestBuiltinRego(t *testing.T) {
	runRegoTests(t, Builtin(), 10, Builtin(), BuiltinTests())
}

// runRegoTests runs the Rego tests among the module sets with OPA's tester:
// at least minTests must run and all pass, and every module of covered must
// be at least 90% covered, as must all of them together.
func runRegoTests(t *testing.T, covered map[string]string, minTests int, sets ...map[string]string) {
	t.Helper()
	modules := map[string]*ast.Module{}
	for _, set := range sets {
		parseAll(t, set, modules)
	}
	cov := cover.New()
	ch, err := tester.NewRunner().
		SetCompiler(ast.NewCompiler()).
		SetStore(inmem.New()).
		SetModules(modules).
		SetCoverageQueryTracer(cov).
		RaiseBuiltinErrors(true).
		RunTests(context.Background(), nil)
	if err != nil {
		t.Fatalf("run tests: %v", err)
	}
	ran := 0
	for r := range ch {
		ran++
		if r.Fail || r.Error != nil || r.Skip {
			t.Errorf("%s.%s failed (error %v) at %v", r.Package, r.Name, r.Error, r.FailedAt)
		}
	}
	if ran < minTests {
		t.Errorf("ran %d Rego tests, want at least %d", ran, minTests)
	}
	only := map[string]*ast.Module{}
	for name := range covered {
		only[name] = modules[name]
	}
	report := cov.Report(only)
	lines, total := 0, 0
	for _, name := range slices.Sorted(maps.Keys(only)) {
		fr, ok := report.Files[name]
		if !ok {
			t.Errorf("%s: not covered at all", name)
			continue
		}
		lines += fr.CoveredLines
		total += fr.CoveredLines + fr.NotCoveredLines
		if fr.Coverage < 90 {
			t.Errorf("%s: coverage %.1f%% < 90%%, not covered: %v", name, fr.Coverage, fr.NotCovered)
		} else {
			t.Logf("%s: coverage %.1f%%", name, fr.Coverage)
		}
	}
	if total == 0 || 100*float64(lines)/float64(total) < 90 {
		t.Errorf("coverage %d/%d lines, want >= 90%%", lines, total)
	}
}
