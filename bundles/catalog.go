package bundles

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/gov-policy/gov/policies"
)

// RuleInfo describes one rule a bundle defines, declarative or Rego.
type RuleInfo struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"` // "rego" or "declarative"
	Package     string   `json:"package,omitempty"`
	Name        string   `json:"name"` // deny, require_approval or warn
	File        string   `json:"file,omitempty"`
	Line        int      `json:"line,omitempty"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Severity    string   `json:"severity,omitempty"`
	Controls    []string `json:"controls,omitempty"`
	Action      string   `json:"action"`
}

// decisionRules are the rule names whose results make a decision.
func decisionRules() map[string]bool {
	return map[string]bool{"deny": true, "require_approval": true, "warn": true}
}

// catalogEntry is a RuleInfo with the Rego rules behind it (for history).
type catalogEntry struct {
	info  RuleInfo
	rules []*ast.Rule
}

// RuleCatalog lists every rule the bundle defines: declarative rules first
// in file order, then Rego deny/require_approval/warn rules by file and line.
// Rego rules sharing an id (incremental definitions) are listed once.
func (b *Bundle) RuleCatalog() []RuleInfo {
	entries := b.catalog()
	out := make([]RuleInfo, len(entries))
	for i, e := range entries {
		out[i] = e.info
	}
	return out
}

func (b *Bundle) catalog() []catalogEntry {
	var out []catalogEntry
	for i, r := range b.Rules {
		info := RuleInfo{
			ID: r.ID, Kind: "declarative", Name: r.Action, File: b.rulesFile,
			Title: r.Message, Description: r.Description, Severity: r.Severity,
			Controls: r.Controls, Action: r.Action,
		}
		if i < len(b.ruleLines) {
			info.Line = b.ruleLines[i]
		}
		out = append(out, catalogEntry{info: info})
	}
	index := map[string]int{}
	for _, p := range slices.Sorted(maps.Keys(b.Modules)) {
		m := b.Parsed[p]
		if m == nil {
			continue
		}
		as, _ := ast.BuildAnnotationSet([]*ast.Module{m})
		rules := append([]*ast.Rule(nil), m.Rules...)
		sort.SliceStable(rules, func(i, j int) bool { return rules[i].Location.Row < rules[j].Location.Row })
		for _, r := range rules {
			name := r.Head.Name.String()
			if len(r.Head.Reference) > 0 {
				name = r.Head.Reference[0].String()
			}
			if !decisionRules()[name] {
				continue
			}
			info := RegoRuleInfo(as, m, p, r, name)
			if i, ok := index[info.ID]; ok {
				out[i].rules = append(out[i].rules, r)
				continue
			}
			index[info.ID] = len(out)
			out = append(out, catalogEntry{info: info, rules: []*ast.Rule{r}})
		}
	}
	return out
}

// RegoRuleInfo reads the METADATA of rule r (named name) of module m in
// file: the id from custom.id of the rule or document scope, else
// "<package>.<name>", the rest from the nearest scope that sets it. It is
// the one place rule ids and metadata are derived (the engine uses it too).
func RegoRuleInfo(as *ast.AnnotationSet, m *ast.Module, file string, r *ast.Rule, name string) RuleInfo {
	info := RuleInfo{
		Kind: "rego", Package: packageName(m), Name: name, File: file,
		Line: r.Location.Row, Action: name,
	}
	info.ID = info.Package + "." + name
	if as == nil {
		return info
	}
	for _, ref := range as.Chain(r) {
		a := ref.Annotations
		if a == nil {
			continue
		}
		ruleScoped := a.Scope == "rule" || a.Scope == "document"
		if id, ok := a.Custom["id"].(string); ok && id != "" && ruleScoped && info.ID == info.Package+"."+name {
			info.ID = id
		}
		if info.Title == "" {
			info.Title = a.Title
		}
		if info.Description == "" {
			info.Description = a.Description
		}
		if s, ok := a.Custom["severity"].(string); ok && info.Severity == "" {
			info.Severity = s
		}
		if info.Controls == nil {
			info.Controls = stringList(a.Custom["controls"])
		}
	}
	return info
}

func stringList(v any) []string {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// EvaluatedRules lists the rules b is evaluated with: its own
// (RuleCatalog), gov's built-in modules and, unless gov.cue turns them off,
// the policy library's families. A rule id is listed once. Reports map
// controls through it, SARIF describes rules with it, gov bundle check
// lists it.
func (b *Bundle) EvaluatedRules() ([]RuleInfo, error) {
	out := b.RuleCatalog()
	seen := map[string]bool{}
	for _, r := range out {
		seen[r.ID] = true
	}
	modules := policies.Builtin()
	// The evaluator of rules.cue fires as the declarative rules above.
	delete(modules, "builtin/rules.rego")
	if b.Config.Library.Enabled {
		for p, src := range policies.Library() {
			if familyEnabled(b.Config.Library, p) {
				modules[p] = src
			}
		}
	}
	embedded, err := ParsedEmbeddedFiles(slices.Collect(maps.Keys(modules)))
	if err != nil {
		return nil, err
	}
	lib := &Bundle{Modules: modules, Parsed: embedded}
	for _, r := range lib.RuleCatalog() {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out, nil
}

// familyEnabled reports whether the library family of a module path
// (lib/<family>/x.rego) is on; gov.cue names families with dashes.
func familyEnabled(cfg LibraryConfig, file string) bool {
	family := path.Base(path.Dir(file))
	for _, name := range []string{family, strings.ReplaceAll(family, "_", "-")} {
		if on, ok := cfg.Families[name]["enabled"].(bool); ok && !on {
			return false
		}
	}
	return true
}
