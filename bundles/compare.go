package bundles

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// compareBundles lists what changed from a to b: rules (by id, including
// changes to the Rego behind them), roles, workflows, exceptions, top-level
// config keys and policy files, in that order, each sorted by name.
func compareBundles(a, b *Bundle) []Change {
	var out []Change
	out = append(out, diffMaps("rule", ruleFingerprints(a), ruleFingerprints(b))...)
	out = append(out, diffMaps("role", jsonEach(a.Roles), jsonEach(b.Roles))...)
	out = append(out, diffMaps("workflow", jsonEach(a.Workflows), jsonEach(b.Workflows))...)
	out = append(out, diffMaps("exception", exceptionMap(a), exceptionMap(b))...)
	out = append(out, diffMaps("config", configMap(a), configMap(b))...)
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

// ruleFingerprints maps each rule id to what defines it: the declarative
// rule, or the catalog metadata plus the text of the Rego rules behind it
// (locations excluded, so moving a rule within its file is no change).
func ruleFingerprints(b *Bundle) map[string]string {
	out := map[string]string{}
	for i, e := range b.catalog() {
		info := e.info
		info.File, info.Line = "", 0
		var sb strings.Builder
		sb.WriteString(mustJSON(info))
		if info.Kind == "declarative" && i < len(b.Rules) {
			sb.WriteString(mustJSON(b.Rules[i]))
		}
		for _, r := range e.rules {
			sb.WriteString(r.String())
		}
		out[info.ID] = sb.String()
	}
	return out
}

func jsonEach[V any](m map[string]V) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = mustJSON(v)
	}
	return out
}

// exceptionMap keys exceptions by rule and paths.
func exceptionMap(b *Bundle) map[string]string {
	out := map[string]string{}
	for _, e := range b.Exceptions {
		name := e.Rule
		if len(e.Paths) > 0 {
			name += " " + strings.Join(e.Paths, ",")
		}
		out[name] = mustJSON(e)
	}
	return out
}

// configMap splits the config into its top-level keys.
func configMap(b *Bundle) map[string]string {
	out := map[string]string{}
	for k, v := range configData(b.Config) {
		out[k] = mustJSON(v)
	}
	return out
}

// policyFiles is every Rego file and every other kept file of a bundle.
func policyFiles(b *Bundle) map[string][]byte {
	out := map[string][]byte{}
	for p, s := range b.Modules {
		out[p] = []byte(s)
	}
	for p, s := range b.Tests {
		out[p] = []byte(s)
	}
	for p, d := range b.Files {
		out[p] = d
	}
	return out
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
