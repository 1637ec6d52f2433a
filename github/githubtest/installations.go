package githubtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Installation is one installation of a GitHub App. Each gets tokens of
// its own; a request made with one reaches only the installation's account
// (its organisation's teams) and repositories: any other repository or
// organisation is refused with 404, as GitHub hides what an installation
// was not granted.
type Installation struct {
	ID int64 `json:"id"`
	// Account is the organisation or user the App is installed on.
	Account string `json:"account"`
	// Repos are the OWNER/NAME it was granted; empty means all of Account's.
	Repos []string `json:"repos,omitempty"`
	// TokenTTL is how long its tokens live (default 1h); an expired token
	// is refused with 401.
	TokenTTL Duration `json:"token_ttl,omitempty"`
}

// issued is an installation token the fake handed out.
type issued struct {
	installation int64
	expires      time.Time
	seq          int
}

// repoOf is the repository a PR belongs to (PR.Repo, else the fixture's).
func (s *Server) repoOf(p *PR) string { return cmp.Or(p.Repo, s.fx.Repo) }

// repoOK reports whether the path names a repository the fake serves.
func (s *Server) repoOK(r *http.Request) bool {
	name := r.PathValue("owner") + "/" + r.PathValue("repo")
	if strings.EqualFold(name, s.fx.Repo) {
		return true
	}
	return slices.ContainsFunc(s.fx.PRs, func(p PR) bool { return strings.EqualFold(p.Repo, name) })
}

// prAt is PR n of the repository the path names, nil when there is none.
func (s *Server) prAt(r *http.Request, n int) *PR {
	name := r.PathValue("owner") + "/" + r.PathValue("repo")
	for i := range s.fx.PRs {
		if s.fx.PRs[i].Number == n && strings.EqualFold(s.repoOf(&s.fx.PRs[i]), name) {
			return &s.fx.PRs[i]
		}
	}
	return nil
}

// installationToken answers POST /app/installations/{id}/access_tokens to
// a GitHub App presenting a JWT (its signature is not checked): a token of
// the installation's own, or, with no installations in the fixture, the
// fixture's token.
func (s *Server) installationToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.fx.Installations) == 0 {
		s.appTokens++
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"token": s.fx.Token, "expires_at": "2099-01-01T00:00:00Z"})
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	i := slices.IndexFunc(s.fx.Installations, func(in Installation) bool { return in.ID == id })
	if i < 0 {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	s.appTokens++
	ttl := time.Duration(cmp.Or(s.fx.Installations[i].TokenTTL, Duration(time.Hour)))
	tok := fmt.Sprintf("ghs_inst%d_%d", id, s.appTokens)
	exp := time.Now().Add(ttl)
	if s.tokens == nil {
		s.tokens = map[string]issued{}
	}
	s.tokens[tok] = issued{installation: id, expires: exp, seq: s.appTokens}
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]string{"token": tok, "expires_at": exp.UTC().Format(time.RFC3339Nano)})
}

// InstallationTokens returns the tokens issued to installation id, oldest first.
func (s *Server) InstallationTokens(id int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for tok, is := range s.tokens {
		if is.installation == id {
			out = append(out, tok)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(s.tokens[a].seq, s.tokens[b].seq) })
	return out
}

// Refused counts requests refused because their installation token was
// not granted the repository or organisation they asked for.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// installationAuthorized checks a request made with an installation token:
// ok false when auth is not one; otherwise the request was answered (401
// for an expired token, 404 outside the installation) unless allowed.
func (s *Server) installationAuthorized(w http.ResponseWriter, r *http.Request, auth string) (allowed, ok bool) {
	tok, found := strings.CutPrefix(auth, "token ")
	if !found {
		tok, found = strings.CutPrefix(auth, "Bearer ")
	}
	s.mu.Lock()
	is, known := s.tokens[tok]
	s.mu.Unlock()
	if !found || !known {
		return false, false
	}
	if time.Now().After(is.expires) {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return false, true
	}
	if s.granted(is.installation, r) {
		return true, true
	}
	s.mu.Lock()
	s.refused++
	s.mu.Unlock()
	writeError(w, http.StatusNotFound, "Not Found")
	return false, true
}

// granted reports whether installation id may reach what r asks for:
// repositories and organisations are checked, everything else is open.
func (s *Server) granted(id int64, r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.fx.Installations, func(in Installation) bool { return in.ID == id })
	if i < 0 {
		return false
	}
	in := s.fx.Installations[i]
	parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, s.prefix), "/"), "/")
	switch {
	case len(parts) >= 3 && parts[0] == "repos":
		return in.grants(parts[1], parts[2])
	case len(parts) >= 2 && parts[0] == "orgs":
		return strings.EqualFold(parts[1], in.Account)
	case strings.HasSuffix(r.URL.Path, "graphql"):
		owner, name := graphqlRepo(r)
		return in.grants(owner, name)
	}
	return true
}

func (in Installation) grants(owner, name string) bool {
	if len(in.Repos) == 0 {
		return strings.EqualFold(owner, in.Account)
	}
	return slices.ContainsFunc(in.Repos, func(r string) bool { return strings.EqualFold(r, owner+"/"+name) })
}

// graphqlRepo reads the owner and name variables of a GraphQL request,
// leaving its body to be read again.
func graphqlRepo(r *http.Request) (owner, name string) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	var q struct {
		Variables struct {
			Owner string `json:"owner"`
			Name  string `json:"name"`
		} `json:"variables"`
	}
	_ = json.Unmarshal(body, &q)
	return q.Variables.Owner, q.Variables.Name
}
