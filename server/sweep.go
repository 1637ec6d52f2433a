package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github"
)

// track keeps what a PR job decided in the pending list: a PR left waiting
// on a stage that escalates later is put (or updated, with the head and due
// time of this decision); any other outcome removes it. A stage escalated
// now waits for an event (a review) before the next one can be due.
func (s *Server) track(ctx context.Context, ev *github.Evaluation, installation int64) {
	a := ev.Approvals
	repo := ev.Repo.String()
	var err error
	if ev.Decision.Decision == engine.RequireApproval && a != nil && !a.EscalationDue.IsZero() && a.Escalate == nil {
		err = s.pending.Put(ctx, PendingPR{Repo: repo, Number: ev.PR.Number, HeadSHA: ev.PR.HeadSHA, BaseRef: ev.PR.BaseRef, Due: a.EscalationDue.UTC(), Installation: installation})
	} else {
		err = s.pending.Remove(ctx, repo, ev.PR.Number)
	}
	if err != nil {
		s.log.Error("pending approvals list: not updated", "repo", repo, "pr", ev.PR.Number, "error", oneLine(err.Error()))
	}
}

// sweepEvery runs sweep every d until ctx ends.
func (s *Server) sweepEvery(ctx context.Context, d time.Duration) {
	every(ctx, d, func() { s.sweep(ctx) })
}

// every runs fn every d until ctx ends (the bundle poll, the escalation
// sweep).
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// queuedSweeps are the PRs whose escalation job waits in the work queue:
// a sweep does not queue them again, so that sweeps faster than GitHub
// answers do not fill the queue with copies.
type queuedSweeps struct {
	mu   sync.Mutex
	keys map[prKey]bool
}

// add marks k queued; false when it already is.
func (q *queuedSweeps) add(k prKey) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.keys == nil {
		q.keys = map[prKey]bool{}
	}
	if q.keys[k] {
		return false
	}
	q.keys[k] = true
	return true
}

func (q *queuedSweeps) done(k prKey) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.keys, k)
}

// sweep queues an escalation job for each pending PR whose due time has
// passed (on the server's clock) and whose job is not queued already; it
// returns how many it queued. It fills at most half of the work queue,
// leaving the rest to GitHub's deliveries; the PRs left over wait for the
// next sweep. A list shared by replicas (lockedSweeper) is swept by one
// replica at a time, and a PR queued by one is not due again for the
// others until a sweep interval has passed.
func (s *Server) sweep(ctx context.Context) int {
	now, n := s.cfg.Now(), 0
	take := func(p PendingPR) (taken, stop bool) {
		taken, stop = s.queueEscalation(ctx, p)
		if taken {
			n++
		}
		return taken, stop
	}
	if ls, ok := s.pending.(lockedSweeper); ok {
		ran, err := ls.sweepDue(ctx, now, s.cfg.EscalationSweep, take)
		switch {
		case err != nil:
			s.log.Error("escalation sweep: pending approvals list", "error", oneLine(err.Error()))
		case !ran:
			s.log.Debug("escalation sweep: another replica is sweeping; skipped")
		}
		return n
	}
	ps, err := s.pending.List(ctx)
	if err != nil {
		s.log.Error("pending approvals list: read incompletely", "error", oneLine(err.Error()))
	}
	for _, p := range ps {
		if p.Due.After(now) {
			continue
		}
		if _, stop := take(p); stop {
			break
		}
	}
	return n
}

// queueEscalation queues the escalation job of the due PR p: taken when it
// was queued; stop when the work queue has no room for more.
func (s *Server) queueEscalation(ctx context.Context, p PendingPR) (taken, stop bool) {
	repo, err := github.ParseRepo(p.Repo)
	if err != nil || p.Number <= 0 {
		s.log.Error("pending approvals list: dropping a malformed entry", "repo", p.Repo, "pr", p.Number)
		_ = s.pending.Remove(ctx, p.Repo, p.Number)
		return false, false
	}
	k := keyOf(repo, p.Number)
	if s.jobs != nil {
		// One escalation job per PR waits in the durable queue at most.
		inserted, err := s.jobs.insert(ctx, escalationArgs{PR: p, Line: prLine(k), Head: p.HeadSHA})
		if err != nil {
			s.log.Warn("escalation sweep: the job could not be stored, trying again at the next sweep", "repo", p.Repo, "pr", p.Number, "error", oneLine(err.Error()))
			return false, true
		}
		return inserted, false
	}
	if s.queue.depth() >= max(s.queue.capacity()/2, 1) {
		s.log.Warn("escalation sweep: work queue half full, trying again at the next sweep", "repo", p.Repo, "pr", p.Number)
		return false, true
	}
	if !s.swept.add(k) {
		return false, false // its job from an earlier sweep has not run yet
	}
	t := prTask{kind: "escalation", head: p.HeadSHA, run: s.escalationRun(repo, p)}
	run := func(ctx context.Context) error {
		s.swept.done(k) // taken from the queue: a later sweep may queue it again
		return s.prs.do(ctx, k, t)
	}
	if !s.queue.push(job{kind: "escalation", run: run}) {
		s.swept.done(k)
		s.log.Warn("escalation sweep: work queue full, trying again at the next sweep", "repo", p.Repo, "pr", p.Number)
		return false, true
	}
	return true, false
}

// escalationRun looks at a pending PR again through the same pipeline as a
// webhook job: a closed PR is forgotten; an open one is evaluated at its
// current head and published, so its overdue stage escalates (once) only
// when it still waits for approval, and track updates or removes it. A
// failure keeps the entry for the next sweep and sets no error status: the
// status of the last decision stands.
func (s *Server) escalationRun(repo github.Repo, p PendingPR) func(context.Context) error {
	return func(ctx context.Context) error {
		log := s.log.With("repo", p.Repo, "pr", p.Number)
		client, err := s.githubClient(p.Installation, nil)
		if err != nil {
			return err
		}
		pr, err := client.GetPR(ctx, repo, p.Number)
		if err != nil {
			log.Warn("escalation sweep: reading the PR failed; trying again at the next sweep", "error", oneLine(err.Error()))
			return err
		}
		switch pr.State {
		case "closed":
			log.Info("escalation sweep: PR no longer open: forgotten", "state", pr.State)
			return s.pending.Remove(ctx, p.Repo, p.Number)
		case "open":
		default: // only a PR GitHub says is closed is forgotten
			log.Warn("escalation sweep: GitHub's answer has no known PR state; trying again at the next sweep", "state", pr.State)
			return fmt.Errorf("%s#%d: GitHub answered state %q, not open or closed", p.Repo, p.Number, pr.State)
		}
		id := fmt.Sprintf("escalation-%s-%d-%d", p.Repo, p.Number, s.cfg.Now().Unix())
		if _, err := s.evaluatePR(ctx, github.Event{Repo: repo, Number: p.Number, HeadSHA: pr.HeadSHA, BaseRef: pr.BaseRef, Installation: p.Installation}, id); err != nil {
			log.Warn("escalation sweep: evaluation failed; trying again at the next sweep", "error", oneLine(err.Error()))
			return err
		}
		log.Info("escalation sweep: PR evaluated again")
		return nil
	}
}
