package frameworks

import (
	"sort"

	"github.com/gov-policy/gov/bundles"
)

// Mapping is which rules map to each control of one framework.
type Mapping struct {
	// Rules maps a control id to the sorted ids of the rules mapped to it,
	// explicitly by the catalog or by the rules' METADATA custom.controls.
	Rules map[string][]string
	// Missing maps a control id to the rule ids its catalog entry names
	// that are not among the rules (a disabled family, a renamed rule).
	Missing map[string][]string
	// Groups maps a group reference ("ITGC-CM", naming every control whose
	// id continues it) to the sorted ids of the rules that name it. A group
	// reference evidences the group, not each of its controls: it is
	// reported once, at the group level, so that it cannot inflate the
	// figures of controls it says nothing specific about.
	Groups map[string][]string
	// Unknown lists METADATA references with this framework's prefix that
	// name no control or group of it, as "rule: PREFIX:ID".
	Unknown []string
}

// Map maps rules onto the controls of f.
func Map(f *Framework, rules []bundles.RuleInfo) Mapping {
	m := Mapping{Rules: map[string][]string{}, Missing: map[string][]string{}, Groups: map[string][]string{}}
	known := map[string]bool{}
	add := map[string]map[string]bool{}
	groups := map[string]map[string]bool{}
	mark := func(to map[string]map[string]bool, key, rule string) {
		if to[key] == nil {
			to[key] = map[string]bool{}
		}
		to[key][rule] = true
	}
	for _, r := range rules {
		known[r.ID] = true
		for _, ref := range r.Controls {
			switch id, kind := f.resolve(ref); kind {
			case refControl:
				mark(add, id, r.ID)
			case refGroup:
				mark(groups, id, r.ID)
			case refUnknown:
				m.Unknown = append(m.Unknown, r.ID+": "+ref)
			}
		}
	}
	for _, c := range f.Controls {
		for _, p := range c.Policies {
			if known[p] {
				mark(add, c.ID, p)
			} else {
				m.Missing[c.ID] = append(m.Missing[c.ID], p)
			}
		}
	}
	for id, set := range add {
		m.Rules[id] = sortedSet(set)
	}
	for ref, set := range groups {
		m.Groups[ref] = sortedSet(set)
	}
	sort.Strings(m.Unknown)
	m.Unknown = dedup(m.Unknown)
	return m
}

// Kinds of control reference.
const (
	refOther   = iota // another framework's, or malformed
	refControl        // names one control
	refGroup          // names a group of controls ("SOX:ITGC-CM")
	refUnknown        // this framework's prefix, but names nothing
)

// resolve says what one METADATA reference names in f: a control (its id),
// a group (the group id), or nothing.
func (f *Framework) resolve(ref string) (string, int) {
	prefix, id, ok := ParseControlRef(ref)
	if !ok || prefix != f.Prefix {
		return "", refOther
	}
	if _, ok := f.Control(id); ok {
		return id, refControl
	}
	for _, c := range f.Controls {
		if refMatches(id, c.ID) {
			return id, refGroup
		}
	}
	return "", refUnknown
}

// GroupControls lists the ids of the controls a group id names.
func (f *Framework) GroupControls(group string) []string {
	var out []string
	for _, c := range f.Controls {
		if c.ID != group && refMatches(group, c.ID) {
			out = append(out, c.ID)
		}
	}
	return out
}

func sortedSet(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// dedup removes adjacent duplicates of a sorted slice.
func dedup(xs []string) []string {
	var out []string
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}
