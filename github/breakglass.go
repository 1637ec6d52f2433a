package github

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gov-policy/gov/approvals"
)

// GitHub's label events carry no commit, so gov binds a break-glass label
// to the head it was added on itself: the "labeled" event that triggered a
// run carries pull_request.head.sha and its sender; gov records that grant
// in its own decision comment (a hidden marker, trusted only in comments by
// gov's own identity) so that later runs on the same head still honour it.
// A label with no binding to the current head is not honoured.

// Grant is a break-glass label bound to the head commit it was added on.
type Grant struct {
	SHA  string
	ByID int64
	At   time.Time
}

// grantRE matches the one grant of a decision comment, at its fixed place:
// the line right after DecisionMarker, which opens the comment. A marker
// anywhere else (in text gov quoted) is not a grant.
var grantRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\A` + regexp.QuoteMeta(DecisionMarker) + `\n<!-- gov:break-glass sha=([0-9a-f]{40}(?:[0-9a-f]{24})?) by=(\d+) at=(\d+) -->\n`)
})

// GrantMarker is the hidden marker of a grant in gov's decision comment.
func GrantMarker(g Grant) string {
	return fmt.Sprintf("<!-- gov:break-glass sha=%s by=%d at=%d -->", g.SHA, g.ByID, g.At.Unix())
}

// BreakGlassGrants lists the grants recorded in gov's own comments. Under
// the shared Actions identity (github-actions[bot]) there are none: every
// workflow using GITHUB_TOKEN, one the PR author adds included, writes as
// that account, so a grant in such a comment could be forged. Break-glass
// is then honoured only from the labeled trigger event itself.
func (c *Client) BreakGlassGrants(ctx context.Context, repo Repo, number int) ([]Grant, error) {
	id, err := c.Identity(ctx)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(id.Login, actionsBot.Login) {
		return nil, nil
	}
	own, err := c.ownComments(ctx, repo, number)
	if err != nil {
		return nil, err
	}
	var out []Grant
	for _, cm := range own {
		if m := grantRE().FindStringSubmatch(cm.GetBody()); m != nil {
			by, err1 := strconv.ParseInt(m[2], 10, 64)
			at, err2 := strconv.ParseInt(m[3], 10, 64)
			if err1 == nil && err2 == nil {
				out = append(out, Grant{SHA: m[1], ByID: by, At: time.Unix(at, 0).UTC()})
			}
		}
	}
	return out, nil
}

// bindBreakGlass sets the head commit of the latest "labeled" event of the
// break-glass label: from the triggering event when it is that labeling
// (same PR, label and sender), else from a grant gov recorded earlier for
// that labeling (same sender and time). Otherwise the head stays unknown.
func (e Evaluator) bindBreakGlass(ctx context.Context, repo Repo, pr *PullRequest, label string, events []approvals.LabelEvent) error {
	idx := make([]int, 0, len(events))
	for i, ev := range events {
		if ev.Added && strings.EqualFold(ev.Label, label) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	sort.SliceStable(idx, func(a, b int) bool { return events[idx[a]].At.Before(events[idx[b]].At) })
	latest := &events[idx[len(idx)-1]]
	if t := e.Trigger; t != nil && t.Action == "labeled" && strings.EqualFold(t.Label, label) &&
		strings.EqualFold(t.Repo.String(), repo.String()) && t.Number == pr.Number && t.SenderID == latest.ActorID && t.HeadSHA != "" {
		latest.HeadSHA = t.HeadSHA
		return nil
	}
	grants, err := e.Source.BreakGlassGrants(ctx, repo, pr.Number)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if g.ByID == latest.ActorID && g.At.Unix() == latest.At.Unix() {
			latest.HeadSHA = g.SHA
		}
	}
	return nil
}
