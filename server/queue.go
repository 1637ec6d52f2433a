package server

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// job is one unit of queued work.
type job struct {
	kind   string // "pr" or "reload"
	run    func(ctx context.Context) error
	queued time.Time // set by push
	// durable is the job as the durable queue stores it (nil: in memory
	// only, a reload).
	durable durableArgs
}

// queue is a bounded FIFO drained by a fixed pool of workers. push never
// blocks: a full queue refuses the job.
type queue struct {
	m      *metrics
	mu     sync.Mutex
	ch     chan job
	closed bool
}

func newQueue(size int, m *metrics) *queue { return &queue{m: m, ch: make(chan job, size)} }

// push enqueues j, or returns false when the queue is full or closed.
func (q *queue) push(j job) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	j.queued = time.Now()
	select {
	case q.ch <- j:
		q.m.queueDepth.Set(float64(len(q.ch)))
		return true
	default:
		q.m.queueRejected.Inc()
		return false
	}
}

func (q *queue) depth() int { return len(q.ch) }

func (q *queue) capacity() int { return cap(q.ch) }

func (q *queue) saturated() bool { return len(q.ch) >= cap(q.ch) }

// start runs n workers until the queue is closed and empty; jobs get ctx.
func (q *queue) start(ctx context.Context, n int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for j := range q.ch {
				q.m.queueDepth.Set(float64(len(q.ch)))
				result := "ok"
				if err := j.run(ctx); errors.Is(err, errQueuedBehind) {
					continue // counted when it runs (prLines)
				} else if err != nil {
					result = "error"
				}
				q.m.jobs.WithLabelValues(j.kind, result).Inc()
				q.m.timing.jobLatency.WithLabelValues(j.kind).Observe(time.Since(j.queued).Seconds())
			}
		})
	}
	return &wg
}

// drain closes the queue and waits for the workers to run what is queued;
// false when ctx ended first.
func (q *queue) drain(ctx context.Context, workers *sync.WaitGroup) bool {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	done := make(chan struct{})
	go func() {
		workers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// deliveries remembers webhook delivery ids (X-GitHub-Delivery) for ttl,
// at most size of them, oldest first out, to ignore replays.
type deliveries struct {
	mu    sync.Mutex
	size  int
	ttl   time.Duration
	now   func() time.Time
	order *list.List // of delivery, oldest at the back
	byID  map[string]*list.Element
	// disk, when set, also remembers deliveries across restarts and
	// replicas: on disk (diskSeen) or in the audit database (pgSeen).
	disk sharedSeen
}

// sharedSeen remembers deliveries outside this process. add claims a key
// and reports whether it is new; an error is not a claim.
type sharedSeen interface {
	add(key string) (bool, error)
	forget(key string)
}

type delivery struct {
	id string
	at time.Time
}

func newDeliveries(size int, ttl time.Duration, now func() time.Time) *deliveries {
	return &deliveries{size: size, ttl: ttl, now: now, order: list.New(), byID: map[string]*list.Element{}}
}

// claim records id and reports whether it is new (not seen within ttl),
// or the error of the shared memory (then id is not claimed).
func (d *deliveries) claim(id string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	for el := d.order.Back(); el != nil && now.Sub(el.Value.(delivery).at) > d.ttl; el = d.order.Back() {
		d.order.Remove(el)
		delete(d.byID, el.Value.(delivery).id)
	}
	if _, ok := d.byID[id]; ok {
		return false, nil
	}
	if d.disk != nil {
		if isNew, err := d.disk.add(id); !isNew || err != nil {
			return false, err
		}
	}
	d.byID[id] = d.order.PushFront(delivery{id: id, at: now})
	for d.order.Len() > d.size {
		el := d.order.Back()
		d.order.Remove(el)
		delete(d.byID, el.Value.(delivery).id)
	}
	return true, nil
}

// forget drops id, so that a delivery refused with 503 may be redelivered.
func (d *deliveries) forget(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := d.byID[id]; ok {
		d.order.Remove(el)
		delete(d.byID, id)
	}
	if d.disk != nil {
		d.disk.forget(id)
	}
}
