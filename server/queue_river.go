package server

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/github"
)

// With a PostgreSQL audit store, gov serve's webhook jobs (PR jobs, merge
// group jobs, the sweep's escalation jobs) are rows of a durable queue in
// the same database (river): a delivery answered 202 is stored, any
// replica works it, a failed attempt is retried with backoff, and a job
// whose replica died is worked again by another.
//
//   - One job of a line (a PR, or a merge group's commit) at a time across
//     replicas: a job holds the line's advisory lock on a connection of its
//     own while it runs; a job that finds it taken is snoozed (tried again
//     shortly, no attempt spent).
//   - The newest job of a PR wins: holding the lock, a job that has a newer
//     job of its PR (waiting, running or done) is dropped as superseded, as
//     prLines drops a waiting one, the break-glass labeling of a head kept.
//   - A replica holds an advisory lock named by its river client id for its
//     life. Every replica looks every JobRescue for running jobs whose
//     replica's lock is free: that replica is gone (PostgreSQL ends the
//     session of a killed process), and its jobs are made available again
//     at once instead of after river's RescueStuckJobsAfter.
//
// Reload jobs (a push to the policy repository) run in the in-memory queue
// of the replica that took the delivery (claimed once across replicas),
// which announces it (NOTIFY): every other replica queues its own reload.

// Job kinds of the durable queue.
const (
	kindPR         = "gov_pr"
	kindGroup      = "gov_merge_group"
	kindEscalation = "gov_escalation"
)

// prArgs is a PR job: the event, its delivery (unique), the PR's line and
// the head the event named.
type prArgs struct {
	Event    github.Event `json:"event"`
	Delivery string       `json:"delivery" river:"unique"`
	Line     string       `json:"line"`
	Head     string       `json:"head"`
	// Keep marks the break-glass labeling of Head, which a newer job of
	// the same head does not supersede unless it is one too.
	Keep bool `json:"keep"`
}

func (prArgs) Kind() string { return kindPR }

func (prArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// groupArgs is a merge group job.
type groupArgs struct {
	Group    github.MergeGroup `json:"group"`
	Delivery string            `json:"delivery" river:"unique"`
	Line     string            `json:"line"`
}

func (groupArgs) Kind() string { return kindGroup }

func (groupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// escalationArgs is a sweep's escalation job: one waits per PR at most.
type escalationArgs struct {
	PR   PendingPR `json:"pr"`
	Line string    `json:"line" river:"unique"`
	Head string    `json:"head"`
}

func (escalationArgs) Kind() string { return kindEscalation }

func (escalationArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled}}}
}

// checkedArgs are a durable job's arguments, read back from the database:
// check says whether they are what gov stores (names as route validates
// them, the line and head derived from them), line is the job's line.
type checkedArgs interface {
	check() error
	line() string
}

// checkEvent checks what a job names of a PR: its repository, number and
// head commit, as route does for a webhook.
func checkEvent(repo github.Repo, number int, head string) error {
	r, err := github.ParseRepo(repo.String())
	if err != nil || r != repo {
		return fmt.Errorf("job arguments: repository %q is not a valid name", repo.String())
	}
	if number <= 0 {
		return fmt.Errorf("job arguments: pull request number %d", number)
	}
	if !commitSHA().MatchString(head) {
		return errors.New("job arguments: head is not a commit id")
	}
	return nil
}

func (a prArgs) check() error {
	if err := checkEvent(a.Event.Repo, a.Event.Number, a.Event.HeadSHA); err != nil {
		return err
	}
	if a.Line != prLine(keyOf(a.Event.Repo, a.Event.Number)) || a.Head != a.Event.HeadSHA {
		return errors.New("job arguments: line or head not those of the event")
	}
	return nil
}

func (a prArgs) line() string { return a.Line }

