package bundles

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// compareBundles lists what changed from a to b: rules (by id, including
// changes to the Rego behind them), roles, workflows, exceptions, library
// families, top-level config keys and policy files, in that order, each
// sorted by name. A changed entry says which of its fields changed.
func compareBundles(a, b *Bundle) []Change {
	var out []Change
	out = append(out, diffEntries("rule", ruleSnapshots(a), ruleSnapshots(b))...)
	out = append(out, diffEntries("role", each(a.Roles), each(b.Roles))...)
	out = append(out, diffEntries("workflow", each(a.Workflows), each(b.Workflows))...)
	out = append(out, diffEntries("exception", exceptionMap(a), exceptionMap(b))...)
	out = append(out, diffEntries("library-family", familyMap(a), familyMap(b))...)
	out = append(out, diffEntries("config", configMap(a), configMap(b))...)
	out = append(out, diffFiles(policyFiles(a), policyFiles(b))...)
	return out
}

// diffMaps compares two name -> fingerprint maps.
func diffMaps(kind string, a, b map[string]string) []Change {
	var out []Change
	for _, name := range slices.Sorted(maps.Keys(union(a, b))) {
		av, inA := a[name]
		bv, inB := b[name]
		switch {
		case !inA:
			out = append(out, Change{Kind: kind, Name: name, Op: "added"})
		case !inB:
			out = append(out, Change{Kind: kind, Name: name, Op: "removed"})
		case av != bv:
			out = append(out, Change{Kind: kind, Name: name, Op: "changed"})
		}
	}
	return out
}

// diffFiles compares two path -> content maps as policy-file changes.
func diffFiles(a, b map[string][]byte) []Change {
	fa, fb := map[string]string{}, map[string]string{}
	for p, d := range a {
		fa[p] = string(d)
	}
	for p, d := range b {
		fb[p] = string(d)
	}
	return diffMaps("policy-file", fa, fb)
}

func union(a, b map[string]string) map[string]bool {
	u := make(map[string]bool, len(a)+len(b))
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

// ruleSnapshots maps each rule id to what defines it: the catalog
// metadata, a declarative rule's conditions and workflow, or the text of
// the Rego rules behind it (locations excluded, so moving a rule within
// its file is no change).
func ruleSnapshots(b *Bundle) map[string]any {
	out := map[string]any{}
	for i, e := range b.catalog() {
		info := e.info
		snap := map[string]any{"kind": info.Kind, "action": info.Action, "severity": info.Severity, "controls": info.Controls}
		if info.Kind == "declarative" && i < len(b.Rules) {
			r := b.Rules[i]
			snap["message"], snap["description"], snap["conditions"], snap["workflow"] = r.Message, r.Description, r.Conditions, r.Workflow
		} else {
			snap["package"], snap["title"], snap["description"] = info.Package, info.Title, info.Description
			var rego []string
			for _, r := range e.rules {
				rego = append(rego, r.String())
			}
			snap["rego"] = rego
		}
		out[info.ID] = snap
	}
	return out
}

func each[V any](m map[string]V) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// exceptionMap keys exceptions by rule and paths.
func exceptionMap(b *Bundle) map[string]any {
	out := map[string]any{}
	for _, e := range b.Exceptions {
		name := e.Rule
		if len(e.Paths) > 0 {
			name += " " + strings.Join(e.Paths, ",")
		}
		out[name] = e
	}
	return out
}

// familyMap is each library family gov.cue tunes, with whether it is on
// (the library on and the family not turned off) and its tuning.
func familyMap(b *Bundle) map[string]any {
	out := map[string]any{}
	for name, tuning := range b.Config.Library.Families {
		snap := map[string]any{}
		for k, v := range tuning {
			snap[k] = v
		}
		on, set := tuning["enabled"].(bool)
		snap["enabled"] = b.Config.Library.Enabled && (on || !set)
		out[name] = snap
	}
	return out
}

// configMap splits the config into its top-level keys; the library is
// library.enabled here, its families are entries of their own.
func configMap(b *Bundle) map[string]any {
	out := map[string]any{}
	for k, v := range configData(b.Config) {
		if k == "library" {
			continue
		}
		out[k] = v
	}
	out["library.enabled"] = b.Config.Library.Enabled
	return out
}

// policyFiles is every policy file of a bundle: its Rego and every other
// kept file but tests (*_test.rego) and example cases (cases/), which are
// not policy.
func policyFiles(b *Bundle) map[string][]byte {
	out := map[string][]byte{}
	for p, s := range b.Modules {
		out[p] = []byte(s)
	}
	for p, d := range b.Files {
		out[p] = d
	}
	return policyOnly(out)
}

// policyOnly drops the files that are not policy.
func policyOnly(files map[string][]byte) map[string][]byte {
	for p := range files {
		if strings.HasSuffix(p, "_test.rego") || strings.HasPrefix(p, "cases/") {
			delete(files, p)
		}
	}
	return files
}

// mustJSON encodes v deterministically (map keys sorted); the values here
// always encode, so an error yields "".
func mustJSON(v any) string {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return ""
	}
	return buf.String()
}
