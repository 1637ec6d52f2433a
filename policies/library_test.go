package policies

import (
	"context"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestLibraryListsModulesAndTests checks that every library module has a
// _test.rego beside it and that tests are not served as modules.
func TestLibraryListsModulesAndTests(t *testing.T) {
	mods, tests := Library(), LibraryTests()
	if len(mods) < 8 {
		t.Fatalf("Library() has %d modules, want at least 8", len(mods))
	}
	for name := range mods {
		if !strings.HasPrefix(name, "lib/") || strings.HasSuffix(name, "_test.rego") {
			t.Errorf("Library() serves %s", name)
		}
		if _, ok := tests[strings.TrimSuffix(name, ".rego")+"_test.rego"]; !ok {
			t.Errorf("%s has no _test.rego", name)
		}
	}
	for name := range tests {
		if _, ok := mods[name]; ok {
			t.Errorf("Library() includes test file %s", name)
		}
	}
}

// TestLibraryRego runs the library's Rego tests with OPA's tester over the
// built-in and library modules, and checks every test passes and every
// library module is at least 90% covered.
func TestLibraryRego(t *testing.T) {
	modules := map[string]*ast.Module{}
	parseAll(t, Builtin(), modules)
	parseAll(t, Library(), modules)
	parseAll(t, LibraryTests(), modules)

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
	if ran < 50 {
		t.Errorf("ran %d Rego tests, want at least 50", ran)
	}

	only := map[string]*ast.Module{}
	for name := range Library() {
		only[name] = modules[name]
	}
	report := cov.Report(only)
	covered, total := 0, 0
	names := make([]string, 0, len(only))
	for name := range only {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fr, ok := report.Files[name]
		if !ok {
			t.Errorf("%s: not covered at all", name)
			continue
		}
		covered += fr.CoveredLines
		total += fr.CoveredLines + fr.NotCoveredLines
		if fr.Coverage < 90 {
			t.Errorf("%s: coverage %.1f%% < 90%%, not covered: %v", name, fr.Coverage, fr.NotCovered)
		} else {
			t.Logf("%s: coverage %.1f%%", path.Base(name), fr.Coverage)
		}
	}
	if total == 0 || 100*float64(covered)/float64(total) < 90 {
		t.Errorf("library coverage %d/%d lines, want >= 90%%", covered, total)
	}
}
