package simulate

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/simulate/simtest"
)

// The base bundle of the delta tests: the whole library, a shared helper
// package, a Python-gated package using it, a YAML-gated one, and a
// YAML-gated package that reads every gov.custom package's
// require_approval by value (a dynamic reference), which evaluates the
// Python package's rules on YAML patches whatever its gate.
const (
	sharedRego = `package gov.shared

risky(text) if contains(text, "eval(")
`
	pyRego = `# METADATA
# scope: package
# custom:
#   applies_to:
#     languages: ["python"]
package gov.custom.py

import data.gov.shared

require_approval contains msg if {
	some f in input.patch.files
	some l in f.added
	shared.risky(l.text)
	msg := sprintf("%s:%d: risky line", [f.path, l.line])
}
`
	yamlRego = `# METADATA
# scope: package
# custom:
#   applies_to:
#     paths: ["**/*.yaml"]
package gov.custom.yaml

warn contains "timeout changed" if {
	some f in input.patch.files
	some l in f.added
	contains(l.text, "timeout_seconds: 4")
}
`
	metaRego = `# METADATA
# scope: package
# custom:
#   applies_to:
#     paths: ["config/**"]
package gov.meta

warn contains sprintf("%s asks for approval", [name]) if {
	some name
	count(data.gov.custom[name].require_approval) > 0
}
`
	goRego = `# METADATA
# scope: package
# custom:
#   applies_to:
#     languages: ["go"]
package gov.custom.golang

deny contains "no error wrapping in production" if {
	input.request.environment == "production"
	some f in input.patch.files
	some l in f.added
	contains(l.text, "%w")
}
`
)

// utilRego adds to the library's gov.lib.util: every environment counts
// as listed in require_approval_in, so tunable library rules ask for
// approval where they warned. No package it is in is queried itself.
const utilRego = "package gov.lib.util\n\n_listed(envs) if count(envs) >= 0\n"

func baseFiles() map[string]string {
	return map[string]string{
		"policies/shared.rego": sharedRego, "policies/py.rego": pyRego,
		"policies/yaml.rego": yamlRego, "policies/meta.rego": metaRego,
	}
}

// with is baseFiles changed by edits ("" removes a file).
func with(edits map[string]string) map[string]string {
	files := baseFiles()
	maps.Copy(files, edits)
	for name, text := range files {
		if text == "" {
			delete(files, name)
		}
	}
	return files
}

