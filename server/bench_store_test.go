package server

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gov-policy/gov/internal/pgtest"
)

// BenchmarkEvalStore is POST /v1/eval through the handler from 64
// concurrent clients (bench/serve-stores.sh's 64), each request with its
// own request id (a record of its own), with no store and with a
// PostgreSQL audit store: the time per request, and the CPU per request
// of gov (gov-cpu-us/op) and of the database server (pg-cpu-us/op).
func BenchmarkEvalStore(b *testing.B) {
	diff, err := os.ReadFile("../testdata/patches/auth-change.diff")
	if err != nil {
		b.Fatal(err)
	}
	for _, store := range []string{"none", "postgres"} {
		b.Run(store, func(b *testing.B) {
			cfg := Config{Bundle: "../bench/policy", APIToken: testToken}
			pgCPU := func() time.Duration { return 0 }
			if store == "postgres" {
				cfg.AuditDir = pgtest.NewDatabase(b)
				pgCPU = pgtest.ServerCPU(b, cfg.AuditDir)
			}
			s, err := New(b.Context(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			h := s.Handler()
			var n atomic.Int64
			b.SetParallelism(32) // 32 x GOMAXPROCS (2) = 64 clients
			b.ReportAllocs()
			pgBefore, selfBefore := pgCPU(), pgtest.SelfCPU()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					body := fmt.Appendf(nil, `{"request_id":"bench-%d","environment":"staging","requested_by":"bot","patch_content":%s}`,
						n.Add(1), mustMarshal(b, string(diff)))
					benchEvalOnce(b, h, body)
				}
			})
			b.StopTimer()
			b.ReportMetric(float64((pgCPU()-pgBefore).Microseconds())/float64(b.N), "pg-cpu-us/op")
			b.ReportMetric(float64((pgtest.SelfCPU()-selfBefore).Microseconds())/float64(b.N), "gov-cpu-us/op")
		})
	}
}
