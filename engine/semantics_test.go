package engine

import (
	"slices"
	"testing"
)

// crossPackage reads another package's deny and warn sets by value, as
// OPA and gov test evaluate them.
var crossPackage = map[string]string{
	"policies/a.rego": `package gov.a

# METADATA
# custom:
#   id: a/secret-file
deny contains "secret file" if {
	some f in input.patch.files
	endswith(f.path, ".pem")
}

warn contains "wide change" if count(input.patch.files) > 0
`,
	"policies/b.rego": `package gov.b

import data.gov.a

# Matching another package's results by value.
deny contains "b: a denied a secret file" if "secret file" in a.deny

# Reading their elements as strings (a type error on a wrapper object).
warn contains sprintf("b: saw %s", [m]) if {
	some m in a.warn
	startswith(m, "wide")
}

# Its own set, read in the same package.
require_approval contains "b: own deny is non-empty" if count(deny) > 0

require_approval contains sprintf("b: own %s", [m]) if {
	some m in deny
	is_string(m)
}
`,
}

// Attack: a policy that reads another package's deny set by value must see
// the values its author wrote (as under OPA and gov test); before, gov eval
// wrapped every element, so the match silently never fired (a missed deny)
// and a string builtin on an element was an evaluation error.
func TestCrossPackageReadsSeeUserValues(t *testing.T) {
	e := mustEngine(t, policyBundle(crossPackage))
	d := mustEval(t, e, Input{Request: Request{Environment: "staging"}, Patch: mkPatch(modified("k/key.pem", added(1, "x")...))})
	var got []string
	for _, v := range d.Violations {
		got = append(got, v.Action+" "+v.Rule+" "+v.Message)
	}
	slices.Sort(got)
	want := []string{
		"deny a/secret-file secret file",
		"deny gov.b.deny b: a denied a secret file",
		"require_approval gov.b.require_approval b: own b: a denied a secret file",
		"require_approval gov.b.require_approval b: own deny is non-empty",
		"warn gov.a.warn wide change",
		"warn gov.b.warn b: saw wide change",
	}
	if !slices.Equal(got, want) {
		t.Errorf("violations\n got: %q\nwant: %q", got, want)
	}
}

// Attack: the same read through a dynamic reference passes the type
// checker, so on wrapped elements it compiled and silently never fired.
func TestDynamicCrossPackageReadFires(t *testing.T) {
	e := mustEngine(t, policyBundle(map[string]string{
		"policies/a.rego": crossPackage["policies/a.rego"],
		"policies/c.rego": `package gov.c

warn contains "c: a denied a secret file" if {
	name := concat("", ["a"])
	"secret file" in data.gov[name].deny
}
`,
	}))
	d := mustEval(t, e, Input{Request: Request{Environment: "staging"}, Patch: mkPatch(modified("k/key.pem", added(1, "x")...))})
	if got := ruleIDs(d); !slices.Contains(got, "warn gov.c.warn :0") {
		t.Errorf("violations %q: the dynamic read did not fire", got)
	}
}
