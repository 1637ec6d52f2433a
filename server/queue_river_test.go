package server

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/github/githubtest"
	"github.com/gov-policy/gov/internal/gittest"
	"github.com/gov-policy/gov/internal/pgtest"
)

// pgJobServer is a server on the audit database url (so on the durable
// queue) deciding PRs against GitHub at ghURL, closed when the test ends.
func pgJobServer(t *testing.T, url, ghURL, bundle string) *Server {
	t.Helper()
	s := newTestServer(t, Config{Bundle: bundle, WebhookSecret: webhookSecret, GitHub: githubFor(ghURL), AuditDir: url,
		Workers: 2, MaxAttempts: 3, RetryBase: time.Millisecond, JobRescue: 200 * time.Millisecond})
	t.Cleanup(func() { _ = s.db.Close() })
	return s
}

// dbQuery runs one query returning one value on the database url.
func dbQuery[T any](t *testing.T, url, sql string, args ...any) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var v T
	if err := conn.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// jobOf is the state and attempt of the durable job of a delivery.
func jobOf(t *testing.T, url, delivery string) string {
	t.Helper()
	return dbQuery[string](t, url, `SELECT coalesce((SELECT state::text || ' ' || attempt::text FROM river_job
		WHERE args->>'delivery' = $1), 'none')`, delivery)
}

// TestPGJobsOfOnePRNeverOverlapAcrossReplicas: replicas a and b share the
// durable queue. The job of head A holds GitHub's first answer while head
// B is pushed and its delivery sent to the other replica: B's job must not
// run (no request reaches GitHub) until A's is done, and the last status
// posted is head B's.
func TestPGJobsOfOnePRNeverOverlapAcrossReplicas(t *testing.T) {
	db := pgtest.NewDatabase(t)
	fake := fakeGitHub(t)
	bundle := markerBundle(t)
	a, b := pgJobServer(t, db, fake.URL, bundle), pgJobServer(t, db, fake.URL, bundle)
	baseA, _ := serve(t, a)
	baseB, _ := serve(t, b)
	hung, release := make(chan struct{}), make(chan struct{})
	var blocked atomic.Bool
	var overlap atomic.Int32
	var once sync.Once
	fake.OnRequest(func(r githubtest.Request) {
		if blocked.Load() {
			overlap.Add(1) // a request of another job while A's waits
			return
		}
		once.Do(func() {
			blocked.Store(true)
			close(hung)
			<-release
			blocked.Store(false)
		})
	})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	postWebhook(t, baseA, "pull_request", "d-A", synchronize(t, headSHA))
	select {
	case <-hung:
	case <-time.After(20 * time.Second):
		t.Fatal("the job of head A never asked GitHub")
	}
	author := githubtest.User{Login: "Codertocat", ID: 21031067}
	fake.Push(2, githubtest.Commit{SHA: headB, Author: &author, Committer: &author}, diffB)
	postWebhook(t, baseB, "pull_request", "d-B", synchronize(t, headB))
	// B's job was fetched by a replica and put back (its PR is busy), or
	// ran beside A's.
	if !waitFor(20*time.Second, func() bool {
		return overlap.Load() > 0 || dbQuery[int](t, db, `SELECT coalesce((SELECT (metadata->>'snoozes')::int FROM river_job
			WHERE args->>'delivery' = 'd-B'), 0)`) > 0
	}) {
		t.Fatalf("head B's job was never tried: %s", jobOf(t, db, "d-B"))
	}
	close(release)
	if !waitFor(20*time.Second, func() bool {
		return strings.HasPrefix(jobOf(t, db, "d-A"), "completed") && strings.HasPrefix(jobOf(t, db, "d-B"), "completed")
	}) {
		t.Fatalf("jobs not done: A %s, B %s", jobOf(t, db, "d-A"), jobOf(t, db, "d-B"))
	}
	if n := overlap.Load(); n > 0 {
		t.Errorf("%d GitHub requests of another job of the PR while head A's job ran", n)
	}
	st := fake.Statuses()
	if len(st) == 0 || st[len(st)-1].SHA != headB {
		t.Errorf("statuses %+v: want head B's last", st)
	}
	if cs := fake.Comments(2); len(cs) != 1 || !strings.Contains(cs[0].Body, "denied") {
		t.Errorf("decision comment %+v: want head B's (denied)", cs)
	}
}

