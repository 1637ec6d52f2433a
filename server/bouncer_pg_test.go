package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/internal/pgtest"
)

// TestPGServeBehindPgBouncerSessionPool: gov serve on an audit database
// reached through PgBouncer in session pooling mode (its defaults) starts
// (its store's and its job queue's migrations), records an evaluation, and
// decides a PR on the durable job queue. Seen failing (New: unsupported
// startup parameter: lock_timeout) with the job queue's migration
// settings sent as run-time parameters.
func TestPGServeBehindPgBouncerSessionPool(t *testing.T) {
	db := pgtest.NewDatabase(t)
	fake := fakeGitHub(t)
	s := pgJobServer(t, pgtest.Bouncer(t, db), fake.URL, markerBundle(t))
	base, _ := serve(t, s)
	if code, out := postEval(base, "through-bouncer"); code != http.StatusOK {
		t.Fatalf("/v1/eval through PgBouncer: %d %s", code, out)
	}
	if n := recordsByRequest(t, db)["through-bouncer"]; n != 1 {
		t.Errorf("records of the evaluation: %d, want 1", n)
	}
	postWebhook(t, base, "pull_request", "d-bouncer", synchronize(t, headSHA))
	if !waitFor(20*time.Second, func() bool { return strings.HasPrefix(jobOf(t, db, "d-bouncer"), "completed") }) {
		t.Fatalf("job through PgBouncer: %s, want completed", jobOf(t, db, "d-bouncer"))
	}
	if st := statusesOf(fake, headSHA); len(st) != 1 || st[0].State != github.StateSuccess {
		t.Errorf("statuses %+v, want one success", st)
	}
}
