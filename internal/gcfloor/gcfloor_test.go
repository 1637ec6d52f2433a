package gcfloor

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{64 * mb, 32 * mb, 100},
		{32 * mb, 32 * mb, 100},
		{24 * mb, 32 * mb, 133},
		{8 * mb, 32 * mb, 400},
		{4 * mb, 32 * mb, 800},
		{mb, 32 * mb, 900},
		{0, 32 * mb, 900},
		{mb, 256 * mb, maxPercent},
		{0, 256 * mb, maxPercent},
	} {
		if got := Percent(c.live, c.floor); got != c.want {
			t.Errorf("Percent(%d MB, %d MB) = %d, want %d", c.live/mb, c.floor/mb, got, c.want)
		}
	}
}

// gcPercent is the GC percentage in force.
func gcPercent() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// collectUntil collects until the percentage set after the last
// collection is want (the finalizer runs on its own goroutine).
func collectUntil(t *testing.T, want func() uint64) {
	t.Helper()
	for range 200 {
		runtime.GC()
		time.Sleep(time.Millisecond)
		if w := want(); gcPercent() == w {
			return
		}
	}
	t.Fatalf("GC percent %d, want %d", gcPercent(), want())
}

// liveHeap is what the GC percentage applies to: the live heap, the
// scanned stacks and globals.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64() + s[2].Value.Uint64()
}

// TestStartFollowsTheLiveHeap: after each collection the percentage is
// that of the live heap; a heap grown past the floor is back at GOGC's
// 100 at the next collection, and raised again once it shrinks; stop
// sets 100 back.
func TestStartFollowsTheLiveHeap(t *testing.T) {
	const floor = 24 << 20
	stop := Start(floor)
	defer stop()
	small := func() uint64 { return uint64(Percent(liveHeap(), floor)) }
	collectUntil(t, small)
	if p := gcPercent(); p <= 100 {
		t.Fatalf("a %d byte live heap under a %d byte floor collects at %d%%", liveHeap(), floor, p)
	}
	big := make([]byte, 2*floor)
	collectUntil(t, func() uint64 { return 100 })
	runtime.KeepAlive(big)
	collectUntil(t, small)
	if p := gcPercent(); p <= 100 {
		t.Fatalf("after the heap shrank, %d%%", p)
	}
	stop()
	if p := gcPercent(); p != 100 {
		t.Fatalf("after stop, %d%%", p)
	}
}