// memorySource re-evaluates records as FromAudit does, from memory.
func memorySource(recs []evidence.Record) Source {
	return func(fn func(Item) error) ([]error, error) {
		for i, r := range recs {
			it := Item{Name: fmt.Sprintf("rec-%d", i), Request: r.Request, Findings: r.Findings, Now: r.Time, Recorded: string(r.Decision.Decision)}
			if err := fn(it); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
}

// generated are n records of every kind simtest makes, over its services
// and environments.
func generated(n int) []evidence.Record {
	recs := make([]evidence.Record, n)
	for i := range recs {
		recs[i] = simtest.Record(i, t0)
	}
	return recs
}

// simulateBoth runs candidate against baseline with the delta and with
// every request evaluated under both, checks that the reports agree but
// for how requests were evaluated and the outcomes of those decided alike
// without (counted unchanged -> unchanged), and returns the first.
func simulateBoth(t *testing.T, candidate, baseline *engine.Engine, recs []evidence.Record) *Report {
	t.Helper()
	ctx := context.Background()
	fast, err := Run(ctx, candidate, baseline, memorySource(recs), Options{})
	if err != nil {
		t.Fatal(err)
	}
	full, err := Run(ctx, candidate, baseline, memorySource(recs), Options{EvaluateAll: true})
	if err != nil {
		t.Fatal(err)
	}
	if full.Reevaluated != len(recs) || full.Unaffected != 0 {
		t.Fatalf("--evaluate-all: %d under both, %d not, want %d, 0", full.Reevaluated, full.Unaffected, len(recs))
	}
	if fast.Reevaluated+fast.Unaffected != fast.Total || fast.Compared > fast.Unaffected {
		t.Fatalf("%d under both + %d not != %d (%d compared)", fast.Reevaluated, fast.Unaffected, fast.Total, fast.Compared)
	}
	a, b := *fast, *full
	a.Transitions, b.Transitions = unchangedFolded(a.Transitions), unchangedFolded(b.Transitions)
	a.Reevaluated, a.Unaffected, a.Compared, a.Delta, a.Reused = 0, 0, 0, Delta{}, 0
	b.Reevaluated, b.Unaffected, b.Compared, b.Delta, b.Reused = 0, 0, 0, Delta{}, 0
	if !reflect.DeepEqual(a, b) {
		t.Errorf("with the delta (%d of %d under both, %+v) the report differs from evaluating all:\n%s\nwant\n%s",
			fast.Reevaluated, fast.Total, fast.Delta, Text(&a), Text(&b))
	}
	return fast
}

// unchangedFolded is ts with every transition that is no change folded
// into one unchanged -> unchanged (what a request decided alike without
// evaluating in full is counted as).
func unchangedFolded(ts []Transition) []Transition {
	out := []Transition{}
	same := 0
	for _, tr := range ts {
		if tr.Changed {
			out = append(out, tr)
			continue
		}
		if tr.From != tr.To {
			panic(fmt.Sprintf("transition %+v not marked changed", tr))
		}
		same += tr.Count
	}
	if same > 0 {
		out = append(out, Transition{From: Unchanged, To: Unchanged, Count: same})
	}
	return out
}

// TestUnaffectedMatchesEvaluatingAll compares, over generated records of
// every kind, the report made evaluating under the candidate only the
// requests a differing package applies to with the one made evaluating
// every request under both, for policy changes of each shape: a gated
// package edited, added or removed, a helper it imports edited, a
// package read dynamically, a subpackage, a library package extended.
func TestUnaffectedMatchesEvaluatingAll(t *testing.T) {
	recs := generated(120)
	base := engineFor(t, bundleDir(t, baseFiles()))
	for _, tc := range []struct {
		name  string
		edits map[string]string
		// someAlike: some request is decided alike without evaluating in
		// full; changes: some decision or rule result changes.
		someAlike, changes bool
	}{
		{"no change", nil, true, false},
		{"gated package edited", map[string]string{"policies/py.rego": strings.Replace(pyRego, "shared.risky(l.text)", `contains(l.text, "None")`, 1)}, true, true},
		{"gated package added", map[string]string{"policies/go.rego": goRego}, true, true},
		{"gated package removed", map[string]string{"policies/yaml.rego": ""}, true, true},
		{"gate widened", map[string]string{"policies/py.rego": strings.Replace(pyRego, `["python"]`, `["python", "go"]`, 1),
			"policies/shared.rego": strings.Replace(sharedRego, `"eval("`, `"return"`, 1)}, true, true},
		{"imported helper edited", map[string]string{"policies/shared.rego": strings.Replace(sharedRego, `"eval("`, `"return"`, 1)}, true, true},
		{"helper read through a dynamic reference", map[string]string{"policies/shared.rego": strings.Replace(sharedRego, `"eval("`, `"timeout"`, 1)}, true, true},
		// A subpackage ungates gov.custom.py (see engine.foreignRules): it
		// is queried for every patch, and compared under both.
		{"subpackage added", map[string]string{"policies/sub.rego": "package gov.custom.py.extra\n\nlimit := 3\n"}, true, false},
		// Every library package is affected; those whose results do not change are compared.
		{"library package extended", map[string]string{"policies/util.rego": utilRego}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			candidate := engineFor(t, bundleDir(t, with(tc.edits)))
			r := simulateBoth(t, candidate, base, recs)
			if (r.Unaffected > 0) != tc.someAlike {
				t.Errorf("%d of %d decided alike (delta %+v), want some: %v", r.Unaffected, r.Total, r.Delta, tc.someAlike)
			}
			if changes := r.Changed > 0 || len(r.Rules) > 0; changes != tc.changes {
				t.Errorf("changed %d, rules %v, want changes: %v", r.Changed, r.Rules, tc.changes)
			}
		})
	}
}

// TestSharedPackageOrDataChangeReevaluates: a change in a package others
// import (the library's gov.lib.util, every family imports it; a
// bundle's helper imported by a gated package) or in the data (rules,
// gov.cue, workflows, roles, exceptions) makes the requests it can touch
// evaluated under both bundles, and the decisions it changes are
// reported. A delta that looked only at the packages queried, or only at
// the Rego, would evaluate them once and report nothing.
func TestSharedPackageOrDataChangeReevaluates(t *testing.T) {
	recs := generated(64)
	base := engineFor(t, bundleDir(t, baseFiles()))
	const rule = `rules: [{id: "no-none", message: "None returned", action: "deny",
	conditions: [{field: "patch_content", operator: "contains", value: "None"}]}]
`
	for _, tc := range []struct {
		name       string
		edits      map[string]string
		everything string // Delta.Everything
		python     bool   // every Python code fix is evaluated under both and changes
		all        bool   // every request is affected (compared or evaluated under both), some change
	}{
		{"library gov.lib.util", map[string]string{"policies/util.rego": utilRego}, "", false, true},
		{"bundle helper", map[string]string{"policies/shared.rego": strings.Replace(sharedRego, `"eval("`, `"return"`, 1)}, "", true, false},
		{"rules.cue", map[string]string{"rules.cue": rule}, "rules differ", true, true},
		{"gov.cue", map[string]string{"gov.cue": "enforcement: \"warn\"\n"}, "gov.cue differ", false, true},
		{"workflows.cue", map[string]string{"workflows.cue": `workflows: ops: stages: [{name: "ops", approver_roles: ["sre"], min_approvals: 1}]
`, "roles.cue": `roles: sre: {members: ["user:alice"], permissions: ["approve"]}
`}, "roles, workflows differ", false, false},
		{"roles.cue", map[string]string{"roles.cue": `roles: sre: {members: ["user:bob"], permissions: ["approve"]}
`}, "roles differ", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			candidate := engineFor(t, bundleDir(t, with(tc.edits)))
			r := simulateBoth(t, candidate, base, recs)
			if r.Delta.Everything != tc.everything {
				t.Errorf("delta %+v, want everything %q", r.Delta, tc.everything)
			}
			if tc.everything != "" && r.Unaffected != 0 {
				t.Errorf("%d request(s) decided alike, want none (delta %+v)", r.Unaffected, r.Delta)
			}
			if tc.all && r.Compared != r.Unaffected {
				t.Errorf("%d request(s) decided alike, %d of them by comparing, want all (delta %+v)", r.Unaffected, r.Compared, r.Delta)
			}
			if tc.all && r.Changed == 0 {
				t.Errorf("no decision changed")
			}
			if !tc.python {
				return
			}
			changed := map[string]bool{}
			for _, c := range r.Changes {
				changed[c.RequestID] = true
			}
			for _, rec := range recs {
				if strings.HasSuffix(rec.Request.RequestID, "-python-fix") && !changed[rec.Request.RequestID] {
					t.Errorf("%s: not reported changed (%d of %d evaluated under both)", rec.Request.RequestID, r.Reevaluated, r.Total)
				}
			}
		})
	}
}

