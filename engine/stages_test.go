package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/policies"
	"github.com/open-policy-agent/opa/v1/ast"
)

// TestEmbeddedChecksPass compiles the program of gov's own modules that
// each test patch gets (and the whole library, no patch) with every OPA
// stage and without skippedStages: both without error (so skipping the
// checks hides none) and the compiled modules the same (so skipping them
// changes nothing evaluation reads).
func TestEmbeddedChecksPass(t *testing.T) {
	b, err := bundles.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	patches := indexTestPatches(t)
	patches["whole library"] = nil
	for key, p := range patches {
		for _, allBuiltins := range []bool{false, true} {
			name := fmt.Sprintf("%s (all built-ins %v)", key, allBuiltins)
			checkStagesSkipped(t, name, b, p, allBuiltins)
		}
	}
}

// checkStagesSkipped is TestEmbeddedChecksPass for one program.
func checkStagesSkipped(t *testing.T, name string, b *bundles.Bundle, p *patch.Patch, allBuiltins bool) {
	t.Helper()
	prog, modules, err := buildProgram(b, p, allBuiltins)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !prog.embeddedOnly {
		t.Fatalf("%s: the embedded bundle's program is not embeddedOnly", name)
	}
	all, some := ast.NewCompiler(), newCompiler(true)
	all.Compile(modules)
	some.Compile(modules)
	if all.Failed() || some.Failed() {
		t.Fatalf("%s: every stage: %v; without the checks: %v", name, all.Errors, some.Errors)
	}
	for _, file := range slices.Sorted(maps.Keys(modules)) {
		if a, s := all.Modules[file].String(), some.Modules[file].String(); a != s {
			t.Errorf("%s: %s compiles differently without the checks:\n%s\nwith them:\n%s", name, file, s, a)
		}
		if a, s := exprIndices(all.Modules[file]), exprIndices(some.Modules[file]); !slices.Equal(a, s) {
			t.Errorf("%s: %s: expression indices differ without the checks", name, file)
		}
	}
}

// exprIndices lists each expression of m (in walk order) with its index
// in its body, which String does not show.
func exprIndices(m *ast.Module) []string {
	var out []string
	ast.WalkExprs(m, func(e *ast.Expr) bool {
		out = append(out, fmt.Sprintf("%v@%d", e.Location, e.Index))
		return false
	})
	return out
}

// TestBundleModulesRunEveryCheck: a bundle's own module is compiled with
// every check, so a rule that can never fire because of a type error (a
// key missing from a known object: at run time only undefined, a deny
// that silently never denies) fails closed when the bundle is loaded,
// with the library on as without it, and for one patch as for any.
func TestBundleModulesRunEveryCheck(t *testing.T) {
	const typo = "package gov.typo\n\ndeny contains \"strict mode\" if {\n\tcfg := {\"mode\": \"strict\"}\n\tcfg.mod == \"strict\"\n}\n"
	embedded, err := bundles.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	withLibrary := *embedded
	withLibrary.Modules = map[string]string{"policies/typo.rego": typo}
	py := mkPatch(patch.File{Path: "app/x.py", Language: "python", Status: patch.StatusModified, Added: added(1, "x = 1")})
	ctx := context.Background()
	for name, build := range map[string]func() (*Engine, error){
		"alone":        func() (*Engine, error) { return New(ctx, policyBundle(map[string]string{"policies/typo.rego": typo})) },
		"with library": func() (*Engine, error) { return New(ctx, &withLibrary) },
		"for a patch":  func() (*Engine, error) { return NewFor(ctx, &withLibrary, py) },
	} {
		e, err := build()
		if err == nil || e != nil || !strings.Contains(err.Error(), "policies/typo.rego:5: rego_type_error: ") {
			t.Errorf("%s: %v, want a type error at policies/typo.rego:5", name, err)
		}
	}
}

