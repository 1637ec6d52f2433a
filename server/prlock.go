package server

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/gov-policy/gov/github"
)

// Two jobs of one PR must never run at once: the slower one would publish
// what it read before the other's result (a success over a later pending,
// the comment of an older head over a newer one). prLines runs the jobs of
// one PR one at a time, in one process; DESIGN's shared job queue (one job
// at a time per PR across replicas) is issue 14's.

// prKey names one pull request; GitHub's names are case-insensitive.
type prKey struct {
	repo   string
	number int
}

func keyOf(repo github.Repo, number int) prKey {
	return prKey{repo: strings.ToLower(repo.String()), number: number}
}

// prTask is one job of a PR. Every job evaluates the PR's current head,
// whatever head its event named, so a waiting job is superseded by a newer
// one; only the newest break-glass "labeled" job of the newest head is kept,
// as its run binds the label to that head (github.Evaluator.Trigger): at
// most two jobs of a PR ever wait.
type prTask struct {
	kind string
	head string
	keep bool
	run  func(context.Context) error
}

// errQueuedBehind is what a job returns that was left to run after the job
// of its PR that is running: the queue does not count it as finished.
var errQueuedBehind = errors.New("queued behind the running job of its pull request")

// prLines holds, per PR with a job running, the jobs waiting for it.
type prLines struct {
	mu    sync.Mutex
	lines map[prKey][]prTask
	m     *metrics
}

func newPRLines(m *metrics) *prLines { return &prLines{lines: map[prKey][]prTask{}, m: m} }

// do runs t when no job of its PR is running, then, on the same worker, the
// jobs that queued behind it, and returns t's error. When a job of the PR
// is running, t waits behind it (superseding the waiting jobs of an older
// head or of the same head) and do returns errQueuedBehind at once: the
// worker is not held.
func (p *prLines) do(ctx context.Context, k prKey, t prTask) error {
	p.mu.Lock()
	if waiting, busy := p.lines[k]; busy {
		kept := waiting[:0]
		for _, w := range waiting {
			// The newest labeling of a head is the one that binds:
			// a kept job gives way to a newer kept one of its head.
			if w.keep && w.head == t.head && !t.keep {
				kept = append(kept, w)
			} else {
				p.m.jobs.WithLabelValues(w.kind, "superseded").Inc()
			}
		}
		p.lines[k] = append(kept, t)
		p.mu.Unlock()
		return errQueuedBehind
	}
	p.lines[k] = nil
	p.mu.Unlock()
	first := t.run(ctx)
	for {
		p.mu.Lock()
		waiting := p.lines[k]
		if len(waiting) == 0 {
			delete(p.lines, k)
			p.mu.Unlock()
			return first
		}
		next := waiting[0]
		p.lines[k] = waiting[1:]
		p.mu.Unlock()
		result := "ok"
		if err := next.run(ctx); err != nil {
			result = "error"
		}
		p.m.jobs.WithLabelValues(next.kind, result).Inc()
	}
}

// waiting is how many jobs of k wait behind its running job.
func (p *prLines) waiting(k prKey) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.lines[k])
}

// idle reports whether no PR job is running.
func (p *prLines) idle() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.lines) == 0
}
