package engine

import (
	"context"
	"testing"

	"github.com/gov-policy/gov/bundles"
)

// benchBundle is default-like: the starter policies, the built-in modules
// and two declarative rules over every added line and every path.
func benchBundle(b *testing.B) *bundles.Bundle {
	bundle := starterBundle(b)
	bundle.Rules = []bundles.Rule{
		{ID: "no-hardcoded-passwords", Message: "hardcoded password", Action: ActionDeny, Controls: []string{"SOC2:CC6.1"},
			Conditions: []bundles.Condition{{Field: "patch_content", Operator: "regex", Value: `password\s*=\s*["'][^"']+["']`}}},
		{ID: "prod-lockfiles", Message: "lock file changed in production", Action: ActionRequireApproval,
			Conditions: []bundles.Condition{
				{Field: "environment", Operator: "equals", Value: "production"},
				{Field: "files", Operator: "glob", Value: "**/package-lock.json"},
			}},
	}
	return bundle
}

// BenchmarkEval is one in-process decision on a ~500-changed-line patch:
// "starter" with the starter bundle (default configuration, starter
// policies, built-in modules), "starter+rules" with two declarative rules
// added (one regex over every added line), "embedded" with the embedded
// bundle exactly as `gov eval` loads it (the whole policy library). Parsing the diff is outside the loop; building the input and
// the whole evaluation are inside.
func BenchmarkEval(b *testing.B) {
	p, diff := parseDiff(b, "../testdata/patches/large-500.diff")
	if n := p.Stats.Additions + p.Stats.Deletions; n < 400 {
		b.Fatalf("large-500.diff changes %d lines, want about 500", n)
	}
	embedded, err := bundles.LoadEmbedded()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		bundle *bundles.Bundle
	}{
		{"starter", starterBundle(b)},
		{"starter+rules", benchBundle(b)},
		{"embedded", embedded},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := mustEngine(b, bc.bundle)
			in := Input{Request: Request{Environment: "staging", ServiceName: "api", PatchContent: string(diff)}, Patch: p}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				d, err := e.Evaluate(ctx, in)
				if err != nil || d.Decision == "" {
					b.Fatal(d, err)
				}
			}
		})
	}
}
