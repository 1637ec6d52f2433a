package github

import (
	"context"
	"fmt"
	"slices"

	gh "github.com/google/go-github/v60/github"
)

// ListOpenPRs lists the numbers of the repository's open pull requests,
// oldest first, every page (GET /repos/{o}/{r}/pulls?state=open). Any
// error on any page is an error, never a shorter list: a PR left out
// would never be escalated. Pages are numbered, so a PR closed while the
// pages are read moves every later one up and one of them is never
// listed: a listing of more than one page is taken only when the next
// listing (its pages mostly 304, free of rate limit) is the same.
func (c *Client) ListOpenPRs(ctx context.Context, repo Repo) ([]int, error) {
	var prev []int
	for range maxOpenListings {
		list, err := c.listOpenPRs(ctx, repo)
		if err != nil {
			return nil, err
		}
		if len(list) < perPage || (prev != nil && slices.Equal(prev, list)) {
			return list, nil
		}
		prev = list
	}
	return nil, fmt.Errorf("open pull requests of %s: the list changed while it was read, %d times: it cannot be read complete", repo, maxOpenListings)
}

// maxOpenListings bounds how often ListOpenPRs lists the open PRs.
const maxOpenListings = 4

// perPage is how many items gov asks for a page (paginate).
const perPage = 100

func (c *Client) listOpenPRs(ctx context.Context, repo Repo) ([]int, error) {
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
