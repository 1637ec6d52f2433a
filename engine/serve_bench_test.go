package engine

import (
	"context"
	"testing"
)

// servePolicy is bench/serve.sh's policy: deny deleting tests, require
// approval for protected paths.
const servePolicy = "package gov.bench\n\n" +
	"deny contains msg if {\n\tsome f in input.patch.files\n\tf.status == \"deleted\"\n" +
	"\tregex.match(`(^|/)(tests?/|test_[^/]*\\.py$|[^/]*_test\\.go$)`, f.path)\n" +
	"\tmsg := sprintf(\"%s: deleting a test is not allowed\", [f.path])\n}\n\n" +
	"require_approval contains msg if {\n\tsome f in input.patch.files\n" +
	"\tregex.match(`^(\\.github/workflows/|auth/|infra/)`, f.path)\n" +
	"\tmsg := sprintf(\"%s: protected path\", [f.path])\n}\n"

// BenchmarkEvalServe is one decision as gov serve makes it in bench/serve.sh
// (its policy, the library off, the 23-line auth-change.diff): "input"
// builds the Rego input only, "evaluate" is the whole Evaluate.
func BenchmarkEvalServe(b *testing.B) {
	p, diff := parseDiff(b, "../testdata/patches/auth-change.diff")
	e := mustEngine(b, policyBundle(map[string]string{"policies/bench.rego": servePolicy}))
	in := Input{Request: Request{RequestID: "bench-1", ActionType: "code_fix", Environment: "staging",
		ServiceName: "user_service", Language: "python", RequestedBy: "healer-bot", PatchContent: string(diff)},
		Patch: p, Findings: []Finding{}}
	b.Run("input", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.keys.input(in, "medium"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("evaluate", func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			d, err := e.Evaluate(ctx, in)
			if err != nil || d.Decision != RequireApproval {
				b.Fatal(d, err)
			}
		}
	})
}
