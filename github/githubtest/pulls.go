package githubtest

import (
	"net/http"

	gh "github.com/google/go-github/v60/github"
)

// prState is the PR's state, "open" unless the fixture says otherwise.
func prState(p *PR) string {
	if p.State == "" {
		return "open"
	}
	return p.State
}

// listPulls answers GET /repos/{o}/{r}/pulls?state=open: the open PRs,
// numbers and heads only, paginated.
func (s *Server) listPulls(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.repoOK(r) {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	var out []*gh.PullRequest
	for i := range s.fx.PRs {
		p := &s.fx.PRs[i]
		if prState(p) != "open" {
			continue
		}
		out = append(out, &gh.PullRequest{Number: gh.Int(p.Number), State: gh.String("open"),
			Head: &gh.PullRequestBranch{SHA: gh.String(p.Head)}, Base: &gh.PullRequestBranch{Ref: gh.String(p.Base)}})
	}
	page(w, r, out)
}
