package githubtest

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// baseSHA is the PR's base commit (BaseSHA, else one made from the number).
func baseSHA(p *PR) string {
	if p.BaseSHA != "" {
		return p.BaseSHA
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("base of #%d", p.Number)))
	return fmt.Sprintf("%x", sum[:20])
}

// snapshot keeps what a base...head comparison answers after the PR has
// moved on: GitHub still compares old commits.
func (s *Server) snapshot(p *PR) {
	if s.compares == nil {
		s.compares = map[string]PR{}
	}
	s.compares[baseSHA(p)+"..."+p.Head] = *p
}

// Push adds commit c to PR number and makes it the head, with diff as the
// PR's new diff (files are left as they are).
func (s *Server) Push(number int, c Commit, diff string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pr(number)
	s.snapshot(p)
	p.Commits = append(append([]Commit(nil), p.Commits...), c)
	p.Head, p.Diff = c.SHA, diff
}

// ForcePush replaces PR number's commits (the last one becomes the head).
func (s *Server) ForcePush(number int, commits []Commit, diff string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pr(number)
	s.snapshot(p)
	p.Commits = append([]Commit(nil), commits...)
	p.Head, p.Diff = commits[len(commits)-1].SHA, diff
}

// compare answers GET /repos/{o}/{r}/compare/{base}...{head} for a PR's
// base and head (current or earlier): the diff with the diff media type,
// else the comparison with its files (at most 300, as GitHub does).
func (s *Server) compare(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	base, head, ok := strings.Cut(r.PathValue("basehead"), "...")
	if !s.repoOK(r) || !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	var p *PR
	for i := range s.fx.PRs {
		if baseSHA(&s.fx.PRs[i]) == base && s.fx.PRs[i].Head == head {
			p = &s.fx.PRs[i]
			break
		}
	}
	if old, ok := s.compares[base+"..."+head]; p == nil && ok {
		p = &old
	}
	if p == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "diff") {
		if p.DiffStatus != 0 || max(p.ChangedFiles, len(p.Files)) > 300 {
			writeError(w, cmp.Or(p.DiffStatus, http.StatusNotAcceptable), "Sorry, the diff exceeded the maximum number of files (300).")
			return
		}
		writeBody(w, r, "text/plain; charset=utf-8", []byte(p.Diff))
		return
	}
	files := p.Files[:min(len(p.Files), 300)]
	out := &gh.CommitsComparison{Status: gh.String("ahead"), AheadBy: gh.Int(len(p.Commits)), TotalCommits: gh.Int(len(p.Commits))}
	for _, f := range files {
		out.Files = append(out.Files, ghFile(f))
	}
	writeJSON(w, r, out)
}

// user answers GET /user: the poster when it is a person; a bot's
// installation token gets 403, as GitHub answers it.
func (s *Server) user(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.poster()
	if p.Bot {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	writeJSON(w, r, ghUser(p))
}

// app answers GET /app to a GitHub App's JWT with the slug of the poster
// ("<slug>[bot]").
func (s *Server) app(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	slug, ok := strings.CutSuffix(s.poster().Login, "[bot]")
	if !ok || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey") {
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		return
	}
	writeJSON(w, r, &gh.App{Slug: gh.String(slug), Name: gh.String(slug)})
}

// graphql answers the GraphQL queries gov sends: the merge queue of a
// branch (repository.mergeQueue(branch).entries) and the number of a PR's
// reviews (repository.pullRequest(number).reviews.totalCount).
func (s *Server) graphql(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var raw struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil ||
		(!strings.Contains(raw.Query, "mergeQueue") && !strings.Contains(raw.Query, "reviews")) {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	in := struct{ Variables map[string]string }{map[string]string{}}
	for k, v := range raw.Variables {
		in.Variables[k] = fmt.Sprint(v)
	}
	name := in.Variables["owner"] + "/" + in.Variables["name"]
	if !strings.EqualFold(name, s.fx.Repo) && !slices.ContainsFunc(s.fx.PRs, func(p PR) bool { return strings.EqualFold(p.Repo, name) }) {
		writeJSON(w, r, map[string]any{"data": map[string]any{"repository": nil},
			"errors": []map[string]string{{"message": "Could not resolve to a Repository"}}})
		return
	}
	if !strings.Contains(raw.Query, "mergeQueue") {
		n, _ := strconv.Atoi(in.Variables["number"])
		var p *PR
		for i := range s.fx.PRs {
			if s.fx.PRs[i].Number == n && strings.EqualFold(s.repoOf(&s.fx.PRs[i]), name) {
				p = &s.fx.PRs[i]
			}
		}
		if p == nil {
			writeJSON(w, r, map[string]any{"data": map[string]any{"repository": map[string]any{"pullRequest": nil}},
				"errors": []map[string]string{{"message": "Could not resolve to a PullRequest"}}})
			return
		}
		writeJSON(w, r, map[string]any{"data": map[string]any{"repository": map[string]any{"pullRequest": map[string]any{
			"reviews": map[string]any{"totalCount": len(p.Reviews)}}}}})
		return
	}
	nodes := []map[string]any{}
	for _, e := range s.fx.MergeQueue {
		p := s.pr(e.PR)
		if p == nil || p.Base != in.Variables["branch"] {
			continue
		}
		head := cmp.Or(e.PRHead, p.Head)
		nodes = append(nodes, map[string]any{"position": len(nodes) + 1, "headCommit": map[string]string{"oid": e.GroupSHA},
			"pullRequest": map[string]any{"number": p.Number, "headRefOid": head, "baseRefName": p.Base}})
	}
	writeJSON(w, r, map[string]any{"data": map[string]any{"repository": map[string]any{"mergeQueue": map[string]any{
		"entries": map[string]any{"totalCount": len(nodes), "nodes": nodes}}}}})
}
