package engine

import (
	"math"
	"testing"
)

// TestAttackA17PruneRepeatedParam: a function whose parameters repeat a
// variable (same(x, x)) unifies its arguments: called with two file objects
// it compares them whole, removed lines included. On twinPatch the two
// files differ only in their removed lines: with them left out of the input
// the files are equal, same holds and the deny silently does not fire.
func TestAttackA17PruneRepeatedParam(t *testing.T) {
	pruneAlways(t)
	cases := map[string]string{
		"two":          "same(x, x)\n\ndeny contains \"r\" if { not same(input.patch.files[0], input.patch.files[1]) }\n",
		"value":        "same(x, x) := 1\n\ndeny contains \"r\" if { not same(input.patch.files[0], input.patch.files[1]) }\n",
		"third":        "same3(_, x, x)\n\ndeny contains \"r\" if { f := input.patch.files[0]; not same3(1, f, input.patch.files[1]) }\n",
		"iterated":     "same(x, x) := true\n\ndeny contains \"r\" if { some f in input.patch.files; some g in input.patch.files; f.path == g.path; not same(f, g) }\n",
		"nested array": "same(x, [x])\n\ndeny contains \"r\" if { fs := [f | some f in input.patch.files]; not same(fs[0], [fs[1]]) }\n",
	}
	for name, rules := range cases {
		t.Run(name, func(t *testing.T) {
			e := mustEngine(t, policyBundle(map[string]string{"policies/attack.rego": "package gov.attack\n\n" + rules}))
			if e.removedUnread() {
				t.Errorf("the analysis says no rule reads removed lines")
			}
			in := Input{Patch: twinPatch()}
			got := mustEval(t, e, in)
			pruneMinRemoved = math.MaxInt
			want := mustEval(t, e, in)
			pruneMinRemoved = 0
			if want.Decision != Deny || got.Decision != want.Decision {
				t.Errorf("decision %s with removed lines left out, %s with them (want deny)", got.Decision, want.Decision)
			}
		})
	}
}

// TestAttackA17PruneForwardRuleNamedX: gov renames `deny contains ...`
// rules and forwards them with `deny contains x if data.<pkg>.__gov_deny_N[x]`.
// In a package with a rule named x that x was the rule, not a variable:
// data.<pkg>.deny held only x's value, so another package reading it (as
// it would under opa eval) saw an empty set and its deny never fired.
func TestAttackA17PruneForwardRuleNamedX(t *testing.T) {
	for _, name := range []string{"x", "y"} {
		t.Run(name, func(t *testing.T) {
			e := mustEngine(t, policyBundle(map[string]string{
				"policies/guard.rego": "package gov.guard\n\ndeny contains m if { some m in data.acme.checks.deny }\n",
				"policies/checks.rego": "package acme.checks\n\n" + name + " := \"unrelated\"\n\n" +
					"deny contains \"bad change\" if { some f in input.patch.files; f.path == \"src/app.py\" }\n",
			}))
			d := mustEval(t, e, Input{Patch: markPatch()})
			if d.Decision != Deny {
				t.Errorf("decision %s, want deny: data.acme.checks.deny was read empty", d.Decision)
			}
		})
	}
}
