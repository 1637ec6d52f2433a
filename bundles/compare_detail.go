package bundles

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// diffEntries compares two name -> entry maps; a changed entry carries its
// field changes and both versions.
func diffEntries(kind string, a, b map[string]any) []Change {
	var out []Change
	names := unionKeys(a, b)
	for _, name := range names {
		av, inA := a[name]
		bv, inB := b[name]
		switch {
		case !inA:
			out = append(out, Change{Kind: kind, Name: name, Op: "added", After: plain(bv)})
		case !inB:
			out = append(out, Change{Kind: kind, Name: name, Op: "removed", Before: plain(av)})
		default:
			pa, pb := plain(av), plain(bv)
			if mustJSON(pa) != mustJSON(pb) {
				out = append(out, Change{Kind: kind, Name: name, Op: "changed", Fields: fieldChanges("", pa, pb), Before: pa, After: pb})
			}
		}
	}
	return out
}

// plain is v as JSON decodes it (maps, lists, strings, float64, bools):
// the form both versions are compared and printed in.
func plain(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil
	}
	return out
}

// fieldChanges lists what differs between two plain values under prefix:
// objects field by field (nested objects as a.b), stages by name, lists
// of strings as items added and removed, anything else before and after.
func fieldChanges(prefix string, a, b any) []FieldChange {
	if mustJSON(a) == mustJSON(b) {
		return nil
	}
	am, aIsMap := a.(map[string]any)
	bm, bIsMap := b.(map[string]any)
	if (aIsMap || a == nil) && (bIsMap || b == nil) && (aIsMap || bIsMap) {
		var out []FieldChange
		keys := unionKeys(am, bm)
		for _, k := range keys {
			field := k
			if prefix != "" {
				field = prefix + "." + k
			}
			if k == "stages" {
				out = append(out, stageChanges(field, am[k], bm[k])...)
				continue
			}
			out = append(out, fieldChanges(field, am[k], bm[k])...)
		}
		return out
	}
	if prefix == "" {
		prefix = "value"
	}
	fc := FieldChange{Field: prefix, Before: a, After: b}
	if as, ok := plainStrings(a); ok {
		if bs, ok := plainStrings(b); ok {
			fc.Added, fc.Removed = minus(bs, as), minus(as, bs)
		}
	}
	return []FieldChange{fc}
}

// plainStrings is v as a list of strings (nil is the empty list).
func plainStrings(v any) ([]string, bool) {
	if v == nil {
		return nil, true
	}
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// stageChanges compares workflow stages by name: added, removed, each
// changed field (stages[NAME].min_approvals), and their order.
func stageChanges(field string, a, b any) []FieldChange {
	byName := func(v any) (map[string]any, []string) {
		m := map[string]any{}
		var order []string
		list, _ := v.([]any)
		for i, s := range list {
			name, _ := s.(map[string]any)["name"].(string)
			if name == "" {
				name = fmt.Sprint(i)
			}
			m[name] = s
			order = append(order, name)
		}
		return m, order
	}
	am, ao := byName(a)
	bm, bo := byName(b)
	var out []FieldChange
	for _, name := range ao {
		if _, ok := bm[name]; !ok {
			out = append(out, FieldChange{Field: fmt.Sprintf("%s[%s]", field, name), Before: am[name]})
		}
	}
	for _, name := range bo {
		at := fmt.Sprintf("%s[%s]", field, name)
		if _, ok := am[name]; !ok {
			out = append(out, FieldChange{Field: at, After: bm[name]})
			continue
		}
		out = append(out, fieldChanges(at, am[name], bm[name])...)
	}
	common := func(order []string, other map[string]any) []string {
		var out []string
		for _, n := range order {
			if _, ok := other[n]; ok {
				out = append(out, n)
			}
		}
		return out
	}
	if ca, cb := common(ao, bm), common(bo, am); !slices.Equal(ca, cb) {
		out = append(out, FieldChange{Field: field + " (order)", Before: ca, After: cb})
	}
	return out
}

// unionKeys is the keys of a and b, once each, sorted.
func unionKeys(a, b map[string]any) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