// TestPGJobRetriedAfterTransientFailure: GitHub answers 500 to the first
// reads of the PR; the durable job is retried (river attempts, with
// backoff) and decides the PR, not "error". When every attempt fails the
// status is error and the job is not retried past MaxAttempts.
func TestPGJobRetriedAfterTransientFailure(t *testing.T) {
	for _, tc := range []struct {
		name      string
		failFirst int64
		wantState string
		wantJob   string
	}{
		{"two 500s, then decided", 2, github.StateSuccess, "completed 3"},
		{"500s on every attempt", 99, github.StateError, "cancelled 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.NewDatabase(t)
			fake := fakeGitHub(t)
			var gets atomic.Int64
			px := proxy(t, fake, func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method != http.MethodGet || r.URL.Path != prPath || r.Header.Get("Accept") == "application/vnd.github.v3.diff" {
					return false
				}
				if gets.Add(1) <= tc.failFirst {
					http.Error(w, `{"message":"Server Error"}`, http.StatusInternalServerError)
					return true
				}
				return false
			})
			s := pgJobServer(t, db, px.URL+"/api/v3", markerBundle(t))
			base, _ := serve(t, s)
			postWebhook(t, base, "pull_request", "d-retry", synchronize(t, headSHA))
			if !waitFor(20*time.Second, func() bool {
				j := jobOf(t, db, "d-retry")
				return strings.HasPrefix(j, "completed") || strings.HasPrefix(j, "cancelled") || strings.HasPrefix(j, "discarded")
			}) {
				t.Fatalf("job not done: %s", jobOf(t, db, "d-retry"))
			}
			if j := jobOf(t, db, "d-retry"); j != tc.wantJob {
				t.Errorf("job %s, want %s", j, tc.wantJob)
			}
			st := statusesOf(fake, headSHA)
			if len(st) != 1 || st[0].State != tc.wantState {
				t.Errorf("statuses %+v: want one %s", st, tc.wantState)
			}
		})
	}
}

// TestPGWebhookJobNotStoredIs503AndRedeliverable: when the job cannot be
// stored (here its table is gone) the delivery is answered 503, not 202,
// and its claims are not kept (they are in the job's transaction): GitHub's
// redelivery, once the database is back, is queued (202), not refused as a
// duplicate.
func TestPGWebhookJobNotStoredIs503AndRedeliverable(t *testing.T) {
	db := pgtest.NewDatabase(t)
	fake := fakeGitHub(t)
	s := pgJobServer(t, db, fake.URL, markerBundle(t))
	exec := func(sql string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close(context.Background()) }()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec("ALTER TABLE river_job RENAME TO river_job_away")
	body := synchronize(t, headSHA)
	if code, out := a13Deliver(t, s.Handler(), "pull_request", "d-503", body); code != http.StatusServiceUnavailable {
		t.Fatalf("job not stored: %d %s, want 503", code, out)
	}
	exec("ALTER TABLE river_job_away RENAME TO river_job")
	if code, out := a13Deliver(t, s.Handler(), "pull_request", "d-503", body); code != http.StatusAccepted {
		t.Fatalf("redelivery: %d %s, want 202", code, out)
	}
	if j := jobOf(t, db, "d-503"); j != "available 0" {
		t.Errorf("stored job: %s, want available", j)
	}
}

