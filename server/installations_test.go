package server

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/github/githubtest"
)

// Two organisations run the App: installation 1 on acme (acme/app#2),
// installation 2 on globex (globex/web#5).
const (
	shaAcme   = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
	shaGlobex = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
	appPoster = "gov-app[bot]"
)

// fakeApp serves both installations' PRs (allowed by the test bundle,
// which only warns) under /api/v3.
func fakeApp(t *testing.T, edit func(*githubtest.Fixture)) *githubtest.Server {
	t.Helper()
	diff, err := os.ReadFile("../testdata/patches/python-null-check.diff")
	if err != nil {
		t.Fatal(err)
	}
	author := githubtest.User{Login: "alice", ID: 7}
	pr := func(repo string, n int, head string) githubtest.PR {
		return githubtest.PR{Repo: repo, Number: n, Author: author, Head: head, Base: "main", Diff: string(diff),
			CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Commits: []githubtest.Commit{{SHA: head, Author: &author, Committer: &author}}}
	}
	fx := githubtest.Fixture{Repo: "acme/app", Poster: &githubtest.User{Login: appPoster, ID: 555, Bot: true},
		PRs:           []githubtest.PR{pr("acme/app", 2, shaAcme), pr("globex/web", 5, shaGlobex)},
		Installations: []githubtest.Installation{{ID: 1, Account: "acme"}, {ID: 2, Account: "globex"}}}
	if edit != nil {
		edit(&fx)
	}
	fake := githubtest.NewEnterprise(fx)
	t.Cleanup(fake.Close)
	return fake
}

