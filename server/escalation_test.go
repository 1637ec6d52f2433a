package server

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/github/githubtest"
)

// clock is a settable clock for the escalation timer.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// created is when fakeGitHub's PR #2 was opened; its stage times out 8h later.
var created = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// pendingServer serves the approval bundle against fake with clk; dir is
// its audit directory ("" for none).
func pendingServer(t *testing.T, fake *githubtest.Server, clk *clock, dir string) *Server {
	t.Helper()
	s := newTestServer(t, Config{Bundle: approvalBundle(t), WebhookSecret: webhookSecret, GitHub: githubFor(fake.URL),
		MaxAttempts: 2, RetryBase: time.Millisecond, Now: clk.Now, AuditDir: dir})
	return s
}

// decidedPending delivers PR #2's opened event and waits for its pending status.
func decidedPending(t *testing.T, s *Server, base string, fake *githubtest.Server) {
	t.Helper()
	postWebhook(t, base, "pull_request", "d-open", payload(t, "../testdata/github/webhooks/pull_request_opened.json"))
	if !waitFor(10*time.Second, func() bool { st := fake.Statuses(); return len(st) == 1 && s.prs.idle() }) {
		t.Fatalf("the PR was not decided: %+v", fake.Statuses())
	}
	if st := fake.Statuses()[0]; st.State != github.StatePending {
		t.Fatalf("status %s (%s), want pending", st.State, st.Description)
	}
}

func escalations(fake *githubtest.Server) []githubtest.Comment {
	var out []githubtest.Comment
	for _, c := range fake.Comments(2) {
		if strings.Contains(c.Body, github.EscalationMarker(1)) {
			out = append(out, c)
		}
	}
	return out
}

