// Package server is `gov serve`: the decision API for self-healing systems
// (POST /v1/eval), the GitHub App webhook receiver that decides pull
// requests in a bounded work queue, bundle hot reload, health and metrics.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/decide"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/github"
)

// Config configures a Server. Zero values take the defaults named.
type Config struct {
	// Bundle is the policy bundle reference (DIR, DIR@REF, URL@REF, embedded, "").
	Bundle string
	// Load is passed to bundles.Load (clone cache, work dir).
	Load bundles.LoadOptions
	// Poll, when positive, reloads the bundle this often.
	Poll time.Duration
	// Enforcement overrides the bundle's ("" keeps it).
	Enforcement string
	// AuditDir records every decision (default: the bundle's audit.dir;
	// none when both are empty). Signer, when set, signs each record.
	AuditDir string
	Signer   *evidence.Signer

	// APIToken authenticates the decision API as "Authorization: Bearer <token>".
	APIToken string
	// OIDC, when set, also accepts ID tokens of this issuer and audience.
	OIDC *OIDCConfig

	// WebhookSecret verifies X-Hub-Signature-256; without it /webhook answers 401.
	WebhookSecret string
	// GitHub configures the clients PR jobs use (one client per attempt,
	// sharing one ETag cache; under App auth the token of the payload's
	// installation, App.InstallationID unused); nil means webhooks that
	// need GitHub are ignored.
	GitHub *github.Options
	// Installations bounds the GitHub App installations whose clients are
	// kept (default 100; the least recently used goes first).
	Installations int
	// PolicyRepo is the OWNER/NAME whose pushes reload the bundle.
	PolicyRepo string
	// TargetURL is the link of the gov/policy status set by PR jobs.
	TargetURL string

	// Workers (default 4) run jobs from a queue of QueueSize (default 256).
	Workers, QueueSize int
	// MaxAttempts (default 4) bounds PR job attempts; retries wait RetryBase
	// (default 1s) doubled each time, with jitter.
	MaxAttempts int
	RetryBase   time.Duration
	// JobTimeout bounds one PR job attempt (default 2m).
	JobTimeout time.Duration
	// EvalTimeout bounds one /v1/eval evaluation (default 10s).
	EvalTimeout time.Duration
	// MaxBodyBytes limits request bodies (default 10 MiB; 413 beyond).
	MaxBodyBytes int64
	// UnverifiedBytes bounds the webhook body bytes held at once before
	// their signature is verified, over all connections (default four
	// times MaxBodyBytes); a delivery that does not fit is answered 503.
	UnverifiedBytes int64
	// UnverifiedBodyTimeout bounds how long an unverified webhook body may
	// take to arrive (default 5s; GitHub itself gives up on a delivery after
	// 10s): a slow sender holds its share of UnverifiedBytes no longer.
	UnverifiedBodyTimeout time.Duration
	// SignQueueSize bounds the /v1/eval records waiting for their
	// signature (default 1024); beyond it a request signs its own.
	SignQueueSize int
	// ShutdownTimeout bounds the graceful shutdown: in-flight requests and
	// queued jobs (default 30s).
	ShutdownTimeout time.Duration
	// DeliveryMemory is how many webhook delivery ids are remembered for
	// replay detection (default 10000), each for DeliveryTTL (default 24h).
	DeliveryMemory int
	DeliveryTTL    time.Duration

	// EscalationSweep is how often the PRs waiting for approval are checked
	// for an overdue stage (default 1m). Pending keeps them (default: in
	// the database when AuditDir is a PostgreSQL URL, under AuditDir when
	// it is a directory, else in memory); Now is the clock of escalations
	// (default time.Now).
	EscalationSweep time.Duration
	Pending         PendingStore
	Now             func() time.Time
	// JobRescue is how often a replica on a PostgreSQL audit store looks
	// for the running jobs of replicas that are gone, to queue them again
	// (default 2s).
	JobRescue time.Duration

	// Logger receives structured logs (default: discard).
	Logger *slog.Logger
}

