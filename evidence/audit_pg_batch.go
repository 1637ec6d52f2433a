package evidence

import "sync"

// maxBatch bounds the records one transaction writes for concurrent Writes.
const maxBatch = 256

// writeBatcher groups concurrent Writes into one transaction (group
// commit): every row appended to the chain takes the chain's head lock, so
// one transaction per record serializes writers on it; writes that arrive
// while a transaction runs go together in the next one. An idle store
// writes a record at once: nothing waits for a batch to fill.
type writeBatcher struct {
	mu      sync.Mutex
	pending []pendingWrite
	running bool
}

type pendingWrite struct {
	row  pgRow
	done chan error
}

// write appends row with the others pending and returns when the
// transaction that holds it has committed, or its error: a record is never
// reported written unless its transaction committed.
func (b *writeBatcher) write(s *PGStore, row pgRow) error {
	done := make(chan error, 1)
	b.mu.Lock()
	b.pending = append(b.pending, pendingWrite{row, done})
	if !b.running {
		b.running = true
		go b.flush(s)
	}
	b.mu.Unlock()
	return <-done
}

// flush writes the pending rows, maxBatch at a time, until none is left.
func (b *writeBatcher) flush(s *PGStore) {
	for {
		b.mu.Lock()
		n := min(len(b.pending), maxBatch)
		if n == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		batch := b.pending[:n:n]
		b.pending = b.pending[n:]
		b.mu.Unlock()
		rows := make([]pgRow, len(batch))
		for i, p := range batch {
			rows[i] = p.row
		}
		_, err := s.appendNew(rows)
		for _, p := range batch {
			p.done <- err
		}
	}
}
