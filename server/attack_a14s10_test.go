package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/github/githubtest"
	"github.com/gov-policy/gov/internal/pgtest"
)

// TestAttackA14S10ServeAcrossBouncerRestart: gov serve's audit database
// through PgBouncer (session mode) that restarts (SIGKILL: every client
// and server connection ends, the job queue's LISTEN and the replica's
// lock with them). A delivery taken before the restart and sent again
// after it is not run twice; a push after the restart is decided (no job
// lost); an evaluation after it is recorded or refused, never answered
// 200 without its record.
func TestAttackA14S10ServeAcrossBouncerRestart(t *testing.T) {
	db := pgtest.NewDatabase(t)
	fake := fakeGitHub(t)
	pooler := pgtest.StartBouncer(t, db, nil)
	s := pgJobServer(t, pooler.URL, fake.URL, markerBundle(t))
	base, _ := serve(t, s)
	postWebhook(t, base, "pull_request", "d-before", synchronize(t, headSHA))
	if !waitFor(20*time.Second, func() bool { return strings.HasPrefix(jobOf(t, db, "d-before"), "completed") }) {
		t.Fatalf("job before the restart: %s, want completed", jobOf(t, db, "d-before"))
	}
	pooler.Restart(t)
	// Right after the restart the pools' connections are dead: requests
	// may be refused (fail closed: GitHub's redelivery, a client's retry)
	// until the pools have new ones.
	for i := range 3 {
		id := fmt.Sprintf("after-restart-%d", i)
		code, out := postEval(base, id)
		if n := recordsByRequest(t, db)[id]; (code == http.StatusOK) != (n == 1) {
			t.Errorf("/v1/eval after the restart: %d %s with %d records, want 200 with one or a refusal with none", code, out, n)
		}
	}
	redeliver := func(id string, body []byte, want int) {
		t.Helper()
		for i := 0; ; i++ {
			code, out := postSigned(base, "pull_request", id, body)
			if code == want {
				return
			}
			if code < 500 || i == 20 {
				t.Fatalf("webhook %s after the restart: %d %s", id, code, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	redeliver("d-before", synchronize(t, headSHA), http.StatusOK) // a duplicate

	author := githubtest.User{Login: "Codertocat", ID: 21031067}
	fake.Push(2, githubtest.Commit{SHA: headB, Author: &author, Committer: &author}, diffB)
	redeliver("d-after", synchronize(t, headB), http.StatusAccepted)
	if !waitFor(20*time.Second, func() bool { return strings.HasPrefix(jobOf(t, db, "d-after"), "completed") }) {
		t.Fatalf("job after the restart: %s, want completed", jobOf(t, db, "d-after"))
	}
	if n := dbQuery[int](t, db, "SELECT count(*) FROM river_job WHERE args->>'delivery' = 'd-before'"); n != 1 {
		t.Errorf("jobs of the delivery sent before and after the restart: %d, want 1", n)
	}
	if st := statusesOf(fake, headSHA); len(st) != 1 {
		t.Errorf("statuses of the head decided before the restart: %+v, want one", st)
	}
	if st := statusesOf(fake, headB); len(st) != 1 {
		t.Errorf("statuses of the head pushed after the restart: %+v, want one", st)
	}
}

// TestAttackA14S10ReadyzBehindBouncer: with gov's audit database behind
// PgBouncer, which stays up and takes connections while the database is
// down, /readyz still answers 503 and a decision is refused (never 200
// without its record); once the database is back /readyz recovers and
// decisions are recorded. Held on 36aedc7 (a guard: PgBouncer answering
// for the database must not make gov ready).
func TestAttackA14S10ReadyzBehindBouncer(t *testing.T) {
	c := pgtest.NewCluster(t)
	pooler := pgtest.StartBouncer(t, c.URL(), nil)
	s := pgServer(t, pooler.URL, Config{})
	ready, eval := readyAndEval(t, s.Handler())
	if code, out := ready(); code != http.StatusOK {
		t.Fatalf("/readyz with the database up: %d %s", code, out)
	}
	c.Stop(t)
	if code, out := ready(); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down behind PgBouncer: %d %s, want 503", code, out)
	}
	if code := eval("down-1"); code == http.StatusOK {
		t.Errorf("/v1/eval with the database down behind PgBouncer answered 200 (a decision without its record)")
	}
	c.Start(t)
	if !waitFor(30*time.Second, func() bool { code, _ := ready(); return code == http.StatusOK }) {
		code, out := ready()
		t.Fatalf("/readyz did not recover after the database came back: %d %s", code, out)
	}
	if code := eval("up-2"); code != http.StatusOK {
		t.Errorf("/v1/eval after the database came back: %d", code)
	}
	if n := recordsByRequest(t, c.URL())["up-2"]; n != 1 {
		t.Errorf("records of up-2: %d, want 1", n)
	}
}
