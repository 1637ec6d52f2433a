package githubtest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func twoInstallations() Fixture {
	return Fixture{Repo: "acme/app", PRs: []PR{
		{Number: 1, Head: "1111111111111111111111111111111111111111", Base: "main"},
		{Repo: "globex/web", Number: 5, Head: "5555555555555555555555555555555555555555", Base: "main"},
	}, Teams: map[string][]string{"acme/sre": {"bob"}, "globex/sre": {"carol"}},
		Installations: []Installation{{ID: 1, Account: "acme"}, {ID: 2, Account: "globex", Repos: []string{"globex/web"},
			TokenTTL: Duration(150 * time.Millisecond)}}}
}

func token(t *testing.T, s *Server, id string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/app/installations/"+id+"/access_tokens", nil)
	req.Header.Set("Authorization", "Bearer eyJfake")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("token of installation %s: %d %v", id, resp.StatusCode, err)
	}
	return out.Token
}

func get(t *testing.T, s *Server, path, tok string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	req.Header.Set("Authorization", "token "+tok)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestInstallationTokensAreScoped: a token of installation B asking for
// installation A's repository or organisation is refused, as GitHub does;
// each installation's own requests pass; an expired token is refused.
func TestInstallationTokensAreScoped(t *testing.T) {
	s := New(twoInstallations())
	defer s.Close()
	a, b := token(t, s, "1"), token(t, s, "2")
	if a == b {
		t.Fatalf("both installations got token %q", a)
	}
	tests := []struct {
		name, path, tok string
		want            int
	}{
		{"A reads its PR", "/repos/acme/app/pulls/1", a, 200},
		{"B reads its PR", "/repos/globex/web/pulls/5", b, 200},
		{"B reads A's PR", "/repos/acme/app/pulls/1", b, 404},
		{"A reads B's PR", "/repos/globex/web/pulls/5", a, 404},
		{"A reads its team", "/orgs/acme/teams/sre/members", a, 200},
		{"A reads B's team", "/orgs/globex/teams/sre/members", a, 404},
		{"PR of another repository by number", "/repos/acme/app/pulls/5", a, 404},
		{"no token", "/repos/acme/app/pulls/1", "", 401},
		{"made-up token", "/repos/acme/app/pulls/1", "ghs_inst1_99", 401},
	}
	for _, tt := range tests {
		if got := get(t, s, tt.path, tt.tok); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	if s.Refused() != 3 {
		t.Errorf("refused %d, want 3", s.Refused())
	}
	time.Sleep(200 * time.Millisecond)
	if got := get(t, s, "/repos/globex/web/pulls/5", b); got != http.StatusUnauthorized {
		t.Errorf("expired token: %d, want 401", got)
	}
	if toks := s.InstallationTokens(2); len(toks) != 1 || toks[0] != b {
		t.Errorf("tokens of installation 2: %v", toks)
	}
}
