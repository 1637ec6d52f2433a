package githubtest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls", s.listPulls)
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{n}", s.withPR(s.getPR))
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{n}/commits", s.withPR(s.listCommits))
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{n}/reviews", s.withPR(s.listReviews))
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{n}/files", s.withPR(s.listFiles))
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{n}/events", s.withPR(s.listEvents))
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{n}/comments", s.withPR(s.listComments))
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues/{n}/comments", s.withPR(s.createComment))
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/issues/comments/{id}", s.editComment)
	mux.HandleFunc("POST /repos/{owner}/{repo}/statuses/{sha}", s.createStatus)
	mux.HandleFunc("GET /orgs/{org}/teams/{slug}/memberships/{user}", s.membership)
	mux.HandleFunc("GET /orgs/{org}/teams/{slug}/members", s.teamMembers)
	mux.HandleFunc("GET /users/{login}", s.userByLogin)
	mux.HandleFunc("POST /app/installations/{id}/access_tokens", s.installationToken)
	mux.HandleFunc("GET /repos/{owner}/{repo}/compare/{basehead...}", s.compare)
	mux.HandleFunc("GET /user", s.user)
	mux.HandleFunc("GET /app", s.app)
	mux.HandleFunc("POST /graphql", s.graphql)
}

// withPR finds the repository and PR of the path (404 otherwise) and calls
// h under the server's lock.
func (s *Server) withPR(h func(http.ResponseWriter, *http.Request, *PR)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		n, err := strconv.Atoi(r.PathValue("n"))
		p := s.prAt(r, n)
		if err != nil || p == nil {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		h(w, r, p)
	}
}

func (s *Server) getPR(w http.ResponseWriter, r *http.Request, p *PR) {
	if strings.Contains(r.Header.Get("Accept"), "diff") {
		if p.DiffStatus != 0 {
			writeError(w, p.DiffStatus, "Sorry, the diff exceeded the maximum number of files (300). Consider using 'List pull requests files' API.")
			return
		}
		writeBody(w, r, "text/plain; charset=utf-8", []byte(p.Diff))
		return
	}
	changed := p.ChangedFiles
	if changed == 0 {
		changed = len(p.Files)
	}
	commits := p.CommitCount
	if commits == 0 {
		commits = len(p.Commits)
	}
	out := &gh.PullRequest{
		Number: gh.Int(p.Number), Title: gh.String(p.Title), State: gh.String(prState(p)), User: ghUser(p.Author),
		Head:      &gh.PullRequestBranch{SHA: gh.String(p.Head), Ref: gh.String("feature")},
		Base:      &gh.PullRequestBranch{Ref: gh.String(p.Base), SHA: gh.String(baseSHA(p))},
		CreatedAt: ts(p.CreatedAt), ChangedFiles: gh.Int(changed), Commits: gh.Int(commits),
		HTMLURL: gh.String(fmt.Sprintf("https://github.example/%s/pull/%d", s.repoOf(p), p.Number)),
	}
	for _, l := range p.Labels {
		out.Labels = append(out.Labels, &gh.Label{Name: gh.String(l)})
	}
	writeJSON(w, r, out)
}

// page answers one page of items with a Link header to the next.
func page[T any](w http.ResponseWriter, r *http.Request, items []T) {
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 || per > 100 {
		per = 30
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = max(n, 1)
	lo := min((n-1)*per, len(items))
	hi := min(lo+per, len(items))
	if hi < len(items) {
		next := url.URL{Scheme: "http", Host: r.Host, Path: r.Header.Get("X-Original-Path")}
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n+1))
		next.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next.String()))
	}
	writeJSON(w, r, items[lo:hi])
}

func (s *Server) listCommits(w http.ResponseWriter, r *http.Request, p *PR) {
	out := make([]*gh.RepositoryCommit, len(p.Commits))
	for i, c := range p.Commits {
		rc := &gh.RepositoryCommit{SHA: gh.String(c.SHA)}
		if c.Message != "" {
			rc.Commit = &gh.Commit{Message: gh.String(c.Message)}
		}
		if c.Author != nil {
			rc.Author = ghUser(*c.Author)
		}
		if c.Committer != nil {
			rc.Committer = ghUser(*c.Committer)
		}
		out[i] = rc
	}
	page(w, r, out)
}

func (s *Server) listReviews(w http.ResponseWriter, r *http.Request, p *PR) {
	out := make([]*gh.PullRequestReview, len(p.Reviews))
	for i, rv := range p.Reviews {
		out[i] = &gh.PullRequestReview{ID: gh.Int64(rv.ID), User: ghUser(rv.User), State: gh.String(rv.State),
			CommitID: gh.String(rv.CommitID), SubmittedAt: ts(rv.SubmittedAt)}
		if rv.User == (User{}) {
			out[i].User = nil // a deleted account: GitHub answers "user": null
		}
	}
	page(w, r, out)
}

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request, p *PR) {
	out := make([]*gh.CommitFile, len(p.Files))
	for i, f := range p.Files {
		out[i] = ghFile(f)
	}
	page(w, r, out)
}

