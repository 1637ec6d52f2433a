package evidence

import (
	"runtime"
	"sync"
)

// maxBatch bounds the records one transaction writes for concurrent Writes,
// and maxBatchBytes the bytes of their bodies: PostgreSQL refuses a message
// over 1 GiB, and a batch it refuses fails every writer in it, so a client
// sending large patches must not take other clients' writes down with its
// own. A record larger than maxBatchBytes goes in a batch of its own.
const (
	maxBatch      = 256
	maxBatchBytes = 64 << 20
)

// writeBatcher groups concurrent Writes into one transaction (group
// commit): every row appended to the chain takes the chain's head lock, so
// one transaction per record serializes writers on it; writes that arrive
// while a transaction runs go together in the next one. An idle store
// writes a record at once: nothing waits for a batch to fill.
type writeBatcher struct {
	mu sync.Mutex
	// queue holds the batches not written yet, each of at most maxBatch
	// rows; Writes join the last.
	queue   []*rowBatch
	running bool
}

// rowBatch is rows written together; done is closed once they are
// committed, or failed with err.
type rowBatch struct {
	rows  []pgRow
	bytes int // of the rows' bodies
	done  chan struct{}
	err   error
}

// write appends row to the batch being gathered and returns when the
// transaction that holds it has committed, or its error: a record is never
// reported written unless its transaction committed.
func (b *writeBatcher) write(s *PGStore, row pgRow) error {
	b.mu.Lock()
	cur := b.enqueue(row)
	if !b.running {
		b.running = true
		go b.flush(s)
	}
	b.mu.Unlock()
	<-cur.done
	return cur.err
}

// enqueue adds row to the last batch not written yet if it has room (in
// rows and in bytes), else to a new one, and returns that batch; b.mu held.
func (b *writeBatcher) enqueue(row pgRow) *rowBatch {
	var cur *rowBatch
	if n := len(b.queue); n > 0 && len(b.queue[n-1].rows) < maxBatch && b.queue[n-1].bytes+len(row.body) <= maxBatchBytes {
		cur = b.queue[n-1]
	} else {
		cur = &rowBatch{done: make(chan struct{})}
		b.queue = append(b.queue, cur)
	}
	cur.rows = append(cur.rows, row)
	cur.bytes += len(row.body)
	return cur
}

// flush writes the queued batches, one transaction each, until none is
// left.
func (b *writeBatcher) flush(s *PGStore) {
	for {
		b.gather()
		b.mu.Lock()
		if len(b.queue) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		cur := b.queue[0]
		b.queue[0] = nil
		b.queue = b.queue[1:]
		b.mu.Unlock()
		_, cur.err = s.appendNew(cur.rows)
		close(cur.done)
	}
}

// gather lets the goroutines runnable now run before a batch that other
// writes are joining is taken (one runtime.Gosched): under load those are
// evaluations about to write, whose rows then go in this transaction
// instead of the next one, and each transaction costs the database and
// this process more than a row does. A lone write is not held: gather
// returns at once when the batch has one row, holds maxBatch rows, or
// nothing else is runnable (a batch full by bytes yields once, harmlessly).
func (b *writeBatcher) gather() {
	b.mu.Lock()
	joined := len(b.queue) == 1 && len(b.queue[0].rows) >= 2 && len(b.queue[0].rows) < maxBatch
	b.mu.Unlock()
	if joined {
		runtime.Gosched()
	}
}
