package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gov-policy/gov/github"
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