func ghFile(f File) *gh.CommitFile {
	status := f.Status
	if status == "" {
		status = "modified"
	}
	out := &gh.CommitFile{Filename: gh.String(f.Path), Status: gh.String(status), Additions: gh.Int(f.Additions),
		Deletions: gh.Int(f.Deletions), Patch: gh.String(f.Patch)}
	if f.Previous != "" {
		out.PreviousFilename = gh.String(f.Previous)
	}
	return out
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, p *PR) {
	out := make([]*gh.IssueEvent, len(p.Events))
	for i, e := range p.Events {
		out[i] = &gh.IssueEvent{ID: gh.Int64(int64(i + 1)), Event: gh.String(e.Event), Actor: ghUser(e.Actor), CreatedAt: ts(e.CreatedAt)}
		if e.Label != "" {
			out[i].Label = &gh.Label{Name: gh.String(e.Label)}
		}
		if e.DismissedReview != 0 {
			out[i].DismissedReview = &gh.DismissedReview{ReviewID: gh.Int64(e.DismissedReview), State: gh.String(e.DismissedState)}
		}
	}
	page(w, r, out)
}

func ghComment(c Comment) *gh.IssueComment {
	return &gh.IssueComment{ID: gh.Int64(c.ID), User: ghUser(c.User), Body: gh.String(c.Body)}
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request, p *PR) {
	out := make([]*gh.IssueComment, len(p.Comments))
	for i, c := range p.Comments {
		out[i] = ghComment(c)
	}
	page(w, r, out)
}

func (s *Server) poster() User {
	if s.fx.Poster != nil {
		return *s.fx.Poster
	}
	return User{Login: "github-actions[bot]", ID: 41898282, Bot: true}
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request, p *PR) {
	var in struct{ Body string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Body == "" {
		writeError(w, http.StatusUnprocessableEntity, "body is missing")
		return
	}
	s.commentID++
	c := Comment{ID: s.commentID, User: s.poster(), Body: in.Body}
	p.Comments = append(p.Comments, c)
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(ghComment(c))
}

func (s *Server) editComment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var in struct{ Body string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || !s.repoOK(r) {
		writeError(w, http.StatusUnprocessableEntity, "bad request")
		return
	}
	for i := range s.fx.PRs {
		for j, c := range s.fx.PRs[i].Comments {
			if c.ID != id {
				continue
			}
			if c.User.ID != s.poster().ID {
				writeError(w, http.StatusForbidden, "Resource not accessible by integration")
				return
			}
			s.fx.PRs[i].Comments[j].Body = in.Body
			_ = json.NewEncoder(w).Encode(ghComment(s.fx.PRs[i].Comments[j]))
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found")
}

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var in gh.RepoStatus
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || !s.repoOK(r) {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if len(in.GetDescription()) > 140*4 || in.GetState() == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed")
		return
	}
	s.statuses = append(s.statuses, Status{Repo: r.PathValue("owner") + "/" + r.PathValue("repo"), SHA: r.PathValue("sha"), State: in.GetState(), Context: in.GetContext(),
		Description: in.GetDescription(), TargetURL: in.GetTargetURL()})
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(in)
}

// teamStatus answers a forced status for the team of the path.
func (s *Server) teamStatus(w http.ResponseWriter, r *http.Request) (string, bool) {
	team := r.PathValue("org") + "/" + r.PathValue("slug")
	code := s.fx.TeamStatus[team]
	if code == 0 {
		return team, false
	}
	if code == http.StatusForbidden {
		w.Header().Set("X-Accepted-OAuth-Scopes", "read:org")
		w.Header().Set("X-Accepted-GitHub-Permissions", "members=read")
	}
	writeError(w, code, http.StatusText(code))
	return team, true
}

func (s *Server) membership(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	team, forced := s.teamStatus(w, r)
	if forced {
		return
	}
	for state, logins := range map[string][]string{"active": s.fx.Teams[team], "pending": s.fx.TeamPending[team]} {
		for _, m := range logins {
			if strings.EqualFold(m, r.PathValue("user")) {
				writeJSON(w, r, &gh.Membership{State: gh.String(state), Role: gh.String("member")})
				return
			}
		}
	}
	writeError(w, http.StatusNotFound, "Not Found")
}

// teamMembers lists a team's active members (pending ones are not members
// yet), paginated.
func (s *Server) teamMembers(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	team, forced := s.teamStatus(w, r)
	if forced {
		return
	}
	if _, ok := s.fx.Teams[team]; !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	out := make([]*gh.User, len(s.fx.Teams[team]))
	for i, login := range s.fx.Teams[team] {
		out[i] = ghUser(User{Login: login, ID: s.userID(login)})
	}
	page(w, r, out)
}

// userByLogin answers GET /users/{login} for the accounts the fixture names.
func (s *Server) userByLogin(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.lookup(r.PathValue("login"))
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, r, ghUser(u))
}

// lookup finds an account the fixture names, by login.
func (s *Server) lookup(login string) (User, bool) {
	users := append([]User{s.poster()}, s.fx.Users...)
	for _, p := range s.fx.PRs {
		users = append(users, p.Author)
		for _, c := range p.Commits {
			for _, u := range []*User{c.Author, c.Committer} {
				if u != nil {
					users = append(users, *u)
				}
			}
		}
		for _, rv := range p.Reviews {
			users = append(users, rv.User)
		}
		for _, e := range p.Events {
			users = append(users, e.Actor)
		}
		for _, c := range p.Comments {
			users = append(users, c.User)
		}
	}
	for _, u := range users {
		if u.ID != 0 && strings.EqualFold(u.Login, login) {
			return u, true
		}
	}
	return User{}, false
}

// userID is the id of login: the fixture's, else one derived from the login.
func (s *Server) userID(login string) int64 {
	if u, ok := s.lookup(login); ok {
		return u.ID
	}
	return UserID(login)
}

// UserID is the stable id the fake gives a login the fixture does not name
// (1,000,000 and up, so it never equals a fixture's small ids).
func UserID(login string) int64 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(strings.ToLower(login)))
	return 1_000_000 + int64(h.Sum32()%1_000_000_000)
}
