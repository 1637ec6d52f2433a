package simulate

import (
	"context"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
)

// BenchmarkSimulate re-evaluates 500 generated audit records (small
// patches of eight kinds, mixed environments) under the embedded default
// bundle (candidate) and v1 (baseline): reading the store, two
// evaluations per record and the aggregation. bench/simulate.sh times the
// whole gov process on 10,000 records.
func BenchmarkSimulate(b *testing.B) {
	const n = 500
	s, _ := auditStore(b, n)
	embedded, err := bundles.LoadEmbedded()
	if err != nil {
		b.Fatal(err)
	}
	candidate, err := engine.New(context.Background(), embedded)
	if err != nil {
		b.Fatal(err)
	}
	baseline := v1Engine(b)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		r, err := Run(context.Background(), candidate, baseline, FromAudit(s, time.Time{}), Options{})
		if err != nil || r.Total != n || r.Changed == 0 {
			b.Fatal(r, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "records/s")
}