func (a groupArgs) check() error {
	if err := checkEvent(a.Group.Repo, 1, a.Group.HeadSHA); err != nil {
		return err
	}
	if a.Line != groupLine(a.Group) {
		return errors.New("job arguments: line not that of the merge group")
	}
	return nil
}

func (a groupArgs) line() string { return a.Line }

func (a escalationArgs) check() error {
	repo, err := github.ParseRepo(a.PR.Repo)
	if err != nil {
		return fmt.Errorf("job arguments: %w", err)
	}
	if err := checkEvent(repo, a.PR.Number, a.Head); err != nil {
		return err
	}
	if a.Line != prLine(keyOf(repo, a.PR.Number)) || a.Head != a.PR.HeadSHA {
		return errors.New("job arguments: line or head not those of the pending pull request")
	}
	return nil
}

func (a escalationArgs) line() string { return a.Line }

// durableArgs is a job of the durable queue.
type durableArgs = river.JobArgs

// metricsHandler is /metrics; with the durable queue gov_queue_depth is
// counted in the database at each scrape (the jobs available or running,
// of every replica) plus this replica's in-memory reload jobs.
func (s *Server) metricsHandler() http.Handler {
	h := s.m.handler()
	if s.jobs == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n, err := s.jobs.depth(r.Context()); err == nil {
			s.m.queueDepth.Set(float64(n + s.queue.depth()))
		}
		h.ServeHTTP(w, r)
	})
}

// prLine and groupLine name the lines of the durable queue.
func prLine(k prKey) string { return fmt.Sprintf("pr:%s#%d", k.repo, k.number) }

func groupLine(g github.MergeGroup) string {
	return "group:" + strings.ToLower(g.Repo.String()) + "@" + g.HeadSHA
}

// durableQueue is the river client of a server and what its jobs lock.
type durableQueue struct {
	s      *Server
	store  *evidence.PGStore
	pool   *pgxpool.Pool
	client *river.Client[pgx.Tx]
	id     string

	// live holds the replica's lock while the client runs.
	liveMu sync.Mutex
	live   *pgxpool.Conn

	stopping atomic.Bool
	// stopBg ends the rescue and the reload listener; bg waits for them.
	stopBg context.CancelFunc
	bg     sync.WaitGroup
}

// newDurableQueue migrates river's schema under gov's migration lock and
// prepares the client (started by start).
func newDurableQueue(ctx context.Context, s *Server, store *evidence.PGStore) (*durableQueue, error) {
	// A connection per running job (its line's lock), river's own (fetch,
	// completion, LISTEN, leader election, maintenance), the replica's
	// lock and the webhook inserts.
	pool, err := store.NewPool(ctx, int32(min(2*s.cfg.Workers+8, 1000))) //nolint:gosec // bounded
	if err != nil {
		return nil, err
	}
	err = store.MigrateWith(ctx, "river job queue", func(ctx context.Context, pool *pgxpool.Pool) error {
		m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: s.log})
		if err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
		return err
	})
	if err != nil {
		pool.Close()
		return nil, err
	}
	d := &durableQueue{s: s, store: store, pool: pool, id: replicaID()}
	workers := river.NewWorkers()
	river.AddWorker(workers, &prWorker{d: d})
	river.AddWorker(workers, &groupWorker{d: d})
	river.AddWorker(workers, &escalationWorker{d: d})
	// One attempt is bounded by JobTimeout, the error status by 30s.
	jobTimeout := s.cfg.JobTimeout + time.Minute
	d.client, err = river.NewClient(riverpgxv5.New(pool), &river.Config{
		ID:                   d.id,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: s.cfg.Workers}},
		Workers:              workers,
		MaxAttempts:          s.cfg.MaxAttempts,
		RetryPolicy:          retryPolicy{base: s.cfg.RetryBase},
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: 2 * jobTimeout,
		Logger:               s.log,
	})
	if err != nil {
		pool.Close()
		return nil, store.Scrub(err)
	}
	return d, nil
}