// appKey writes a GitHub App private key and returns its path.
func appKey(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "app.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(path, block, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// appServer is a server authenticating as the App. InstallationID is set
// as an Action would set it: gov serve must take the payload's instead.
func appServer(t *testing.T, fake *githubtest.Server, logs *syncBuffer, edit func(*Config)) *Server {
	t.Helper()
	cfg := Config{WebhookSecret: webhookSecret, Workers: 2, RetryBase: time.Millisecond, MaxAttempts: 2,
		GitHub: &github.Options{App: &github.AppAuth{AppID: 12, InstallationID: 1, PrivateKeyFile: appKey(t)}, BaseURL: fake.URL, MaxWait: -1}}
	if logs != nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if edit != nil {
		edit(&cfg)
	}
	return newTestServer(t, cfg)
}

// prEvent is a signed-body pull_request payload for repo#n at head, from
// installation (0: the payload has no installation).
func prEvent(t *testing.T, action, repo string, n int, head string, installation int64) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(payload(t, "../testdata/github/webhooks/pull_request_opened.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["action"], m["number"] = action, n
	m["repository"].(map[string]any)["full_name"] = repo
	pr := m["pull_request"].(map[string]any)
	pr["number"] = n
	pr["head"].(map[string]any)["sha"] = head
	pr["base"].(map[string]any)["ref"] = "main"
	if installation == 0 {
		delete(m, "installation")
	} else {
		m["installation"] = map[string]any{"id": installation}
	}
	return mustJSON(t, m)
}

// waitJobs waits until n jobs of kind finished and returns how many failed.
func waitJobs(t *testing.T, s *Server, kind string, n int) int {
	t.Helper()
	re := regexp.MustCompile(`(?m)^gov_jobs_total\{kind="` + kind + `",result="(ok|error)"\} (\d+)$`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		done, failed := 0, 0
		for _, m := range re.FindAllStringSubmatch(metricsText(t, s.Handler()), -1) {
			v, _ := strconv.Atoi(m[2])
			done += v
			if m[1] == "error" {
				failed += v
			}
		}
		if done >= n {
			return failed
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d %s jobs finished", done, n, kind)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mustQueue delivers a webhook that must be queued.
func mustQueue(t *testing.T, s *Server, event, id string, body []byte) {
	t.Helper()
	if code, result := deliver(t, s.Handler(), event, id, body); code != http.StatusAccepted || result != resultQueued {
		t.Fatalf("delivery %s: %d %q, want 202 queued", id, code, result)
	}
}

// requestsOf are the fake's requests to a repository's or organisation's paths.
func requestsOf(fake *githubtest.Server, owner string) []githubtest.Request {
	var out []githubtest.Request
	for _, r := range fake.Requests() {
		if strings.Contains(r.Path, "/repos/"+owner+"/") || strings.Contains(r.Path, "/orgs/"+owner+"/") {
			out = append(out, r)
		}
	}
	return out
}

// syncBuffer collects logs written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestServeTwoInstallationsEachUsesItsOwnToken: each delivery is decided
// with the token of the installation its payload names; installation 2's
// PR is not read with installation 1's token (the fake refuses that, as
// GitHub does), and no token reaches the logs.
func TestServeTwoInstallationsEachUsesItsOwnToken(t *testing.T) {
	fake := fakeApp(t, nil)
	logs := &syncBuffer{}
	s := appServer(t, fake, logs, nil)
	serve(t, s)
	mustQueue(t, s, "pull_request", "d-acme", prEvent(t, "opened", "acme/app", 2, shaAcme, 1))
	mustQueue(t, s, "pull_request", "d-globex", prEvent(t, "opened", "globex/web", 5, shaGlobex, 2))
	if failed := waitJobs(t, s, "pr", 2); failed != 0 {
		t.Errorf("%d jobs failed", failed)
	}
	st := fake.Statuses()
	got := map[string]string{}
	for _, x := range st {
		got[x.Repo+"@"+x.SHA] = x.State
	}
	if got["acme/app@"+shaAcme] != github.StateSuccess || got["globex/web@"+shaGlobex] != github.StateSuccess || len(st) != 2 {
		t.Errorf("statuses %+v: want success on both PRs", st)
	}
	if fake.Refused() != 0 {
		t.Errorf("the fake refused %d requests made with another installation's token", fake.Refused())
	}
	for owner, id := range map[string]int64{"acme": 1, "globex": 2} {
		toks := fake.InstallationTokens(id)
		reqs := requestsOf(fake, owner)
		if len(toks) == 0 || len(reqs) == 0 {
			t.Fatalf("installation %d: %d tokens, %d requests", id, len(toks), len(reqs))
		}
		for _, r := range reqs {
			if !slices.Contains(toks, strings.TrimPrefix(r.Authorization, "token ")) {
				t.Errorf("%s %s carried %.12s..., not a token of installation %d", r.Method, r.Path, r.Authorization, id)
			}
		}
	}
	for _, tok := range append(fake.InstallationTokens(1), fake.InstallationTokens(2)...) {
		if strings.Contains(logs.String(), tok) {
			t.Errorf("installation token %.10s... printed in the logs", tok)
		}
	}
}

// TestServeInstallationClientReusedAcrossJobs: two jobs of one
// installation share its token and the ETag cache: the second job's reads
// are conditional and answered 304, and only one token is fetched.
func TestServeInstallationClientReusedAcrossJobs(t *testing.T) {
	fake := fakeApp(t, nil)
	s := appServer(t, fake, nil, nil)
	serve(t, s)
	mustQueue(t, s, "pull_request", "d1", prEvent(t, "opened", "acme/app", 2, shaAcme, 1))
	waitJobs(t, s, "pr", 1)
	before := len(fake.Requests())
	mustQueue(t, s, "pull_request", "d2", prEvent(t, "reopened", "acme/app", 2, shaAcme, 1))
	if failed := waitJobs(t, s, "pr", 2); failed != 0 {
		t.Fatalf("%d jobs failed", failed)
	}
	// The PR and its diff did not change: their first read in the second
	// job is answered 304 from the ETag cache the first job filled (later
	// reads within one job would be 304 with any cache). The comments did
	// change: the first job wrote one.
	reqs := fake.Requests()
	firstJob := map[string]bool{}
	for _, r := range reqs[:before] {
		if r.Method == http.MethodGet && (strings.Contains(r.Path, "/acme/app/pulls/") || strings.Contains(r.Path, "/acme/app/compare/")) {
			firstJob[r.Path+" "+r.Accept] = true
		}
	}
	seen, notModified := map[string]bool{}, 0
	for _, r := range reqs[before:] {
		k := r.Path + " " + r.Accept
		if !firstJob[k] || seen[k] {
			continue
		}
		seen[k] = true
		if r.Status == http.StatusNotModified {
			notModified++
		} else {
			t.Errorf("second job: GET %s (%s) answered %d, want 304 (cached by the first job)", r.Path, r.Accept, r.Status)
		}
	}
	t.Logf("first job: %d requests (token included); second job: %d requests, no token fetched; %d reads of the first job repeated, answered 304", before, len(reqs)-before, notModified)
	if notModified == 0 {
		t.Error("the second job repeated no read of the first one")
	}
	if toks := fake.InstallationTokens(1); len(toks) != 1 {
		t.Errorf("installation 1 fetched %d tokens for two jobs, want 1", len(toks))
	}
}

// TestServeAppPayloadWithoutInstallationFailsClosed: under App auth a
// delivery that names no installation cannot be decided with the right
// token: it is refused (400, counted, logged), nothing is posted, and no
// other installation's token is used for it.
func TestServeAppPayloadWithoutInstallationFailsClosed(t *testing.T) {
	fake := fakeApp(t, nil)
	logs := &syncBuffer{}
	s := appServer(t, fake, logs, nil)
	serve(t, s)
	code, result := deliver(t, s.Handler(), "pull_request", "d-none", prEvent(t, "opened", "acme/app", 2, shaAcme, 0))
	time.Sleep(200 * time.Millisecond) // a job, had one been queued, would run now
	if code != http.StatusBadRequest || result != resultBadPayload {
		t.Errorf("delivery without installation.id: %d %q, want 400 %q", code, result, resultBadPayload)
	}
	if st := fake.Statuses(); len(st) != 0 {
		t.Errorf("statuses %+v: want none", st)
	}
	if n := len(fake.InstallationTokens(1)) + len(fake.InstallationTokens(2)); n != 0 {
		t.Errorf("%d installation tokens fetched for a payload without installation", n)
	}
	if m := metricsText(t, s.Handler()); !hasMetric(m, `gov_github_installation_errors_total{reason="missing"} 1`) {
		t.Error("the refused delivery is not counted in gov_github_installation_errors_total")
	}
	if !strings.Contains(logs.String(), "installation.id") {
		t.Errorf("no log line names the missing installation.id:\n%s", logs.String())
	}
}

// TestServeInstallationTokenRefreshed: a token near its expiry is renewed
// before the next job uses it, and the job succeeds with the new one.
func TestServeInstallationTokenRefreshed(t *testing.T) {
	// GitHub's client renews a token a minute before it expires: this one
	// is renewed 500ms after it was issued.
	fake := fakeApp(t, func(fx *githubtest.Fixture) {
		fx.Installations[0].TokenTTL = githubtest.Duration(time.Minute + 500*time.Millisecond)
	})
	s := appServer(t, fake, nil, nil)
	serve(t, s)
	mustQueue(t, s, "pull_request", "d1", prEvent(t, "opened", "acme/app", 2, shaAcme, 1))
	waitJobs(t, s, "pr", 1)
	time.Sleep(700 * time.Millisecond)
	first := fake.InstallationTokens(1)
	before := len(fake.Requests())
	mustQueue(t, s, "pull_request", "d2", prEvent(t, "reopened", "acme/app", 2, shaAcme, 1))
	if failed := waitJobs(t, s, "pr", 2); failed != 0 {
		t.Fatalf("%d jobs failed", failed)
	}
	toks := fake.InstallationTokens(1)
	if len(toks) <= len(first) {
		t.Fatalf("tokens %d, then %d: the expiring token was not renewed", len(first), len(toks))
	}
	// Under load the new token may be renewed again within the job: what
	// matters is that no request of the second job used a token issued
	// before it, and that none was refused.
	for _, r := range fake.Requests()[before:] {
		if strings.Contains(r.Path, "/repos/") && slices.Contains(first, strings.TrimPrefix(r.Authorization, "token ")) {
			t.Errorf("%s %s after the renewal carried the expiring token", r.Method, r.Path)
		}
		if r.Status == http.StatusUnauthorized {
			t.Errorf("%s %s answered 401", r.Method, r.Path)
		}
	}
}

// TestServeInstallationEvictionKeepsRunningJob: with room for one
// installation, installation 2's job evicts installation 1's client while
// installation 1's job is still running; that job finishes with its own
// token, and a later job of installation 1 gets a client again.
func TestServeInstallationEvictionKeepsRunningJob(t *testing.T) {
	fake := fakeApp(t, nil)
	s := appServer(t, fake, nil, func(c *Config) { c.Installations = 1 })
	serve(t, s)
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	fake.OnRequest(func(r githubtest.Request) {
		if r.Path == "/api/v3/repos/acme/app/pulls/2" {
			once.Do(func() { close(started); <-release })
		}
	})
	mustQueue(t, s, "pull_request", "d-acme", prEvent(t, "opened", "acme/app", 2, shaAcme, 1))
	<-started
	mustQueue(t, s, "pull_request", "d-globex", prEvent(t, "opened", "globex/web", 5, shaGlobex, 2))
	waitJobs(t, s, "pr", 1)
	close(release)
	if failed := waitJobs(t, s, "pr", 2); failed != 0 {
		t.Fatalf("%d jobs failed", failed)
	}
	mustQueue(t, s, "pull_request", "d-acme-2", prEvent(t, "reopened", "acme/app", 2, shaAcme, 1))
	if failed := waitJobs(t, s, "pr", 3); failed != 0 {
		t.Fatalf("%d jobs failed", failed)
	}
	if fake.Refused() != 0 {
		t.Errorf("%d requests refused", fake.Refused())
	}
	success := 0
	for _, st := range fake.Statuses() {
		if st.State == github.StateSuccess {
			success++
		}
	}
	if success != 3 {
		t.Errorf("statuses %+v: want 3 successes", fake.Statuses())
	}
	if n := len(fake.InstallationTokens(1)); n != 2 {
		t.Errorf("installation 1 fetched %d tokens, want 2 (its client was evicted, then made again)", n)
	}
}

// TestServeUnknownInstallationPostsNothing: a delivery naming an
// installation GitHub will not give a token for fails its job; nothing is
// posted and no other installation's token stands in.
func TestServeUnknownInstallationPostsNothing(t *testing.T) {
	fake := fakeApp(t, nil)
	s := appServer(t, fake, nil, nil)
	serve(t, s)
	mustQueue(t, s, "pull_request", "d-99", prEvent(t, "opened", "acme/app", 2, shaAcme, 99))
	if failed := waitJobs(t, s, "pr", 1); failed != 1 {
		t.Errorf("the job of an unknown installation did not fail")
	}
	if st := fake.Statuses(); len(st) != 0 {
		t.Errorf("statuses %+v: want none", st)
	}
	if n := len(fake.InstallationTokens(1)) + len(fake.InstallationTokens(2)); n != 0 {
		t.Errorf("%d tokens of other installations fetched", n)
	}
}
