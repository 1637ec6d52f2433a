package engine

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gov-policy/gov/bundles"
	opabundle "github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/rego"
)

// TestOPAParity: for each bundle, gov eval's violations (action and
// message) equal what OPA itself (the library, not gov's engine) computes
// from `gov bundle build`'s output with the input `gov eval --print-input`
// gives: one Rego semantics whatever gov does to attribute results.
func TestOPAParity(t *testing.T) {
	ctx := context.Background()
	embedded, err := bundles.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	generated := map[string]string{
		"rules.cue": `rules: [
	{id: "no-todo", message: "TODO added", action: "warn", conditions: [{field: "patch_content", operator: "contains", value: "TODO"}]},
	{id: "prod-python", action: "require_approval", conditions: [{field: "environment", operator: "equals", value: "production"}, {field: "language", operator: "in", value: ["python"]}]},
]
`,
	}
	for name, src := range crossPackage {
		generated[name] = src
	}
	bench, err := bundles.Load(ctx, "../bench/policy", bundles.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]*bundles.Bundle{
		"embedded (library)":    embedded,
		"generated (cross-pkg)": mustLoadFS(t, generated),
		"bench":                 bench,
	} {
		t.Run(name, func(t *testing.T) {
			e := mustEngine(t, b)
			opa := newOPAEval(t, b)
			diffs, err := filepath.Glob("../bundles/default/cases/patches/*.diff")
			if err != nil || len(diffs) < 10 {
				t.Fatalf("case patches: %v %v", diffs, err)
			}
			fired := 0
			for _, diff := range diffs {
				p, text := parseDiff(t, diff)
				for _, env := range []string{"production", "staging"} {
					in := Input{Request: Request{Environment: env, ServiceName: "api", Language: "python", PatchContent: string(text)}, Patch: p,
						Findings: []Finding{{Rule: "aws-access-key", File: "app.py", Line: 1, Fingerprint: "f"}}, Now: testNow}
					d := mustEval(t, e, in)
					var got []string
					for _, v := range d.Violations {
						got = append(got, v.Action+": "+v.Message)
					}
					slices.Sort(got)
					want := opa(in)
					if !slices.Equal(got, want) {
						t.Errorf("%s in %s:\n gov: %q\n opa: %q", filepath.Base(diff), env, got, want)
					}
					fired += len(got)
				}
			}
			if fired == 0 {
				t.Error("no violation at all: the comparison proves nothing")
			}
		})
	}
}

func mustLoadFS(t *testing.T, files map[string]string) *bundles.Bundle {
	t.Helper()
	fsys := fstest.MapFS{}
	for p, s := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(s)}
	}
	b, err := bundles.LoadFS(fsys, "generated", "", "sha256:generated")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newOPAEval builds b's OPA bundle as `gov bundle build` does, reads it
// back as OPA would and returns a function giving, for an input, every
// "action: message" of every package's deny, require_approval and warn.
func newOPAEval(t *testing.T, b *bundles.Bundle) func(Input) []string {
	var buf bytes.Buffer
	if err := bundles.BuildOPABundle(b, "test").Write(&buf); err != nil {
		t.Fatal(err)
	}
	ob, err := opabundle.NewReader(&buf).Read()
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]bool{}
	for _, m := range ob.Modules {
		if !strings.HasSuffix(m.Path, "_test.rego") {
			pkgs[m.Parsed.Package.Path.String()] = true
		}
	}
	var query []string
	var terms []string
	for _, pkg := range slices.Sorted(maps.Keys(pkgs)) {
		for _, action := range []string{ActionDeny, ActionRequireApproval, ActionWarn} {
			v := fmt.Sprintf("t%d", len(terms))
			query = append(query, fmt.Sprintf("%s := [x | x := %s.%s[_]]", v, pkg, action))
			terms = append(terms, action)
		}
	}
	pq, err := rego.New(rego.ParsedBundle("gov", &ob), rego.Query(strings.Join(query, "; ")), rego.StrictBuiltinErrors(true)).
		PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return func(in Input) []string {
		t.Helper()
		doc, err := InputDocument(b, in)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := pq.Eval(context.Background(), rego.EvalInput(doc), rego.EvalTime(in.Now))
		if err != nil || len(rs) != 1 {
			t.Fatalf("opa eval: %v (%d results)", err, len(rs))
		}
		var out []string
		for i, action := range terms {
			for _, x := range rs[0].Bindings[fmt.Sprintf("t%d", i)].([]any) {
				msg, ok := x.(string)
				if m, isObj := x.(map[string]any); isObj {
					msg, ok = m["msg"].(string)
				}
				if !ok {
					t.Fatalf("%s element %v has no message", action, x)
				}
				out = append(out, action+": "+msg)
			}
		}
		slices.Sort(out)
		return out
	}
}