// replicaID names this process's river client: unique across replicas.
func replicaID() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = crand.Read(b[:])
	return fmt.Sprintf("gov-%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// replicaLock and lineLock are the advisory lock names (hashed by
// PostgreSQL's hashtextextended).
func replicaLock(id string) string { return "gov-replica:" + id }

func lineLock(line string) string { return "gov-line:" + line }

// start takes the replica's lock, starts working jobs and the rescue of
// dead replicas' jobs.
func (d *durableQueue) start(ctx context.Context) error {
	if err := d.takeLive(ctx); err != nil {
		return err
	}
	if err := d.client.Start(context.WithoutCancel(ctx)); err != nil {
		return d.store.Scrub(err)
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.stopBg = cancel
	d.bg.Go(func() { every(bctx, d.s.cfg.JobRescue, func() { d.rescue(bctx) }) })
	d.bg.Go(func() { d.listenReloads(bctx) })
	return nil
}

// reloadChannel carries "<replica id> <delivery>" for each push to the
// policy repository a replica took: the others reload too.
const reloadChannel = "gov_bundle_reload"

// announceReload tells the other replicas that delivery (a push to the
// policy repository, whose reload this replica queued) asks for a reload.
// A replica that misses it (not connected then) reloads on its --poll.
func (d *durableQueue) announceReload(ctx context.Context, delivery string) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := d.pool.Exec(ctx, "SELECT pg_notify($1, $2)", reloadChannel, d.id+" "+delivery); err != nil {
		d.s.log.Warn("the other replicas were not told of the push: they reload on their poll", "delivery", delivery,
			"error", oneLine(d.store.Scrub(err).Error()))
	}
}

// listenReloads queues a reload for each push another replica took, until
// ctx ends; a lost connection is listened on again after a second.
func (d *durableQueue) listenReloads(ctx context.Context) {
	for ctx.Err() == nil {
		err := d.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		d.s.log.Warn("listening for the other replicas' reloads failed: listening again", "error", oneLine(d.store.Scrub(err).Error()))
		_ = sleep(ctx, time.Second)
	}
}

func (d *durableQueue) listenOnce(ctx context.Context) error {
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer func() {
		// The connection LISTENs (and may be mid-wait): not for reuse.
		_ = conn.Conn().Close(context.Background())
		conn.Release()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+reloadChannel); err != nil {
		return err
	}
	d.s.log.Debug("listening for reloads")
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		from, delivery, _ := strings.Cut(n.Payload, " ")
		d.s.log.Debug("reload announced", "from", from, "delivery", delivery)
		if from == d.id {
			continue // its own push: queued when it took it
		}
		why := "push " + delivery + " taken by replica " + from
		if !d.s.queue.push(job{kind: "reload", run: func(ctx context.Context) error { return d.s.pol.reload(ctx, why) }}) {
			d.s.log.Warn("the reload of another replica's push was not queued (queue full or closing): reloading on the poll", "delivery", delivery)
		}
	}
}

// takeLive (re)takes the replica's lock on a connection held for it.
func (d *durableQueue) takeLive(ctx context.Context) error {
	d.liveMu.Lock()
	defer d.liveMu.Unlock()
	if d.live != nil {
		if _, err := d.live.Exec(ctx, "SELECT 1"); err == nil {
			return nil
		}
		_ = d.live.Conn().Close(ctx)
		d.live.Release()
		d.live = nil
	}
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return d.store.Scrub(err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtextextended($1, 0))", replicaLock(d.id)); err != nil {
		conn.Release()
		return d.store.Scrub(err)
	}
	d.live = conn
	return nil
}

