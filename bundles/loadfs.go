package bundles

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"strings"
	"time"
)

// configSpec names one config file of a bundle and its schema definition.
type configSpec struct{ base, def string }

func configSpecs() []configSpec {
	return []configSpec{
		{"gov", "#GovFile"},
		{"roles", "#RolesFile"},
		{"workflows", "#WorkflowsFile"},
		{"rules", "#RulesFile"},
		{"exceptions", "#ExceptionsFile"},
	}
}

// configExts are the accepted formats of a config file, in lookup order.
func configExts() []string { return []string{".cue", ".yaml", ".yml", ".json"} }

// LoadFS loads and validates the bundle whose root is fsys. It is the core
// every loader shares: source, ref and revision are recorded as given.
func LoadFS(fsys fs.FS, source, ref, revision string) (*Bundle, error) {
	v, err := newValidator()
	if err != nil {
		return nil, err
	}
	return v.load(fsys, source, ref, revision)
}

// configs holds the decoded config files of a bundle and where they came from.
type configs struct {
	files map[string]configFile // by base name
}

func (v *validator) load(fsys fs.FS, source, ref, revision string) (*Bundle, error) {
	b := &Bundle{
		Source: source, Ref: ref, Revision: revision,
		Roles:     map[string]Role{},
		Workflows: map[string]Workflow{},
		Modules:   map[string]string{},
		Tests:     map[string]string{},
		Files:     map[string][]byte{},
	}
	var (
		roles struct {
			Roles map[string]Role `json:"roles"`
		}
		workflows struct {
			Workflows map[string]Workflow `json:"workflows"`
		}
		rules struct {
			Rules []Rule `json:"rules"`
		}
		exceptions struct {
			Exceptions []Exception `json:"exceptions"`
		}
	)
	targets := map[string]any{
		"gov": &b.Config, "roles": &roles, "workflows": &workflows,
		"rules": &rules, "exceptions": &exceptions,
	}
	cs := configs{files: map[string]configFile{}}
	// read collects every file loaded, for the digest.
	read := map[string][]byte{}
	for _, spec := range configSpecs() {
		name, src, err := readConfig(fsys, spec.base)
		if err != nil {
			return nil, err
		}
		if name != "" {
			read[name] = src
		}
		if name == "" && spec.base != "gov" {
			continue // only gov.cue has defaults to fill in
		}
		cf, err := v.decode(name, src, spec.def, targets[spec.base])
		if err != nil {
			return nil, err
		}
		cs.files[spec.base] = cf
	}
	if roles.Roles != nil {
		b.Roles = roles.Roles
	}
	if workflows.Workflows != nil {
		b.Workflows = workflows.Workflows
	}
	b.Rules, b.Exceptions = rules.Rules, exceptions.Exceptions
	if f := cs.files["rules"]; f.name != "" {
		b.rulesFile = f.name
		for i := range b.Rules {
			b.ruleLines = append(b.ruleLines, f.lookup([]string{"rules", fmt.Sprint(i)}).Pos().Line())
		}
	}
	b.Config.withImplicitEnvironments()
	if err := checkBundle(b, cs); err != nil {
		return nil, err
	}
	if err := readPolicies(fsys, b); err != nil {
		return nil, err
	}
	if err := strayRego(fsys); err != nil {
		return nil, err
	}
	if f := cs.files["exceptions"]; f.name != "" {
		if err := checkExceptions(b, f, read[f.name], v.added, time.Now()); err != nil {
			return nil, err
		}
	}
	for _, dir := range []string{"cases", "frameworks"} {
		if err := readTree(fsys, dir, b.Files); err != nil {
			return nil, err
		}
	}
	for _, m := range []map[string]string{b.Modules, b.Tests} {
		for p, src := range m {
			read[p] = []byte(src)
		}
	}
	maps.Copy(read, b.Files)
	b.Digest = digest(read)
	return b, nil
}

// readConfig finds base.{cue,yaml,yml,json}; it returns "" when there is none
// and an error when there are two.
func readConfig(fsys fs.FS, base string) (string, []byte, error) {
	var found []string
	for _, ext := range configExts() {
		if st, err := fs.Stat(fsys, base+ext); err == nil && !st.IsDir() {
			found = append(found, base+ext)
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", nil, fmt.Errorf("%s%s: %w", base, ext, err)
		}
	}
	switch len(found) {
	case 0:
		return "", nil, nil
	case 1:
		src, err := fs.ReadFile(fsys, found[0])
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", found[0], err)
		}
		return found[0], src, nil
	}
	return "", nil, fmt.Errorf("%s: two formats of the same file; keep one", strings.Join(found, " and "))
}

// readTree adds every regular file under dir to files; a missing dir is fine.
func readTree(fsys fs.FS, dir string, files map[string][]byte) error {
	return walkFiles(fsys, dir, func(p string) error {
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		files[p] = src
		return nil
	})
}

// walkFiles calls fn for each regular file under dir in lexical order,
// skipping hidden directories; a missing dir is not an error.
func walkFiles(fsys fs.FS, dir string, fn func(p string) error) error {
	if _, err := fs.Stat(fsys, dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return fn(p)
	})
}

// isTest reports whether a policy path is a Rego test file.
func isTest(p string) bool { return strings.HasSuffix(path.Base(p), "_test.rego") }