// TestPGQueueDepthCountsDurableJobs: gov_queue_depth is the durable
// queue's jobs available or running, as every replica sees it.
func TestPGQueueDepthCountsDurableJobs(t *testing.T) {
	db := pgtest.NewDatabase(t)
	fake := fakeGitHub(t)
	a, b := pgJobServer(t, db, fake.URL, markerBundle(t)), pgJobServer(t, db, fake.URL, markerBundle(t))
	// Neither serves: the jobs wait.
	for _, id := range []string{"d-1", "d-2"} {
		if code, out := a13Deliver(t, a.Handler(), "pull_request", id, synchronize(t, map[string]string{"d-1": headSHA, "d-2": headB}[id])); code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", id, code, out)
		}
	}
	for _, s := range []*Server{a, b} {
		if m := metricsText(t, s.Handler()); !hasMetric(m, "gov_queue_depth 2") {
			t.Errorf("gov_queue_depth: want 2\n%s", grepLines(m, "gov_queue_depth"))
		}
	}
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestPGOlderJobSupersededByNewer: jobs of one PR wait while no replica
// works (a burst of pushes); when one starts, the older head's job is
// dropped as superseded and only the newest is evaluated, as in one
// process. A break-glass labeling of a head is not dropped for a plain
// job of the same head that came after it.
func TestPGOlderJobSupersededByNewer(t *testing.T) {
	db := pgtest.NewDatabase(t)
	fake := fakeGitHub(t)
	s := pgJobServer(t, db, fake.URL, markerBundle(t))
	for _, d := range []struct{ id, head string }{{"d-1", headSHA}, {"d-2", headB}} {
		if code, out := a13Deliver(t, s.Handler(), "pull_request", d.id, synchronize(t, d.head)); code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", d.id, code, out)
		}
	}
	serve(t, s)
	if !waitFor(20*time.Second, func() bool {
		return strings.HasPrefix(jobOf(t, db, "d-1"), "completed") && strings.HasPrefix(jobOf(t, db, "d-2"), "completed")
	}) {
		t.Fatalf("jobs not done: %s, %s", jobOf(t, db, "d-1"), jobOf(t, db, "d-2"))
	}
	if m := metricsText(t, s.Handler()); !hasMetric(m, `gov_jobs_total{kind="pr",result="superseded"} 1`) ||
		!hasMetric(m, `gov_jobs_total{kind="pr",result="ok"} 1`) {
		t.Errorf("want one job superseded and one run:\n%s", grepLines(m, "gov_jobs_total"))
	}
	if st := fake.Statuses(); len(st) != 1 {
		t.Errorf("statuses %+v: want the newest job's only", st)
	}

	// Labeling with break-glass binds the label to its head: a later
	// plain job of the same head does not supersede it. (These jobs go to
	// a queue no replica works.)
	d := s.jobs
	unworked := &river.InsertOpts{Queue: "unworked"}
	ctx := t.Context()
	keep, err := d.client.Insert(ctx, prArgs{Delivery: "k-1", Line: "pr:acme/x#9", Head: headSHA, Keep: true}, unworked)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.client.Insert(ctx, prArgs{Delivery: "k-2", Line: "pr:acme/x#9", Head: headSHA}, unworked); err != nil {
		t.Fatal(err)
	}
	if newer, err := d.newer(ctx, keep.Job.ID, "pr:acme/x#9", headSHA, true); err != nil || newer {
		t.Errorf("break-glass job superseded by a plain job of its head: %v %v", newer, err)
	}
	if _, err := d.client.Insert(ctx, prArgs{Delivery: "k-3", Line: "pr:acme/x#9", Head: headB}, unworked); err != nil {
		t.Fatal(err)
	}
	if newer, err := d.newer(ctx, keep.Job.ID, "pr:acme/x#9", headSHA, true); err != nil || !newer {
		t.Errorf("break-glass job not superseded by a job of a newer head: %v %v", newer, err)
	}
}

