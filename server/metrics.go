package server

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics live in the server's own registry, never the global one, so two
// servers (tests) do not share counters.
type metrics struct {
	reg              *prometheus.Registry
	decisions        *prometheus.CounterVec
	decisionDuration prometheus.Histogram
	evalErrors       prometheus.Counter
	githubCalls      *prometheus.CounterVec
	rateRemaining    prometheus.Gauge
	bundleInfo       *prometheus.GaugeVec
	reloads          *prometheus.CounterVec
	reloadErrors     prometheus.Counter
	deliveries       *prometheus.CounterVec
	queueDepth       prometheus.Gauge
	queueRejected    prometheus.Counter
	jobs             *prometheus.CounterVec
	jobRetries       prometheus.Counter
	timing           *timingMetrics
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gov_decisions_total", Help: "Decisions made, by outcome (allow, deny, require_approval, error).",
		}, []string{"decision"}),
		decisionDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "gov_decision_duration_seconds", Help: "Time to decide one /v1/eval request (decode, scan, evaluate).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		evalErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gov_evaluation_errors_total", Help: "Evaluations that failed (answered 500, never allow).",
		}),
		githubCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gov_github_api_calls_total", Help: "HTTP requests sent to the GitHub API, by response class (2xx, 3xx, 4xx, 5xx, error).",
		}, []string{"code"}),
		rateRemaining: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gov_github_rate_limit_remaining", Help: "X-RateLimit-Remaining of the last GitHub API answer.",
		}),
		bundleInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gov_bundle_info", Help: "The policy bundle being served (value 1), by revision and staleness.",
		}, []string{"revision", "stale"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gov_bundle_reloads_total", Help: "Bundle reload attempts, by result (swapped, unchanged, error).",
		}, []string{"result"}),
		reloadErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gov_bundle_reload_errors_total", Help: "Bundle reloads refused (load or compile error); the previous revision kept serving.",
		}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gov_webhook_deliveries_total", Help: "Webhook deliveries, by event and result.",
		}, []string{"event", "result"}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gov_queue_depth", Help: "Jobs waiting in the work queue.",
		}),
		queueRejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gov_queue_rejected_total", Help: "Jobs refused because the queue was full (answered 503).",
		}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gov_jobs_total", Help: "Finished queue jobs, by kind and result (ok, error, superseded: dropped for a newer job of its PR).",
		}, []string{"kind", "result"}),
		jobRetries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gov_job_retries_total", Help: "Job attempts retried after a GitHub 5xx or timeout.",
		}),
	}
	m.reg.MustRegister(m.decisions, m.decisionDuration, m.evalErrors, m.githubCalls, m.rateRemaining,
		m.bundleInfo, m.reloads, m.reloadErrors, m.deliveries, m.queueDepth, m.queueRejected, m.jobs, m.jobRetries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.timing = newTimingMetrics(m.reg)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// githubTransport counts GitHub API requests and records the rate limit left.
type githubTransport struct {
	base http.RoundTripper
	m    *metrics
	// seen, when set, is told of every answer (5xx and transport errors make
	// a job retryable).
	seen func(status int, err error)
}

func (t *githubTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if t.seen != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.seen(status, err)
	}
	if err != nil {
		t.m.githubCalls.WithLabelValues("error").Inc()
		return nil, err
	}
	t.m.githubCalls.WithLabelValues(strconv.Itoa(resp.StatusCode/100) + "xx").Inc()
	if v := resp.Header.Get("X-RateLimit-Remaining"); v != "" {
		if n, perr := strconv.ParseFloat(v, 64); perr == nil {
			t.m.rateRemaining.Set(n)
		}
	}
	return resp, nil
}
