package engine

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/gov-policy/gov/bundles"
)

// TestDeltaFailsClosed: what Compare cannot vouch for affects every patch
// or every package: an engine built for one patch (its left-out packages
// are unknown), data that differ, and a package that reads data.gov
// through a variable (it may read any package).
func TestDeltaFailsClosed(t *testing.T) {
	const (
		py      = "# METADATA\n# scope: package\n# custom:\n#   applies_to:\n#     languages: [\"python\"]\n"
		a       = py + "package gov.a\n\ndeny contains \"a\" if input.request.service_name == \"a\"\n"
		a2      = py + "package gov.a\n\ndeny contains \"a\" if input.request.service_name == \"b\"\n"
		dynamic = "# METADATA\n# scope: package\n# custom:\n#   applies_to:\n#     languages: [\"go\"]\npackage gov.dyn\n\n" +
			"warn contains name if {\n\tsome name\n\tcount(data.gov[name].deny) > 0\n}\n"
	)
	p, _ := parseDiff(t, "../testdata/patches/python-null-check.diff")
	goFile := modified("main.go", added(1, "x")...)
	goFile.Language = "go"
	goPatch := mkPatch(goFile)
	base := policyBundle(map[string]string{"policies/a.rego": a, "policies/dyn.rego": dynamic})
	changed := policyBundle(map[string]string{"policies/a.rego": a2, "policies/dyn.rego": dynamic})

	d := Compare(mustEngine(t, changed), mustEngine(t, base))
	if d.Everything() != "" || !slices.Equal(d.Packages(), []string{"gov.a", "gov.dyn"}) {
		t.Errorf("a changed: everything %q, packages %v, want gov.a and gov.dyn (it reads data.gov[name])", d.Everything(), d.Packages())
	}
	if !d.Affects(p) || !d.Affects(goPatch) {
		t.Errorf("python patch affected %v, go patch %v: want both (gov.dyn, gated to go, reads gov.a)", d.Affects(p), d.Affects(goPatch))
	}
	if d.Affects(mkPatch(modified("README.md", added(1, "x")...))) {
		t.Error("a README change is affected, yet neither gov.a nor gov.dyn applies to it")
	}

	withRules := *base
	withRules.Rules = []bundles.Rule{{ID: "r", Message: "m", Action: ActionWarn, Conditions: []bundles.Condition{{Field: "language", Operator: "equals", Value: "go"}}}}
	if d := Compare(mustEngine(t, &withRules), mustEngine(t, base)); d.Everything() != "rules differ" || !d.Affects(p) {
		t.Errorf("rules added: everything %q", d.Everything())
	}

	withLibrary := *policyBundle(map[string]string{"policies/a.rego": a}) // gov.dyn would keep every package
	withLibrary.Config.Library.Enabled = true
	forOne, err := NewFor(context.Background(), &withLibrary, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(forOne.queries.omitted) == 0 {
		t.Fatal("NewFor left no library package out for a Python patch")
	}
	if d := Compare(forOne, mustEngine(t, &withLibrary)); d.Everything() == "" {
		t.Error("an engine for one patch, packages left out: not every patch affected")
	}

	same := Compare(mustEngine(t, base), mustEngine(t, policyBundle(map[string]string{"policies/a.rego": a, "policies/dyn.rego": dynamic})))
	if same.Everything() != "" || len(same.Packages()) != 0 || same.Affects(p) || same.Affects(goPatch) {
		t.Errorf("nothing changed: everything %q, packages %v", same.Everything(), same.Packages())
	}
}

// TestDeltaAlikeSeesRiskAndEveryPart: Alike compares every part of the
// affected packages' raw results, a risk_level override included, which
// decides nothing simulate reports but the decision records; it is true
// only where no affected package applies or their results are equal, and
// false (never true) when the data differ.
func TestDeltaAlikeSeesRiskAndEveryPart(t *testing.T) {
	const py = "# METADATA\n# scope: package\n# custom:\n#   applies_to:\n#     languages: [\"python\"]\npackage gov.a\n\n"
	p, _ := parseDiff(t, "../testdata/patches/python-null-check.diff")
	readme := mkPatch(modified("README.md", added(1, "x")...))
	base := policyBundle(map[string]string{"policies/a.rego": py + "warn contains \"w\" if input.request.service_name == \"x\"\n"})
	for _, tc := range []struct {
		name   string
		module string
		alike  bool // on the Python patch
	}{
		{"a rule that does not fire edited", py + "warn contains \"w\" if input.request.service_name == \"y\"\n", true},
		{"a risk_level override added", py + "warn contains \"w\" if input.request.service_name == \"x\"\n\nrisk_level := \"critical\"\n", false},
		{"a warning that fires added", py + "warn contains \"w\" if input.request.service_name != \"x\"\n", false},
		{"a deny with the same message", py + "deny contains \"w\" if input.request.service_name != \"x\"\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Compare(mustEngine(t, policyBundle(map[string]string{"policies/a.rego": tc.module})), mustEngine(t, base))
			in := Input{Request: Request{ServiceName: "svc"}, Patch: p}
			alike, err := d.Alike(context.Background(), in)
			if err != nil || alike != tc.alike {
				t.Errorf("python patch: alike %v, %v, want %v", alike, err, tc.alike)
			}
			in.Patch = readme
			if alike, err := d.Alike(context.Background(), in); err != nil || !alike {
				t.Errorf("README patch (gov.a does not apply): alike %v, %v, want true", alike, err)
			}
			in.Request.Environment = "moon"
			if alike, err := d.Alike(context.Background(), in); err == nil || alike {
				t.Errorf("unknown environment: alike %v, %v, want an error", alike, err)
			}
		})
	}
	withRules := *base
	withRules.Rules = []bundles.Rule{{ID: "r", Message: "m", Action: ActionWarn, Conditions: []bundles.Condition{{Field: "language", Operator: "equals", Value: "go"}}}}
	d := Compare(mustEngine(t, &withRules), mustEngine(t, base))
	if alike, err := d.Alike(context.Background(), Input{Patch: readme}); alike || err != nil {
		t.Errorf("data differ: alike %v, %v, want false", alike, err)
	}
}

