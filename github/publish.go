package github

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"
)

// StatusContext is the name of gov's commit statuses: "gov/policy: <base>"
// per base branch, the bare name only by opt-in (StatusContextFor).
const StatusContext = "gov/policy"

// Commit status states.
const (
	StateSuccess = "success"
	StateFailure = "failure"
	StatePending = "pending"
	StateError   = "error"
)

// Markers find gov's own comments.
const (
	DecisionMarker   = "<!-- gov:decision -->"
	escalationPrefix = "<!-- gov:escalated stage="
)

var escalationRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`<!-- gov:escalated stage=(\d+) -->`) })

// EscalationMarker marks the escalation comment of a (1-based) stage.
func EscalationMarker(stage int) string { return fmt.Sprintf("%s%d -->", escalationPrefix, stage) }

// Publisher reports a decision on the PR.
type Publisher interface {
	SetStatus(ctx context.Context, repo Repo, sha, statusContext, state, description, targetURL string) error
	UpsertComment(ctx context.Context, repo Repo, number int, body string) error
	Escalations(ctx context.Context, repo Repo, number int) ([]int, error)
	PostEscalation(ctx context.Context, repo Repo, number, stage int, body string) error
}

var _ Publisher = (*Client)(nil)

// maxDescription is GitHub's limit for a status description.
const maxDescription = 140

// SetStatus sets the commit status named context (StatusContextFor) on sha.
func (c *Client) SetStatus(ctx context.Context, repo Repo, sha, statusContext, state, description, targetURL string) error {
	st := &gh.RepoStatus{State: gh.String(state), Context: gh.String(statusContext), Description: gh.String(truncate(oneLine(description), maxDescription))}
	if targetURL != "" {
		st.TargetURL = gh.String(targetURL)
	}
	if _, _, err := c.gh.Repositories.CreateStatus(ctx, repo.Owner, repo.Name, sha, st); err != nil {
		return apiError(fmt.Sprintf("status %s on %s@%s", statusContext, repo, short(sha)), "statuses:write (classic token scope: repo:status)", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

const permCommentsWrite = "pull_requests:write or issues:write (classic token scope: repo)"

// ownComments lists the PR's comments written by gov (once per client).
func (c *Client) ownComments(ctx context.Context, repo Repo, number int) ([]*gh.IssueComment, error) {
	key := fmt.Sprintf("%s#%d", repo, number)
	c.mu.Lock()
	cached, ok := c.comments[key]
	c.mu.Unlock()
	if ok {
		return cached, nil
	}
	all, err := paginate(ctx, 0, func(o *gh.ListOptions) ([]*gh.IssueComment, *gh.Response, error) {
		return c.gh.Issues.ListComments(ctx, repo.Owner, repo.Name, number, &gh.IssueListCommentsOptions{ListOptions: *o})
	})
	if err != nil {
		return nil, apiError(prOp("comments", repo, number), permIssuesRead, err)
	}
	id, err := c.Identity(ctx)
	if err != nil {
		return nil, err
	}
	var own []*gh.IssueComment
	for _, cm := range all {
		if id.owns(cm.GetUser().GetLogin(), cm.GetUser().GetID()) {
			own = append(own, cm)
		}
	}
	c.mu.Lock()
	c.comments[key] = own
	c.mu.Unlock()
	return own, nil
}

func (c *Client) remember(repo Repo, number int, cm *gh.IssueComment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := fmt.Sprintf("%s#%d", repo, number)
	c.comments[key] = append(c.comments[key], cm)
}

// UpsertComment edits gov's decision comment in place, or creates it. The
// marker is added to body when missing.
func (c *Client) UpsertComment(ctx context.Context, repo Repo, number int, body string) error {
	if !strings.Contains(body, DecisionMarker) {
		body = DecisionMarker + "\n" + body
	}
	own, err := c.ownComments(ctx, repo, number)
	if err != nil {
		return err
	}
	for _, cm := range own {
		if strings.Contains(cm.GetBody(), DecisionMarker) {
			if cm.GetBody() == body {
				return nil
			}
			if _, _, err := c.gh.Issues.EditComment(ctx, repo.Owner, repo.Name, cm.GetID(), &gh.IssueComment{Body: gh.String(body)}); err != nil {
				return apiError(prOp("editing the decision comment", repo, number), permCommentsWrite, err)
			}
			cm.Body = gh.String(body)
			return nil
		}
	}
	cm, _, err := c.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, &gh.IssueComment{Body: gh.String(body)})
	if err != nil {
		return apiError(prOp("creating the decision comment", repo, number), permCommentsWrite, err)
	}
	c.remember(repo, number, cm)
	return nil
}

// Escalations lists the stages gov already escalated on this PR.
func (c *Client) Escalations(ctx context.Context, repo Repo, number int) ([]int, error) {
	own, err := c.ownComments(ctx, repo, number)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, cm := range own {
		for _, m := range escalationRE().FindAllStringSubmatch(cm.GetBody(), -1) {
			if n, err := strconv.Atoi(m[1]); err == nil {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// PostEscalation posts the escalation comment of a stage unless one exists.
func (c *Client) PostEscalation(ctx context.Context, repo Repo, number, stage int, body string) error {
	done, err := c.Escalations(ctx, repo, number)
	if err != nil {
		return err
	}
	for _, n := range done {
		if n == stage {
			return nil
		}
	}
	cm, _, err := c.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, &gh.IssueComment{Body: gh.String(EscalationMarker(stage) + "\n" + body)})
	if err != nil {
		return apiError(prOp("posting the escalation comment", repo, number), permCommentsWrite, err)
	}
	c.remember(repo, number, cm)
	return nil
}

// Publish reports an evaluation on its PR: the status of its base branch on
// the head commit that was evaluated (never a later one), the decision
// comment edited in place, and the escalation comment of an overdue stage,
// once. It reads the PR first (usually a free 304): when the head is no
// longer the one evaluated, nothing is posted, so that a slower run never
// replaces the comment of a newer head; a success is posted only when the
// PR and its reviews are still those evaluated. Otherwise the error wraps
// ErrStale.
func (c *Client) Publish(ctx context.Context, ev *Evaluation, targetURL string) error {
	now, err := c.GetPR(ctx, ev.Repo, ev.PR.Number)
	if err != nil {
		return err
	}
	if now.HeadSHA != ev.PR.HeadSHA {
		return fmt.Errorf("%s#%d: %w (head moved from %s to %s): posting nothing for a head that is no longer the PR's; run gov again",
			ev.Repo, ev.PR.Number, ErrStale, short(ev.PR.HeadSHA), short(now.HeadSHA))
	}
	state, desc := StatusFor(ev.Decision)
	if state == StateSuccess {
		if err := c.fresh(ctx, ev, now); err != nil {
			return err
		}
	}
	if err := c.SetStatus(ctx, ev.Repo, ev.PR.HeadSHA, ev.StatusContext, state, desc, targetURL); err != nil {
		return err
	}
	if err := c.UpsertComment(ctx, ev.Repo, ev.PR.Number, RenderComment(ev.Decision, ev.Approvals, ev.Notes)+explainHint(ev)); err != nil {
		return err
	}
	if ev.Approvals == nil || ev.Approvals.Escalate == nil {
		return nil
	}
	e := ev.Approvals.Escalate
	body := fmt.Sprintf("%s: stage %q has waited for approval since %s, past its timeout. %s",
		e.Mention, e.StageName, e.Since.UTC().Format(time.RFC3339), ev.Decision.PendingReason)
	return c.PostEscalation(ctx, ev.Repo, ev.PR.Number, e.Stage, body)
}
