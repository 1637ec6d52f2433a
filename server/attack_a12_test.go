package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gov-policy/gov/approvals"
	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/github/githubtest"
)

// labeledEvent is PR #2's labeled delivery of label at head.
func labeledEvent(t *testing.T, label, head string, n int) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(payload(t, "../testdata/github/webhooks/pull_request_labeled.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["label"].(map[string]any)["name"] = label
	m["label"].(map[string]any)["id"] = n // a redelivery differs from the one before
	m["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = head
	return mustJSON(t, m)
}

// blockFirstPRRead holds the first read of PR #2 until the returned
// function is called (once), so that a job of the PR stays running.
func blockFirstPRRead(fake *githubtest.Server) (release func()) {
	gate := make(chan struct{})
	var once, first sync.Once
	fake.OnRequest(func(r githubtest.Request) {
		if r.Method == "GET" && r.Path == prPath {
			first.Do(func() { <-gate })
		}
	})
	return func() { once.Do(func() { close(gate) }) }
}

// TestAttackA12LabelSpamGrowsPRLine: a bot that may label its own PR adds
// and removes labels in a loop while a job of the PR runs. Every "labeled"
// delivery of the same head was kept behind the running job (a labeled
// job is never superseded by another of its head), so the line, and the
// work it runs one evaluation after the other, grows with every delivery.
// Only the newest break-glass labeling of a head needs keeping: the line
// of one PR stays at most two jobs long, whatever the bot sends.
func TestAttackA12LabelSpamGrowsPRLine(t *testing.T) {
	fake := fakeGitHub(t)
	release := blockFirstPRRead(fake)
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor(fake.URL), Workers: 2,
		MaxAttempts: 1, RetryBase: time.Millisecond})
	serve(t, s)
	defer release()
	mustQueue(t, s, "pull_request", "d-first", synchronize(t, headSHA))
	if !waitFor(5*time.Second, func() bool { return !s.prs.idle() }) {
		t.Fatal("the first job of the PR never started")
	}
	for i := range 40 {
		label := fmt.Sprintf("spam-%d", i)
		if i%10 == 0 {
			label = approvals.DefaultBreakGlassLabel
		}
		mustQueue(t, s, "pull_request", fmt.Sprintf("d-label-%d", i), labeledEvent(t, label, headSHA, i))
	}
	if !waitFor(5*time.Second, func() bool { return s.queue.depth() == 0 }) {
		t.Fatal("the deliveries were never taken from the queue")
	}
	if n := s.prs.waiting(keyOf(fakeRepo, 2)); n > 2 {
		t.Errorf("%d jobs of one PR wait behind its running job after 40 label deliveries of one head; want at most 2", n)
	}
	// The break-glass labeling still runs with its trigger: later labels
	// of other names do not drop it.
	s.prs.mu.Lock()
	kept := 0
	for _, w := range s.prs.lines[keyOf(fakeRepo, 2)] {
		if w.keep {
			kept++
		}
	}
	s.prs.mu.Unlock()
	if kept != 1 {
		t.Errorf("%d break-glass labeled jobs kept in the line, want 1", kept)
	}
}

// TestAttackA12MergeGroupSuccessAfterApprovalWithdrawn: the group of #2
// is being decided; #2's approval has been read when its SRE reviewer
// requests changes. gov serve's PR path reads the reviews again before a
// success (github.ErrStale); the merge group path posted success on the
// group's commit with the withdrawn approval, and the queue merged it.
func TestAttackA12MergeGroupSuccessAfterApprovalWithdrawn(t *testing.T) {
	fake := fakeQueue(t)
	var gets int
	var mu sync.Mutex
	fake.OnRequest(func(r githubtest.Request) {
		if r.Method != "GET" || r.Path != "/api/v3/repos/acme/app/pulls/2" {
			return
		}
		mu.Lock()
		gets++
		n := gets
		mu.Unlock()
		if n != 2 { // the evaluation's re-read of #2: its reviews were read
			return
		}
		fake.Update(func(fx *githubtest.Fixture) {
			bob := githubtest.User{Login: "bob", ID: 2}
			fx.PRs[0].Reviews = append(fx.PRs[0].Reviews, githubtest.Review{ID: 2, User: bob, State: "CHANGES_REQUESTED",
				CommitID: shaAcme, SubmittedAt: time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)})
		})
	})
	s := queueServer(t, fake)
	serve(t, s)
	mustQueue(t, s, "merge_group", "g1", groupEvent(t, "checks_requested", groupOf2, 1))
	waitJobs(t, s, "merge_group", 1)
	for _, st := range fake.Statuses() {
		if st.SHA == groupOf2 && st.State == github.StateSuccess {
			t.Errorf("success on the group's commit after #2's approval was withdrawn: %+v", st)
		}
	}
	if st := fake.Statuses(); len(st) == 0 || st[len(st)-1].State != github.StateFailure {
		t.Errorf("statuses %+v: want the group's commit failed", st)
	}
}