// recurringRego warns on Python patches for an error seen more than
// eight times (simtest's error_context.count): requests with the same
// patch and environment differ in it.
const recurringRego = `# METADATA
# scope: package
# custom:
#   applies_to:
#     languages: ["python"]
package gov.custom.recurring

warn contains "a recurring error" if {
	object.get(input, ["request", "error_context", "count"], 0) > 8
}
`

// TestMemoMatchesEvaluatingAll: with requests alike in what the policies
// read evaluated once per bundle (engine.Memo), the report is the one
// evaluating every request afresh under both bundles, over records whose
// patches repeat across services and environments, for changes whose
// rules read the request's error_context (through object.get), the
// request (a declarative rule) or only the patch.
func TestMemoMatchesEvaluatingAll(t *testing.T) {
	recs := generated(160)
	base := engineFor(t, bundleDir(t, baseFiles()))
	const rule = `rules: [{id: "prod-config", message: "config in production", action: "require_approval",
	conditions: [{field: "environment", operator: "equals", value: "production"}, {field: "files", operator: "glob", value: "config/**"}]}]
`
	for _, tc := range []struct {
		name  string
		edits map[string]string
		// reused: some evaluation is answered from the memo. When only a
		// gated package is edited, just the requests whose decision it
		// changes have the other packages evaluated (see
		// engine.Delta.Decide), and those 20 differ in what the library
		// reads.
		reused bool
	}{
		{"error_context read with object.get", map[string]string{"policies/recurring.rego": recurringRego}, true},
		// The data differ: every request is evaluated in full, through the memo.
		{"error_context read with object.get, data differing", map[string]string{"policies/recurring.rego": recurringRego, "rules.cue": rule}, true},
		{"declarative rule on the environment", map[string]string{"rules.cue": rule}, true},
		{"gated package edited", map[string]string{"policies/py.rego": strings.Replace(pyRego, "shared.risky(l.text)", `contains(l.text, "None")`, 1)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			candidate := engineFor(t, bundleDir(t, with(tc.edits)))
			r := simulateBoth(t, candidate, base, recs)
			if (r.Reused > 0) != tc.reused || len(r.Rules) == 0 {
				t.Errorf("%d evaluation(s) reused, rules %v: want some reused: %v, some rules", r.Reused, r.Rules, tc.reused)
			}
		})
	}
}
