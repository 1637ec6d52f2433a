package server

import (
	"bytes"
	"cmp"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gov-policy/gov/github/githubtest"
	"github.com/gov-policy/gov/internal/pgtest"
)

// The tests of this file run real `gov serve` processes (replicas) on one
// database, built once for the package (govBinary; TestMain removes it).

var govBuild struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// govBinary builds cmd/gov once for the test process.
func govBinary(t *testing.T) string {
	t.Helper()
	govBuild.once.Do(func() {
		govBuild.dir, govBuild.err = os.MkdirTemp("", "gov-server-test-")
		if govBuild.err != nil {
			return
		}
		govBuild.path = filepath.Join(govBuild.dir, "gov")
		cmd := exec.Command("go", "build", "-o", govBuild.path, "github.com/gov-policy/gov/cmd/gov")
		govBuild.out, govBuild.err = cmd.CombinedOutput()
	})
	if govBuild.err != nil {
		t.Fatalf("building gov: %v\n%s", govBuild.err, govBuild.out)
	}
	return govBuild.path
}

// removeGovBinary is TestMain's clean-up.
func removeGovBinary() {
	if govBuild.dir != "" {
		_ = os.RemoveAll(govBuild.dir)
	}
}

// replica is one gov serve process.
type replica struct {
	name, base, target string
	cmd                *exec.Cmd
	log                *bytes.Buffer
	done               chan struct{}
	waitErr            error // set when done is closed
}

// replicaFlags are what every replica of a test shares.
type replicaFlags struct {
	audit, bundle, github string
	// shutdown is --shutdown-timeout (default 5s).
	shutdown string
}

