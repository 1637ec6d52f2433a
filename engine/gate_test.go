package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/policies"
	"github.com/open-policy-agent/opa/v1/ast"
)

func TestGateSkipsPackage(t *testing.T) {
	gated := `# METADATA
# scope: package
# custom:
#   applies_to:
#     languages: ["go"]
#     paths: ["deploy/**"]
package gov.gated

warn contains "gated package evaluated"
`
	e := mustEngine(t, policyBundle(map[string]string{"policies/gated.rego": gated}))
	for _, tc := range []struct {
		name string
		p    *patch.Patch
		want bool
	}{
		{"other language", mkPatch(patch.File{Path: "app/x.py", Language: "python", Status: patch.StatusModified}), false},
		{"no patch", nil, false},
		{"language", mkPatch(patch.File{Path: "app/x.py", Language: "python"}, patch.File{Path: "cmd/main.go", Language: "go"}), true},
		{"path", mkPatch(patch.File{Path: "deploy/app.yaml", Language: "yaml"}), true},
		{"old path", mkPatch(patch.File{Path: "old/app.yaml", OldPath: "deploy/app.yaml", Language: "yaml", Status: patch.StatusRenamed}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustEval(t, e, Input{Request: Request{Environment: "staging"}, Patch: tc.p})
			if got := len(d.Violations) == 1; got != tc.want {
				t.Errorf("evaluated = %v, want %v (%v)", got, tc.want, d.Violations)
			}
			if !slices.Contains(d.Summary.PolicyTypesChecked, "gov.gated") {
				t.Errorf("checked %v, want gov.gated listed whether or not it applied", d.Summary.PolicyTypesChecked)
			}
		})
	}
}

// TestGateNeedsEveryModule: a package is gated only when each of its
// modules declares applies_to (the rules of a module without one may fire
// anywhere; OPA allows one package annotation per package).
func TestGateNeedsEveryModule(t *testing.T) {
	gatedGo := "# METADATA\n# scope: package\n# custom:\n#   applies_to:\n#     languages: [\"go\"]\npackage gov.p\n\nwarn contains \"a\"\n"
	plain := "package gov.p\n\nwarn contains \"c\"\n"
	py := mkPatch(patch.File{Path: "x.py", Language: "python"})
	d := mustEval(t, mustEngine(t, policyBundle(map[string]string{"policies/a.rego": gatedGo, "policies/c.rego": plain})), Input{Patch: py})
	if len(d.Violations) != 2 {
		t.Errorf("half-gated package: %v, want both rules evaluated", d.Violations)
	}
}

func TestGateBadAnnotation(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"applies_to: [\"go\"]", "policies/p.rego:1: METADATA custom.applies_to: want an object"},
		{"applies_to:\n#     files: [\"x\"]", `unknown key "files"`},
		{"applies_to:\n#     languages: []", "custom.applies_to.languages: want a non-empty list"},
		{"applies_to:\n#     languages: [1]", "item 0: want a non-empty string"},
		{"applies_to:\n#     paths: [\"a/[x\"]", "custom.applies_to.paths: glob"},
	} {
		src := "# METADATA\n# scope: package\n# custom:\n#   " + tc.spec + "\npackage gov.p\n\nwarn contains \"x\"\n"
		_, err := New(context.Background(), policyBundle(map[string]string{"policies/p.rego": src}))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: New = %v, want an error containing %q", tc.spec, err, tc.want)
		}
	}
	onRule := "package gov.p\n\n# METADATA\n# custom:\n#   applies_to:\n#     languages: [\"go\"]\nwarn contains \"x\"\n"
	_, err := New(context.Background(), policyBundle(map[string]string{"policies/p.rego": onRule}))
	if err == nil || !strings.Contains(err.Error(), "policies/p.rego:3: METADATA custom.applies_to needs scope: package (it is rule)") {
		t.Errorf("applies_to on a rule: %v", err)
	}
}

