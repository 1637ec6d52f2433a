package decide_test

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/decide"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/internal/pgtest"
	"github.com/gov-policy/gov/patch"
)

// BenchmarkRun64 is gov serve's /v1/eval pipeline at 64 clients, as
// bench/serve-stores.sh drives it (bench/policy, the auth-change patch, a
// request id of its own per request), without a store and recording into
// PostgreSQL, in one process: gov-cpu-us/op is this process's CPU per
// decision (pg's minus none's is what recording costs gov), pg-cpu-us/op
// the database server's.
func BenchmarkRun64(b *testing.B) {
	raw, err := os.ReadFile("../testdata/patches/auth-change.diff")
	if err != nil {
		b.Fatal(err)
	}
	p, err := patch.Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	bundle, err := bundles.Load(b.Context(), "../bench/policy", bundles.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	pipe, err := decide.New(b.Context(), bundle)
	if err != nil {
		b.Fatal(err)
	}
	req := engine.Request{ActionType: "code_fix", Environment: "staging", ServiceName: "user_service",
		Language: "python", RequestedBy: "healer-bot", PatchContent: string(raw)}
	for _, store := range []string{"none", "pg"} {
		b.Run(store, func(b *testing.B) {
			pipe := *pipe
			pgCPU := func() time.Duration { return 0 }
			if store == "pg" {
				// A cluster of its own: decide's tests need none.
				u, stop, err := pgtest.Start()
				if err != nil {
					b.Fatal(err)
				}
				defer stop()
				s, err := evidence.OpenPostgres(b.Context(), u)
				if err != nil {
					b.Fatal(err)
				}
				defer func() { _ = s.Close() }()
				pipe.AuditDir, pipe.Store = u, s
				pgCPU = pgtest.ServerCPU(b, u)
			}
			var n atomic.Int64
			b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
			pgBefore, selfBefore := pgCPU(), pgtest.SelfCPU()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := req
					r.RequestID = fmt.Sprintf("bench-%d", n.Add(1))
					if _, err := pipe.Run(b.Context(), decide.Input{Request: r, Patch: p}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64((pgCPU()-pgBefore).Microseconds())/float64(b.N), "pg-cpu-us/op")
			b.ReportMetric(float64((pgtest.SelfCPU()-selfBefore).Microseconds())/float64(b.N), "gov-cpu-us/op")
		})
	}
}
