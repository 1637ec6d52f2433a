package server

import (
	"context"
	"log/slog"
	"sync"

	"github.com/gov-policy/gov/evidence"
)

// signQueue signs /v1/eval records off the request path: the record is
// written (and synced) before the answer, its signature is added by
// background signers. The queue is bounded: when it is full the request
// signs its record itself, so a burst slows down instead of piling up
// unsigned records. Shutdown drains it; a record left unsigned by a crash
// or a failed signature is listed as unsigned by `gov audit log --verify`.
type signQueue struct {
	signer *evidence.Signer
	log    *slog.Logger
	ch     chan string
	wg     sync.WaitGroup
	mu     sync.Mutex // guards closed and hold
	closed bool
	// hold, when set (tests), keeps the workers from signing until closed.
	hold chan struct{}
}

// signWorkers sign in parallel: each signature waits for two fsyncs
// (evidence file and directory), which overlap across workers.
const signWorkers = 4

func newSignQueue(signer *evidence.Signer, size int, log *slog.Logger) *signQueue {
	q := &signQueue{signer: signer, log: log, ch: make(chan string, size)}
	for range signWorkers {
		q.wg.Go(func() {
			for path := range q.ch {
				q.mu.Lock()
				hold := q.hold
				q.mu.Unlock()
				if hold != nil {
					<-hold
				}
				// Not the request's context: the request has been answered.
				q.sign(context.Background(), path)
			}
		})
	}
	return q
}

// add queues the record at path for signing, or signs it now when the
// queue is full or closed; the error is that of signing now.
func (q *signQueue) add(ctx context.Context, path string) error {
	q.mu.Lock()
	if !q.closed {
		select {
		case q.ch <- path:
			q.mu.Unlock()
			return nil
		default:
		}
	}
	q.mu.Unlock()
	_, _, err := evidence.SignRecord(ctx, path, q.signer)
	return err
}

func (q *signQueue) sign(ctx context.Context, path string) {
	if _, _, err := evidence.SignRecord(ctx, path, q.signer); err != nil {
		q.log.Error("signing a recorded decision failed: the record stays unsigned", "record", path, "error", oneLine(err.Error()))
	}
}

// pending is how many records wait for their signature.
func (q *signQueue) pending() int { return len(q.ch) }

// drain stops taking records and signs every queued one, returning when
// all are signed or ctx ends (false: the rest stay unsigned; the workers
// go on signing them in the background).
func (q *signQueue) drain(ctx context.Context) bool {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