// stop stops fetching and waits for the running jobs within ctx; past it
// they are cancelled (and snoozed: another replica or the next start takes
// them). The jobs not started stay queued for the other replicas.
func (d *durableQueue) stop(ctx context.Context) error {
	d.stopping.Store(true)
	if d.stopBg != nil {
		d.stopBg()
		d.bg.Wait()
	}
	err := d.client.Stop(ctx)
	if err != nil {
		hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = d.client.StopAndCancel(hard)
		err = fmt.Errorf("shutdown: running jobs did not finish within %s; they were cancelled and stay queued", d.s.cfg.ShutdownTimeout)
	}
	d.liveMu.Lock()
	if d.live != nil {
		_, _ = d.live.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock_all()")
		d.live.Release()
		d.live = nil
	}
	d.liveMu.Unlock()
	d.pool.Close()
	return err
}

// insert stores a job; inserted is false when its unique twin is stored
// already.
func (d *durableQueue) insert(ctx context.Context, args river.JobArgs) (inserted bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := d.client.Insert(ctx, args, nil)
	if err != nil {
		return false, d.store.Scrub(err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

// enqueue claims the delivery keys for ttl and stores args in one
// transaction. dup names the key already claimed ("job" when the job's
// unique twin is stored already); then nothing is kept.
func (d *durableQueue) enqueue(ctx context.Context, keys []string, ttl time.Duration, args river.JobArgs) (dup string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return "", d.store.Scrub(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	for _, k := range keys {
		isNew, err := evidence.ClaimDeliveryTx(ctx, tx, k, ttl)
		if err != nil {
			return "", d.store.Scrub(err)
		}
		if !isNew {
			return k, nil
		}
	}
	res, err := d.client.InsertTx(ctx, tx, args, nil)
	if err != nil {
		return "", d.store.Scrub(err)
	}
	if res.UniqueSkippedAsDuplicate {
		return "job", nil
	}
	return "", d.store.Scrub(tx.Commit(ctx))
}

// depth is the count of the jobs available or running (gov_queue_depth).
func (d *durableQueue) depth(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var n int
	err := d.pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE state IN ('available', 'running') AND kind = ANY($1)",
		[]string{kindPR, kindGroup, kindEscalation}).Scan(&n)
	return n, err
}

// rescue makes the running jobs of replicas that are gone available
// again: their replica's lock is free. A job rescued more than twice its
// attempts (it kills its replica?) is left to river's rescuer.
func (d *durableQueue) rescue(ctx context.Context) {
	if err := d.takeLive(ctx); err != nil {
		d.s.log.Warn("durable job queue: the replica's lock could not be taken again", "error", oneLine(err.Error()))
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rows, err := d.pool.Query(ctx, `WITH candidates AS MATERIALIZED (
			SELECT id, attempted_by[cardinality(attempted_by)] AS runner FROM river_job
			WHERE state = 'running' AND kind = ANY($1) AND cardinality(attempted_by) > 0 AND attempt < $3
		), dead AS MATERIALIZED (
			SELECT id FROM candidates
			WHERE runner <> $2 AND pg_try_advisory_xact_lock_shared(hashtextextended('gov-replica:' || runner, 0))
		)
		UPDATE river_job j SET state = 'available', scheduled_at = now(), max_attempts = greatest(j.max_attempts, j.attempt + 1)
		FROM dead WHERE j.id = dead.id AND j.state = 'running'
		RETURNING j.id, j.kind`, []string{kindPR, kindGroup, kindEscalation}, d.id, 2*d.s.cfg.MaxAttempts+1)
	if err != nil {
		d.s.log.Warn("durable job queue: looking for the jobs of replicas gone failed", "error", oneLine(d.store.Scrub(err).Error()))
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var kind string
		if rows.Scan(&id, &kind) == nil {
			d.s.log.Warn("durable job queue: the replica running a job is gone: queued again", "job", id, "kind", kind)
		}
	}
}

// lock takes line's lock on a connection of its own; ok is false when
// another job holds it.
func (d *durableQueue) lock(ctx context.Context, line string) (conn *pgxpool.Conn, ok bool, err error) {
	conn, err = d.pool.Acquire(ctx)
	if err != nil {
		return nil, false, d.store.Scrub(err)
	}
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", lineLock(line)).Scan(&ok); err != nil || !ok {
		conn.Release()
		return nil, false, d.store.Scrub(err)
	}
	return conn, true, nil
}

// unlock frees line's lock; a connection that cannot is closed (which
// frees it as well).
func (d *durableQueue) unlock(conn *pgxpool.Conn, line string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", lineLock(line)); err != nil {
		_ = conn.Conn().Close(ctx)
	}
	conn.Release()
}

// newer reports whether a job of line was enqueued after job id and was
// not discarded: its run reads the PR later than this one would. The
// break-glass labeling of head (keep) gives way only to another of head,
// or to a job of another head.
func (d *durableQueue) newer(ctx context.Context, id int64, line, head string, keep bool) (bool, error) {
	var found bool
	err := d.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM river_job
		WHERE id > $1 AND kind = ANY($2) AND args @> jsonb_build_object('line', $3::text)
		AND state IN ('available', 'scheduled', 'retryable', 'pending', 'running', 'completed')
		AND NOT ($4 AND args->>'head' = $5 AND NOT coalesce((args->>'keep')::boolean, false)))`,
		id, []string{kindPR, kindEscalation}, line, keep, head).Scan(&found)
	return found, d.store.Scrub(err)
}

// attempt is one try of a job: retryable says whether its error is worth
// another (GitHub 5xx, a timeout, a PR that changed before posting).
type attempt func(ctx context.Context) (retryable bool, err error)

// supersede says of which head a job is, for newer.
type supersede struct {
	head string
	keep bool
}

// work runs one attempt of a job under its line's lock. The job ends ok;
// or is retried by river (backoff, another replica maybe) while attempts
// are left and the error is retryable; or fail runs (the error status)
// and the job is cancelled. A job interrupted by shutdown is snoozed, not
// failed: the next replica to fetch it runs it. Every error of the
// attempt (taking the line's lock, looking for a newer job, the run, a
// panic) ends the same way (end): a job never runs out of attempts
// without fail, which river's discarding would skip.
func (d *durableQueue) work(ctx context.Context, row *rivertype.JobRow, args checkedArgs, sup *supersede, try attempt, fail func(context.Context, error)) (err error) {
	kind, line := row.Kind, args.line()
	log := d.s.log.With("job", row.ID, "kind", kind, "line", line, "attempt", row.Attempt)
	if err := args.check(); err != nil {
		// Stored in the database, not routed from a webhook: nothing of
		// it reaches GitHub (nor its error status).
		log.Error("durable job refused: its arguments are not what gov stores", "error", oneLine(err.Error()))
		d.finished(kind, "error", row)
		return river.JobCancel(err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = d.end(ctx, row, kind, log, true, fmt.Errorf("job panicked: %v", p), fail)
		}
	}()
	conn, ok, err := d.lock(ctx, line)
	if err != nil {
		return d.end(ctx, row, kind, log, true, queueDBError(log, err), fail)
	}
	if !ok {
		return river.JobSnooze(lineBusySnooze + rand.N(lineBusySnooze)) //nolint:gosec // jitter
	}
	defer d.unlock(conn, line)
	// The job runs only while its line's lock is held: the session that
	// holds it ending (the connection dropped) frees it for another job.
	ctx, stopWatch := d.watchLock(ctx, conn)
	defer stopWatch()
	if sup != nil {
		newer, err := d.newer(ctx, row.ID, line, sup.head, sup.keep)
		if err != nil {
			return d.end(ctx, row, kind, log, true, queueDBError(log, err), fail)
		}
		if newer {
			log.Info("a newer job of the pull request is queued or ran: this one is superseded")
			d.s.m.jobs.WithLabelValues(metricKind(kind), "superseded").Inc()
			return nil
		}
	}
	retryable, err := try(ctx)
	if lost := context.Cause(ctx); errors.Is(lost, errLineLockLost) {
		// Whatever the attempt did after, another job may run now: it is
		// tried again under the lock (and superseded by a newer job).
		return d.end(ctx, row, kind, log, true, lost, fail)
	}
	if err == nil {
		d.finished(kind, "ok", row)
		return nil
	}
	return d.end(ctx, row, kind, log, retryable, err, fail)
}

// errLineLockLost ends a job whose line's lock went with its session.
var errLineLockLost = errors.New("the job's pull request lock was lost (its database session ended): tried again")

// lineLockCheck is how often a running job checks that the session holding
// its line's lock is alive, and how long that check may take.
const lineLockCheck = 250 * time.Millisecond

// watchLock returns ctx, cancelled with errLineLockLost as soon as conn
// (the session holding the job's line lock) does not answer; stop ends
// the watch and returns conn to the caller's sole use.
func (d *durableQueue) watchLock(ctx context.Context, conn *pgxpool.Conn) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(lineLockCheck)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			pctx, pcancel := context.WithTimeout(ctx, 4*lineLockCheck)
			err := conn.Ping(pctx)
			pcancel()
			if err != nil && ctx.Err() == nil {
				d.s.log.Warn("durable job queue: the session holding a job's line lock is gone: the job stops", "error", oneLine(d.store.Scrub(err).Error()))
				cancel(errLineLockLost)
				return
			}
		}
	})
	return ctx, func() {
		close(done)
		wg.Wait()
		cancel(nil)
	}
}

// queueDBError logs err, an error of the job queue's database, and is what
// the attempt fails with: the database's name stays out of the status
// fail may post on GitHub.
func queueDBError(log *slog.Logger, err error) error {
	log.Warn("job queue database", "error", oneLine(err.Error()))
	return errors.New("the job queue's database failed")
}

// end is the outcome of an attempt that failed with err: snoozed when the
// replica is shutting down, retried while attempts are left and err is
// retryable, else fail runs and the job is cancelled.
func (d *durableQueue) end(ctx context.Context, row *rivertype.JobRow, kind string, log *slog.Logger, retryable bool, err error, fail func(context.Context, error)) error {
	switch {
	case d.stopping.Load() && ctx.Err() != nil:
		log.Info("shutting down: the job stays queued", "error", oneLine(err.Error()))
		return river.JobSnooze(0)
	case retryable && row.Attempt < row.MaxAttempts:
		d.s.m.jobRetries.Inc()
		log.Warn("job failed: retrying", "error", oneLine(err.Error()))
		return err
	}
	log.Error("job failed", "error", oneLine(err.Error()))
	if fail != nil {
		fail(ctx, err)
	}
	d.finished(kind, "error", row)
	return river.JobCancel(err)
}

// lineBusySnooze is how long a job waits when its line is locked (plus up
// to as much again).
const lineBusySnooze = 500 * time.Millisecond

func (d *durableQueue) finished(kind, result string, row *rivertype.JobRow) {
	d.s.m.jobs.WithLabelValues(metricKind(kind), result).Inc()
	d.s.m.timing.jobLatency.WithLabelValues(metricKind(kind)).Observe(time.Since(row.CreatedAt).Seconds())
}

// metricKind is the kind label of the in-memory queue's jobs.
func metricKind(kind string) string {
	switch kind {
	case kindPR:
		return "pr"
	case kindGroup:
		return "merge_group"
	}
	return "escalation"
}

// retryPolicy waits as the in-memory jobs do between attempts.
type retryPolicy struct{ base time.Duration }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(backoff(p.base, max(job.Attempt, 1)))
}

type prWorker struct {
	river.WorkerDefaults[prArgs]
	d *durableQueue
}

func (w *prWorker) Work(ctx context.Context, j *river.Job[prArgs]) error {
	s, a := w.d.s, j.Args
	try := func(ctx context.Context) (bool, error) {
		retryable, err := s.evaluatePR(ctx, a.Event, "github-delivery-"+a.Delivery)
		if errors.Is(err, github.ErrStale) {
			if newer, nerr := w.d.newer(ctx, j.ID, a.Line, a.Head, a.Keep); nerr == nil && newer {
				s.log.Info("pull request changed before posting: the newer job reports", "line", a.Line, "why", oneLine(err.Error()))
				return false, nil
			}
			retryable = true
		}
		return retryable, err
	}
	fail := func(ctx context.Context, err error) {
		if serr := s.setErrorStatus(ctx, a.Event, err); serr != nil {
			s.log.Error("setting the error status failed", "line", a.Line, "error", oneLine(serr.Error()))
		}
	}
	return w.d.work(ctx, j.JobRow, a, &supersede{head: a.Head, keep: a.Keep}, try, fail)
}

type groupWorker struct {
	river.WorkerDefaults[groupArgs]
	d *durableQueue
}

func (w *groupWorker) Work(ctx context.Context, j *river.Job[groupArgs]) error {
	s, a := w.d.s, j.Args
	try := func(ctx context.Context) (bool, error) {
		retryable, err := s.decideGroup(ctx, a.Group, a.Delivery)
		return retryable || errors.Is(err, github.ErrStale), err
	}
	fail := func(ctx context.Context, err error) {
		if serr := s.failGroup(ctx, a.Group, err); serr != nil {
			s.log.Error("setting the merge group's failure status failed", "line", a.Line, "error", oneLine(serr.Error()))
		}
	}
	return w.d.work(ctx, j.JobRow, a, nil, try, fail)
}

type escalationWorker struct {
	river.WorkerDefaults[escalationArgs]
	d *durableQueue
}

// Work looks at the pending PR again; a failure keeps its entry for the
// next sweep (no retry, no error status: the last decision stands).
func (w *escalationWorker) Work(ctx context.Context, j *river.Job[escalationArgs]) error {
	s, a := w.d.s, j.Args
	try := func(ctx context.Context) (bool, error) {
		repo, err := github.ParseRepo(a.PR.Repo) // checked
		if err != nil {
			return false, err
		}
		return false, s.escalationRun(repo, a.PR)(ctx)
	}
	return w.d.work(ctx, j.JobRow, a, &supersede{head: a.Head}, try, nil)
}

// prArgs is the durable form of a PR job.
func (s *Server) prArgs(target github.Event, delivery string) prArgs {
	return prArgs{Event: target, Delivery: delivery, Line: prLine(keyOf(target.Repo, target.Number)),
		Head: target.HeadSHA, Keep: s.bindsBreakGlass(target)}
}

// storeJob stores a webhook's job in the durable queue with the claims of
// its delivery (id and content) in one transaction before answering 202: a
// delivery answered 202 is a stored job. When that fails nothing is kept,
// and the delivery is answered 503 so that GitHub delivers it again.
func (s *Server) storeJob(ctx context.Context, answer func(int, string, string), j *job, event, id, content, detail string) {
	if p, ok := s.seen.disk.(*pgSeen); ok {
		p.expire()
	}
	dup, err := s.jobs.enqueue(ctx, []string{id, content}, s.cfg.DeliveryTTL, j.durable)
	switch {
	case err != nil:
		s.log.Warn("webhook refused: the job could not be stored", "event", event, "delivery", id, "error", oneLine(err.Error()))
		answer(http.StatusServiceUnavailable, resultBusy, "cannot store the job: redeliver later")
	case dup == id:
		answer(http.StatusOK, resultDuplicate, "delivery "+id+" was already received")
	case dup == content:
		answer(http.StatusOK, resultDuplicate, "the same delivery was already received under another id")
	case dup != "":
		answer(http.StatusOK, resultDuplicate, "delivery "+id+" is queued already")
	default:
		s.log.Info("webhook queued", "event", event, "delivery", id, "job", detail, "durable", true)
		answer(http.StatusAccepted, resultQueued, detail)
	}
}
