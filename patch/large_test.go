package patch

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// largeDiff builds a git diff of about size bytes: files of hunks that each
// replace 10 lines of about 60 bytes.
func largeDiff(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 1<<16)
	for file := 0; b.Len() < size; file++ {
		name := fmt.Sprintf("services/gen/mod_%05d.py", file)
		fmt.Fprintf(&b, "diff --git a/%s b/%s\nindex 1111111..2222222 100644\n--- a/%s\n+++ b/%s\n", name, name, name, name)
		for h := range 20 {
			start := 1 + h*40
			fmt.Fprintf(&b, "@@ -%d,12 +%d,12 @@ def block_%d():\n", start, start, h)
			fmt.Fprintf(&b, " def block_%d_%d(value):\n", file, h)
			for i := range 10 {
				fmt.Fprintf(&b, "-    value = transform_%03d(value, threshold=%d)  # old\n", i, i*7)
			}
			for i := range 10 {
				fmt.Fprintf(&b, "+    value = transform_%03d(value, threshold=%d)  # new\n", i, i*11)
			}
			b.WriteString("     return value\n")
		}
	}
	return b.Bytes()
}

// peakHeap runs fn while sampling the live heap and returns the largest
// HeapAlloc seen above the baseline.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var (
		mu   sync.Mutex
		peak uint64
	)
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peak = max(peak, m.HeapAlloc)
		mu.Unlock()
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	})
	fn()
	sample()
	close(done)
	wg.Wait()
	if peak < base.HeapAlloc {
		return 0
	}
	return peak - base.HeapAlloc
}

// TestParseLarge parses a 50 MB patch and bounds the heap it needs.
func TestParseLarge(t *testing.T) {
	diff := largeDiff(50 << 20)
	var (
		p   *Patch
		err error
	)
	start := time.Now()
	peak := peakHeap(func() { p, err = Parse(diff) })
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	lines := p.Stats.Additions + p.Stats.Deletions
	if p.Stats.Additions != p.Stats.Deletions || lines < 700_000 {
		t.Fatalf("stats = %+v, want equal additions and deletions, 700k lines or more", p.Stats)
	}
	last := p.Files[len(p.Files)-1]
	if want := (Line{Line: 1 + 19*40 + 10, Text: "    value = transform_009(value, threshold=99)  # new"}); last.Added[len(last.Added)-1] != want {
		t.Errorf("last added line = %+v, want %+v", last.Added[len(last.Added)-1], want)
	}
	t.Logf("parse: %d MB, %d files, %d lines in %v; peak heap above baseline %d MB", len(diff)>>20,
		p.Stats.Files, lines, elapsed.Round(time.Millisecond), peak>>20)
	// go-gitdiff keeps one string per line plus the line records; the model
	// shares those strings. Four times the input is a generous ceiling.
	if limit := uint64(4 * len(diff)); peak > limit {
		t.Errorf("peak heap %d MB above %d MB", peak>>20, limit>>20)
	}

	var in map[string]any
	start = time.Now()
	peakIn := peakHeap(func() { in = p.Input() })
	t.Logf("input: %v; peak heap above baseline %d MB", time.Since(start).Round(time.Millisecond), peakIn>>20)
	if got := len(in["files"].([]any)); got != p.Stats.Files {
		t.Errorf("input has %d files, want %d", got, p.Stats.Files)
	}
}
