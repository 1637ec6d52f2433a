package server

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gov-policy/gov/approvals"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github"
)

// prJob evaluates a PR and publishes the result, as `gov pr --post` does,
// one job of a PR at a time (prLines), retrying on GitHub 5xx answers and
// timeouts with exponential backoff and jitter, and starting over at once
// when the PR changed before the result was posted (github.ErrStale) unless
// a newer job of the PR waits to run. When every attempt failed the
// gov/policy status is set to "error" (never success).
func (s *Server) prJob(target github.Event, delivery string) func(context.Context) error {
	k := keyOf(target.Repo, target.Number)
	t := prTask{kind: "pr", head: target.HeadSHA, keep: s.bindsBreakGlass(target), run: s.prRun(target, delivery)}
	return func(ctx context.Context) error { return s.prs.do(ctx, k, t) }
}

// bindsBreakGlass says whether target is the labeling of the break-glass
// label, whose run binds the label to its head (github.Evaluator.Trigger):
// only such a job is kept behind the running one. Any other label is a
// plain re-evaluation, superseded like the others, so that a bot labeling
// its PR in a loop cannot make the PR's line grow.
func (s *Server) bindsBreakGlass(target github.Event) bool {
	label := s.pol.current().bundle.Config.BreakGlassLabel
	if label == "" {
		label = approvals.DefaultBreakGlassLabel
	}
	return target.Action == "labeled" && strings.EqualFold(target.Label, label)
}

// prRun is one PR job, run under its PR's line.
func (s *Server) prRun(target github.Event, delivery string) func(context.Context) error {
	return func(ctx context.Context) error {
		log := s.log.With("repo", target.Repo.String(), "pr", target.Number, "delivery", delivery)
		var err error
		for attempt := 1; ; attempt++ {
			var retryable bool
			retryable, err = s.evaluatePR(ctx, target, "github-delivery-"+delivery)
			if err == nil {
				log.Info("pull request decided", "attempts", attempt)
				return nil
			}
			if errors.Is(err, github.ErrStale) {
				if s.prs.waiting(keyOf(target.Repo, target.Number)) > 0 {
					log.Info("pull request changed before posting: the newer job that waits reports", "why", oneLine(err.Error()))
					return nil
				}
				if attempt < s.cfg.MaxAttempts && ctx.Err() == nil {
					log.Info("pull request changed before posting: starting over", "attempt", attempt, "why", oneLine(err.Error()))
					continue
				}
			}
			if !retryable || attempt >= s.cfg.MaxAttempts || ctx.Err() != nil {
				break
			}
			wait := backoff(s.cfg.RetryBase, attempt)
			s.m.jobRetries.Inc()
			log.Warn("pull request evaluation failed: retrying", "attempt", attempt, "in", wait.String(), "error", oneLine(err.Error()))
			if sleep(ctx, wait) != nil {
				break
			}
		}
		log.Error("pull request evaluation failed: setting the status to error", "error", oneLine(err.Error()))
		if serr := s.setErrorStatus(ctx, target, err); serr != nil {
			log.Error("setting the error status failed", "error", oneLine(serr.Error()))
		}
		return err
	}
}

// evaluatePR runs one attempt under the version being served and keeps the
// pending approvals list up to date with what it published; retryable says
// whether GitHub answered 5xx or did not answer in time.
func (s *Server) evaluatePR(ctx context.Context, target github.Event, requestID string) (retryable bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.JobTimeout)
	defer cancel()
	client, worthRetry, err := s.jobClient(target.Installation)
	if err != nil {
		return false, err
	}
	cur := s.pol.current()
	ev, err := github.Evaluator{Source: client, Members: client, Bundle: cur.bundle, Pipeline: cur.pipe, Trigger: &target, Now: s.cfg.Now}.
		Evaluate(ctx, target.Repo, target.Number, engine.Request{RequestID: requestID}, "")
	if err == nil {
		err = client.Publish(ctx, ev, s.cfg.TargetURL)
	}
	if err == nil {
		s.m.decisions.WithLabelValues(string(ev.Decision.Decision)).Inc()
		s.track(ctx, ev, target.Installation)
		return false, nil
	}
	return worthRetry(err), err
}

// jobClient is the installation's GitHub client for one job attempt, and
// retryable, which says whether an attempt's error is worth another: GitHub
// answered 5xx or did not answer (in time) at some point of it.
func (s *Server) jobClient(installation int64) (*github.Client, func(error) bool, error) {
	var mu sync.Mutex
	transient := false
	client, err := s.githubClient(installation, func(status int, err error) {
		if status >= 500 || err != nil {
			mu.Lock()
			transient = true
			mu.Unlock()
		}
	})
	retryable := func(err error) bool {
		mu.Lock()
		defer mu.Unlock()
		var ne net.Error
		return transient || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
	}
	return client, retryable, err
}

// setErrorStatus marks the PR's head commit "error" with the reason.
func (s *Server) setErrorStatus(ctx context.Context, target github.Event, cause error) error {
	if target.HeadSHA == "" {
		return errors.New("no head commit in the event to set the status on")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	client, err := s.githubClient(target.Installation, nil)
	if err != nil {
		return err
	}
	sc := github.StatusContextFor(s.pol.current().bundle.Config, target.BaseRef)
	return client.SetStatus(ctx, target.Repo, target.HeadSHA, sc, github.StateError,
		"gov could not evaluate: "+oneLine(cause.Error()), s.cfg.TargetURL)
}

// reloadJob reloads the bundle after a push to the policy repository.
func (s *Server) reloadJob(delivery string) func(context.Context) error {
	return func(ctx context.Context) error {
		return s.pol.reload(ctx, "push "+delivery)
	}
}

// backoff is base·2^(attempt-1), plus up to half of it again as jitter.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt-1, 10)
	return d + rand.N(d/2+1) //nolint:gosec // jitter, not a secret
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
