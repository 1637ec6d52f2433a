package github

import (
	"context"
	"fmt"
)

// A reviews list GitHub cuts off without a Link header looks complete: a
// request for changes on the missing page would go unseen. GraphQL's
// pullRequest.reviews.totalCount says how many there are; the REST list,
// read after it, must hold at least that many (reviews are only added).

// ReviewCount returns the number of the PR's reviews (GraphQL totalCount).
func (c *Client) ReviewCount(ctx context.Context, repo Repo, number int) (int, error) {
	const query = `query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) { pullRequest(number: $number) { reviews { totalCount } } } }`
	body := map[string]any{"query": query, "variables": map[string]any{"owner": repo.Owner, "name": repo.Name, "number": number}}
	req, err := c.gh.NewRequest("POST", graphqlURL(c.gh.BaseURL), body)
	if err != nil {
		return 0, err
	}
	var out struct {
		Data struct {
			Repository *struct {
				PullRequest *struct {
					Reviews *struct {
						TotalCount *int `json:"totalCount"`
					} `json:"reviews"`
				} `json:"pullRequest"`
			} `json:"repository"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	op := prOp("number of reviews (GraphQL)", repo, number)
	if _, err := c.gh.Do(ctx, req, &out); err != nil {
		return 0, apiError(op, permPullsRead, err)
	}
	if len(out.Errors) > 0 {
		return 0, fmt.Errorf("%s: GitHub answered: %s", op, out.Errors[0].Message)
	}
	r := out.Data.Repository
	if r == nil || r.PullRequest == nil || r.PullRequest.Reviews == nil || r.PullRequest.Reviews.TotalCount == nil {
		return 0, fmt.Errorf("%s: GitHub's answer lacks reviews.totalCount", op)
	}
	return *r.PullRequest.Reviews.TotalCount, nil
}
