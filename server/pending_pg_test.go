package server

import (
	"sync"
	"testing"
	"time"

	"github.com/gov-policy/gov/github/githubtest"
	"github.com/gov-policy/gov/internal/pgtest"
)

// pgPendingServer is pendingServer with the audit database url, closed
// when the test ends.
func pgPendingServer(t *testing.T, fake *githubtest.Server, clk *clock, url string) *Server {
	t.Helper()
	s := pendingServer(t, fake, clk, url)
	t.Cleanup(func() { _ = s.db.Close() })
	return s
}

// TestPGPendingSharedAcrossReplicas: two servers share one audit database;
// the PR server a left waiting for approval is escalated by a sweep of
// server b, once, and leaves the list both see.
func TestPGPendingSharedAcrossReplicas(t *testing.T) {
	db := pgtest.NewDatabase(t)
	fake := fakeGitHub(t)
	clk := &clock{t: created.Add(time.Hour)}
	a, b := pgPendingServer(t, fake, clk, db), pgPendingServer(t, fake, clk, db)
	baseA, _ := serve(t, a)
	serve(t, b)
	decidedPending(t, a, baseA, fake)
	// On the durable queue either replica may run the PR's job, which
	// tracks the PR after posting its status: wait for the row.
	var ps []PendingPR
	var err error
	waitFor(10*time.Second, func() bool { ps, err = b.pending.List(t.Context()); return err == nil && len(ps) > 0 })
	if err != nil || len(ps) != 1 || ps[0].Number != 2 || ps[0].HeadSHA != headSHA || !ps[0].Due.Equal(created.Add(8*time.Hour)) {
		t.Fatalf("replica b's pending list %+v (%v): want PR #2 at %s due at 08:00", ps, err, headSHA)
	}
	clk.Set(created.Add(9 * time.Hour))
	if n := b.sweep(t.Context()); n != 1 {
		t.Fatalf("replica b's sweep queued %d escalation jobs, want 1", n)
	}
	waitEscalationJob(t, a, b)
	if es := escalations(fake); len(es) != 1 {
		t.Fatalf("escalation comments: %+v, want one", es)
	}
	if ps, err := a.pending.List(t.Context()); err != nil || len(ps) != 0 {
		t.Errorf("replica a's pending list after the escalation: %+v %v", ps, err)
	}
}

// TestPGSweepOnceAcrossReplicas: two replicas sharing one database sweep
// at the same time, and again right after; the due PR's escalation is
// queued once in all, and the PR escalated once.
func TestPGSweepOnceAcrossReplicas(t *testing.T) {
	db := pgtest.NewDatabase(t)
	fake := fakeGitHub(t)
	clk := &clock{t: created.Add(time.Hour)}
	c := pgPendingServer(t, fake, clk, db)
	baseC, _ := serve(t, c)
	decidedPending(t, c, baseC, fake)
	// Replicas a and b run no jobs until both have swept (they are not
	// served yet), so that a job done early cannot hide a second one queued.
	a, b := pgPendingServer(t, fake, clk, db), pgPendingServer(t, fake, clk, db)
	clk.Set(created.Add(9 * time.Hour))
	var wg sync.WaitGroup
	queued := make([]int, 4)
	start := make(chan struct{})
	for i, s := range []*Server{a, b, a, b} {
		wg.Go(func() {
			<-start
			queued[i] = s.sweep(t.Context())
		})
	}
	close(start)
	wg.Wait()
	if total := queued[0] + queued[1] + queued[2] + queued[3]; total != 1 {
		t.Fatalf("sweeps queued %v escalation jobs, want 1 in all", queued)
	}
	// A sweep right after, before the sweep interval passed, queues nothing.
	if n := a.sweep(t.Context()) + b.sweep(t.Context()); n != 0 {
		t.Fatalf("later sweeps queued %d more escalation jobs", n)
	}
	serve(t, a)
	serve(t, b)
	// The job is in the durable queue: any replica may run it.
	waitEscalationJob(t, a, b, c)
	if es := escalations(fake); len(es) != 1 {
		t.Fatalf("escalation comments: %+v, want one", es)
	}
}