// startReplica starts gov serve on a free loopback port and waits until it
// is ready; it is killed when the test ends, its log printed on failure.
func startReplica(t *testing.T, name string, f replicaFlags) *replica {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	r := &replica{name: name, base: "http://" + addr, target: "http://" + name + ".replica.test/", log: &bytes.Buffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(govBinary(t), "serve", "--addr", addr, "--bundle", f.bundle, "--audit-dir", f.audit,
		"--github-url", f.github, "--target-url", r.target, "--workers", "2", "--log-level", "debug", "--shutdown-timeout", cmp.Or(f.shutdown, "5s"))
	r.cmd.Env = append(os.Environ(), "GOV_WEBHOOK_SECRET="+webhookSecret, "GITHUB_TOKEN="+ghToken, "GOV_API_TOKEN="+testToken)
	w := syncWriter{r.log, &sync.Mutex{}}
	r.cmd.Stdout, r.cmd.Stderr = w, w
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.waitErr = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			t.Logf("replica %s log:\n%s", name, r.log.String())
		}
	})
	if !waitFor(60*time.Second, func() bool {
		select {
		case <-r.done:
			return true
		default:
		}
		resp, err := http.Get(r.base + "/readyz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}) {
		t.Fatalf("replica %s not ready:\n%s", name, r.log.String())
	}
	select {
	case <-r.done:
		t.Fatalf("replica %s exited:\n%s", name, r.log.String())
	default:
	}
	return r
}

// kill sends SIGKILL and waits for the process to end.
func (r *replica) kill() {
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
}

// syncWriter serialises the writes of a process's stdout and stderr.
type syncWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// statusesOf are the statuses of sha (pending ones included: a job
// posts one status).
func statusesOf(fake *githubtest.Server, sha string) []githubtest.Status {
	var out []githubtest.Status
	for _, st := range fake.Statuses() {
		if st.SHA == sha {
			out = append(out, st)
		}
	}
	return out
}

// TestPGReplicaKilledAfter202JobRunsElsewhere: replica a answers 202 to a
// PR delivery and is killed with SIGKILL while its job waits on GitHub.
// Replica b, started after, works the job (the fake GitHub sees b's status):
// a 202 is a stored job, not one in a dead process's memory.
func TestPGReplicaKilledAfter202JobRunsElsewhere(t *testing.T) {
	fake := fakeGitHub(t)
	flags := replicaFlags{audit: pgtest.NewDatabase(t), bundle: markerBundle(t), github: fake.URL}
	killReplicaMidJob(t, fake, flags, flags)
}

// killReplicaMidJob is the kill test with each replica's flags (the audit
// store is what the test is about).
func killReplicaMidJob(t *testing.T, fake *githubtest.Server, fa, fb replicaFlags) {
	t.Helper()
	hung, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	fake.OnRequest(func(r githubtest.Request) {
		if r.Path != prPath {
			return
		}
		select {
		case <-release:
			return
		default:
		}
		once.Do(func() { close(hung) })
		select {
		case <-release:
		case <-time.After(30 * time.Second):
		}
	})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	a := startReplica(t, "a", fa)
	if code, out := postSigned(a.base, "pull_request", "d-kill", synchronize(t, headSHA)); code != http.StatusAccepted {
		t.Fatalf("replica a: %d %s, want 202", code, out)
	}
	select {
	case <-hung:
	case <-time.After(20 * time.Second):
		t.Fatalf("replica a's job never asked GitHub for the PR:\n%s", a.log.String())
	}
	a.kill()
	killed := time.Now()
	close(release)
	b := startReplica(t, "b", fb)
	started := time.Now()
	if !waitFor(30*time.Second, func() bool { return len(statusesOf(fake, headSHA)) > 0 }) {
		t.Fatalf("no replica published the PR after replica a was killed: statuses %+v\nreplica b's log:\n%s", fake.Statuses(), b.log.String())
	}
	t.Logf("replica b posted %s after the kill, %s after it was ready", time.Since(killed).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
	st := statusesOf(fake, headSHA)
	if len(st) != 1 || st[0].TargetURL != b.target || st[0].State != "success" {
		t.Errorf("statuses %+v: want one success from replica b (%s)", st, b.target)
	}
}

// TestPGSameDeliveryToEveryReplicaProcessedOnce: three replicas receive the
// same delivery at once (a load balancer retrying, GitHub redelivering);
// one answers 202, the others 200 duplicate, and the fake GitHub sees one
// status for it, once every replica has had the time to work what it took.
func TestPGSameDeliveryToEveryReplicaProcessedOnce(t *testing.T) {
	fake := fakeGitHub(t)
	flags := replicaFlags{audit: pgtest.NewDatabase(t), bundle: markerBundle(t), github: fake.URL}
	sameDeliveryToEveryReplica(t, fake, []replicaFlags{flags, flags, flags})
}

func sameDeliveryToEveryReplica(t *testing.T, fake *githubtest.Server, flags []replicaFlags) {
	t.Helper()
	var rs []*replica
	for i, f := range flags {
		rs = append(rs, startReplica(t, fmt.Sprint("r", i), f))
	}
	body := synchronize(t, headSHA)
	codes := make([]int, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Go(func() { codes[i], _ = postSigned(r.base, "pull_request", "d-same", body) })
	}
	wg.Wait()
	accepted := 0
	for _, c := range codes {
		switch c {
		case http.StatusAccepted:
			accepted++
		case http.StatusOK:
		default:
			t.Errorf("answers %v: want one 202 and 200 duplicates", codes)
		}
	}
	if !waitFor(30*time.Second, func() bool { return len(statusesOf(fake, headSHA)) > 0 }) {
		t.Fatalf("the delivery was not processed: answers %v", codes)
	}
	// Every replica idle: no job left in the queue of any of them.
	idle := func() bool {
		for _, r := range rs {
			if !replicaIdle(t, r) {
				return false
			}
		}
		return true
	}
	if !waitFor(30*time.Second, idle) {
		t.Fatal("the replicas did not become idle")
	}
	if st := statusesOf(fake, headSHA); accepted != 1 || len(st) != 1 {
		t.Errorf("answers %v, statuses %+v: want the delivery accepted and processed once", codes, st)
	}
}

// replicaIdle reads the replica's gov_queue_depth: with the durable queue
// the jobs available or running on any replica.
func replicaIdle(t *testing.T, r *replica) bool {
	t.Helper()
	resp, err := http.Get(r.base + "/metrics")
	if err != nil {
		return false
	}
	defer func() { _ = resp.Body.Close() }()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return hasMetric(buf.String(), "gov_queue_depth 0")
}

// TestPGReplicaSIGTERMFinishesRunningJob: a replica told to stop (SIGTERM)
// while its job waits on GitHub finishes the job, posts its status and
// exits 0; it does not drop the job on the floor or leave it to a rescue.
func TestPGReplicaSIGTERMFinishesRunningJob(t *testing.T) {
	fake := fakeGitHub(t)
	flags := replicaFlags{audit: pgtest.NewDatabase(t), bundle: markerBundle(t), github: fake.URL}
	hung, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	fake.OnRequest(func(r githubtest.Request) {
		if r.Path != prPath {
			return
		}
		once.Do(func() {
			close(hung)
			<-release
		})
	})
	a := startReplica(t, "a", flags)
	if code, out := postSigned(a.base, "pull_request", "d-term", synchronize(t, headSHA)); code != http.StatusAccepted {
		t.Fatalf("replica a: %d %s, want 202", code, out)
	}
	select {
	case <-hung:
	case <-time.After(20 * time.Second):
		close(release)
		t.Fatal("the job never asked GitHub for the PR")
	}
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Stopping: no longer ready, still running its job.
	waitFor(5*time.Second, func() bool {
		resp, err := http.Get(a.base + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
		}
		return err != nil
	})
	close(release)
	select {
	case <-a.done:
	case <-time.After(20 * time.Second):
		t.Fatal("replica a did not exit after SIGTERM")
	}
	if a.waitErr != nil {
		t.Errorf("replica a exited: %v, want 0", a.waitErr)
	}
	if st := statusesOf(fake, headSHA); len(st) != 1 || st[0].TargetURL != a.target {
		t.Errorf("statuses %+v: want replica a's, posted before it exited", st)
	}
}