// TestHelperPackageOmitted: a library package nothing is queried of (no
// action, no risk level) is not compiled for a patch unless a kept module
// reads it: gov.lib.dependencies.manifests, read only by the dependency
// rules, for a Python patch; kept for a go.mod patch and for a bundle
// module that reads it. The decisions are New's (TestNewFor).
func TestHelperPackageOmitted(t *testing.T) {
	const helper = "gov.lib.dependencies.manifests"
	b, err := bundles.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	reads := *b
	reads.Modules = map[string]string{"policies/reads.rego": "package gov.reads\n\nwarn contains sprintf(\"%d manifests\", [count(data.gov.lib.dependencies.manifests.manifests)])\n"}
	py := mkPatch(patch.File{Path: "app/x.py", Language: "python", Status: patch.StatusModified, Added: added(1, "x = 1")})
	gomod := mkPatch(patch.File{Path: "go.mod", Status: patch.StatusModified, Added: added(3, "require example.com/x v1.0.0")})
	for _, tc := range []struct {
		name     string
		b        *bundles.Bundle
		p        *patch.Patch
		compiled bool
	}{{"python patch", b, py, false}, {"go.mod patch", b, gomod, true}, {"module reads it", &reads, py, true}} {
		var srcs []source
		for _, file := range slices.Sorted(maps.Keys(policies.Library())) {
			srcs = append(srcs, source{file: file, origin: originLibrary})
		}
		if err := unparsedLibrary(srcs, indexedLibrary(), tc.p, parseSources); err != nil {
			t.Fatal(err)
		}
		for _, src := range srcs {
			if src.file == "lib/dependencies/manifests.rego" && src.unparsed == tc.compiled && tc.b == b {
				t.Errorf("%s: manifests.rego parsed %v, want %v", tc.name, !src.unparsed, tc.compiled)
			}
		}
		for _, idx := range []map[string]libraryModule{indexedLibrary(), nil} {
			_, modules, err := buildIndexed(tc.b, tc.p, false, idx)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := modules["lib/dependencies/manifests.rego"] != nil; got != tc.compiled {
				t.Errorf("%s (index %v): %s compiled %v, want %v", tc.name, idx != nil, helper, got, tc.compiled)
			}
		}
	}
}

// TestSharedParseUnchanged: building engines (for one patch and for any)
// renames the violation rules of its own copies only; the process-wide
// parse of gov's modules (bundles.ParsedEmbedded, also read by gov test,
// the rule catalog and bundle build) is left as parsed, and every METADATA
// block of the sources is in each compiled program's annotation set.
func TestSharedParseUnchanged(t *testing.T) {
	shared, err := bundles.ParsedEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]string{}
	var blocks []string
	for file, m := range shared {
		before[file] = m.String()
		for _, a := range m.Annotations {
			blocks = append(blocks, a.Location.String())
		}
	}
	b, err := bundles.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	py := mkPatch(patch.File{Path: "app/x.py", Language: "python", Status: patch.StatusModified, Added: added(1, "x = 1")})
	full, err := New(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewFor(context.Background(), b, py); err != nil {
		t.Fatal(err)
	}
	for file, m := range shared {
		if got := m.String(); got != before[file] {
			t.Errorf("%s changed by building an engine:\n%s", file, got)
		}
		if strings.Contains(m.String(), "__gov_") {
			t.Errorf("%s: a renamed rule in the shared parse", file)
		}
	}
	var compiled []string
	for _, e := range full.prog.compiler.GetAnnotationSet().Flatten() {
		compiled = append(compiled, e.Annotations.Location.String())
	}
	slices.Sort(blocks)
	compiled = slices.Compact(slices.Sorted(slices.Values(compiled)))
	for _, loc := range blocks {
		if _, ok := slices.BinarySearch(compiled, loc); !ok {
			t.Errorf("METADATA at %s is not in the compiled program", loc)
		}
	}
}

// TestRenamedRuleKeepsMetadata: a bundle module (parsed by the bundle
// loader, so shared and copied by the engine) whose violation rule reads
// its own METADATA with rego.metadata.rule() still gets it once the rule
// is renamed for attribution: the deny fires with the title as message.
func TestRenamedRuleKeepsMetadata(t *testing.T) {
	b := mustLoadFS(t, map[string]string{
		"policies/md.rego": "package gov.md\n\n# METADATA\n# title: Named by its METADATA\ndeny contains rego.metadata.rule().title if {\n\tinput.request.environment == \"production\"\n}\n",
	})
	if b.Parsed["policies/md.rego"] == nil {
		t.Fatal("the loader did not parse the module: the test would not reach the shared path")
	}
	d := mustEval(t, mustEngine(t, b), Input{Request: Request{Environment: "production"}, Patch: mkPatch()})
	if !strings.Contains(messages(d), "Named by its METADATA") {
		t.Errorf("violations %+v, want the rule's METADATA title", d.Violations)
	}
}
