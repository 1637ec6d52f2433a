package frameworks

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Evidence kinds a control can be satisfied by (schema.cue #Evidence).
const (
	// EvidenceDecisions: every recorded decision evidences the control.
	EvidenceDecisions = "decisions"
	// EvidenceApprovals: every approval given evidences the control.
	EvidenceApprovals = "approvals"
	// EvidenceSignatures: every record's signed statement evidences the control.
	EvidenceSignatures = "signatures"
	// EvidenceScans: the policy and secret-scanner checks mapped to the
	// control; only records whose violations touch it count.
	EvidenceScans = "scans"
)

//go:embed schema.cue catalogs/*.cue
var catalogFS embed.FS

// Control is one control of a framework.
type Control struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Evidence    []string `json:"evidence"`
	// Policies are the rule ids the catalog maps to the control explicitly.
	Policies []string `json:"policies,omitempty"`
	// Source is file:line:column of the control's last definition.
	Source string `json:"source,omitempty"`
}

// Framework is one compliance catalog.
type Framework struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Version     string `json:"version,omitempty"`
	Description string `json:"description,omitempty"`
	// Prefix names the framework in rule METADATA ("SOC2" in "SOC2:CC8.1").
	Prefix   string    `json:"prefix"`
	Controls []Control `json:"controls"`
	// Sources are the files that defined or overrode the framework.
	Sources []string `json:"sources"`
}

// Catalog is the set of frameworks a report can be built for.
type Catalog struct {
	frameworks []*Framework
}

// Builtin loads the embedded catalogs.
func Builtin() (*Catalog, error) {
	return Load(nil)
}

// Load loads the embedded catalogs, then applies a bundle's frameworks/**
// files (path -> content, as bundles.Bundle.Files holds them; .cue, .yaml,
// .yml and .json, other files ignored) in path order: a file naming a known
// framework overrides the fields it sets on the controls it names and adds
// new controls, one naming a new framework adds it. Every file is validated
// by schema.cue; errors name file:line:column.
func Load(bundleFiles map[string][]byte) (*Catalog, error) {
	l, err := newLoader()
	if err != nil {
		return nil, err
	}
	c := &Catalog{}
	names, err := fs.Glob(catalogFS, "catalogs/*.cue")
	if err != nil {
		return nil, fmt.Errorf("frameworks: %w", err)
	}
	for _, name := range names {
		src, err := catalogFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("frameworks: %w", err)
		}
		if err := l.apply(c, name, src, true); err != nil {
			return nil, err
		}
	}
	var extra []string
	for p := range bundleFiles {
		if strings.HasPrefix(p, "frameworks/") && catalogExt(p) {
			extra = append(extra, p)
		}
	}
	sort.Strings(extra)
	for _, p := range extra {
		if err := l.apply(c, p, bundleFiles[p], false); err != nil {
			return nil, err
		}
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	c.sort()
	return c, nil
}

func catalogExt(p string) bool {
	switch path.Ext(p) {
	case ".cue", ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// IDs lists the framework ids: the built-in ones in their usual order, then
// those bundles added, by id.
func (c *Catalog) IDs() []string {
	out := make([]string, len(c.frameworks))
	for i, f := range c.frameworks {
		out[i] = f.ID
	}
	return out
}

// Framework returns the framework with the given command-line id; an
// unknown id is an error listing the known ones.
func (c *Catalog) Framework(id string) (*Framework, error) {
	if f := c.lookup(id); f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("unknown framework %q (known: %s)", id, strings.Join(c.IDs(), ", "))
}

func (c *Catalog) lookup(id string) *Framework {
	for _, f := range c.frameworks {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// Control returns the control with the given id, if the framework has it.
func (f *Framework) Control(id string) (Control, bool) {
	for _, c := range f.Controls {
		if c.ID == id {
			return c, true
		}
	}
	return Control{}, false
}

// check makes sure every framework and control is complete once all files
// are applied: a name, and a title and evidence for each control.
func (c *Catalog) check() error {
	for _, f := range c.frameworks {
		if f.Name == "" {
			return fmt.Errorf("%s: framework %q: missing required key \"name\"", f.Sources[0], f.ID)
		}
		if len(f.Controls) == 0 {
			return fmt.Errorf("%s: framework %q has no controls", f.Sources[0], f.ID)
		}
		for _, ctl := range f.Controls {
			if ctl.Title == "" {
				return fmt.Errorf("%s: controls.%q: missing required key \"title\"", ctl.Source, ctl.ID)
			}
			if len(ctl.Evidence) == 0 {
				return fmt.Errorf("%s: controls.%q: missing required key \"evidence\" (one of decisions, approvals, signatures, scans)", ctl.Source, ctl.ID)
			}
		}
	}
	return nil
}

// sort puts the built-in frameworks first in the prefix table's order,
// then the others by id.
func (c *Catalog) sort() {
	rank := func(id string) int {
		for i, p := range builtinPrefixes() {
			if p[0] == id {
				return i
			}
		}
		return len(builtinPrefixes())
	}
	sort.SliceStable(c.frameworks, func(i, j int) bool {
		ri, rj := rank(c.frameworks[i].ID), rank(c.frameworks[j].ID)
		if ri != rj {
			return ri < rj
		}
		return c.frameworks[i].ID < c.frameworks[j].ID
	})
}
