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
