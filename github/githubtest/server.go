package githubtest

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v60/github"
)

// Request is one request the fake received.
type Request struct {
	Method, Path, Accept, IfNoneMatch, Authorization string
	Status                                           int
}

// RateLimit is a rate-limit answer the fake gives to the next requests.
type RateLimit struct {
	// Status is 403 or 429.
	Status int
	// Reset, for a primary limit (X-RateLimit-Remaining: 0).
	Reset time.Time
	// RetryAfter, in seconds, for a secondary limit.
	RetryAfter int
}

// Server is the fake GitHub API.
type Server struct {
	// URL is the API root to give the client (with /api/v3 for GHES).
	URL string
	srv *httptest.Server

	mu        sync.Mutex
	fx        Fixture
	prefix    string
	requests  []Request
	statuses  []Status
	limits    []RateLimit
	faults    []Fault
	commentID int64
	appTokens int
	tokens    map[string]issued
	refused   int
	compares  map[string]PR
	hook      func(Request)
}

// New starts a fake serving fx at the root path.
func New(fx Fixture) *Server { return start(fx, "") }

// NewEnterprise starts a fake serving fx under /api/v3, as GHES does.
func NewEnterprise(fx Fixture) *Server { return start(fx, "/api/v3") }

func start(fx Fixture, prefix string) *Server {
	s := &Server{fx: fx, prefix: prefix, commentID: 9000, faults: append([]Fault(nil), fx.Faults...)}
	mux := http.NewServeMux()
	s.routes(mux)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == prefix+StatePath {
			s.writeState(w)
			return
		}
		graphql := "/graphql"
		if prefix == "/api/v3" {
			graphql = "/api/graphql"
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.mu.Lock()
			s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Accept: r.Header.Get("Accept"),
				IfNoneMatch: r.Header.Get("If-None-Match"), Authorization: r.Header.Get("Authorization"), Status: rec.status})
			s.mu.Unlock()
		}()
		if !strings.HasPrefix(r.URL.Path, prefix+"/") && r.URL.Path != graphql {
			writeError(rec, http.StatusNotFound, "Not Found")
			return
		}
		s.mu.Lock()
		hook := s.hook
		s.mu.Unlock()
		if hook != nil {
			hook(Request{Method: r.Method, Path: r.URL.Path, Accept: r.Header.Get("Accept")})
		}
		if s.limited(rec) || !s.authorized(rec, r) {
			return
		}
		if f, ok := s.fault(strings.TrimPrefix(r.URL.Path, prefix), r.URL.RawQuery); ok {
			answerFault(rec, r, f)
			return
		}
		r2 := r.Clone(r.Context())
		r2.Header.Set("X-Original-Path", r.URL.Path)
		r2.URL.Path = strings.TrimPrefix(r.URL.Path, prefix)
		if r.URL.Path == graphql {
			r2.URL.Path = "/graphql"
		}
		mux.ServeHTTP(rec, r2)
	}))
	s.URL = s.srv.URL + prefix
	return s
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// StatePath serves the fake's State as JSON (under the prefix), for tests
// that run gov in another process.
const StatePath = "/_fake/state"

// State is what the fake recorded.
type State struct {
	Requests []Request         `json:"requests"`
	Statuses []Status          `json:"statuses"`
	Comments map[int][]Comment `json:"comments"`
}

func (s *Server) writeState(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Requests: s.requests, Statuses: s.statuses, Comments: map[int][]Comment{}}
	for _, p := range s.fx.PRs {
		st.Comments[p.Number] = p.Comments
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Client is an http.Client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Statuses returns the commit statuses set so far.
func (s *Server) Statuses() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Status(nil), s.statuses...)
}

// Comments returns the comments of PR number.
func (s *Server) Comments(number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pr(number); p != nil {
		return append([]Comment(nil), p.Comments...)
	}
	return nil
}

// Update changes the fixture (a push, a new review) between evaluations.
func (s *Server) Update(f func(*Fixture)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.fx)
}

// OnRequest calls f with each request before the fake answers it (outside
// the fake's lock, so f may Update or Push): a push between two reads.
func (s *Server) OnRequest(f func(Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = f
}

// AppTokens counts installation tokens handed out.
func (s *Server) AppTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appTokens
}

// RateLimitNext answers the next len(ls) requests with these rate limits.
func (s *Server) RateLimitNext(ls ...RateLimit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = append(s.limits, ls...)
}

// AddFault makes the fake answer requests matching f with f.
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// fault finds the first fault matching path and query and uses it up.
func (s *Server) fault(path, query string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Path != path || !strings.Contains(query, f.Query) {
			continue
		}
		if f.Times > 0 {
			s.faults[i].Times--
			if s.faults[i].Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return f, true
	}
	return Fault{}, false
}

func answerFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.Delay > 0 {
		select {
		case <-time.After(time.Duration(f.Delay)):
		case <-r.Context().Done():
			return
		}
	}
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	if !f.Reset.IsZero() {
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Resource", "core")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(f.Reset.Unix(), 10))
	}
	if f.Body == "" {
		writeError(w, status, http.StatusText(status))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(f.Body))
}

func (s *Server) limited(w http.ResponseWriter) bool {
	s.mu.Lock()
	if len(s.limits) == 0 {
		s.mu.Unlock()
		return false
	}
	l := s.limits[0]
	s.limits = s.limits[1:]
	s.mu.Unlock()
	if l.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(l.RetryAfter))
		writeError(w, l.Status, "You have exceeded a secondary rate limit.")
		return true
	}
	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Remaining", "0")
	w.Header().Set("X-RateLimit-Resource", "core")
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(l.Reset.Unix(), 10))
	writeError(w, l.Status, "API rate limit exceeded")
	return true
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	token, apps := s.fx.Token, len(s.fx.Installations)
	s.mu.Unlock()
	auth := r.Header.Get("Authorization")
	if allowed, ok := s.installationAuthorized(w, r, auth); ok {
		return allowed
	}
	if (token == "" && apps == 0) || (token != "" && (auth == "Bearer "+token || auth == "token "+token)) ||
		((r.URL.Path == s.prefix+"/app" || strings.HasPrefix(r.URL.Path, s.prefix+"/app/installations/")) && strings.HasPrefix(auth, "Bearer ey")) {
		return true
	}
	writeError(w, http.StatusUnauthorized, "Bad credentials")
	return false
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}

// writeJSON answers v with an ETag, or 304 when the client has it.
func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeBody(w, r, "application/json; charset=utf-8", body)
}

func writeBody(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	sum := sha256.Sum256(append([]byte(r.Header.Get("Accept")+"\n"), body...))
	etag := fmt.Sprintf(`"%x"`, sum[:12])
	w.Header().Set("ETag", etag)
	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Remaining", "4999")
	if r.Method == http.MethodGet && r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(body)
}

func (s *Server) pr(number int) *PR {
	for i := range s.fx.PRs {
		if s.fx.PRs[i].Number == number {
			return &s.fx.PRs[i]
		}
	}
	return nil
}

func ghUser(u User) *gh.User {
	t := "User"
	if u.Bot {
		t = "Bot"
	}
	return &gh.User{Login: gh.String(u.Login), ID: gh.Int64(u.ID), Type: gh.String(t)}
}

func ts(t time.Time) *gh.Timestamp { return &gh.Timestamp{Time: t} }
