package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/github/githubtest"
	"github.com/gov-policy/gov/internal/gittest"
	"github.com/gov-policy/gov/internal/leaktest"
)

// lockedBuffer collects the server's logs across goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// testSigner is a key-based signer and the public key that verifies it.
func testSigner(t testing.TB) (*evidence.Signer, evidence.VerifyOptions) {
	t.Helper()
	priv, pub, err := evidence.GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "gov.key")
	if err := os.WriteFile(path, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := evidence.LoadSigner(t.Context(), evidence.SignerOptions{KeyPath: path, Password: []byte("pw")})
	if err != nil {
		t.Fatal(err)
	}
	pk, err := evidence.ParsePublicKey("gov.pub", pub)
	if err != nil {
		t.Fatal(err)
	}
	return s, evidence.VerifyOptions{PublicKey: pk}
}

// TestServeRecordsAndSignsDecisions: /v1/eval records each decision in the
// audit directory before answering; the sign queue signs it, and the
// evidence verifies.
func TestServeRecordsAndSignsDecisions(t *testing.T) {
	audit := t.TempDir()
	signer, verify := testSigner(t)
	s := newTestServer(t, Config{AuditDir: audit, Signer: signer})
	body := mustJSON(t, map[string]any{"request_id": "r-1", "environment": "staging", "patch_content": "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n"})
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), body)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, out)
	}
	entries, bad := evidence.Store{Dir: audit}.List(time.Time{})
	if len(bad) > 0 || len(entries) != 1 {
		t.Fatalf("audit log: %d records, %v; want the one decision", len(entries), bad)
	}
	rec, err := evidence.Store{Dir: audit}.Read(entries[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Request.RequestID != "r-1" || rec.Decision.Decision == "" {
		t.Errorf("record %+v: want request r-1 and its decision", rec.Request)
	}
	if !s.signq.drain(t.Context()) {
		t.Fatal("the sign queue did not drain")
	}
	ev, err := evidence.VerifyRecord(entries[0].Path, verify)
	if err != nil || ev.State != evidence.StateVerified {
		t.Errorf("evidence: %v, %v; want verified", ev, err)
	}
}

// TestServeLeaksNoSecret: secrets of every kind in the patch and each
// request field come back masked from /v1/eval and from a PR job (its
// comment and status), and are absent from the logs and every file of
// the audit directory.
func TestServeLeaksNoSecret(t *testing.T) {
	audit := t.TempDir()
	logs := &lockedBuffer{}
	kinds := leaktest.Kinds()
	diff := leaktest.Patch(kinds)
	author := githubtest.User{Login: "Codertocat", ID: 21031067}
	// gov's identity is the token's user (GET /user), who posts its comments.
	poster := &githubtest.User{Login: "gov-user", ID: 4242}
	fake := githubtest.NewEnterprise(githubtest.Fixture{Repo: "Codertocat/Hello-World", Token: ghToken, Poster: poster, PRs: []githubtest.PR{{
		Number: 2, Title: leaktest.Line(kinds[0]), Author: author, Head: headSHA, Base: "master",
		CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Diff: diff,
		Commits: []githubtest.Commit{{SHA: headSHA, Author: &author, Committer: &author}},
	}}})
	t.Cleanup(fake.Close)
	signer, _ := testSigner(t)
	s := newTestServer(t, Config{Bundle: "embedded", AuditDir: audit, Signer: signer, WebhookSecret: webhookSecret,
		GitHub: githubFor(fake.URL), Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	base, stop := serve(t, s)

	req := leaktest.Request(kinds, diff)
	req.Environment = "production"
	hr, _ := http.NewRequest(http.MethodPost, base+"/v1/eval", bytes.NewReader(mustJSON(t, req)))
	hr.Header.Set("Authorization", "Bearer "+testToken)
	hr.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	var answer bytes.Buffer
	_, _ = answer.ReadFrom(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(answer.String(), `"decision":"deny"`) {
		t.Fatalf("/v1/eval: %d %s", resp.StatusCode, answer.String())
	}
	leaktest.Check(t, "/v1/eval answer", answer.Bytes())

	if code, result := deliver(t, s.Handler(), "pull_request", "leak-1", payload(t, "../testdata/github/webhooks/pull_request_opened.json")); code != http.StatusAccepted {
		t.Fatalf("webhook: %d %s", code, result)
	}
	st := waitStatus(t, s, fake)
	var posted bytes.Buffer
	posted.WriteString(st.Description + "\n")
	for _, c := range fake.Comments(2) {
		posted.WriteString(c.Body + "\n")
	}
	if !strings.Contains(posted.String(), "****") {
		t.Errorf("the PR comment shows no masked secret:\n%s", posted.String())
	}
	leaktest.Check(t, "PR comment and status", posted.Bytes())
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	leaktest.Check(t, "logs", logs.Bytes())
	// 2 records, their evidence, and the webhook's 2 delivery claims
	// (empty files under .deliveries named by the SHA-256 of id and content).
	if n := leaktest.CheckDir(t, audit); n != 6 {
		t.Errorf("%d files in the audit directory, want 2 records, their evidence and 2 delivery claims", n)
	}
}

// TestServeSIGTERMLosesNoRecord: the server is stopped (as on SIGTERM)
// while clients keep posting; every request answered 200 has its record.
func TestServeSIGTERMLosesNoRecord(t *testing.T) {
	audit := t.TempDir()
	dir := t.TempDir()
	gittest.WriteFiles(t, dir, map[string]string{"policies/requester.rego": requesterPolicy})
	s := newTestServer(t, Config{Bundle: dir, AuditDir: audit, Workers: 1})
	base, stop := serve(t, s)
	url := base + "/v1/eval"
	client := &http.Client{Timeout: 20 * time.Second}
	var mu sync.Mutex
	answered := map[string]bool{}
	var wg sync.WaitGroup
	stopAt := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				body := fmt.Sprintf(`{"request_id":%q,"environment":"staging","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`, id)
				req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+testToken)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the listener is closed: the server is stopping
				}
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					answered[id] = true
					mu.Unlock()
				}
				select {
				case <-stopAt:
					if i > 1000 {
						return
					}
				default:
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }() // what SIGTERM does in gov serve
	close(stopAt)
	if err := <-stopped; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	wg.Wait()
	recorded := map[string]bool{}
	_, err := evidence.Store{Dir: audit}.Walk(time.Time{}, func(_ evidence.Entry, rec evidence.Record) error {
		recorded[rec.Request.RequestID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(answered) == 0 {
		t.Fatal("no request was answered before the stop")
	}
	for id := range answered {
		if !recorded[id] {
			t.Errorf("request %s was answered 200 but has no record", id)
		}
	}
	t.Logf("%d answered, %d recorded", len(answered), len(recorded))
}
