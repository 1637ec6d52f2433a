package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gov-policy/gov/internal/pgtest"
)

// replica is one gov serve process on a loopback port.
type replica struct {
	addr string
	cmd  *exec.Cmd
	// inflight counts the requests sent to it and not yet answered.
	inflight atomic.Int64
}

// startReplica starts gov serve (the test binary as gov, as testscript
// provides it on PATH) on addr with db as its audit store and waits until
// /readyz answers 200. The process is killed when t ends. It may run on
// any goroutine: it reports instead of failing t.
func startReplica(t *testing.T, gov, addr, db, logName string) (*replica, error) {
	logFile, err := os.Create(filepath.Join(t.TempDir(), logName))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(gov, "serve", "--addr", addr, "--bundle", "embedded", "--audit-dir", db, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "GOV_API_TOKEN=replica-token")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &replica{addr: addr, cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logFile.Close()
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r, nil
			}
			err = fmt.Errorf("/readyz: status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			return nil, fmt.Errorf("replica %s not ready: %w\n%s", addr, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sigkill kills the process at once: no graceful shutdown, requests and
// transactions in flight are cut.
func (r *replica) sigkill() error {
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	_ = r.cmd.Wait()
	return nil
}

// freeAddr is a loopback address with a port free now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

// evalResult is what the client saw of one request.
type evalResult struct {
	// decision is the 200 answer's body (nil when none came).
	decision []byte
	// attempts counts the replicas tried; failed those that did not answer 200.
	attempts, failed int
}

// TestReplicasEvalSIGKILL: two, then three gov serve processes share one
// PostgreSQL audit store. 2,000 /v1/eval requests, each with its own
// request id, go round-robin over them from concurrent clients; one replica
// is killed with SIGKILL while it has requests in flight and started
// again, and the client retries what failed on the next replica. Then
// every request answered 200 has exactly one record, the one with its
// request id and the very decision answered; any other record is of a
// request that had a failed attempt (decided and recorded by the killed
// replica, whose answer never arrived), at most one per failed attempt;
// and gov audit verify --chain passes (a kill mid-transaction leaves no
// half-written chain).
func TestReplicasEvalSIGKILL(t *testing.T) {
	gov, err := exec.LookPath("gov")
	if err != nil {
		t.Fatal(err)
	}
	patch, err := os.ReadFile("../../testdata/patches/python-null-check.diff")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d replicas", n), func(t *testing.T) {
			replicasSIGKILL(t, gov, string(patch), n, 2000)
		})
	}
}

