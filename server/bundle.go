package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/decide"
)

// served is one loaded policy version with everything prepared to decide
// under it. It is never modified once published.
type served struct {
	bundle *bundles.Bundle
	// pipe decides, records and signs under bundle.
	pipe     *decide.Pipeline
	loadedAt time.Time
	// stale is true when the revision came from the clone cache because the
	// policy repository could not be fetched.
	stale bool
}

// BundleStatus is the answer of GET /v1/bundle.
type BundleStatus struct {
	Source   string    `json:"source"`
	Ref      string    `json:"ref,omitempty"`
	Revision string    `json:"revision"`
	LoadedAt time.Time `json:"loaded_at"`
	// Stale is true while the revision served is the cached one (the policy
	// repository was unreachable at start and has not been fetched since).
	Stale bool `json:"stale"`
	// LastError is the last refused reload ("" after a good one).
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
}

// policy holds the served version behind an atomic pointer: requests load it
// once and decide under it even if a reload swaps it meanwhile.
type policy struct {
	ref  string
	opts bundles.LoadOptions
	log  *slog.Logger
	m    *metrics
	// record configures every pipeline: enforcement override, audit
	// directory (else the bundle's audit.dir) and signer.
	record decide.Pipeline

	cur atomic.Pointer[served]
	mu  sync.Mutex // serialises reloads
	// errMu guards the last refused reload, read by /readyz and
	// /v1/bundle without waiting for a reload in progress.
	errMu  sync.Mutex
	lastEr string
	lastAt time.Time
}

func (p *policy) current() *served { return p.cur.Load() }

// prepare loads ref and builds its engine and scanner.
func (p *policy) prepare(ctx context.Context, ref string) (*served, error) {
	b, err := bundles.Load(ctx, ref, p.opts)
	if err != nil {
		return nil, err
	}
	return p.prepareBundle(ctx, b)
}

func (p *policy) prepareBundle(ctx context.Context, b *bundles.Bundle) (*served, error) {
	pipe, err := decide.New(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("bundle %s at %s: %w", b.Source, b.Revision, err)
	}
	pipe.Enforcement, pipe.AuditDir, pipe.Signer, pipe.Store = p.record.Enforcement, p.record.AuditDir, p.record.Signer, p.record.Store
	if pipe.AuditDir == "" {
		pipe.AuditDir = b.Config.Audit.Dir
	}
	if pipe.Signer != nil && pipe.AuditDir == "" {
		return nil, fmt.Errorf("bundle %s at %s: signing needs an audit directory (--audit-dir or audit.dir in gov.cue)", b.Source, b.Revision)
	}
	return &served{bundle: b, pipe: pipe, loadedAt: time.Now().UTC()}, nil
}

// start loads the bundle for the first time. When that fails and the
// reference is URL@REF with a clone in the cache, the cached revision is
// served as stale; otherwise the error is returned and the server must not
// start.
func (p *policy) start(ctx context.Context) error {
	s, err := p.prepare(ctx, p.ref)
	if err != nil {
		if !bundles.IsRemote(p.ref) {
			return err
		}
		cached, cerr := loadCached(ctx, p.ref, p.opts.CacheDir)
		if cerr != nil {
			return fmt.Errorf("%w (no cached revision to serve instead: %w)", err, cerr)
		}
		if s, cerr = p.prepareBundle(ctx, cached); cerr != nil {
			return fmt.Errorf("%w (and the cached revision does not load: %w)", err, cerr)
		}
		s.stale = true
		p.log.Warn("policy repository unreachable: serving the cached revision (stale)",
			"source", p.ref, "revision", cached.Revision, "error", err.Error())
		p.recordError(err)
	}
	p.publish(s)
	return nil
}

// reload loads the reference again (fetching URL@REF and DIR@REF) and swaps
// the new version in only when it loads, compiles, passes its own tests and
// cases and decides a canary request (see check); otherwise the current one
// keeps serving and the error is logged, counted and shown in /v1/bundle
// and /readyz.
func (p *policy) reload(ctx context.Context, why string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.current()
	s, err := p.prepare(ctx, p.ref)
	if err == nil && old != nil && old.bundle.Revision == s.bundle.Revision && !old.stale && !isUnpinned(s.bundle.Revision) {
		p.m.reloads.WithLabelValues("unchanged").Inc()
		p.setError(nil)
		return nil
	}
	if err == nil {
		err = keepsRecording(old, s)
	}
	if err == nil {
		err = check(ctx, s)
	}
	if err != nil {
		p.m.reloads.WithLabelValues("error").Inc()
		p.m.reloadErrors.Inc()
		p.setError(err)
		p.log.Error("bundle reload refused: keeping the current revision", "trigger", why,
			"revision", revisionOf(old), "error", oneLine(err.Error()))
		return err
	}
	p.setError(nil)
	p.m.reloads.WithLabelValues("swapped").Inc()
	p.publishLocked(s, old)
	p.log.Info("bundle swapped", "trigger", why, "from", revisionOf(old), "to", s.bundle.Revision)
	return nil
}

// keepsRecording refuses a revision under which the server would stop
// recording decisions: without --audit-dir the audit directory comes from
// the bundle's audit.dir, and a revision that drops it must not silently
// turn recording off. (Moving it to another directory is allowed.)
func keepsRecording(old, s *served) error {
	if old == nil || old.pipe.AuditDir == "" || s.pipe.AuditDir != "" {
		return nil
	}
	return fmt.Errorf("bundle %s at %s: no audit.dir in gov.cue, so decisions would no longer be recorded (the served revision records into %s); "+
		"keep audit.dir, or start gov serve with --audit-dir", s.bundle.Source, s.bundle.Revision, old.pipe.AuditDir)
}

func (p *policy) recordError(err error) { p.setError(err) }

// setError records the last refused reload (nil: the last one succeeded).
func (p *policy) setError(err error) {
	p.errMu.Lock()
	defer p.errMu.Unlock()
	if err == nil {
		p.lastEr, p.lastAt = "", time.Time{}
		return
	}
	p.lastEr, p.lastAt = oneLine(err.Error()), time.Now().UTC()
}

func (p *policy) publish(s *served) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.publishLocked(s, p.current())
}

func (p *policy) publishLocked(s, old *served) {
	p.cur.Store(s)
	if old != nil {
		p.m.bundleInfo.DeleteLabelValues(old.bundle.Revision, fmt.Sprint(old.stale))
	}
	p.m.bundleInfo.WithLabelValues(s.bundle.Revision, fmt.Sprint(s.stale)).Set(1)
}

// status is GET /v1/bundle.
func (p *policy) status() BundleStatus {
	s := p.current()
	p.errMu.Lock()
	defer p.errMu.Unlock()
	st := BundleStatus{Source: s.bundle.Source, Ref: s.bundle.Ref, Revision: s.bundle.Revision, LoadedAt: s.loadedAt, Stale: s.stale, LastError: p.lastEr}
	if !p.lastAt.IsZero() {
		at := p.lastAt
		st.LastErrorAt = &at
	}
	return st
}

// poll reloads every interval until ctx ends.
func (p *policy) poll(ctx context.Context, interval time.Duration) {
	every(ctx, interval, func() { _ = p.reload(ctx, "poll") })
}

// isUnpinned: a "+dirty" revision may change content without changing
// name, so it is always swapped in again.
func isUnpinned(rev string) bool { return strings.HasSuffix(rev, "+dirty") }

func revisionOf(s *served) string {
	if s == nil {
		return ""
	}
	return s.bundle.Revision
}
