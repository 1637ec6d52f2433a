package bundles

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// regoParserOptions parses rego.v1 with METADATA annotations attached to rules.
func regoParserOptions() ast.ParserOptions {
	return ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true, Capabilities: regoV1Capabilities()}
}

// regoV1Capabilities are the capabilities the parser assumes for rego.v1
// when given none, made once (the parser, which only reads them, would
// otherwise make and sort them again for every module).
var regoV1Capabilities = sync.OnceValue(func() *ast.Capabilities {
	return ast.CapabilitiesForThisVersion(ast.CapabilitiesRegoVersion(ast.RegoV1))
})

// readPolicies parses every policies/**/*.rego into b.Modules, b.Tests and
// b.Parsed, and warns about policies without a _test.rego beside them.
func readPolicies(fsys fs.FS, b *Bundle) error {
	b.Parsed = map[string]*ast.Module{}
	err := walkFiles(fsys, "policies", func(p string) error {
		if path.Ext(p) != ".rego" {
			return nil
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		m, err := parseRego(p, string(src))
		if err != nil {
			return err
		}
		if pkg := m.Package.Path; len(pkg) < 3 || pkg[1].String() != `"gov"` {
			return fmt.Errorf("%s:%d: package %s is outside gov.*: gov evaluates the deny, require_approval and warn sets of packages gov.<name> only (use package gov.<name>, e.g. package gov.%s)",
				p, m.Package.Location.Row, packageName(m), suggestPackage(p))
		}
		b.Parsed[p] = m
		if isTest(p) {
			b.Tests[p] = string(src)
		} else {
			b.Modules[p] = string(src)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(b.Modules)) {
		test := strings.TrimSuffix(p, ".rego") + "_test.rego"
		if _, ok := b.Tests[test]; !ok {
			b.Warnings = append(b.Warnings, fmt.Sprintf("%s: no test (%s)", p, test))
		}
	}
	return nil
}

// parseRego parses one module as the loader does; errors are one line
// naming file:row.
func parseRego(p, src string) (*ast.Module, error) {
	m, err := ast.ParseModuleWithOpts(p, src, regoParserOptions())
	if err != nil {
		return nil, regoError(p, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%s: empty module (no package)", p)
	}
	return m, nil
}

// regoError makes one line "file:row: code: message" of a parse error.
func regoError(p string, err error) error {
	var errs ast.Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		return fmt.Errorf("%s: %w", p, oneLine(err))
	}
	e := errs[0]
	row := 0
	if e.Location != nil {
		row = e.Location.Row
	}
	more := ""
	if len(errs) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(errs)-1)
	}
	return fmt.Errorf("%s:%d: %s: %w%s", p, row, e.Code, oneLine(errors.New(e.Message)), more)
}

// packageName is the module's package without the "data." prefix.
func packageName(m *ast.Module) string {
	return strings.TrimPrefix(m.Package.Path.String(), "data.")
}

// suggestPackage names a package for a policy file from its path:
// policies/ci/rules.rego -> ci.rules.
func suggestPackage(p string) string {
	p = strings.TrimSuffix(strings.TrimPrefix(p, "policies/"), ".rego")
	p = strings.TrimSuffix(p, "_test")
	var parts []string
	for _, s := range strings.Split(p, "/") {
		s = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
				return r
			}
			if r >= 'A' && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return '_'
		}, s)
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "custom"
	}
	return strings.Join(parts, ".")
}

// strayRego refuses a .rego file outside policies/ (an OPA or conftest
// directory used as a bundle): gov would not read it, so its rules would
// silently never run.
func strayRego(fsys fs.FS) error {
	var stray string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || stray != "" {
			return fs.SkipAll
		}
		if d.IsDir() {
			if p == "policies" || (p != "." && strings.HasPrefix(d.Name(), ".")) {
				return fs.SkipDir
			}
			return nil
		}
		if path.Ext(p) == ".rego" {
			stray = p
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return err
	}
	if stray != "" {
		return fmt.Errorf("%s: gov reads Rego only from policies/ (policies/**/*.rego, packages gov.<name>, with a _test.rego beside each); move it to policies/%s", stray, path.Base(stray))
	}
	return nil
}
