// Package policytest runs a bundle's tests: the Rego unit tests beside its
// policies (OPA's tester, optionally with coverage) and the example cases
// under cases/, each a request and a patch with the decision it must get.
package policytest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/policies"
)

// Options select what runs.
type Options struct {
	// Coverage computes line coverage of the policies (not of the tests).
	Coverage bool
	// Run is a regular expression selecting tests and cases by name.
	Run string
	// Timeout bounds each Rego test.
	Timeout time.Duration
	// Library also runs the tests of gov's built-in modules and policy
	// library, and counts them in coverage.
	Library bool
}

// TestResult is one Rego test rule.
type TestResult struct {
	Name       string  `json:"name"`
	File       string  `json:"file"`
	Line       int     `json:"line"`
	Pass       bool    `json:"pass"`
	Error      string  `json:"error,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

// Coverage is line coverage of the policy modules.
type Coverage struct {
	Percent float64            `json:"percent"`
	Files   map[string]float64 `json:"files"`
}

// Report is the outcome of a run.
type Report struct {
	Tests    []TestResult `json:"tests"`
	Cases    []CaseResult `json:"cases"`
	Coverage *Coverage    `json:"coverage,omitempty"`
	Passed   int          `json:"passed"`
	Failed   int          `json:"failed"`
}

// OK reports whether everything passed.
func (r *Report) OK() bool { return r.Failed == 0 }

// Run runs the bundle's Rego tests (with the built-in modules loaded, as in
// evaluation) and its cases.
func Run(ctx context.Context, b *bundles.Bundle, opts Options) (*Report, error) {
	var filter *regexp.Regexp
	if opts.Run != "" {
		re, err := regexp.Compile(opts.Run)
		if err != nil {
			return nil, fmt.Errorf("--run: %w", err)
		}
		filter = re
	}
	rep := &Report{Tests: []TestResult{}, Cases: []CaseResult{}}
	if err := runRego(ctx, b, opts, rep); err != nil {
		return nil, err
	}
	cases, err := runCases(ctx, b, filter)
	if err != nil {
		return nil, err
	}
	rep.Cases = cases
	for _, t := range rep.Tests {
		count(rep, t.Pass)
	}
	for _, c := range rep.Cases {
		count(rep, c.Pass)
	}
	return rep, nil
}

func count(rep *Report, pass bool) {
	if pass {
		rep.Passed++
	} else {
		rep.Failed++
	}
}

func runRego(ctx context.Context, b *bundles.Bundle, opts Options, rep *Report) error {
	if len(b.Tests) == 0 && !opts.Library {
		return nil
	}
	modules, policyFiles, err := testModules(b, opts.Library)
	if err != nil {
		return err
	}
	store := inmem.NewFromObject(map[string]any{"gov": b.Data()})
	runner := tester.NewRunner().
		SetStore(store).
		SetModules(modules).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true).
		SetTimeout(cmpDuration(opts.Timeout, 10*time.Second)).
		Filter(opts.Run)
	var cov *cover.Cover
	if opts.Coverage {
		cov = cover.New()
		runner = runner.SetCoverageQueryTracer(cov)
	}
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return fmt.Errorf("running tests: %w", err)
	}
	for r := range ch {
		tr := TestResult{
			Name:       strings.TrimPrefix(r.Package, "data.") + "." + r.Name,
			Pass:       r.Pass(),
			DurationMS: float64(r.Duration.Microseconds()) / 1000,
		}
		if r.Location != nil {
			tr.File, tr.Line = r.Location.File, r.Location.Row
		}
		switch {
		case r.Error != nil:
			tr.Error = r.Error.Error()
		case r.Fail:
			tr.Error = "test failed"
		case r.Skip:
			tr.Pass, tr.Error = false, "test is marked todo_ (skipped tests are failures here)"
		}
		rep.Tests = append(rep.Tests, tr)
	}
	if cov != nil {
		policyMods := map[string]*ast.Module{}
		for _, f := range policyFiles {
			policyMods[f] = modules[f]
		}
		report := cov.Report(policyMods)
		c := &Coverage{Files: map[string]float64{}}
		covered, total := 0, 0
		for _, f := range policyFiles {
			fr, ok := report.Files[f]
			if !ok {
				continue
			}
			c.Files[f] = fr.Coverage
			covered += fr.CoveredLines
			total += fr.CoveredLines + fr.NotCoveredLines
		}
		if total > 0 {
			c.Percent = 100 * float64(covered) / float64(total)
		}
		rep.Coverage = c
	}
	return nil
}

// testModules gathers the program gov eval compiles for b (engine.Modules:
// the bundle's policies, gov's built-in modules and, when enabled or
// withLibrary, the library, violation rules renamed as eval renames them)
// and the tests: the bundle's, and gov's own when withLibrary. It returns
// the module map and the names of the policy files that coverage counts.
func testModules(b *bundles.Bundle, withLibrary bool) (map[string]*ast.Module, []string, error) {
	prog := b
	if withLibrary && !b.Config.Library.Enabled {
		c := *b
		c.Config.Library.Enabled = true
		prog = &c
	}
	modules, err := engine.Modules(prog)
	if err != nil {
		return nil, nil, err
	}
	var covered []string
	for path := range modules {
		if _, own := b.Modules[path]; own || withLibrary {
			covered = append(covered, path)
		}
	}
	if withLibrary {
		for _, set := range []map[string]string{policies.BuiltinTests(), policies.LibraryTests()} {
			for path, src := range set {
				m, err := ast.ParseModuleWithOpts(path, src, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
				if err != nil {
					return nil, nil, fmt.Errorf("built-in policy %s: %w", path, err)
				}
				modules[path] = m
			}
		}
	}
	for path, src := range b.Tests {
		m, err := parsed(b, path, src)
		if err != nil {
			return nil, nil, err
		}
		modules[path] = m
	}
	slices.Sort(covered)
	return modules, covered, nil
}

func parsed(b *bundles.Bundle, path, src string) (*ast.Module, error) {
	if m, ok := b.Parsed[path]; ok {
		return m.Copy(), nil
	}
	m, err := ast.ParseModuleWithOpts(path, src, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func cmpDuration(d, fallback time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return fallback
}
