package main

import (
	"runtime/debug"

	"github.com/gov-policy/gov/internal/initgc"
)

// smallInput is the largest input (a patch) for which a command collects
// garbage less often than Go's default.
const smallInput = 4 << 20

// lessGC makes the garbage collector run less often in a short command:
// start-up (parsing and compiling policies, building the scanner) allocates
// a few tens of MB in many short-lived objects, and at Go's default
// (GOGC=100, from a 4 MB heap) collecting them was about a third of a small
// gov eval's CPU time, for no gain in peak memory. fitGC puts the default
// back once the input is known to be large, where memory matters more.
// The percentage is initgc's, kept from initialization on.
func lessGC() {
	initgc.Keep()
	debug.SetGCPercent(400)
}

// fitGC restores Go's default collection for an input of n bytes past
// smallInput.
func fitGC(n int) {
	if n > smallInput {
		debug.SetGCPercent(100)
	}
}

// historyGC makes the collector run more often during a history scan: its
// live heap is small and steady (compiled rules, the keyword automaton,
// findings) while every commit's diff is short-lived garbage, so at Go's
// default the heap peaks at twice the live set for nothing. At 50 a scan of
// this repository's history peaked about 2.5 MB lower for about 4% more CPU
// (bench/scan-history.sh).
func historyGC() {
	debug.SetGCPercent(50)
}

// simulateGC makes the collector run less often in gov simulate: a batch
// of many evaluations whose garbage (inputs, bindings, results) is
// short-lived beside a steady live heap (the two programs, the memo). On
// 100,000 records that do not repeat (bench/simulate.sh distinct) GOGC=200
// took 23.1 and 27.5 s CPU against 27.4, 30.0 and 35.9 s at the default,
// alternating at load 5-6, for about 70 MB more peak memory (262-276 MB
// against 191-219 MB); the reports were byte-identical.
func simulateGC() {
	debug.SetGCPercent(200)
}