// TestLibraryGates checks the built-in library's applies_to against
// evaluating every package: on the embedded bundle's cases and on 600
// random patches whose files take paths of every language and gate and whose
// lines are the string literals of the library's own tests (so they trip
// rules, in files of the wrong language too), the decisions with and
// without gates are the same.
func TestLibraryGates(t *testing.T) {
	b, err := bundles.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	gated, err := newEngine(ctx, b, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	full, err := newEngine(ctx, b, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(gated.queries.gated) < 10 || len(full.queries.gated) != 0 {
		t.Fatalf("gated packages: %d with gates, %d without; want >= 10 and 0", len(gated.queries.gated), len(full.queries.gated))
	}
	var inputs []Input
	diffs, err := filepath.Glob("../bundles/default/cases/patches/*.diff")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range diffs {
		p, _ := parseDiff(t, name)
		for _, env := range []string{"production", "staging"} {
			inputs = append(inputs, Input{Request: Request{Environment: env, ServiceName: "api"}, Patch: p})
		}
	}
	if len(inputs) < 20 {
		t.Fatalf("%d case patches, want at least 10", len(inputs)/2)
	}
	lines := libraryTestStrings(t)
	paths := []string{
		"app/handlers.py", "cmd/server/main.go", "src/main/java/App.java", "app/Main.kt", "web/app.ts", "web/app.js",
		"lib/worker.rb", "scripts/deploy.sh", "Dockerfile", "Makefile", ".github/workflows/ci.yml",
		".github/workflows/release.yaml", ".github/actions/setup/action.yml", "deploy/k8s/deployment.yaml",
		"config/settings.json", "infra/main.tf", "config/app.toml", "package.json", "web/package-lock.json",
		"go.mod", "requirements.txt", "requirements/dev.txt", "pyproject.toml", "pom.xml", "Cargo.toml",
		"yarn.lock", "pip.conf", "README.md", "db/migrations/001_init.sql", "tests/test_handlers.py",
		"src/app.test.js", ".env", "notes.txt", "auth/session.go", "src/Program.cs", "lib/util.php",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 600 {
		p := &patch.Patch{}
		for range 1 + rng.IntN(3) {
			f := patch.File{Path: paths[rng.IntN(len(paths))], Status: patch.StatusModified}
			switch rng.IntN(6) {
			case 0:
				f.Status, f.OldPath = patch.StatusRenamed, paths[rng.IntN(len(paths))]
			case 1:
				f.Status = patch.StatusDeleted
			}
			f.Language = patch.Language(f.Path)
			for i := range 1 + rng.IntN(6) {
				l := patch.Line{Line: 10 + i, Text: lines[rng.IntN(len(lines))]}
				if f.Status == patch.StatusDeleted {
					f.Removed = append(f.Removed, l)
				} else {
					f.Added = append(f.Added, l)
				}
			}
			p.Files = append(p.Files, f)
			p.Stats.Files++
			p.Stats.Additions += len(f.Added)
			p.Stats.Deletions += len(f.Removed)
		}
		env := []string{"production", "staging"}[rng.IntN(2)]
		inputs = append(inputs, Input{Request: Request{Environment: env, ServiceName: "api"}, Patch: p})
	}
	violations, skipped := 0, 0
	for i, in := range inputs {
		in.Now = testNow
		want, err := full.Evaluate(ctx, in)
		if err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
		got, err := gated.Evaluate(ctx, in)
		if err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
		if g, w := decisionKey(got), decisionKey(want); g != w {
			t.Errorf("input %d (%v): with gates\n%s\nwithout\n%s", i, filesOf(in.Patch), g, w)
		}
		violations += len(want.Violations)
		for _, pp := range gated.queries.gated {
			if !pp.gate.applies(in.Patch) {
				skipped++
			}
		}
	}
	// The corpus must exercise both sides: rules firing, and packages left out.
	if violations < 500 || skipped < 1000 {
		t.Errorf("%d violations and %d skipped packages over %d inputs: the corpus exercises too little", violations, skipped, len(inputs))
	}
	t.Logf("%d inputs, %d violations, %d packages skipped", len(inputs), violations, skipped)
}

// libraryTestStrings are the string literals (quoted and raw) of the
// library's _test.rego files that look like code: the snippets the tests
// feed the rules.
func libraryTestStrings(t *testing.T) []string {
	lit := regexp.MustCompile("\"((?:[^\"\\\\]|\\\\.)*)\"|`([^`]*)`")
	var out []string
	seen := map[string]bool{}
	for name, src := range policies.LibraryTests() {
		if strings.HasPrefix(name, "lib/util/") {
			continue
		}
		for _, m := range lit.FindAllStringSubmatch(src, -1) {
			s := m[2]
			if m[1] != "" {
				s = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\n`, "\n", `\t`, "\t").Replace(m[1])
			}
			for line := range strings.SplitSeq(s, "\n") {
				if len(line) >= 6 && !seen[line] {
					seen[line] = true
					out = append(out, line)
				}
			}
		}
	}
	slices.Sort(out)
	if len(out) < 300 {
		t.Fatalf("%d strings from the library's tests, want at least 300", len(out))
	}
	return out
}

func decisionKey(d *Decision) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\n", d.Decision, d.RiskLevel, d.Reason)
	vs := make([]string, len(d.Violations))
	for i, v := range d.Violations {
		vs[i] = fmt.Sprintf("%s %s %s %s:%d %s %v", v.Rule, v.Action, v.Message, v.File, v.Line, v.Severity, v.Controls)
	}
	slices.Sort(vs)
	b.WriteString(strings.Join(vs, "\n"))
	return b.String()
}

func filesOf(p *patch.Patch) []string {
	var out []string
	for _, f := range p.Files {
		out = append(out, f.Status+" "+f.OldPath+" -> "+f.Path)
	}
	return out
}

// TestGateConcurrent evaluates patches of every combination of three
// gated packages' languages from several goroutines: each combination's
// query is prepared once, concurrently with evaluations of the others.
func TestGateConcurrent(t *testing.T) {
	langs := []string{"go", "ruby", "python"}
	mods := map[string]string{}
	for _, l := range langs {
		mods["policies/"+l+".rego"] = fmt.Sprintf("# METADATA\n# scope: package\n# custom:\n#   applies_to:\n#     languages: [%q]\npackage gov.%s\n\nwarn contains %q\n", l, l, l)
	}
	e := mustEngine(t, policyBundle(mods))
	errs := make(chan error, 8*40)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 40 {
				combo := (g + i) % 8
				p := &patch.Patch{}
				var want []string
				for j, l := range langs {
					if combo&(1<<j) != 0 {
						p.Files = append(p.Files, patch.File{Path: "f." + l, Language: l})
						want = append(want, l)
					}
				}
				d, err := e.Evaluate(context.Background(), Input{Patch: p})
				if err != nil {
					errs <- err
					continue
				}
				var got []string
				for _, v := range d.Violations {
					got = append(got, v.Message)
				}
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					errs <- fmt.Errorf("combo %d: violations %v, want %v", combo, got, want)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := e.queries.count.Load(); n != 7 {
		t.Errorf("prepared %d subset queries, want 7 (every combination but all three)", n)
	}
}

// TestNewFor: an engine for one patch compiles only the library packages
// that apply to it (or that a kept module reads), decides that patch as
// New's engine does, and refuses a patch that needs a package it left out.
func TestNewFor(t *testing.T) {
	b, err := bundles.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	full := mustEngine(t, b)
	diffs, err := filepath.Glob("../bundles/default/cases/patches/*.diff")
	if err != nil || len(diffs) < 10 {
		t.Fatalf("case patches: %v %v", diffs, err)
	}
	for _, name := range diffs {
		p, _ := parseDiff(t, name)
		e, err := NewFor(ctx, b, p)
		if err != nil {
			t.Fatal(err)
		}
		in := Input{Request: Request{Environment: "production", ServiceName: "api"}, Patch: p, Now: testNow}
		want := mustEval(t, full, in)
		got := mustEval(t, e, in)
		if g, w := decisionKey(got), decisionKey(want); g != w {
			t.Errorf("%s: NewFor\n%s\nNew\n%s", name, g, w)
		}
		if !slices.Equal(got.Summary.PolicyTypesChecked, want.Summary.PolicyTypesChecked) {
			t.Errorf("%s: checked %v, want %v", name, got.Summary.PolicyTypesChecked, want.Summary.PolicyTypesChecked)
		}
	}
	py := mkPatch(patch.File{Path: "app/x.py", Language: "python", Status: patch.StatusModified, Added: added(1, "x = eval(y)")})
	e, err := NewFor(ctx, b, py)
	if err != nil {
		t.Fatal(err)
	}
	if !omitted(e, "gov.lib.code.golang") || omitted(e, "gov.lib.code.python") {
		t.Errorf("omitted %v: want gov.lib.code.golang, not gov.lib.code.python", omittedNames(e))
	}
	goPatch := mkPatch(patch.File{Path: "main.go", Language: "go", Status: patch.StatusModified, Added: added(1, "x")})
	if _, err := e.Evaluate(ctx, Input{Patch: goPatch}); err == nil || !strings.Contains(err.Error(), "gov.lib.code.golang") {
		t.Errorf("go patch on a python engine: %v, want an error naming gov.lib.code.golang", err)
	}
	// A bundle module that reads a library package keeps it compiled.
	b2, err := bundles.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	b2.Modules = map[string]string{"policies/reads.rego": "package gov.reads\n\nimport data.gov.lib.code.golang\n\nwarn contains sprintf(\"%d go needles\", [count(golang._needles)])\n"}
	e2, err := NewFor(ctx, b2, py)
	if err != nil {
		t.Fatal(err)
	}
	if omitted(e2, "gov.lib.code.golang") || !omitted(e2, "gov.lib.code.ruby") {
		t.Errorf("omitted %v: want gov.lib.code.ruby but not the golang package a module imports", omittedNames(e2))
	}
	if d := mustEval(t, e2, Input{Patch: py}); !strings.Contains(messages(d), "go needles") {
		t.Errorf("violations %v, want the module reading golang's needles", d.Violations)
	}
}

func omittedNames(e *Engine) []string {
	var out []string
	for _, pp := range e.queries.omitted {
		out = append(out, pp.name)
	}
	return out
}

func omitted(e *Engine, pkg string) bool { return slices.Contains(omittedNames(e), pkg) }

func TestRefersTo(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{"package a\n\nimport data.gov.lib.code.golang\n\nx := 1\n", true},
		{"package a\n\nx := data.gov.lib.code.golang._needles\n", true},
		{"package a\n\nx := data.gov.lib.code\n", true},
		{"package a\n\nx := data.gov.lib[k] if k := input.k\n", true},
		{"package a\n\nx := data.gov.lib.code.python._needles\n", false},
		{"package a\n\nx := data.gov.config.library\n", false},
		{"package a\n\nx := input.patch\n", false},
	} {
		m := ast.MustParseModuleWithOpts(tc.src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if got := refersTo(m, ast.MustParseRef("data.gov.lib.code.golang")); got != tc.want {
			t.Errorf("%q: refersTo = %v, want %v", tc.src, got, tc.want)
		}
	}
}

// TestForeignRules: a violation rule defined through a dotted rule name is
// refused (the engine would not query it as its own package's), and a
// gated package that another module adds rules to is no longer gated.
func TestForeignRules(t *testing.T) {
	gatedGo := "# METADATA\n# scope: package\n# custom:\n#   applies_to:\n#     languages: [\"go\"]\npackage gov.p.golang\n\nwarn contains \"go rule\"\n\nlimit := 1\n"
	_, err := New(context.Background(), policyBundle(map[string]string{
		"policies/go.rego":  gatedGo,
		"policies/dot.rego": "package gov.p\n\ngolang.require_approval contains \"team review\" if true\n",
	}))
	if err == nil || !strings.Contains(err.Error(), "policies/dot.rego:3: rule golang.require_approval: define require_approval in its own package (package gov.p.golang)") {
		t.Errorf("dotted action rule: %v", err)
	}
	py := mkPatch(patch.File{Path: "x.py", Language: "python"})
	for name, other := range map[string]string{
		"dotted helper": "package gov.p\n\ngolang.limit2 := 2\n",
		"subpackage":    "package gov.p.golang.extra\n\nx := 1\n",
	} {
		e := mustEngine(t, policyBundle(map[string]string{"policies/go.rego": gatedGo, "policies/other.rego": other}))
		if d := mustEval(t, e, Input{Patch: py}); len(d.Violations) != 1 {
			t.Errorf("%s: violations %v, want the package evaluated (ungated)", name, d.Violations)
		}
	}
	e := mustEngine(t, policyBundle(map[string]string{"policies/go.rego": gatedGo, "policies/other.rego": "package gov.q\n\nx := data.gov.p.golang.limit\n"}))
	if d := mustEval(t, e, Input{Patch: py}); len(d.Violations) != 0 {
		t.Errorf("a module that only reads the package: violations %v, want it still gated", d.Violations)
	}
}

// TestGateHoldsWhenSubsetsRunOut: once the engine keeps maxSubsets prepared
// queries it answers with the full one; a gated package's rules must still
// not count for a patch outside its gate, or a decision would depend on
// which patches the process saw before (a long-running gov serve or gov
// simulate deciding differently from gov eval).
func TestGateHoldsWhenSubsetsRunOut(t *testing.T) {
	gated := "# METADATA\n# scope: package\n# custom:\n#   applies_to:\n#     languages: [\"go\"]\npackage gov.gated\n\ndeny contains \"gated package evaluated\"\n"
	e := mustEngine(t, policyBundle(map[string]string{"policies/gated.rego": gated}))
	py := mkPatch(patch.File{Path: "app/x.py", Language: "python", Status: patch.StatusModified})
	in := Input{Request: Request{Environment: "staging"}, Patch: py}
	if d := mustEval(t, e, in); len(d.Violations) != 0 {
		t.Fatalf("with a subset query: %v, want none", d.Violations)
	}
	e.queries.subsets.Clear()
	e.queries.count.Store(maxSubsets)
	if d := mustEval(t, e, in); len(d.Violations) != 0 || d.Decision != Allow {
		t.Errorf("with the full query: %s %v, want allow and no violation (the gate excludes python)", d.Decision, d.Violations)
	}
	goPatch := mkPatch(patch.File{Path: "cmd/main.go", Language: "go"})
	if d := mustEval(t, e, Input{Request: Request{Environment: "staging"}, Patch: goPatch}); len(d.Violations) != 1 {
		t.Errorf("go patch: %v, want the gated deny", d.Violations)
	}
}