// TestPGMergeGroupOnDurableQueue: merge group jobs go through the durable
// queue with their installation: the group of #2 (approved) gets success,
// the group of #3 (not approved) failure, each job stored and done once.
func TestPGMergeGroupOnDurableQueue(t *testing.T) {
	db := pgtest.NewDatabase(t)
	fake := fakeQueue(t)
	s := appServer(t, fake, nil, func(c *Config) { c.Bundle, c.AuditDir = "embedded", db })
	t.Cleanup(func() { _ = s.db.Close() })
	serve(t, s)
	mustQueue(t, s, "merge_group", "g2", groupEvent(t, "checks_requested", groupOf2, 1))
	mustQueue(t, s, "merge_group", "g3", groupEvent(t, "checks_requested", groupOf3, 1))
	if !waitFor(20*time.Second, func() bool {
		return jobOf(t, db, "g2") == "completed 1" && strings.HasPrefix(jobOf(t, db, "g3"), "completed")
	}) {
		t.Fatalf("merge group jobs: %s, %s", jobOf(t, db, "g2"), jobOf(t, db, "g3"))
	}
	want := map[string]string{groupOf2: github.StateSuccess, groupOf3: github.StateFailure}
	st := fake.Statuses()
	if len(st) != 2 {
		t.Fatalf("statuses %+v: want one per group", st)
	}
	for _, s := range st {
		if want[s.SHA] != s.State {
			t.Errorf("status %+v: want %s", s, want[s.SHA])
		}
	}
}

// TestPGReplicasStartingTogetherMigrateOnce: replicas started at once on
// an empty database all come up: the job queue's tables are migrated once,
// under gov's migration lock, not raced.
func TestPGReplicasStartingTogetherMigrateOnce(t *testing.T) {
	db := pgtest.NewDatabase(t)
	bundle := markerBundle(t)
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			s, err := New(t.Context(), Config{Bundle: bundle, AuditDir: db, APIToken: testToken})
			errs[i] = err
			if err == nil {
				_ = s.db.Close()
				s.jobs.pool.Close()
			}
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	if got := dbQuery[int](t, db, "SELECT count(*) - count(DISTINCT version) FROM river_migration"); got != 0 {
		t.Errorf("%d river migrations applied twice", got)
	}
}

// TestPGPushReloadsEveryReplica: a push to the policy repository is
// delivered to one replica (the load balancer's pick) and claimed once
// across replicas; every replica must reload, not only that one, or the
// others keep deciding with the old policy.
func TestPGPushReloadsEveryReplica(t *testing.T) {
	db := pgtest.NewDatabase(t)
	repo := gittest.New(t)
	repo.Commit("policy", policyVersion("v1 by"))
	var rs []*Server
	for range 2 {
		s := newTestServer(t, Config{Bundle: repo.Dir + "@master", WebhookSecret: webhookSecret,
			PolicyRepo: "Codertocat/Hello-World", AuditDir: db, JobRescue: 200 * time.Millisecond})
		t.Cleanup(func() { _ = s.db.Close() })
		serve(t, s)
		rs = append(rs, s)
	}
	// Both replicas have started listening (Serve starts it in the background).
	if !waitFor(20*time.Second, func() bool {
		return dbQuery[int](t, db, "SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN "+reloadChannel+"'") == 2
	}) {
		t.Fatal("the replicas are not listening for reloads")
	}
	v2 := repo.Commit("policy", policyVersion("v2 by"))
	if code, result := deliver(t, rs[0].Handler(), "push", "push-1", payload(t, "../testdata/github/webhooks/push.json")); code != http.StatusAccepted || result != resultQueued {
		t.Fatalf("push: %d %q", code, result)
	}
	for i, s := range rs {
		if !waitFor(20*time.Second, func() bool { return s.Bundle().Revision == v2 }) {
			t.Errorf("replica %d serves %s after the push, want %s", i, s.Bundle().Revision, v2)
		}
	}
}
