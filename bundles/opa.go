package bundles

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/gov-policy/gov/policies"
	"github.com/open-policy-agent/opa/v1/ast"
	opabundle "github.com/open-policy-agent/opa/v1/bundle"
)

// OPABundle is b as an OPA bundle (the .tar.gz that `opa run`, `opa eval
// -b` and `opa test` read, or that an OPA server downloads): the bundle's
// policies and tests as they are, gov's built-in modules and, unless
// gov.cue turns it off, the policy library with their tests under gov/,
// data.gov (Data) as data.json, and a manifest whose revision is b's and
// whose root is gov (a bundle's packages are all under gov).
//
// Outside gov, policies see what gov would give them only if the caller
// builds the same input (`gov eval --print-input`, input.risk_level
// included); the decision combining, exceptions, enforcement and workflows
// are gov's, not Rego, and are not in the bundle.
type OPABundle struct {
	Revision string
	Roots    []string
	Files    []string // module paths, sorted
	bundle   opabundle.Bundle
}

// BuildOPABundle assembles b's OPA bundle; gov is gov's version, recorded
// in the manifest's metadata.
func BuildOPABundle(b *Bundle, gov string) (*OPABundle, error) {
	files := map[string]string{}
	maps.Copy(files, b.Modules)
	maps.Copy(files, b.Tests)
	add := func(m map[string]string) {
		for name, src := range m {
			files["gov/"+name] = src
		}
	}
	add(policies.Builtin())
	add(policies.BuiltinTests())
	if b.Config.Library.Enabled {
		add(policies.Library())
		add(policies.LibraryTests())
	}
	ob := &OPABundle{Revision: b.Revision, Roots: []string{"gov"}}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		m, err := ast.ParseModuleWithOpts(name, files[name], ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if m == nil {
			return nil, fmt.Errorf("%s: empty module (no package)", name)
		}
		ob.Files = append(ob.Files, name)
		ob.bundle.Modules = append(ob.bundle.Modules, opabundle.ModuleFile{
			URL: name, Path: name, Raw: []byte(files[name]), Parsed: m,
		})
	}
	roots := slices.Clone(ob.Roots)
	ob.bundle.Manifest = opabundle.Manifest{
		Revision: b.Revision,
		Roots:    &roots,
		Metadata: map[string]any{"source": b.Source, "ref": b.Ref, "gov_version": gov},
	}
	ob.bundle.Data = map[string]any{"gov": b.Data()}
	return ob, nil
}

// Write writes the bundle as a gzipped tarball.
func (ob *OPABundle) Write(w io.Writer) error {
	return opabundle.NewWriter(w).UseModulePath(true).DisableFormat(true).Write(ob.bundle)
}
