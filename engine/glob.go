package engine

import (
	"fmt"
	"strings"

	"github.com/gobwas/glob"

	"github.com/gov-policy/gov/patch"
)

// pathGlob matches paths the way the Rego policies do with
// glob.match(p, ["/"], x): "*" within a segment, "**" across segments; a
// pattern starting with "**/" also matches at the top level.
type pathGlob struct {
	pattern string
	full    *glob.Pattern
	top     *glob.Pattern // the pattern without its leading "**/", or nil
}

func compilePathGlob(pattern string) (pathGlob, error) {
	g := pathGlob{pattern: pattern}
	var err error
	if g.full, err = glob.Compile(pattern, '/'); err != nil {
		return g, fmt.Errorf("glob %q: %w", pattern, err)
	}
	if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
		if g.top, err = glob.Compile(rest, '/'); err != nil {
			return g, fmt.Errorf("glob %q: %w", pattern, err)
		}
	}
	return g, nil
}

func (g pathGlob) match(path string) bool {
	return g.full.Match(path) || (g.top != nil && g.top.Match(path))
}

func compilePathGlobs(patterns []string) ([]pathGlob, error) {
	out := make([]pathGlob, len(patterns))
	for i, p := range patterns {
		var err error
		if out[i], err = compilePathGlob(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func anyGlob(gs []pathGlob, path string) bool {
	for _, g := range gs {
		if g.match(path) {
			return true
		}
	}
	return false
}

// fileMatches reports whether f's path, or its old path (renames, copies),
// matches one of gs.
func fileMatches(gs []pathGlob, f *patch.File) bool {
	return anyGlob(gs, f.Path) || (f.OldPath != "" && anyGlob(gs, f.OldPath))
}

// patchMatches reports whether a changed file of p (nil: none) matches one
// of gs by path or old path.
func patchMatches(gs []pathGlob, p *patch.Patch) bool {
	if p == nil {
		return false
	}
	for i := range p.Files {
		if fileMatches(gs, &p.Files[i]) {
			return true
		}
	}
	return false
}

// idGlob matches rule ids: exact, or a glob where "*" matches anything.
type idGlob struct {
	pattern string
	g       *glob.Pattern
}

func compileIDGlobs(patterns []string) ([]idGlob, error) {
	out := make([]idGlob, len(patterns))
	for i, p := range patterns {
		g, err := glob.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("glob %q: %w", p, err)
		}
		out[i] = idGlob{pattern: p, g: g}
	}
	return out, nil
}

func (g idGlob) match(id string) bool { return g.pattern == id || g.g.Match(id) }
