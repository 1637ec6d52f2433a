package github

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gov-policy/gov/approvals"
)

// Two runs of one PR can race: the slower one, having read an approval that
// was since withdrawn, would post its stale success last. Before a success
// status gov reads the PR and its reviews once more (ETag revalidation,
// usually 304 and free of rate limit) and posts nothing when they changed:
// the caller starts over.

// ErrStale is wrapped by Publish when the PR or its reviews changed since
// the evaluation that would have set success.
var ErrStale = errors.New("the PR changed since it was evaluated")

// reviewsKey fingerprints a reviews list: ids, states, commits and times.
func reviewsKey(rs []approvals.Review) string {
	keys := make([]string, len(rs))
	for i, r := range rs {
		keys[i] = fmt.Sprintf("%d/%d/%s/%s/%d", r.ID, r.UserID, r.State, r.CommitID, r.SubmittedAt.UnixNano())
	}
	slices.Sort(keys)
	return strings.Join(keys, ",")
}

// fresh checks, before a success status, that the PR (now, as just read)
// still has the base and labels evaluated and, when reviews were counted,
// the same reviews.
func (c *Client) fresh(ctx context.Context, ev *Evaluation, now *PullRequest) error {
	stale := func(what string) error {
		return fmt.Errorf("%s#%d: %w (%s): not posting success; run gov again", ev.Repo, ev.PR.Number, ErrStale, what)
	}
	// A new head was checked by Publish: nothing is posted then.
	switch {
	case now.BaseRef != ev.PR.BaseRef || now.BaseSHA != ev.PR.BaseSHA:
		return stale("base moved")
	case !slices.Equal(now.Labels, ev.PR.Labels):
		return stale("labels changed")
	}
	if ev.Approvals == nil {
		return nil
	}
	rs, err := c.ListReviews(ctx, ev.Repo, ev.PR.Number)
	if err != nil {
		return err
	}
	if reviewsKey(rs) != ev.reviewsKey {
		return stale("reviews changed")
	}
	return nil
}