// TestAttackA12PendingListReadsAnyFile: someone who can write into the
// shared audit directory drops into .pending a huge file and a link to
// one (a link to /dev/zero would never end). Every sweep read each whole
// into memory before looking at it. An entry is a small regular file:
// anything else is reported without being read, and the real entry is
// still swept.
func TestAttackA12PendingListReadsAnyFile(t *testing.T) {
	d := diskPending{dir: t.TempDir()}
	ctx := t.Context()
	if err := d.Put(ctx, PendingPR{Repo: "acme/app", Number: 1, HeadSHA: headSHA, Due: created}); err != nil {
		t.Fatal(err)
	}
	const huge = 128 << 20
	big := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(f.Truncate(huge), f.Close()); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(big, d.path("acme/app#2")); err != nil {
		t.Fatal(err)
	}
	g, err := os.Create(d.path("acme/app#3"))
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(g.Truncate(huge), g.Close()); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ps, err := d.List(ctx)
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("listing the pending PRs allocated %d MiB", got>>20)
	}
	if len(ps) != 1 || ps[0].Number != 1 || err == nil || strings.Count(err.Error(), "\n") != 1 {
		t.Errorf("List = %+v, %v; want PR 1 and two errors", ps, err)
	}
}

// TestAttackA12SweepFloodsQueue: GitHub is slow, so the workers have not
// yet run the escalation jobs of the last sweep when the next one comes:
// every sweep queued each overdue PR again, and a few minutes of sweeps
// (or many overdue entries, which anyone writing .pending can add) filled
// the whole work queue, so that GitHub's deliveries were refused (503)
// and the PRs they were about kept a stale status. A PR whose escalation
// job is queued is not queued again, and the sweep leaves half of the
// queue to the deliveries.
func TestAttackA12SweepFloodsQueue(t *testing.T) {
	fake := fakeGitHub(t)
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor(fake.URL), QueueSize: 8, Now: func() time.Time { return created.Add(9 * time.Hour) }})
	// Not serving: no worker takes a job, as when every worker waits on GitHub.
	for n := 10; n < 13; n++ {
		if err := s.pending.Put(t.Context(), PendingPR{Repo: "Codertocat/Hello-World", Number: n, HeadSHA: headSHA, BaseRef: "master", Due: created}); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		s.sweep(t.Context())
	}
	if d := s.queue.depth(); d > 3 {
		t.Errorf("three sweeps of three overdue PRs queued %d jobs, want 3", d)
	}
	for n := 13; n < 30; n++ {
		if err := s.pending.Put(t.Context(), PendingPR{Repo: "Codertocat/Hello-World", Number: n, HeadSHA: headSHA, BaseRef: "master", Due: created}); err != nil {
			t.Fatal(err)
		}
	}
	s.sweep(t.Context())
	if d := s.queue.depth(); d > 4 {
		t.Errorf("a sweep of many overdue PRs filled %d of the queue's 8 places, want at most half", d)
	}
	if code, result := deliver(t, s.Handler(), "pull_request", "d-after-sweeps", synchronize(t, headSHA)); code != 202 {
		t.Errorf("a delivery after the sweeps: %d %q, want 202 queued", code, result)
	}
}

