package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/github/githubtest"
	"github.com/gov-policy/gov/internal/pgtest"
)

// a14Exec runs statements on the database url.
func a14Exec(t *testing.T, url string, sqls ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	for _, sql := range sqls {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

// a14LineFault makes PostgreSQL fail every statement that names a PR
// line's advisory lock while public.gov_test_fault holds true: a real
// database error on the lock of a job's line (as a dropped connection or
// a statement timeout would give), nothing else touched.
func a14LineFault(t *testing.T, db string) {
	t.Helper()
	name := db[strings.LastIndex(db, "/")+1:]
	if i := strings.IndexByte(name, '?'); i >= 0 {
		name = name[:i]
	}
	a14Exec(t, db,
		"CREATE TABLE public.gov_test_fault (fail boolean NOT NULL)",
		"INSERT INTO public.gov_test_fault VALUES (false)",
		`CREATE FUNCTION public.hashtextextended(t text, seed bigint) RETURNS bigint LANGUAGE plpgsql AS $$
		BEGIN
			IF t LIKE 'gov-line:%' AND (SELECT fail FROM public.gov_test_fault) THEN
				RAISE EXCEPTION 'injected fault: the line lock''s statement failed';
			END IF;
			RETURN pg_catalog.hashtextextended(t, seed);
		END $$`,
		"ALTER DATABASE "+name+" SET search_path = public, pg_catalog")
}

// TestAttackA14JobLostOnLineLockErrorKeepsOldSuccess: a PR job whose every
// attempt fails before its evaluation (the database errs on its line's
// lock) must end as the jobs whose evaluation failed do: the head's
// gov/policy status set to "error". Otherwise river discards the job
// silently after its attempts: GitHub was answered 202 for the delivery,
// and the success an earlier job posted on the same head stays, although
// the event (a review dismissed, changes requested) was never decided.
func TestAttackA14JobLostOnLineLockErrorKeepsOldSuccess(t *testing.T) {
	db := pgtest.NewDatabase(t)
	a14LineFault(t, db)
	fake := fakeGitHub(t)
	s := pgJobServer(t, db, fake.URL, markerBundle(t))
	serve(t, s)
	done := func(delivery string) bool {
		j := jobOf(t, db, delivery)
		return strings.HasPrefix(j, "completed") || strings.HasPrefix(j, "cancelled") || strings.HasPrefix(j, "discarded")
	}
	if code, out := a13Deliver(t, s.Handler(), "pull_request", "d-ok", synchronize(t, headSHA)); code != http.StatusAccepted {
		t.Fatalf("first delivery: %d %s", code, out)
	}
	if !waitFor(20*time.Second, func() bool { return done("d-ok") }) {
		t.Fatalf("first job not done: %s", jobOf(t, db, "d-ok"))
	}
	if st := statusesOf(fake, headSHA); len(st) != 1 || st[0].State != github.StateSuccess {
		t.Fatalf("first job: statuses %+v, want one success", st)
	}

	a14Exec(t, db, "UPDATE public.gov_test_fault SET fail = true")
	var m map[string]any
	if err := json.Unmarshal(synchronize(t, headSHA), &m); err != nil {
		t.Fatal(err)
	}
	m["action"] = "reopened" // another event of the same head
	if code, out := a13Deliver(t, s.Handler(), "pull_request", "d-lost", mustJSON(t, m)); code != http.StatusAccepted {
		t.Fatalf("second delivery: %d %s", code, out)
	}
	if !waitFor(20*time.Second, func() bool { return done("d-lost") }) {
		t.Fatalf("second job not done: %s", jobOf(t, db, "d-lost"))
	}
	st := statusesOf(fake, headSHA)
	if last := st[len(st)-1]; last.State != github.StateError {
		t.Errorf("job %s after every attempt failed: the head's last status is %q (%+v), want error",
			jobOf(t, db, "d-lost"), last.State, st)
	}
}

// TestAttackA14LineLockLostMidJobLetsTwoJobsRun: a PR job holds its line's
// advisory lock on a connection of its own. When that connection dies
// while the job runs (the database ends the session: a restart, a
// failover, an idle timeout, a proxy dropping it), the lock is gone and a
// job of the same PR on another replica takes it. The first job must stop
// then: here it still waits on GitHub, and it goes on when GitHub answers,
// beside the newer job (the race the lock exists to prevent: a stale run
// posting after a newer one).
func TestAttackA14LineLockLostMidJobLetsTwoJobsRun(t *testing.T) {
	db := pgtest.NewDatabase(t)
	fake := fakeGitHub(t)
	hung, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var holding atomic.Bool // A's request is held and A still waits for it
	px := proxy(t, fake, func(w http.ResponseWriter, r *http.Request) bool {
		first := false
		once.Do(func() { first = true })
		if !first {
			return false
		}
		holding.Store(true)
		close(hung)
		select {
		case <-release:
		case <-r.Context().Done(): // A's job gave up its request
		}
		holding.Store(false)
		return false
	})
	bundle := markerBundle(t)
	a := pgJobServer(t, db, px.URL+"/api/v3", bundle)
	b := pgJobServer(t, db, fake.URL, bundle)
	serve(t, a) // b serves once A's job runs on a
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	var overlap atomic.Int32
	fake.OnRequest(func(githubtest.Request) {
		if holding.Load() {
			overlap.Add(1) // B's job asks GitHub while A's still runs
		}
	})
	if code, out := a13Deliver(t, a.Handler(), "pull_request", "d-A", synchronize(t, headSHA)); code != http.StatusAccepted {
		t.Fatalf("d-A: %d %s", code, out)
	}
	select {
	case <-hung:
	case <-time.After(20 * time.Second):
		t.Fatal("the job of head A never asked GitHub")
	}
	// The database ends the session holding A's line lock.
	line := prLine(keyOf(github.Repo{Owner: "Codertocat", Name: "Hello-World"}, 2))
	if n := dbQuery[int](t, db, `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND objsubid = 1 AND granted
		AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`, lineLock(line)); n != 1 {
		t.Fatalf("%d sessions holding the line's lock ended, want 1", n)
	}
	serve(t, b)
	time.Sleep(2 * time.Second)
	author := githubtest.User{Login: "Codertocat", ID: 21031067}
	fake.Push(2, githubtest.Commit{SHA: headB, Author: &author, Committer: &author}, diffB)
	if code, out := a13Deliver(t, b.Handler(), "pull_request", "d-B", synchronize(t, headB)); code != http.StatusAccepted {
		t.Fatalf("d-B: %d %s", code, out)
	}
	if !waitFor(20*time.Second, func() bool { return strings.HasPrefix(jobOf(t, db, "d-B"), "completed") }) {
		t.Fatalf("head B's job not done: %s", jobOf(t, db, "d-B"))
	}
	if n := overlap.Load(); n > 0 {
		t.Errorf("%d GitHub requests of head B's job while head A's job, its line's lock lost, still ran", n)
	}
}

// TestAttackA14CraftedJobArgsReachGitHub: a job's arguments are JSON in the
// database (river_job.args), decoded without the checks route applies to a
// webhook's names. A job written there by whoever can write the table (the
// database's users, not GitHub's) with a repository whose owner holds a
// path makes the worker call GitHub, with the installation's token, on a
// path gov never builds from a webhook. The worker must refuse such a job
// before any request.
func TestAttackA14CraftedJobArgsReachGitHub(t *testing.T) {
	db := pgtest.NewDatabase(t)
	fake := fakeGitHub(t)
	var paths []string
	var mu sync.Mutex
	fake.OnRequest(func(r githubtest.Request) {
		mu.Lock()
		defer mu.Unlock()
		paths = append(paths, r.Method+" "+r.Path)
	})
	s := pgJobServer(t, db, fake.URL, markerBundle(t))
	serve(t, s)
	evil := github.Repo{Owner: "Codertocat/Hello-World/pulls/2/../../../../../orgs/acme/hooks#", Name: "x"}
	jobs := []durableArgs{
		prArgs{Event: github.Event{Repo: evil, Number: 2, HeadSHA: headSHA, Action: "opened"},
			Delivery: "crafted-pr", Line: prLine(keyOf(evil, 2)), Head: headSHA},
		prArgs{Event: github.Event{Repo: github.Repo{Owner: "Codertocat", Name: "Hello-World"}, Number: 2,
			HeadSHA: "../../../../orgs/acme/hooks#", Action: "opened"}, Delivery: "crafted-head", Line: "pr:codertocat/hello-world#2", Head: "x"},
		groupArgs{Group: github.MergeGroup{Repo: evil, HeadSHA: headSHA, BaseRef: "master"}, Delivery: "crafted-group", Line: "group:x"},
	}
	for _, a := range jobs {
		if _, err := s.jobs.insert(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	if !waitFor(20*time.Second, func() bool {
		return dbQuery[int](t, db, `SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled')`) == 0
	}) {
		t.Fatal("crafted jobs not done")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range paths {
		if strings.Contains(p, "acme") || strings.Contains(p, "/x/") {
			t.Errorf("a crafted job's request reached GitHub: %s", p)
		}
	}
}
