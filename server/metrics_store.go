package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gov-policy/gov/evidence"
)

// timingMetrics are the latencies an operator of replicas on PostgreSQL
// watches: writing a decision's record into the audit store, and a
// queued job from its webhook to its end.
type timingMetrics struct {
	storeWrite *prometheus.HistogramVec
	jobLatency *prometheus.HistogramVec
}

func newTimingMetrics(reg *prometheus.Registry) *timingMetrics {
	t := &timingMetrics{
		storeWrite: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gov_audit_store_write_seconds", Help: "Time to write one decision record into the audit database, by result (ok, error).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"result"}),
		jobLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gov_job_latency_seconds", Help: "Time from a job's queueing (its webhook) to its end, by kind.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"kind"}),
	}
	reg.MustRegister(t.storeWrite, t.jobLatency)
	return t
}

// timedStore is an audit store whose writes are timed.
type timedStore struct {
	evidence.AuditStore
	m *timingMetrics
}

// Write writes rec and observes how long it took.
func (s timedStore) Write(rec evidence.Record) (string, error) {
	began := time.Now()
	name, err := s.AuditStore.Write(rec)
	result := "ok"
	if err != nil {
		result = "error"
	}
	s.m.storeWrite.WithLabelValues(result).Observe(time.Since(began).Seconds())
	return name, err
}

// readyTimeout bounds /readyz's check of the audit database.
const readyTimeout = 2 * time.Second

// dbReachable reports whether the audit database answers (true without
// one). The pool reconnects by itself: once the database is back, the
// next check passes.
func (s *Server) dbReachable() bool {
	p, ok := s.db.(interface{ Ping(time.Duration) error })
	if !ok {
		return true
	}
	if err := p.Ping(readyTimeout); err != nil {
		s.log.Warn("not ready: audit database", "err", err)
		return false
	}
	return true
}
