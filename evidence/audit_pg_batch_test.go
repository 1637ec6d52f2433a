package evidence

import (
	"testing"
	"time"
)

// gatherRun is a writeBatcher with rows queued in one batch, its last
// batch's size, and a clock that moves only when gather sleeps: each sleep
// moves it by step and calls join(i) (the i-th sleep), which may queue
// more rows. It returns the sleeps and the rows of the batch gather left.
func gatherRun(t *testing.T, rows, last int, step time.Duration, join func(b *writeBatcher, i int)) (sleeps, left int) {
	t.Helper()
	clock := time.Unix(1_000_000, 0)
	b := &writeBatcher{last: last}
	for range rows {
		b.enqueue(pgRow{})
	}
	b.now = func() time.Time { return clock }
	b.sleep = func(d time.Duration) {
		if d != lingerStep {
			t.Errorf("slept %s, want lingerStep (%s)", d, lingerStep)
		}
		clock = clock.Add(step)
		if join != nil {
			join(b, sleeps)
		}
		sleeps++
	}
	b.gather()
	if len(b.queue) > 0 {
		left = len(b.queue[0].rows)
	}
	return sleeps, left
}

// joinEach queues n rows at every sleep.
func joinEach(n int) func(b *writeBatcher, i int) {
	return func(b *writeBatcher, _ int) {
		for range n {
			b.enqueue(pgRow{})
		}
	}
}

// A lone write is never held, even right after a busy period: an idle
// gov serve answers as soon as its one record is committed.
func TestGatherLoneWriteNotHeld(t *testing.T) {
	for _, last := range []int{0, lingerFrom, maxBatch} {
		if sleeps, _ := gatherRun(t, 1, last, lingerStep, joinEach(1)); sleeps != 0 {
			t.Errorf("last batch %d rows: a lone write waited %d steps", last, sleeps)
		}
	}
}

// A store that is not under load (its last batch under lingerFrom rows)
// does not wait for writes to join: at a few clients, waiting would only
// add to each answer's latency.
func TestGatherNotUnderLoadDoesNotWait(t *testing.T) {
	if sleeps, _ := gatherRun(t, lingerFrom-1, lingerFrom-1, lingerStep, joinEach(1)); sleeps != 0 {
		t.Errorf("waited %d steps with the last batch at %d rows", sleeps, lingerFrom-1)
	}
}

// Under load, gather waits while writes keep joining, until the batch has
// lingerTo rows.
func TestGatherUnderLoadWaitsForRows(t *testing.T) {
	sleeps, left := gatherRun(t, 2, lingerFrom, lingerMax/10, joinEach(5))
	if left < lingerTo || left >= lingerTo+5 {
		t.Errorf("took a batch of %d rows, want %d to %d", left, lingerTo, lingerTo+4)
	}
	if want := (lingerTo - 2 + 4) / 5; sleeps != want {
		t.Errorf("waited %d steps, want %d", sleeps, want)
	}
}

// Under load, gather stops waiting as soon as a step passes with no write
// joining: the writes under way have all joined, and waiting longer would
// leave every client waiting on the database with the machine idle.
func TestGatherStopsWhenWritesStop(t *testing.T) {
	sleeps, left := gatherRun(t, 4, lingerFrom, lingerMax/10, func(b *writeBatcher, i int) {
		if i < 2 {
			b.enqueue(pgRow{})
		}
	})
	if sleeps != 3 || left != 6 {
		t.Errorf("waited %d steps for a batch of %d rows, want 3 steps (2 joining, 1 not) and 6 rows", sleeps, left)
	}
}

// However fast writes keep joining, a batch waits lingerMax at most.
func TestGatherBoundedByLingerMax(t *testing.T) {
	step := lingerMax * 2 / 5 // slow steps: the clock passes lingerMax at the third
	sleeps, left := gatherRun(t, 2, lingerFrom, step, joinEach(1))
	if sleeps != 3 || left != 5 {
		t.Errorf("waited %d steps of %s for a batch of %d rows, want 3 steps and 5 rows (lingerMax %s)", sleeps, step, left, lingerMax)
	}
}

// A batch that fills while gather waits (here by bytes: the write that
// does not fit opens the next batch) is taken at once.
func TestGatherStopsWhenBatchFull(t *testing.T) {
	sleeps, left := gatherRun(t, 3, lingerFrom, lingerStep, func(b *writeBatcher, _ int) {
		b.enqueue(pgRow{body: make([]byte, 1)})
		b.queue[0].bytes = maxBatchBytes // as if its bodies had filled it
		b.enqueue(pgRow{body: make([]byte, 1)})
	})
	if sleeps != 1 || left != 4 {
		t.Errorf("waited %d steps, batch of %d rows, want 1 step and the 4 rows that fit", sleeps, left)
	}
}
