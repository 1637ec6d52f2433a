package evidence

import (
	"runtime"
	"sync"
	"time"
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

// A store under load (its last transaction wrote lingerFrom rows or more,
// and writes have been pending since) holds a batch that others are
// joining until it has lingerTo rows, until no write joined it for
// lingerStep, or for lingerMax at most: each
// transaction costs the database about as much as a dozen rows do
// (bench/serve-stores.sh: PostgreSQL's CPU per record fell by a fifth at
// 64 clients, from 14 rows a transaction to 23), and under load the
// evaluations under way go on meanwhile. A store that is not under load,
// and a lone write, are not held. The step is a millisecond because that
// is what a shorter sleep takes: Go's timers on Linux wake at a
// millisecond's granularity (a 200 µs time.Sleep measured 1.1 ms, idle or
// busy), so a batch waits two steps at most, about 2.2 ms.
const (
	lingerFrom = 8
	lingerTo   = 32
	lingerStep = time.Millisecond
	lingerMax  = 2 * time.Millisecond
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
	// last is the number of rows of the batch last taken since the
	// flusher started (0 once it stops: nothing pending, the store is
	// not under load): lingerFrom or more says the store is under load.
	last int
	// now and sleep are time.Now and time.Sleep (tests count the waits).
	now   func() time.Time
	sleep func(time.Duration)
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
			b.last = 0
			b.mu.Unlock()
			return
		}
		cur := b.queue[0]
		b.queue[0] = nil
		b.queue = b.queue[1:]
		b.last = len(cur.rows)
		b.mu.Unlock()
		_, cur.err = s.appendNew(cur.rows)
		close(cur.done)
	}
}

// gather lets writes join the batch about to be taken. A lone write is
// not held: gather returns at once when the batch has one row, or when it
// is full (maxBatch rows, or another batch queued behind it because it is
// full by bytes). Under load (lingerFrom) it waits for writes to join, in
// steps of lingerStep, while they keep joining, until lingerTo rows or
// lingerMax. Otherwise it lets the goroutines runnable now run once
// (runtime.Gosched): those are evaluations about to write, whose rows
// then go in this transaction instead of the next one, and an idle
// process returns at once.
func (b *writeBatcher) gather() {
	n, busy := b.pending()
	if n < 2 || n >= maxBatch {
		return
	}
	if !busy {
		runtime.Gosched()
		return
	}
	now, sleep := b.now, b.sleep
	if now == nil {
		now, sleep = time.Now, time.Sleep
	}
	deadline := now().Add(lingerMax)
	for n < lingerTo && now().Before(deadline) {
		sleep(lingerStep)
		m, _ := b.pending()
		if m <= n || m >= maxBatch {
			return // none joined (or the batch is full, or taken)
		}
		n = m
	}
}

// pending is the number of rows of the batch the flush takes next when
// writes may still join it (0 when there is none, or it is full and
// another is queued behind it), and whether the store is under load.
func (b *writeBatcher) pending() (rows int, busy bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 1 {
		rows = len(b.queue[0].rows)
	}
	return rows, b.last >= lingerFrom
}
