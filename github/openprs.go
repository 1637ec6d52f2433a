package github

import (
	"context"
	"fmt"

	gh "github.com/google/go-github/v60/github"
)

// ListOpenPRs lists the numbers of the repository's open pull requests,
// oldest first, every page (GET /repos/{o}/{r}/pulls?state=open). Any
// error on any page is an error, never a shorter list: a PR left out
// would never be escalated.
func (c *Client) ListOpenPRs(ctx context.Context, repo Repo) ([]int, error) {
	prs, err := paginate(ctx, 0, func(o *gh.ListOptions) ([]*gh.PullRequest, *gh.Response, error) {
		return c.gh.PullRequests.List(ctx, repo.Owner, repo.Name, &gh.PullRequestListOptions{
			State: "open", Sort: "created", Direction: "asc", ListOptions: *o,
		})
	})
	if err != nil {
		return nil, apiError(fmt.Sprintf("open pull requests of %s", repo), permPullsRead, err)
	}
	out := make([]int, 0, len(prs))
	for _, p := range prs {
		if p.GetNumber() <= 0 {
			return nil, fmt.Errorf("open pull requests of %s: GitHub listed one without a number", repo)
		}
		out = append(out, p.GetNumber())
	}
	return out, nil
}
