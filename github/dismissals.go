package github

import (
	"context"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v60/github"

	"github.com/gov-policy/gov/approvals"
)

// A DISMISSED review no longer blocks on GitHub, whoever dismissed it; but
// the PR's author or a committer (a bot's token has write access) must not
// lift a role holder's request for changes by dismissing it. GitHub's
// review_dismissed issue events say who dismissed which review and what
// state it had; gov reads them only when someone's latest review is
// DISMISSED, to keep the cost down.

// Dismissal is one review_dismissed event.
type Dismissal struct {
	ReviewID   int64
	ActorID    int64
	ActorLogin string
	// State is the review's state before the dismissal (upper case).
	State string
}

// ListDismissals lists the PR's review_dismissed events.
func (c *Client) ListDismissals(ctx context.Context, repo Repo, number int) ([]Dismissal, error) {
	es, err := paginate(ctx, 0, func(o *gh.ListOptions) ([]*gh.IssueEvent, *gh.Response, error) {
		return c.gh.Issues.ListIssueEvents(ctx, repo.Owner, repo.Name, number, o)
	})
	if err != nil {
		return nil, apiError(prOp("issue events", repo, number), permIssuesRead, err)
	}
	var out []Dismissal
	for _, e := range es {
		if e.GetEvent() != "review_dismissed" {
			continue
		}
		out = append(out, Dismissal{ReviewID: e.GetDismissedReview().GetReviewID(), ActorID: e.GetActor().GetID(),
			ActorLogin: e.GetActor().GetLogin(), State: strings.ToUpper(e.GetDismissedReview().GetState())})
	}
	return out, nil
}

// latestDismissed reports whether someone's latest state-bearing review is
// DISMISSED (only then can a dismissal have lifted a block).
func latestDismissed(reviews []approvals.Review) bool {
	latest := map[int64]approvals.Review{}
	for _, r := range reviews {
		switch r.State {
		case approvals.Approved, approvals.ChangesRequested, approvals.Dismissed:
			if old, ok := latest[r.UserID]; !ok || !r.SubmittedAt.Before(old.SubmittedAt) {
				latest[r.UserID] = r
			}
		}
	}
	for _, r := range latest {
		if r.State == approvals.Dismissed {
			return true
		}
	}
	return false
}

// undoDismissals turns back into CHANGES_REQUESTED every dismissed review
// that was a request for changes and was dismissed by the PR's author, a
// committer or co-author, or by someone GitHub's events do not name (then
// its prior state is unknown too, and it is kept as a request for changes:
// not knowing must not lift a block). The notes say which.
func (e Evaluator) undoDismissals(ctx context.Context, repo Repo, f approvals.PR, reviews []approvals.Review) ([]approvals.Review, []string, error) {
	if !latestDismissed(reviews) {
		return reviews, nil, nil
	}
	ds, err := e.Source.ListDismissals(ctx, repo, f.Number)
	if err != nil {
		return nil, nil, err
	}
	byReview := map[int64]Dismissal{}
	for _, d := range ds {
		byReview[d.ReviewID] = d
	}
	out := append([]approvals.Review(nil), reviews...)
	var notes []string
	for i, r := range out {
		if r.State != approvals.Dismissed {
			continue
		}
		d, ok := byReview[r.ID]
		var why string
		switch {
		case !ok:
			why = "GitHub's events do not say who dismissed it"
		case d.State != approvals.ChangesRequested:
			continue
		case d.ActorID == f.AuthorID:
			why = fmt.Sprintf("it was dismissed by the PR author %s", d.ActorLogin)
		case containsID(f.CommitAuthorIDs, d.ActorID) || containsID(f.CoAuthorIDs, d.ActorID):
			why = fmt.Sprintf("it was dismissed by %s, a committer of this PR", d.ActorLogin)
		default:
			continue
		}
		out[i].State = approvals.ChangesRequested
		notes = append(notes, fmt.Sprintf("review %d by %s still counts as a request for changes: %s", r.ID, r.Login, why))
	}
	return out, notes, nil
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
