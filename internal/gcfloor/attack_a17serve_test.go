package gcfloor

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// runtimeHeapMinimum is the Go runtime's smallest heap goal at GOGC=100
// (4 MiB); the runtime scales it with the GC percentage.
const runtimeHeapMinimum = 4 << 20

// TestAttackA17ServeFloorBoundOnSmallHeap: the package promises a heap
// never more than floor bytes above what GOGC=100 would allow. The
// runtime does not collect below its minimum heap goal, 4 MiB times the
// percentage / 100, so a live heap under 3.5 MiB (percentage up to 2000)
// was let grow to 80 MiB before its next collection: 76 MiB above
// GOGC=100's 4 MiB for a 32 MiB floor.
func TestAttackA17ServeFloorBoundOnSmallHeap(t *testing.T) {
	const mb = 1 << 20
	for _, floor := range []uint64{8 * mb, 32 * mb, 256 * mb} {
		for live := uint64(0); live < floor; live += floor / 64 {
			p := uint64(Percent(live, floor))
			if min := runtimeHeapMinimum * p / 100; min > runtimeHeapMinimum+floor {
				t.Errorf("Percent(%d, %d MiB) = %d: the runtime's minimum heap goal %d MiB is more than %d MiB above GOGC=100's",
					live, floor/mb, p, min/mb, floor/mb)
			}
		}
	}

	const floor = 32 * mb
	stop := Start(floor)
	defer stop()
	collectUntil(t, func() uint64 { return uint64(Percent(liveHeap(), floor)) })
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
	metrics.Read(s)
	goal, live := s[0].Value.Uint64(), s[1].Value.Uint64()
	gogc100 := max(runtimeHeapMinimum, 2*live+s[2].Value.Uint64()+s[3].Value.Uint64())
	if goal > gogc100+floor {
		t.Errorf("live heap %d bytes at %d%%: heap goal %d MiB, more than the floor above GOGC=100's %d MiB",
			live, gcPercent(), goal/mb, gogc100/mb)
	}
}

// deepStack recurses n frames of about 1 KiB of stack each, then waits
// for release: a goroutine whose stack the collector scans (a request
// deep in a nested body, a connection's reader).
func deepStack(n int, ready chan<- struct{}, release <-chan struct{}) byte {
	var pad [1024]byte
	pad[n%len(pad)] = byte(n)
	if n == 0 {
		ready <- struct{}{}
		<-release
		return pad[0]
	}
	return deepStack(n-1, ready, release) + pad[n%len(pad)]
}

// TestAttackA17ServeFloorBoundWithStacks: the runtime applies the GC
// percentage to the live heap plus the scanned stacks and globals, but
// the percentage was read off the live heap alone. Goroutines with
// 64 MiB of stack in use (idle connections, requests deep in a nested
// body) over a small heap made the heap goal nine times those stacks:
// hundreds of MiB above what GOGC=100 allows, not the floor.
func TestAttackA17ServeFloorBoundWithStacks(t *testing.T) {
	const mb = 1 << 20
	const floor = 32 * mb
	ready, release := make(chan struct{}), make(chan struct{})
	const goroutines = 16
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() { deepStack(4000, ready, release) }) // about 4 MiB each
	}
	for range goroutines {
		<-ready
	}
	defer wg.Wait() // their stacks gone before the next test collects
	defer close(release)

	stop := Start(floor)
	defer stop()
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}, {Name: "/gc/gogc:percent"}}
	var goal, gogc100 uint64
	for range 20 {
		runtime.GC()
		time.Sleep(time.Millisecond)
		metrics.Read(s)
		live, roots := s[1].Value.Uint64(), s[2].Value.Uint64()+s[3].Value.Uint64()
		goal, gogc100 = s[0].Value.Uint64(), max(runtimeHeapMinimum, 2*live+roots)
		if goal <= gogc100+floor {
			return
		}
	}
	t.Errorf("stacks and globals %d MiB at %d%%: heap goal %d MiB, more than the floor above GOGC=100's %d MiB",
		(s[2].Value.Uint64()+s[3].Value.Uint64())/mb, s[4].Value.Uint64(), goal/mb, gogc100/mb)
}
