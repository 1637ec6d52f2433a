package bundles

import (
	"io"
	"maps"
	"slices"

	"github.com/gov-policy/gov/policies"
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
func BuildOPABundle(b *Bundle, gov string) *OPABundle {
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
	// The writer writes each module's source as it is: the bundle's were
	// parsed by the loader, gov's by its own tests, so none is parsed again.
	ob := &OPABundle{Revision: b.Revision, Roots: []string{"gov"}}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		ob.Files = append(ob.Files, name)
		ob.bundle.Modules = append(ob.bundle.Modules, opabundle.ModuleFile{URL: name, Path: name, Raw: []byte(files[name])})
	}
	roots := slices.Clone(ob.Roots)
	ob.bundle.Manifest = opabundle.Manifest{
		Revision: b.Revision,
		Roots:    &roots,
		Metadata: map[string]any{"source": b.Source, "ref": b.Ref, "gov_version": gov},
	}
	ob.bundle.Data = map[string]any{"gov": b.Data()}
	return ob
}

// Write writes the bundle as a gzipped tarball.
func (ob *OPABundle) Write(w io.Writer) error {
	return opabundle.NewWriter(w).UseModulePath(true).DisableFormat(true).Write(ob.bundle)
}
