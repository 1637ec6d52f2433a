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
	// Unknown lists METADATA references with this framework's prefix that
	// name no control of it, as "rule: PREFIX:ID".
	Unknown []string
}

// Map maps rules onto the controls of f.
func Map(f *Framework, rules []bundles.RuleInfo) Mapping {
	m := Mapping{Rules: map[string][]string{}, Missing: map[string][]string{}}
	known := map[string]bool{}
	add := map[string]map[string]bool{}
	mark := func(control, rule string) {
		if add[control] == nil {
			add[control] = map[string]bool{}
		}
		add[control][rule] = true
	}
	for _, r := range rules {
		known[r.ID] = true
		for _, ref := range r.Controls {
			ids := f.ControlsOf([]string{ref})
			if prefix, _, ok := ParseControlRef(ref); ok && prefix == f.Prefix && len(ids) == 0 {
				m.Unknown = append(m.Unknown, r.ID+": "+ref)
			}
			for _, id := range ids {
				mark(id, r.ID)
			}
		}
	}
	for _, c := range f.Controls {
		for _, p := range c.Policies {
			if known[p] {
				mark(c.ID, p)
			} else {
				m.Missing[c.ID] = append(m.Missing[c.ID], p)
			}
		}
	}
	for id, set := range add {
		m.Rules[id] = sortedSet(set)
	}
	sort.Strings(m.Unknown)
	m.Unknown = dedup(m.Unknown)
	return m
}

// ControlsOf returns the ids of f's controls that control references
// ("SOC2:CC8.1", "SOX:ITGC-CM") name, in catalog order; references to
// other frameworks are ignored.
func (f *Framework) ControlsOf(refs []string) []string {
	var out []string
	for _, c := range f.Controls {
		for _, ref := range refs {
			prefix, id, ok := ParseControlRef(ref)
			if ok && prefix == f.Prefix && refMatches(id, c.ID) {
				out = append(out, c.ID)
				break
			}
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
