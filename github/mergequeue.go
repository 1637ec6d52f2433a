package github

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/gov-policy/gov/engine"
)

// A repository that uses GitHub's merge queue requires its checks on each
// merge group's commit too. A group's commit holds the base plus every
// pull request queued ahead of its entry plus the entry's own, and GitHub
// may merge them all on that one commit's checks: gov therefore decides
// every pull request of the group, each at its own head with its own
// approvals, and reports on the group's commit only when all are allowed.

// MergeGroup is a merge_group checks_requested event.
type MergeGroup struct {
	Repo    Repo
	HeadSHA string
	// BaseRef is the branch the group merges into (without refs/heads/).
	BaseRef string
	// Installation is the GitHub App installation the delivery came from
	// (installation.id); 0 when the payload names none.
	Installation int64
}

// QueueEntry is one entry of a merge queue: its pull request and the
// commit of the merge group built for it.
type QueueEntry struct {
	Position int
	Number   int
	// PRHeadSHA is the PR head the entry was queued with.
	PRHeadSHA string
	// GroupSHA is the head commit of the entry's merge group.
	GroupSHA string
	BaseRef  string
}

// MergeQueue lists the merge queue of base through GraphQL (the REST API
// has none), in queue order. A queue longer than one page is an error.
func (c *Client) MergeQueue(ctx context.Context, repo Repo, base string) ([]QueueEntry, error) {
	const query = `query($owner: String!, $name: String!, $branch: String!) {
  repository(owner: $owner, name: $name) { mergeQueue(branch: $branch) { entries(first: 100) {
    totalCount nodes { position headCommit { oid } pullRequest { number headRefOid baseRefName } } } } } }`
	body := map[string]any{"query": query, "variables": map[string]string{"owner": repo.Owner, "name": repo.Name, "branch": base}}
	req, err := c.gh.NewRequest("POST", graphqlURL(c.gh.BaseURL), body)
	if err != nil {
		return nil, err
	}
	var out struct {
		Data struct {
			Repository *struct {
				MergeQueue *struct {
					Entries struct {
						TotalCount int `json:"totalCount"`
						Nodes      []struct {
							Position   int `json:"position"`
							HeadCommit *struct {
								OID string `json:"oid"`
							} `json:"headCommit"`
							PullRequest *struct {
								Number      int    `json:"number"`
								HeadRefOID  string `json:"headRefOid"`
								BaseRefName string `json:"baseRefName"`
							} `json:"pullRequest"`
						} `json:"nodes"`
					} `json:"entries"`
				} `json:"mergeQueue"`
			} `json:"repository"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	op := fmt.Sprintf("merge queue of %s %s", repo, base)
	if _, err := c.gh.Do(ctx, req, &out); err != nil {
		return nil, apiError(op, "pull_requests:read and contents:read (classic token scope: repo)", err)
	}
	if len(out.Errors) > 0 {
		return nil, fmt.Errorf("%s: GitHub answered: %s", op, out.Errors[0].Message)
	}
	if out.Data.Repository == nil || out.Data.Repository.MergeQueue == nil {
		return nil, fmt.Errorf("%s: GitHub's answer has no merge queue", op)
	}
	es := out.Data.Repository.MergeQueue.Entries
	if es.TotalCount != len(es.Nodes) {
		return nil, fmt.Errorf("%s: GitHub listed %d of %d entries", op, len(es.Nodes), es.TotalCount)
	}
	entries := make([]QueueEntry, len(es.Nodes))
	for i, n := range es.Nodes {
		if n.PullRequest == nil || n.HeadCommit == nil || n.PullRequest.Number <= 0 || n.HeadCommit.OID == "" {
			return nil, fmt.Errorf("%s: entry %d lacks its pull request or commit", op, i)
		}
		entries[i] = QueueEntry{Position: n.Position, Number: n.PullRequest.Number, PRHeadSHA: n.PullRequest.HeadRefOID,
			GroupSHA: n.HeadCommit.OID, BaseRef: n.PullRequest.BaseRefName}
	}
	return entries, nil
}

// graphqlURL is the GraphQL endpoint beside the REST root: api.github.com/graphql,
// or https://HOST/api/graphql on GitHub Enterprise Server.
func graphqlURL(rest *url.URL) string {
	u := *rest
	if p, ok := strings.CutSuffix(u.Path, "/api/v3/"); ok {
		u.Path = p + "/api/graphql"
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/graphql"
	}
	return u.String()
}

// GroupEvaluation is the outcome for one merge group.
type GroupEvaluation struct {
	Group MergeGroup
	// PRs are the group's pull requests, in queue order, each decided.
	PRs []*Evaluation
	// Decision is allow only when every PR is allowed; otherwise the
	// decision of the first PR that is not (deny before require_approval).
	Decision engine.Outcome
	Reason   string
	// StatusContext is the status reported on the group's commit.
	StatusContext string
}

// QueueSource reads a merge queue.
type QueueSource interface {
	MergeQueue(ctx context.Context, repo Repo, base string) ([]QueueEntry, error)
}

// EvaluateGroup decides a merge group: its entry is the one whose group
// commit is g.HeadSHA; it and every entry ahead of it are decided at their
// PR's current head, which must still be the head they were queued with.
// A group gov cannot place in the queue is an error.
func (e Evaluator) EvaluateGroup(ctx context.Context, q QueueSource, g MergeGroup, req engine.Request, enforcement string) (*GroupEvaluation, error) {
	entries, err := q.MergeQueue(ctx, g.Repo, g.BaseRef)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Position < entries[j].Position })
	last := -1
	for i, en := range entries {
		if en.GroupSHA == g.HeadSHA {
			last = i
		}
	}
	if last < 0 {
		return nil, fmt.Errorf("merge group %s of %s %s is not in the merge queue (failing closed)", short(g.HeadSHA), g.Repo, g.BaseRef)
	}
	out := &GroupEvaluation{Group: g, Decision: engine.Allow, StatusContext: StatusContextFor(e.Bundle.Config, g.BaseRef)}
	var reasons []string
	for _, en := range entries[:last+1] {
		ev, err := e.Evaluate(ctx, g.Repo, en.Number, req, enforcement)
		if err != nil {
			return nil, fmt.Errorf("merge group %s: %w", short(g.HeadSHA), err)
		}
		out.PRs = append(out.PRs, ev)
		d, why := ev.Decision.Decision, ev.Decision.Reason
		switch {
		case ev.PR.HeadSHA != en.PRHeadSHA:
			d, why = engine.Deny, fmt.Sprintf("queued at %s, now at %s", short(en.PRHeadSHA), short(ev.PR.HeadSHA))
		case ev.PR.BaseRef != g.BaseRef:
			d, why = engine.Deny, fmt.Sprintf("targets %s, not %s", ev.PR.BaseRef, g.BaseRef)
		}
		if d != engine.Allow {
			if d != engine.RequireApproval {
				d = engine.Deny // anything else fails closed
			}
			if out.Decision == engine.Allow || d == engine.Deny {
				out.Decision = d
			}
			reasons = append(reasons, fmt.Sprintf("#%d %s: %s", en.Number, d, why))
		}
	}
	if out.Decision == engine.Allow {
		out.Reason = fmt.Sprintf("all %d pull requests of the group allowed", len(out.PRs))
	} else {
		out.Reason = strings.Join(reasons, "; ")
	}
	return out, nil
}

// PublishGroup sets the group's status on its commit: success only when
// every PR is allowed, failure otherwise (a merge group does not wait for
// approvals: GitHub removes the PR from the queue). As Publish does for
// one PR, a success is posted only when every PR of the group still has
// the head, base, labels and reviews evaluated; otherwise nothing is
// posted and the error wraps ErrStale.
func (c *Client) PublishGroup(ctx context.Context, ge *GroupEvaluation, targetURL string) error {
	state, desc := StateSuccess, "allowed: "+ge.Reason
	if ge.Decision != engine.Allow {
		state, desc = StateFailure, "merge group not allowed: "+ge.Reason
	}
	if state == StateSuccess {
		if len(ge.PRs) == 0 {
			return fmt.Errorf("merge group %s: no pull request decided: not posting success", short(ge.Group.HeadSHA))
		}
		for _, ev := range ge.PRs {
			now, err := c.GetPR(ctx, ev.Repo, ev.PR.Number)
			if err != nil {
				return err
			}
			if now.HeadSHA != ev.PR.HeadSHA {
				return fmt.Errorf("merge group %s: %s#%d: %w (head moved from %s to %s): not posting success",
					short(ge.Group.HeadSHA), ev.Repo, ev.PR.Number, ErrStale, short(ev.PR.HeadSHA), short(now.HeadSHA))
			}
			if err := c.fresh(ctx, ev, now); err != nil {
				return fmt.Errorf("merge group %s: %w", short(ge.Group.HeadSHA), err)
			}
		}
	}
	return c.SetStatus(ctx, ge.Group.Repo, ge.Group.HeadSHA, ge.StatusContext, state, desc, targetURL)
}