func (c *Config) defaults() {
	setDefault(&c.Workers, 4)
	setDefault(&c.QueueSize, 256)
	setDefault(&c.MaxAttempts, 4)
	setDefault(&c.Installations, 100)
	setDefault(&c.RetryBase, time.Second)
	setDefault(&c.JobTimeout, 2*time.Minute)
	setDefault(&c.EvalTimeout, 10*time.Second)
	setDefault(&c.MaxBodyBytes, 10<<20)
	setDefault(&c.UnverifiedBytes, 4*c.MaxBodyBytes)
	setDefault(&c.UnverifiedBodyTimeout, 5*time.Second)
	setDefault(&c.ShutdownTimeout, 30*time.Second)
	setDefault(&c.SignQueueSize, 1024)
	setDefault(&c.DeliveryMemory, 10000)
	setDefault(&c.DeliveryTTL, 24*time.Hour)
	setDefault(&c.EscalationSweep, time.Minute)
	setDefault(&c.JobRescue, 2*time.Second)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func setDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Server serves the decision API, webhooks, health and metrics.
type Server struct {
	cfg   Config
	log   *slog.Logger
	m     *metrics
	pol   *policy
	auth  *authenticator
	queue *queue
	// jobs is the durable queue of PR, merge group and escalation jobs
	// when the audit store is a PostgreSQL database (queue_river.go).
	jobs    *durableQueue
	prs     *prLines
	pending PendingStore
	// swept are the pending PRs whose escalation job is queued (sweep.go).
	swept   queuedSweeps
	seen    *deliveries
	ghCache *github.Cache
	// inst keeps the GitHub App installations' clients (installations.go).
	inst *installations
	// db is the audit database, when the audit store is one; stopDB ends
	// its context (Serve: at the shutdown bound).
	db     evidence.AuditStore
	stopDB context.CancelFunc
	// unverified holds the webhook bodies not yet verified (UnverifiedBytes).
	unverified *byteBudget
	// signq signs /v1/eval records in the background (nil without a signer).
	signq *signQueue
}

// New loads the bundle and prepares the server; it fails when the bundle
// cannot be loaded and no cached revision of it exists (see loadCached),
// or when the OIDC issuer's discovery document cannot be fetched.
func New(ctx context.Context, cfg Config) (_ *Server, failed error) {
	cfg.defaults()
	if err := checkGitHub(cfg.GitHub); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, m: newMetrics(), ghCache: github.NewCache(),
		unverified: &byteBudget{limit: max(cfg.UnverifiedBytes, cfg.MaxBodyBytes)}}
	s.pol = &policy{ref: cfg.Bundle, opts: cfg.Load, log: cfg.Logger, m: s.m,
		record: decide.Pipeline{Enforcement: cfg.Enforcement, AuditDir: cfg.AuditDir, Signer: cfg.Signer}}
	if evidence.IsDatabaseURL(cfg.AuditDir) {
		// One connection pool (and one migration) for the server's life.
		// Its context ends with ctx while it opens, not after: gov serve's
		// ends at SIGTERM, and the requests in flight then finish, their
		// records written, instead of failing writes not yet started
		// (TestAttackA14S9SIGTERMWritesQueuedRecords).
		storeCtx, stopStore := context.WithCancel(context.WithoutCancel(ctx))
		opening := context.AfterFunc(ctx, stopStore)
		store, err := evidence.OpenStore(storeCtx, cfg.AuditDir)
		if !opening() && err == nil {
			_ = store.Close()
			err = fmt.Errorf("audit store: %w", context.Cause(ctx))
		}
		if err != nil {
			return nil, err
		}
		s.pol.record.Store = timedStore{store, s.m.timing}
		s.db, s.stopDB = store, stopStore
		defer func() {
			if failed != nil {
				// Nothing else would close it (TestAttackA14S9BNewFailureClosesStore).
				_ = s.closeDB()
			}
		}()
	}
	if err := s.pol.start(ctx); err != nil {
		return nil, err
	}
	auth, err := newAuthenticator(ctx, cfg.APIToken, cfg.OIDC)
	if err != nil {
		return nil, err
	}
	s.auth = auth
	s.queue, s.prs = newQueue(cfg.QueueSize, s.m), newPRLines(s.m)
	s.inst = newInstallations(cfg.Installations, s.m.reg)
	s.seen = newDeliveries(cfg.DeliveryMemory, cfg.DeliveryTTL, time.Now)
	if db, ok := s.db.(deliveryDB); ok {
		s.seen.disk = &pgSeen{db: db, ttl: cfg.DeliveryTTL, log: s.log}
	} else if cfg.AuditDir != "" && !evidence.IsDatabaseURL(cfg.AuditDir) {
		s.seen.disk = &diskSeen{dir: filepath.Join(cfg.AuditDir, deliveriesDir), ttl: cfg.DeliveryTTL, now: time.Now}
	}
	s.pending = pendingStore(cfg, s.db)
	if pg, ok := s.db.(*evidence.PGStore); ok {
		if s.jobs, err = newDurableQueue(ctx, s, pg); err != nil {
			return nil, err
		}
	}
	// Last: its goroutines are stopped by Serve, which a failed New never
	// reaches (TestNewFailureStartsNoSignWorkers).
	if cfg.Signer != nil {
		s.signq = newSignQueue(cfg.Signer, cfg.SignQueueSize, cfg.Logger)
	}
	return s, nil
}

// Handler routes the server's endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/eval", s.handleEval)
	mux.HandleFunc("GET /v1/bundle", s.handleBundle)
	mux.HandleFunc("POST /webhook", s.handleWebhook)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.handleReady)
	mux.Handle("GET /metrics", s.metricsHandler())
	return mux
}

// Bundle reports the version being served.
func (s *Server) Bundle() BundleStatus { return s.pol.status() }

// Reload reloads the bundle now; on error the current version keeps serving.
func (s *Server) Reload(ctx context.Context) error { return s.pol.reload(ctx, "manual") }