func replicasSIGKILL(t *testing.T, gov, patch string, n, total int) {
	db := pgtest.NewDatabase(t)
	replicas := make([]*replica, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range replicas {
		addr := freeAddr(t)
		// Started together: they migrate the empty database under the
		// advisory lock at once.
		wg.Go(func() { replicas[i], errs[i] = startReplica(t, gov, addr, db, fmt.Sprintf("replica-%d.log", i)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	var current sync.Map // index -> *replica, swapped on restart
	for i, r := range replicas {
		current.Store(i, r)
	}
	replicaAt := func(i int) *replica { r, _ := current.Load(i); return r.(*replica) }

	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer client.CloseIdleConnections()
	ids := make([]string, total)
	results := make([]evalResult, total)
	var answered atomic.Int64
	send := func(i int) {
		body, _ := json.Marshal(map[string]any{
			"request_id": ids[i], "action_type": "code_fix", "environment": "staging",
			"service_name": "user_service", "language": "python", "requested_by": "healer-bot",
			"patch_content": patch,
		})
		res := &results[i]
		for attempt := range 20 {
			res.attempts++
			r := replicaAt((i + attempt) % n)
			r.inflight.Add(1)
			req, _ := http.NewRequest(http.MethodPost, "http://"+r.addr+"/v1/eval", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer replica-token")
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			var out bytes.Buffer
			if err == nil {
				_, err = out.ReadFrom(resp.Body)
				_ = resp.Body.Close()
				if err == nil && resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d: %s", resp.StatusCode, out.Bytes())
				}
			}
			r.inflight.Add(-1)
			if err == nil {
				res.decision = out.Bytes()
				answered.Add(1)
				return
			}
			res.failed++
			time.Sleep(5 * time.Millisecond)
		}
	}
	for i := range ids {
		ids[i] = fmt.Sprintf("replicas-%d-%04d", n, i)
	}

	// The feed holds back the last quarter until the killed replica is
	// back, so that it serves again before the run ends.
	const clients = 8
	victim := n - 1
	restarted := make(chan struct{})
	work := make(chan int)
	go func() {
		defer close(work)
		for i := range total {
			if i == total*3/4 {
				<-restarted
			}
			work <- i
		}
	}()
	var killedInFlight int64
	var restartErr error
	go func() {
		defer close(restarted)
		// Kill at about a quarter of the run, with requests in flight on
		// the victim (its batch of inserts among them, at times).
		old := replicaAt(victim)
		for answered.Load() < int64(total/4) {
			time.Sleep(time.Millisecond)
		}
		for wait := time.Now().Add(10 * time.Second); old.inflight.Load() < 2 && time.Now().Before(wait); {
			time.Sleep(100 * time.Microsecond)
		}
		killedInFlight = old.inflight.Load()
		if restartErr = old.sigkill(); restartErr != nil {
			return
		}
		var r *replica
		if r, restartErr = startReplica(t, gov, old.addr, db, "replica-restarted.log"); restartErr == nil {
			current.Store(victim, r)
		}
	}()
	start := time.Now()
	var clientsWG sync.WaitGroup
	for range clients {
		clientsWG.Go(func() {
			for i := range work {
				send(i)
			}
		})
	}
	clientsWG.Wait()
	<-restarted
	if restartErr != nil {
		t.Fatal(restartErr)
	}
	t.Logf("%d replicas: %d requests in %s; %d in flight on the replica killed", n, total, time.Since(start).Round(time.Millisecond), killedInFlight)

	// Every request was answered, after retries.
	retried := map[string]int{}
	for i, res := range results {
		if res.decision == nil {
			t.Fatalf("%s: no 200 in %d attempts", ids[i], res.attempts)
		}
		if res.failed > 0 {
			retried[ids[i]] = res.failed
		}
	}
	if len(retried) == 0 {
		t.Error("no request failed: the kill did not cut anything in flight")
	}
	t.Logf("%d requests retried", len(retried))
	checkReplicaRecords(t, db, ids, results)

	// The chain verifies after the kill, by the gov command itself.
	out, err := exec.Command(gov, "audit", "verify", "--chain", "--audit-dir", db).CombinedOutput()
	if err != nil {
		t.Fatalf("gov audit verify --chain: %v\n%s", err, out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
}

// checkReplicaRecords reads every record in db and checks it against what
// the clients were answered: one record per 200 answer, with its decision;
// other records only for failed attempts; no digest twice.
func checkReplicaRecords(t *testing.T, db string, ids []string, results []evalResult) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var rows, digests int
	if err := conn.QueryRow(ctx, "SELECT count(*), count(DISTINCT digest) FROM gov_audit WHERE kind = 'record'").Scan(&rows, &digests); err != nil {
		t.Fatal(err)
	}
	if rows != digests {
		t.Fatalf("%d record rows but %d digests: a record is stored twice", rows, digests)
	}
	q, err := conn.Query(ctx, "SELECT digest, body FROM gov_audit WHERE kind = 'record'")
	if err != nil {
		t.Fatal(err)
	}
	type rec struct {
		digest   string
		decision any
	}
	byID := map[string][]rec{}
	for q.Next() {
		var digest string
		var body []byte
		if err := q.Scan(&digest, &body); err != nil {
			t.Fatal(err)
		}
		var r struct {
			Request struct {
				RequestID string `json:"request_id"`
			} `json:"request"`
			Decision json.RawMessage `json:"decision"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("record %s: %v", digest, err)
		}
		var d any
		if err := json.Unmarshal(r.Decision, &d); err != nil {
			t.Fatalf("record %s: decision: %v", digest, err)
		}
		byID[r.Request.RequestID] = append(byID[r.Request.RequestID], rec{digest, d})
	}
	if err := q.Err(); err != nil {
		t.Fatal(err)
	}
	orphans := 0
	for i, res := range results {
		var answer any
		if err := json.Unmarshal(res.decision, &answer); err != nil {
			t.Fatalf("%s: answer: %v", ids[i], err)
		}
		recs := byID[ids[i]]
		delete(byID, ids[i])
		matched := 0
		for _, r := range recs {
			if reflect.DeepEqual(r.decision, answer) {
				matched++
			}
		}
		if matched != 1 {
			t.Errorf("%s: answered 200, %d records with its decision (want 1); %d records of its id", ids[i], matched, len(recs))
		}
		// A record beyond the answered one is a decision a killed replica
		// recorded and never answered: one per failed attempt at most.
		if extra := len(recs) - matched; extra > res.failed {
			t.Errorf("%s: %d records besides the answered one, after %d failed attempts", ids[i], extra, res.failed)
		} else {
			orphans += extra
		}
	}
	for id, recs := range byID {
		t.Errorf("%d record(s) of request id %q, which no client sent", len(recs), id)
	}
	t.Logf("%d records: %d answered, %d recorded by the killed replica and not answered", rows, len(results), orphans)
}
