package server

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gov-policy/gov/github"
)

// A GitHub App serves many organisations, each through an installation
// with tokens of its own: a delivery names its installation
// (installation.id) and is decided with that installation's token only.
// The installations are kept in a bounded LRU, so that the jobs of one
// installation share its token (renewed before it expires) and with it
// the ETag cache entries of their conditional requests. Eviction only
// drops the cache's reference: a running job keeps the installation it
// holds, and the next job of that installation makes a new one.

// errNoInstallation: under App auth a delivery must name its installation;
// gov does not guess one (another organisation's token would read, or
// fail to read, the wrong repositories).
var errNoInstallation = errors.New("payload: field installation.id is missing: gov serve authenticates as the GitHub App installation the delivery names")

type installations struct {
	mu    sync.Mutex // one AppInstallation per id, also when two jobs start at once
	cache *lru.Cache[int64, *github.AppInstallation]
	// errors counts deliveries and jobs refused for want of an installation.
	errors *prometheus.CounterVec
}

func newInstallations(size int, reg *prometheus.Registry) *installations {
	c, err := lru.New[int64, *github.AppInstallation](max(size, 1))
	if err != nil { // only for a size <= 0, excluded above
		panic(err)
	}
	errs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gov_github_installation_errors_total",
		Help: "Deliveries and jobs refused because their GitHub App installation could not be used (missing: the payload names none; client: its client could not be made).",
	}, []string{"reason"})
	reg.MustRegister(errs)
	return &installations{cache: c, errors: errs}
}

// checkGitHub builds a client of cfg once, so that an App private key gov
// cannot read stops the server at start, not every job later.
func checkGitHub(cfg *github.Options) error {
	if cfg == nil {
		return nil
	}
	if _, err := github.New(*cfg); err != nil {
		return fmt.Errorf("github: %w", err)
	}
	return nil
}

// get returns installation id, making it with build when it is not kept.
func (in *installations) get(id int64, build func() (*github.AppInstallation, error)) (*github.AppInstallation, error) {
	if id <= 0 {
		in.errors.WithLabelValues("missing").Inc()
		return nil, errNoInstallation
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if inst, ok := in.cache.Get(id); ok {
		return inst, nil
	}
	inst, err := build()
	if err != nil {
		in.errors.WithLabelValues("client").Inc()
		return nil, err
	}
	in.cache.Add(id, inst)
	return inst, nil
}

// checkInstallation refuses, under App auth, a delivery that names no
// installation (400, counted and logged); nothing is queued for it.
func (s *Server) checkInstallation(event, delivery string, id int64) *httpError {
	if s.cfg.GitHub == nil || s.cfg.GitHub.App == nil || id > 0 {
		return nil
	}
	s.inst.errors.WithLabelValues("missing").Inc()
	s.log.Error("webhook refused: no GitHub App installation", "event", event, "delivery", delivery, "error", errNoInstallation.Error())
	return &httpError{http.StatusBadRequest, errNoInstallation.Error()}
}

// githubClient is a fresh client for one job attempt (a Client remembers
// one evaluation's data), sharing the server's ETag cache, its calls
// counted in the metrics. Under App auth it authenticates as installation,
// whose token every job of that installation shares; with a token the
// installation is not used.
func (s *Server) githubClient(installation int64, seen func(int, error)) (*github.Client, error) {
	opts := *s.cfg.GitHub
	opts.Cache = s.ghCache
	opts.HTTPClient = s.meteredClient(seen)
	if opts.App != nil {
		inst, err := s.inst.get(installation, func() (*github.AppInstallation, error) {
			o := *s.cfg.GitHub
			o.HTTPClient = s.meteredClient(nil)
			return github.NewAppInstallation(o, installation)
		})
		if err != nil {
			return nil, err
		}
		opts.App, opts.Installation = nil, inst
	}
	c, err := github.New(opts)
	if err != nil {
		return nil, fmt.Errorf("github client: %w", err)
	}
	return c, nil
}

// meteredClient is the configured HTTP client (or a default one) whose
// requests are counted in the metrics and, when seen is set, reported to it.
func (s *Server) meteredClient(seen func(int, error)) *http.Client {
	hc := &http.Client{Timeout: 60 * time.Second}
	if s.cfg.GitHub.HTTPClient != nil {
		c := *s.cfg.GitHub.HTTPClient
		hc = &c
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &githubTransport{base: base, m: s.m, seen: seen}
	return hc
}