// waitEscalationJob waits until the escalation jobs queued have finished (they
// are counted when they return, after publishing and tracking) on one of
// servers (replicas sharing a durable queue: any may run it).
func waitEscalationJob(t *testing.T, servers ...*Server) {
	t.Helper()
	if !waitFor(10*time.Second, func() bool {
		for _, s := range servers {
			if hasMetric(metricsText(t, s.Handler()), `gov_jobs_total{kind="escalation",result="ok"} 1`) {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("the escalation job did not finish:\n%s", metricsText(t, servers[0].Handler()))
	}
}

// TestServeEscalatesSilentPROnTimer: a PR left waiting for the SRE review
// gets no event for nine hours. The timer escalates its stage once (a
// comment mentioning security) when the 8h timeout has passed, not before,
// and looks at no PR that is not due.
func TestServeEscalatesSilentPROnTimer(t *testing.T) {
	fake := fakeGitHub(t)
	clk := &clock{t: created.Add(time.Hour)}
	s := pendingServer(t, fake, clk, "")
	base, _ := serve(t, s)
	decidedPending(t, s, base, fake)
	ps, _ := s.pending.List(t.Context())
	if len(ps) != 1 || ps[0].Number != 2 || ps[0].HeadSHA != headSHA || !ps[0].Due.Equal(created.Add(8*time.Hour)) {
		t.Fatalf("pending list %+v: want PR #2 at %s due at 08:00", ps, headSHA)
	}
	calls := len(fake.Requests())
	clk.Set(created.Add(7 * time.Hour))
	if n := s.sweep(t.Context()); n != 0 || len(fake.Requests()) != calls {
		t.Fatalf("a sweep before the timeout queued %d jobs and made %d calls", n, len(fake.Requests())-calls)
	}
	clk.Set(created.Add(9 * time.Hour))
	if n := s.sweep(t.Context()); n != 1 {
		t.Fatalf("the sweep past the timeout queued %d jobs, want 1", n)
	}
	waitEscalationJob(t, s)
	es := escalations(fake)
	if len(es) != 1 || !strings.Contains(es[0].Body, "@carol") {
		t.Fatalf("escalation comments %+v: want one mentioning @carol", es)
	}
	if st := fake.Statuses(); st[len(st)-1].State != github.StatePending {
		t.Errorf("status after the sweep: %+v", st[len(st)-1])
	}
	// Escalated once: nothing is due any more until an event comes.
	if ps, _ := s.pending.List(t.Context()); len(ps) != 0 {
		t.Errorf("pending after the escalation: %+v", ps)
	}
	clk.Set(created.Add(30 * time.Hour))
	if n := s.sweep(t.Context()); n != 0 {
		t.Errorf("a later sweep queued %d jobs", n)
	}
}

// TestServePendingSurvivesRestart: with an audit directory the waiting PRs
// are kept on disk; a server started after a restart escalates the PR the
// first one decided.
func TestServePendingSurvivesRestart(t *testing.T) {
	fake := fakeGitHub(t)
	dir := t.TempDir()
	clk := &clock{t: created.Add(time.Hour)}
	s1 := pendingServer(t, fake, clk, dir)
	base, stop := serve(t, s1)
	decidedPending(t, s1, base, fake)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// The entry kept is no decision record to the audit directory's readers.
	if recs, bad := (evidence.Store{Dir: dir}).List(time.Time{}); len(bad) != 0 || len(recs) != 1 {
		t.Errorf("audit log over the directory: %d records, problems %v; want the one decision", len(recs), bad)
	}
	clk.Set(created.Add(9 * time.Hour))
	s2 := pendingServer(t, fake, clk, dir)
	serve(t, s2)
	if n := s2.sweep(t.Context()); n != 1 {
		t.Fatalf("the restarted server queued %d escalation jobs, want 1", n)
	}
	waitEscalationJob(t, s2)
	if es := escalations(fake); len(es) != 1 {
		t.Fatalf("escalation comments after a restart: %+v", es)
	}
}

// TestPendingDiskRefusesMovedEntry: an entry file copied under another
// PR's name, or garbage, is reported and never swept as that PR.
func TestPendingDiskRefusesMovedEntry(t *testing.T) {
	d := diskPending{dir: t.TempDir()}
	ctx := t.Context()
	if err := d.Put(ctx, PendingPR{Repo: "acme/app", Number: 1, HeadSHA: headSHA, Due: created}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(d.path("acme/app#1"))
	if err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(d.path("acme/app#2"), data, 0o600)
	_ = os.WriteFile(d.path("acme/app#3"), []byte("{"), 0o600)
	ps, err := d.List(ctx)
	if len(ps) != 1 || ps[0].Number != 1 || err == nil || strings.Count(err.Error(), "\n") != 1 {
		t.Errorf("List = %+v, %v; want PR 1 and two errors", ps, err)
	}
	if err := d.Remove(ctx, "ACME/App", 1); err != nil {
		t.Fatal(err)
	}
	if ps, _ := d.List(ctx); len(ps) != 0 {
		t.Errorf("after Remove (names are case-insensitive): %+v", ps)
	}
}

// TestServeSweepNeverEscalatesDecidedPR: the PR was approved without gov
// hearing of it (a lost delivery): the sweep decides it again through the
// same pipeline, posts success and no escalation, and forgets it.
func TestServeSweepNeverEscalatesDecidedPR(t *testing.T) {
	fake := fakeGitHub(t)
	clk := &clock{t: created.Add(time.Hour)}
	s := pendingServer(t, fake, clk, "")
	base, _ := serve(t, s)
	decidedPending(t, s, base, fake)
	fake.Update(func(f *githubtest.Fixture) {
		f.PRs[0].Reviews = []githubtest.Review{{ID: 51, User: bob, State: "APPROVED", CommitID: headSHA, SubmittedAt: created.Add(2 * time.Hour)}}
	})
	clk.Set(created.Add(9 * time.Hour))
	if n := s.sweep(t.Context()); n != 1 {
		t.Fatalf("sweep queued %d jobs, want 1", n)
	}
	waitEscalationJob(t, s)
	if es := escalations(fake); len(es) != 0 {
		t.Errorf("an approved PR was escalated: %+v", es)
	}
	if st := fake.Statuses(); st[len(st)-1].State != github.StateSuccess {
		t.Errorf("status after the sweep: %+v, want success", st[len(st)-1])
	}
	if ps, _ := s.pending.List(t.Context()); len(ps) != 0 {
		t.Errorf("a decided PR is still pending: %+v", ps)
	}
}

// TestServeSweepForgetsClosedPR: a PR closed while waiting is forgotten
// without a decision, a status or an escalation.
func TestServeSweepForgetsClosedPR(t *testing.T) {
	fake := fakeGitHub(t)
	clk := &clock{t: created.Add(time.Hour)}
	s := pendingServer(t, fake, clk, "")
	base, _ := serve(t, s)
	decidedPending(t, s, base, fake)
	fake.Update(func(f *githubtest.Fixture) { f.PRs[0].State = "closed" })
	clk.Set(created.Add(9 * time.Hour))
	if n := s.sweep(t.Context()); n != 1 {
		t.Fatalf("sweep queued %d jobs, want 1", n)
	}
	waitEscalationJob(t, s)
	if es, st := escalations(fake), fake.Statuses(); len(es) != 0 || len(st) != 1 {
		t.Errorf("a closed PR got escalations %+v, statuses %+v", es, st)
	}
	if ps, _ := s.pending.List(t.Context()); len(ps) != 0 {
		t.Errorf("a closed PR is still pending: %+v", ps)
	}
}

// TestServeSweepUsesThePRsInstallation: under App auth the timer reads a
// waiting PR with the token of the installation that delivered it (a
// globex PR is not looked at with acme's token, which GitHub refuses, nor
// left to never escalate).
func TestServeSweepUsesThePRsInstallation(t *testing.T) {
	fake := fakeApp(t, nil)
	clk := &clock{t: created.Add(time.Hour)}
	s := appServer(t, fake, nil, func(c *Config) { c.Bundle, c.Now = approvalBundle(t), clk.Now })
	base, _ := serve(t, s)
	postWebhook(t, base, "pull_request", "d-globex", prEvent(t, "opened", "globex/web", 5, shaGlobex, 2))
	if !waitFor(10*time.Second, func() bool { return len(fake.Statuses()) == 1 && s.prs.idle() }) {
		t.Fatalf("globex/web#5 was not decided: %+v", fake.Statuses())
	}
	ps, _ := s.pending.List(t.Context())
	if len(ps) != 1 || ps[0].Installation != 2 {
		t.Fatalf("pending %+v: want globex/web#5 of installation 2", ps)
	}
	refused := fake.Refused()
	clk.Set(created.Add(9 * time.Hour))
	if n := s.sweep(t.Context()); n != 1 {
		t.Fatalf("the sweep queued %d jobs, want 1", n)
	}
	waitEscalationJob(t, s)
	if fake.Refused() != refused {
		t.Errorf("the sweep's requests were refused %d times (another installation's token)", fake.Refused()-refused)
	}
	n := 0
	for _, c := range fake.Comments(5) {
		if strings.Contains(c.Body, github.EscalationMarker(1)) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d escalation comments on globex/web#5, want 1", n)
	}
}