// TestAttackA12SweepForgetsOnStatelessAnswer: a flaky GitHub (or a proxy
// in front of it) answers the sweep's read of a waiting PR with a body
// that has the PR's head, base and author but no state. The sweep took
// "not open" for closed and forgot the PR, which then never escalated.
// Only a PR GitHub says is closed is forgotten; anything else is kept for
// the next sweep.
func TestAttackA12SweepForgetsOnStatelessAnswer(t *testing.T) {
	fake := fakeGitHub(t)
	clk := &clock{t: created.Add(time.Hour)}
	s := pendingServer(t, fake, clk, "")
	base, _ := serve(t, s)
	decidedPending(t, s, base, fake)
	body := `{"number":2,"user":{"login":"Codertocat","id":21031067},"head":{"sha":"` + headSHA +
		`","ref":"x"},"base":{"ref":"master","sha":"` + strings.Repeat("0", 40) + `"}}`
	fake.AddFault(githubtest.Fault{Path: "/repos/Codertocat/Hello-World/pulls/2", Body: body, Times: 1})
	clk.Set(created.Add(9 * time.Hour))
	if n := s.sweep(t.Context()); n != 1 {
		t.Fatalf("the sweep queued %d jobs, want 1", n)
	}
	if !waitFor(10*time.Second, func() bool {
		return hasMetric(metricsText(t, s.Handler()), `gov_jobs_total{kind="escalation"`)
	}) {
		t.Fatal("the escalation job did not finish")
	}
	if ps, _ := s.pending.List(t.Context()); len(ps) != 1 {
		t.Errorf("pending after a stateless answer: %+v; want PR #2 kept for the next sweep", ps)
	}
}

// TestAttackA12ForgedPendingEntryUsesOtherInstallation: someone who can
// write into the shared audit directory drops a pending entry naming
// globex/web#5 with acme's installation (1). The sweep took the file's
// word: it read globex's PR with acme's token (a token used for another
// installation's repository; GitHub answers a public one). Entries carry
// a MAC under the server's webhook secret: a forged one is never swept.
func TestAttackA12ForgedPendingEntryUsesOtherInstallation(t *testing.T) {
	fake := fakeApp(t, nil)
	dir := t.TempDir()
	s := appServer(t, fake, nil, func(c *Config) {
		c.AuditDir, c.Now = dir, func() time.Time { return created.Add(9 * time.Hour) }
	})
	serve(t, s)
	forged := mustJSON(t, map[string]any{"repo": "globex/web", "number": 5, "head_sha": shaGlobex, "base_ref": "main",
		"due": created, "installation": 1})
	d := diskPending{dir: filepath.Join(dir, pendingDir)}
	if err := os.MkdirAll(d.dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.path("globex/web#5"), forged, 0o600); err != nil {
		t.Fatal(err)
	}
	n := s.sweep(t.Context())
	if n != 0 {
		waitJobs(t, s, "escalation", 1)
	}
	if n != 0 || fake.Refused() != 0 {
		t.Errorf("a forged pending entry was swept (%d jobs) with another installation's token (%d requests refused)", n, fake.Refused())
	}
}

// TestAttackA12CheckRunPROfAnotherRepository: a check_run's pull_requests
// may name pull requests of other repositories (a fork's PR with the same
// head). gov took the first number as one of the payload's repository and
// evaluated, published on (and on failure set an error status for) a PR
// the run was not about. Only a PR whose base is the payload's repository
// is evaluated; a run with none is ignored.
func TestAttackA12CheckRunPROfAnotherRepository(t *testing.T) {
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: &github.Options{Token: "x", MaxWait: -1}})
	var m map[string]any
	if err := json.Unmarshal(payload(t, "testdata/check_run_rerequested_pr.json"), &m); err != nil {
		t.Fatal(err)
	}
	prs := m["check_run"].(map[string]any)["pull_requests"].([]any)
	fork := prs[0].(map[string]any)["base"].(map[string]any)["repo"].(map[string]any)
	fork["url"], fork["id"], fork["name"] = "https://api.github.com/repos/mallory/Hello-World", 4242, "Hello-World"
	j, detail, herr := s.route("check_run", mustJSON(t, m), "d-fork")
	if herr != nil || j != nil {
		t.Errorf("a check run naming only a fork's PR: job %v, detail %q, error %v; want it ignored", j != nil, detail, herr)
	}
}
