// Package gcfloor keeps the garbage collector of a long-running server
// from running far more often than its heap warrants. With GOGC=100 the
// collector runs each time the heap doubles; a server whose live heap is
// a few megabytes (gov serve on a small bundle: about 4 MB) then collects
// some 30 times a second under load, and the collections' fixed costs
// (marking roots and stacks, write barriers on during each mark, sweeping)
// take about a fifth of its CPU. Start lets the heap grow by at least a
// floor of bytes between collections: below floor of live heap (with the
// stacks and globals the collector scans, to which the percentage applies
// too) the GC percentage is raised to floor / live, at most to where the
// runtime's minimum heap goal, 4 MiB at 100 and scaled with it, is 4 MiB
// plus floor; at or above floor it is GOGC's 100. The
// heap is then never more than floor bytes above what GOGC=100 would
// allow, and a heap that grows (a large request, a larger bundle) is
// collected as before from the collection after which it grew.
package gcfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// maxPercent bounds the GC percentage Start sets (a nearly empty heap).
const maxPercent = 2000

// heapMinimum is the Go runtime's smallest heap goal at GOGC=100. The
// runtime scales it with the GC percentage (at p%, no collection below
// heapMinimum*p/100), so a percentage above 100+floor/heapMinimum*100
// would let a small heap grow past GOGC=100's minimum plus floor.
const heapMinimum = 4 << 20

// Percent is the GC percentage that lets a heap of live bytes (the live
// heap, scanned stacks and globals: what the percentage applies to) grow by at
// least floor bytes before the next collection: 100 (GOGC's default) at or
// above floor, floor/live as a percentage below it, at most maxPercent and
// at most the percentage whose scaled minimum heap goal is heapMinimum +
// floor (which alone lets a heap that small grow by floor).
func Percent(live, floor uint64) int {
	if live >= floor {
		return 100
	}
	top := uint64(maxPercent)
	if floor < heapMinimum*(maxPercent/100-1) {
		top = 100 + floor*100/heapMinimum
	}
	if live == 0 || floor*100/live >= top {
		return int(top) //nolint:gosec // at most maxPercent
	}
	return max(100, int(floor*100/live)) //nolint:gosec // below top: floor/live < 20 here
}

// Start sets the GC percentage from the live heap after every collection
// (a finalizer that re-arms itself runs once per cycle) until stop is
// called; stop sets GOGC's 100 back. A caller that was given GOGC does not
// call it.
func Start(floor uint64) (stop func()) {
	var mu sync.Mutex
	stopped := false
	// The runtime applies the percentage to the live heap plus the stacks
	// and globals it scanned, so they count as live here: read off the
	// heap alone, goroutines' stacks over a small heap (idle connections,
	// requests deep in a nested body) were given up to 9 times their size.
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
	last := -1
	set := func() {
		metrics.Read(sample)
		var live uint64
		for _, s := range sample {
			if s.Value.Kind() != metrics.KindUint64 {
				return
			}
			live += s.Value.Uint64()
		}
		if p := Percent(live, floor); p != last {
			debug.SetGCPercent(p)
			last = p
		}
	}
	var arm func()
	arm = func() {
		// 64 bytes without pointers: not the tiny allocator's, whose
		// objects may share a block and never be finalized.
		sentinel := new([64]byte)
		runtime.SetFinalizer(sentinel, func(*[64]byte) {
			mu.Lock()
			defer mu.Unlock()
			if !stopped {
				set()
				arm()
			}
		})
	}
	mu.Lock()
	set()
	arm()
	mu.Unlock()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			stopped = true
			debug.SetGCPercent(100)
		}
	}
}