// TestDeltaDecideMatchesEvaluate: where the affected packages' results
// differ, Decide's decisions, built from one evaluation of the other
// packages, are each engine's own Evaluate: the shared package's deny,
// warning and risk_level override count under both, beside each engine's
// own results, in its query's order.
func TestDeltaDecideMatchesEvaluate(t *testing.T) {
	const (
		py     = "# METADATA\n# scope: package\n# custom:\n#   applies_to:\n#     languages: [\"python\"]\npackage gov.a\n\n"
		shared = "package gov.u\n\n" +
			"deny contains {\"msg\": \"python denied\", \"file\": f.path} if {\n\tsome f in input.patch.files\n\tendswith(f.path, \".py\")\n\tinput.request.service_name != \"ok\"\n}\n\n" +
			"warn contains \"always\" if true\n\n" +
			"risk_level := \"high\" if {\n\tsome f in input.patch.files\n\tendswith(f.path, \".py\")\n}\n"
		after = "package gov.z\n\nwarn contains \"after\" if true\n"
	)
	base := policyBundle(map[string]string{"policies/u.rego": shared, "policies/z.rego": after,
		"policies/a.rego": py + "require_approval contains \"a\" if input.request.service_name == \"x\"\n"})
	cand := policyBundle(map[string]string{"policies/u.rego": shared, "policies/z.rego": after,
		"policies/a.rego": py + "require_approval contains \"a\" if input.request.service_name != \"x\"\n\nrisk_level := \"medium\"\n"})
	a, b := mustEngine(t, cand), mustEngine(t, base)
	d := Compare(a, b)
	p, _ := parseDiff(t, "../testdata/patches/python-null-check.diff")
	for _, svc := range []string{"svc", "ok"} {
		in := Input{Request: Request{ServiceName: svc, Environment: ""}, Patch: p, Now: testNow}
		alike, da, db, err := d.Decide(context.Background(), in)
		if err != nil || alike {
			t.Fatalf("%s: alike %v, %v, want decisions", svc, alike, err)
		}
		for _, c := range []struct {
			name string
			got  *Decision
			e    *Engine
		}{{"candidate", da, a}, {"baseline", db, b}} {
			want := mustEval(t, c.e, in)
			got := *c.got
			got.DurationMS, want.DurationMS = 0, 0
			if !reflect.DeepEqual(&got, want) {
				t.Errorf("%s, %s: Decide\n%+v\nwant Evaluate's\n%+v", svc, c.name, got, *want)
			}
		}
	}
}

// TestDeltaDecideKeepsQueryOrder: results that tie in the decision's order
// (same action, rule id, file, line and message) keep the order of the
// engine's query, which picks the workflow the first one names: an
// affected package's result (gov.a, first) before a shared package's
// (gov.b, naming a workflow the bundle lacks). Decide must place each
// where a full evaluation does.
func TestDeltaDecideKeepsQueryOrder(t *testing.T) {
	const (
		ra = "package gov.a\n\n# METADATA\n# custom:\n#   id: tie\nrequire_approval contains {\"msg\": \"m\", \"workflow\": \"w1\"} if true\n"
		rb = "package gov.b\n\n# METADATA\n# custom:\n#   id: tie\nrequire_approval contains {\"msg\": \"m\", \"workflow\": \"nowhere\"} if true\n"
	)
	mk := func(a string) *Engine {
		b := policyBundle(map[string]string{"policies/a.rego": a, "policies/b.rego": rb})
		b.Roles = map[string]bundles.Role{"sre": {Members: []string{"user:alice"}, Permissions: []string{"approve"}}}
		b.Workflows = map[string]bundles.Workflow{"w1": {Stages: []bundles.Stage{{Name: "s", ApproverRoles: []string{"sre"}, MinApprovals: 1}}}}
		return mustEngine(t, b)
	}
	a, b := mk(ra+"\nwarn contains \"extra\" if true\n"), mk(ra)
	in := Input{Request: Request{ServiceName: "svc"}, Patch: mkPatch(modified("README.md", added(1, "x")...)), Now: testNow}
	alike, da, db, err := Compare(a, b).Decide(context.Background(), in)
	if err != nil || alike {
		t.Fatalf("alike %v, %v, want decisions", alike, err)
	}
	for _, c := range []struct {
		got *Decision
		e   *Engine
	}{{da, a}, {db, b}} {
		want := mustEval(t, c.e, in)
		got := *c.got
		got.DurationMS, want.DurationMS = 0, 0
		if !reflect.DeepEqual(&got, want) || want.Workflow == nil || want.Workflow.Name != "w1" {
			t.Errorf("Decide\n%+v\nwant Evaluate's (workflow w1)\n%+v", got, *want)
		}
	}
}