// Serve answers on ln until ctx ends, then shuts down gracefully: it stops
// accepting, finishes in-flight requests, and runs the queued jobs, all
// within ShutdownTimeout (jobs still running then are cancelled). It
// returns nil after a graceful shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      s.cfg.EvalTimeout + 20*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	workers := s.queue.start(workCtx, s.cfg.Workers)
	if s.jobs != nil {
		if err := s.jobs.start(workCtx); err != nil {
			stopWork()
			_ = s.queue.drain(context.Background(), workers)
			// Nothing else closes the pools (TestAttackA14S9BQueueStartFailureClosesStore).
			bound, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
			defer cancel()
			_ = s.jobs.stop(bound)
			if s.signq != nil {
				_ = s.signq.drain(bound) // nothing was served, so nothing to sign
			}
			_ = s.closeDB()
			return fmt.Errorf("durable job queue: %w", err)
		}
	}
	var bg sync.WaitGroup
	pollCtx, stopPoll := context.WithCancel(ctx)
	defer stopPoll()
	if s.cfg.Poll > 0 {
		bg.Go(func() { s.pol.poll(pollCtx, s.cfg.Poll) })
	}
	if s.cfg.GitHub != nil {
		bg.Go(func() { s.sweepEvery(pollCtx, s.cfg.EscalationSweep) })
	}
	serveDone := make(chan error, 1)
	go func() { serveDone <- srv.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String(), "revision", s.pol.current().bundle.Revision)
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-serveDone:
	}
	s.log.Info("shutting down: finishing in-flight requests and queued jobs", "queued", s.queue.depth())
	stopPoll()
	bound, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	if s.stopDB != nil {
		// A record write still running at the bound is cut off with the
		// rest, not waited for by the store's Close below
		// (TestAttackA14S9BShutdownBoundEndsStoreWrites).
		defer context.AfterFunc(bound, s.stopDB)()
	}
	err := srv.Shutdown(bound)
	if !s.queue.drain(bound, workers) {
		stopWork()
		workers.Wait()
		err = errors.Join(err, fmt.Errorf("shutdown: queued jobs did not finish within %s; the rest were cancelled", s.cfg.ShutdownTimeout))
	}
	if s.jobs != nil {
		// The durable jobs running finish; those queued stay for the others.
		err = errors.Join(err, s.jobs.stop(bound))
	}
	if s.signq != nil {
		// After the requests: no record is added any more.
		s.log.Info("shutting down: signing the recorded decisions still waiting", "pending", s.signq.pending())
		if !s.signq.drain(bound) {
			err = errors.Join(err, fmt.Errorf("shutdown: %d recorded decisions not signed within %s (gov audit log --verify lists them as unsigned)", s.signq.pending(), s.cfg.ShutdownTimeout))
		}
	}
	bg.Wait()
	// Last: the requests, jobs and signatures above have written their
	// records (its context outlives ctx, see New).
	if cerr := s.closeDB(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("shutdown: closing the audit store: %w", cerr))
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return errors.Join(serveErr, err)
	}
	s.log.Info("stopped")
	return err
}

// closeDB closes the audit database, when the audit store is one.
func (s *Server) closeDB() error {
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	if s.stopDB != nil {
		s.stopDB()
	}
	return err
}

// handleReady is GET /readyz: 200 while a revision is served, even a stale
// one (the decision API still answers) and even with the webhook queue
// full (webhooks get 503, decisions do not); the body says "stale" with the
// last refused reload, and whether the queue is full.
func (s *Server) handleReady(w http.ResponseWriter, _ *http.Request) {
	cur := s.pol.current()
	if cur == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "no bundle loaded"})
		return
	}
	if !s.dbReachable() {
		// Every decision fails closed without its record: not ready.
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "audit database unreachable"})
		return
	}
	if cur.pipe != nil && cur.pipe.Store == nil && !auditDirWritable(cur.pipe.AuditDir) {
		// Every decision fails closed without its record: not ready.
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "audit directory not writable"})
		return
	}
	st := s.pol.status()
	body := map[string]any{"status": "ready", "revision": st.Revision, "stale": false}
	if st.Stale || st.LastError != "" {
		body["status"], body["stale"], body["last_reload_error"] = "stale", true, st.LastError
	}
	if s.queue.saturated() {
		body["webhook_queue"] = "full"
	}
	writeJSON(w, http.StatusOK, body)
}

// auditDirWritable probes that a record could be written to dir now ("" is
// no recording, a database URL is probed by its store).
func auditDirWritable(dir string) bool {
	if dir == "" || evidence.IsDatabaseURL(dir) {
		return true
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return false
	}
	f, err := os.CreateTemp(dir, ".readyz-*")
	if err != nil {
		return false
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name) == nil
}

func (s *Server) handleBundle(w http.ResponseWriter, r *http.Request) {
	if _, herr := s.auth.authenticate(r); herr != nil {
		writeError(w, herr.status, herr.msg)
		return
	}
	writeJSON(w, http.StatusOK, s.pol.status())
}
