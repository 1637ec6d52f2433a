package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github"
)

// A repository that uses GitHub's merge queue requires gov's status on
// each merge group's commit too. gov serve decides a merge_group
// checks_requested delivery as `gov pr` does in the Action (one path:
// github.Evaluator.EvaluateGroup and Client.PublishGroup): every PR of the
// group at its own head with its own approvals, success on the group's
// commit only when all are allowed. Any error ends in failure there, so
// the queue drops the group instead of waiting or merging it.

// routeMergeGroup turns a merge_group delivery into a job (nil: ignored).
func (s *Server) routeMergeGroup(body []byte, action, delivery string) (*job, string, *httpError) {
	switch {
	case action != "checks_requested":
		return nil, fmt.Sprintf("merge_group action %q is not handled", action), nil
	case s.cfg.GitHub == nil:
		return nil, "no GitHub credentials configured", nil
	}
	g, ok, err := github.DecodeMergeGroup("merge_group payload", body)
	switch {
	case !ok:
		return nil, "", &httpError{http.StatusBadRequest, "merge_group payload: field merge_group is missing"}
	case err != nil:
		return nil, "", &httpError{http.StatusBadRequest, oneLine(err.Error())}
	case !commitSHA().MatchString(g.HeadSHA):
		// The SHA goes into API paths: only a commit id may.
		return nil, "", &httpError{http.StatusBadRequest, "payload: merge_group.head_sha is not a 40 or 64 digit hex commit id"}
	}
	if herr := s.checkInstallation("merge_group", delivery, g.Installation); herr != nil {
		return nil, "", herr
	}
	return &job{kind: "merge_group", run: s.mergeGroupJob(g, delivery), durable: groupArgs{Group: g, Delivery: delivery, Line: groupLine(g)}},
		fmt.Sprintf("decide merge group %s of %s %s", g.HeadSHA[:7], g.Repo, g.BaseRef), nil
}

// mergeGroupJob decides the group, retrying on GitHub 5xx answers and
// timeouts as PR jobs do, and starting over when a PR changed before the
// success was posted (github.ErrStale); when every attempt failed the group's status is
// set to failure (never success).
func (s *Server) mergeGroupJob(g github.MergeGroup, delivery string) func(context.Context) error {
	return func(ctx context.Context) error {
		log := s.log.With("repo", g.Repo.String(), "merge_group", g.HeadSHA, "delivery", delivery)
		var err error
		for attempt := 1; ; attempt++ {
			var retryable bool
			retryable, err = s.decideGroup(ctx, g, delivery)
			if err == nil {
				log.Info("merge group decided", "attempts", attempt)
				return nil
			}
			if errors.Is(err, github.ErrStale) && attempt < s.cfg.MaxAttempts && ctx.Err() == nil {
				log.Info("a pull request of the group changed before posting: starting over", "attempt", attempt, "why", oneLine(err.Error()))
				continue
			}
			if !retryable || attempt >= s.cfg.MaxAttempts || ctx.Err() != nil {
				break
			}
			wait := backoff(s.cfg.RetryBase, attempt)
			s.m.jobRetries.Inc()
			log.Warn("merge group evaluation failed: retrying", "attempt", attempt, "in", wait.String(), "error", oneLine(err.Error()))
			if sleep(ctx, wait) != nil {
				break
			}
		}
		log.Error("merge group evaluation failed: setting its status to failure", "error", oneLine(err.Error()))
		if serr := s.failGroup(ctx, g, err); serr != nil {
			log.Error("setting the merge group's failure status failed", "error", oneLine(serr.Error()))
		}
		return err
	}
}

// decideGroup runs one attempt under the version being served; retryable
// says whether GitHub answered 5xx or did not answer in time.
func (s *Server) decideGroup(ctx context.Context, g github.MergeGroup, delivery string) (retryable bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.JobTimeout)
	defer cancel()
	client, worthRetry, err := s.jobClient(g.Installation)
	if err != nil {
		return false, err
	}
	cur := s.pol.current()
	e := github.Evaluator{Source: client, Members: client, Bundle: cur.bundle, Pipeline: cur.pipe}
	ge, err := e.EvaluateGroup(ctx, client, g, engine.Request{RequestID: "github-delivery-" + delivery}, "")
	if err == nil {
		err = client.PublishGroup(ctx, ge, s.cfg.TargetURL)
	}
	if err == nil {
		return false, nil
	}
	return worthRetry(err), err
}

// failGroup marks the group's commit failed with the reason.
func (s *Server) failGroup(ctx context.Context, g github.MergeGroup, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	client, err := s.githubClient(g.Installation, nil)
	if err != nil {
		return err
	}
	sc := github.StatusContextFor(s.pol.current().bundle.Config, g.BaseRef)
	return client.SetStatus(ctx, g.Repo, g.HeadSHA, sc, github.StateFailure,
		"gov could not decide the merge group: "+oneLine(cause.Error()), s.cfg.TargetURL)
}
