package evidence

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gov-policy/gov/internal/pgtest"
)

// BenchmarkPGWrite64 is gov serve's write path at 64 clients: 64
// goroutines each writing records of their own (the auth-change patch, as
// bench/serve-stores.sh sends) into one PostgreSQL store. Besides the time
// per record it reports the CPU per record of this process (gov-cpu-us/op)
// and of the database's server processes (pg-cpu-us/op): on a shared
// machine the CPU, not the wall time, is what the store takes from the
// evaluations.
func BenchmarkPGWrite64(b *testing.B) {
	patch, err := os.ReadFile("../testdata/patches/auth-change.diff")
	if err != nil {
		b.Fatal(err)
	}
	u := pgtest.NewDatabase(b)
	s, err := OpenPostgres(context.Background(), u)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	pgCPU := pgtest.ServerCPU(b, u)
	var n atomic.Int64
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	pgBefore, selfBefore := pgCPU(), pgtest.SelfCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := record(fmt.Sprintf("bench-%d", n.Add(1)), time.Time{})
			rec.Request.PatchContent = string(patch)
			if _, err := s.Write(rec); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((pgCPU()-pgBefore).Microseconds())/float64(b.N), "pg-cpu-us/op")
	b.ReportMetric(float64((pgtest.SelfCPU()-selfBefore).Microseconds())/float64(b.N), "gov-cpu-us/op")
}
