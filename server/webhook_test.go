package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/github/githubtest"
)

const (
	webhookSecret = "whsec-test"
	ghToken       = "ghs_fake"
	headSHA       = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	prPath        = "/api/v3/repos/Codertocat/Hello-World/pulls/2"
)

// fakeGitHub serves (under /api/v3, as GHES) PR #2 of Codertocat/Hello-World, the PR of the webhook payloads.
func fakeGitHub(t *testing.T) *githubtest.Server {
	t.Helper()
	diff, err := os.ReadFile("../testdata/patches/python-null-check.diff")
	if err != nil {
		t.Fatal(err)
	}
	author := githubtest.User{Login: "Codertocat", ID: 21031067}
	// The token is a person's (GET /user answers): gov's own comments are theirs.
	poster := githubtest.User{Login: "gov-server", ID: 900}
	fake := githubtest.NewEnterprise(githubtest.Fixture{Repo: "Codertocat/Hello-World", Token: ghToken, Poster: &poster, PRs: []githubtest.PR{{
		Number: 2, Title: "Update the README with new information.", Author: author, Head: headSHA, Base: "master",
		CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Diff: string(diff),
		Commits: []githubtest.Commit{{SHA: headSHA, Author: &author, Committer: &author}},
	}}})
	t.Cleanup(fake.Close)
	return fake
}

// githubFor points the server's GitHub clients at base (the fake or a proxy of it).
func githubFor(base string) *github.Options {
	return &github.Options{Token: ghToken, BaseURL: base, MaxWait: -1}
}

func payload(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deliver posts a signed webhook and returns the status and result.
func deliver(t *testing.T, h http.Handler, event, id string, body []byte) (int, string) {
	t.Helper()
	code, out := call(t, h, http.MethodPost, "/webhook", map[string]string{
		"X-GitHub-Event": event, "X-GitHub-Delivery": id, "X-Hub-Signature-256": sign(webhookSecret, body),
	}, body)
	var r struct{ Result string }
	_ = json.Unmarshal(out, &r)
	return code, r.Result
}

func TestWebhookSignature(t *testing.T) {
	body := payload(t, "../testdata/github/webhooks/pull_request_opened.json")
	tests := []struct {
		name, secret, sig string
		want              int
	}{
		{"valid", webhookSecret, sign(webhookSecret, body), http.StatusAccepted},
		{"signed with another secret", webhookSecret, sign("other", body), http.StatusUnauthorized},
		{"signature of another body", webhookSecret, sign(webhookSecret, append(body, ' ')), http.StatusUnauthorized},
		{"missing", webhookSecret, "", http.StatusUnauthorized},
		{"sha1 form", webhookSecret, strings.Replace(sign(webhookSecret, body), "sha256=", "sha1=", 1), http.StatusUnauthorized},
		{"not hex", webhookSecret, "sha256=zz", http.StatusUnauthorized},
		{"no secret configured", "", sign("", body), http.StatusUnauthorized},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, Config{WebhookSecret: tt.secret, GitHub: githubFor("http://127.0.0.1:1")})
			code, out := call(t, s.Handler(), http.MethodPost, "/webhook", map[string]string{
				"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": fmt.Sprint("d", i), "X-Hub-Signature-256": tt.sig,
			}, body)
			if code != tt.want {
				t.Fatalf("status %d, want %d: %s", code, tt.want, out)
			}
			if code == http.StatusUnauthorized && !hasMetric(metricsText(t, s.Handler()), `gov_webhook_deliveries_total{event="pull_request",result="bad_signature"} 1`) {
				t.Error("bad signature not counted")
			}
		})
	}
}

func TestWebhookRouting(t *testing.T) {
	dir := "../testdata/github/webhooks/"
	tests := []struct {
		name, event, file string
		edit              func(map[string]any)
		want              int
		result            string
	}{
		{"pull_request opened", "pull_request", dir + "pull_request_opened.json", nil, 202, resultQueued},
		{"pull_request synchronize", "pull_request", dir + "pull_request_synchronize.json", nil, 202, resultQueued},
		{"pull_request labeled", "pull_request", dir + "pull_request_labeled.json", nil, 202, resultQueued},
		{"pull_request reopened", "pull_request", dir + "pull_request_opened.json", func(m map[string]any) { m["action"] = "reopened" }, 202, resultQueued},
		{"pull_request unlabeled", "pull_request", dir + "pull_request_labeled.json", func(m map[string]any) { m["action"] = "unlabeled" }, 202, resultQueued},
		{"pull_request closed is ignored", "pull_request", dir + "pull_request_opened.json", func(m map[string]any) { m["action"] = "closed" }, 202, resultIgnored},
		{"review submitted", "pull_request_review", dir + "pull_request_review_submitted.json", nil, 202, resultQueued},
		{"review dismissed", "pull_request_review", dir + "pull_request_review_dismissed.json", nil, 202, resultQueued},
		{"review edited", "pull_request_review", dir + "pull_request_review_submitted.json", func(m map[string]any) { m["action"] = "edited" }, 202, resultQueued},
		{"check_run rerequested", "check_run", "testdata/check_run_rerequested_pr.json", nil, 202, resultQueued},
		{"check_run rerequested without a PR", "check_run", "../../shared/reference/github-webhooks/check_run/rerequested.payload.json", nil, 202, resultIgnored},
		{"check_run completed is ignored", "check_run", "testdata/check_run_rerequested_pr.json", func(m map[string]any) { m["action"] = "completed" }, 202, resultIgnored},
		{"push to the policy repository reloads", "push", dir + "push.json", nil, 202, resultQueued},
		{"push elsewhere is ignored", "push", dir + "push.json", func(m map[string]any) { m["repository"].(map[string]any)["full_name"] = "acme/app" }, 202, resultIgnored},
		{"unknown event", "issues", dir + "push.json", nil, 202, resultIgnored},
		{"ping", "ping", dir + "push.json", nil, 200, resultPong},
		{"pull_request without its PR", "pull_request", dir + "push.json", func(m map[string]any) { m["action"] = "opened" }, 400, resultBadPayload},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor("http://127.0.0.1:1"), PolicyRepo: "codertocat/hello-world"})
			body := payload(t, tt.file)
			if tt.edit != nil {
				var m map[string]any
				if err := json.Unmarshal(body, &m); err != nil {
					t.Fatal(err)
				}
				tt.edit(m)
				body = mustJSON(t, m)
			}
			code, result := deliver(t, s.Handler(), tt.event, fmt.Sprint("delivery-", i), body)
			if code != tt.want || result != tt.result {
				t.Fatalf("got %d %q, want %d %q", code, result, tt.want, tt.result)
			}
			if queued := s.queue.depth(); (result == resultQueued) != (queued == 1) {
				t.Errorf("queue depth %d after a %q delivery", queued, result)
			}
		})
	}
}

func TestWebhookReplayAndQueueFull(t *testing.T) {
	s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor("http://127.0.0.1:1"), QueueSize: 1})
	h := s.Handler()
	body := payload(t, "../testdata/github/webhooks/pull_request_opened.json")
	// Another delivery: deliveries are also deduplicated by content, so
	// delivery b carries a body that differs (by a trailing space).
	other := append(append([]byte(nil), body...), ' ')
	steps := []struct {
		name, id string
		want     int
		result   string
	}{
		{"first delivery queued", "a", 202, resultQueued},
		{"replay ignored", "a", 200, resultDuplicate},
		{"queue full", "b", 503, resultQueueFull},
		{"refused delivery may be redelivered (still full)", "b", 503, resultQueueFull},
	}
	for _, st := range steps {
		b := body
		if st.id == "b" {
			b = other
		}
		if code, result := deliver(t, h, "pull_request", st.id, b); code != st.want || result != st.result {
			t.Fatalf("%s: got %d %q, want %d %q", st.name, code, result, st.want, st.result)
		}
	}
	// A full webhook queue does not take the decision API out of rotation.
	if code, out := call(t, h, http.MethodGet, "/readyz", nil, nil); code != http.StatusOK || !strings.Contains(string(out), `"webhook_queue":"full"`) {
		t.Errorf("/readyz with a full queue: %d %s, want 200 saying the queue is full", code, out)
	}
	m := metricsText(t, h)
	for _, want := range []string{
		`gov_queue_rejected_total 2`,
		`gov_webhook_deliveries_total{event="pull_request",result="queue_full"} 2`,
		`gov_webhook_deliveries_total{event="pull_request",result="duplicate"} 1`,
		`gov_queue_depth 1`,
	} {
		if !hasMetric(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// proxy forwards to the fake GitHub, letting the test answer some requests.
func proxy(t *testing.T, fake *githubtest.Server, intercept func(w http.ResponseWriter, r *http.Request) bool) *httptest.Server {
	t.Helper()
	u, err := url.Parse(strings.TrimSuffix(fake.URL, "/api/v3"))
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !intercept(w, r) {
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// waitStatus waits for the PR job to finish and returns the last gov/policy
// status the fake recorded.
func waitStatus(t *testing.T, s *Server, fake *githubtest.Server) githubtest.Status {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !hasMetric(metricsText(t, s.Handler()), `gov_jobs_total{kind="pr"`) {
		if time.Now().After(deadline) {
			t.Fatal("the PR job did not finish")
		}
		time.Sleep(10 * time.Millisecond)
	}
	st := fake.Statuses()
	if len(st) == 0 {
		t.Fatal("no status was set")
	}
	return st[len(st)-1]
}

func TestWebhookEvaluatesPR(t *testing.T) {
	tests := []struct {
		name      string
		failFirst int64         // GET of the PR answers 500 this many times
		delay     time.Duration // before answering the PR (past JobTimeout: a timeout)
		// jobTimeout is short only where the timeout is the point: elsewhere
		// a loaded machine (-race on 2 cores) would time jobs out.
		jobTimeout time.Duration
		wantError  bool
		wantGets   int64
	}{
		// the PR, again to check it did not move, and once more before the
		// success status (github.Publish: its reviews must not have changed)
		{"decided and published", 0, 0, 0, false, 3},
		{"500s retried, then decided", 2, 0, 0, false, 5},
		{"500s on every attempt: status error", 99, 0, 0, true, 3},
		{"timeouts on every attempt: status error", 0, 300 * time.Millisecond, 150 * time.Millisecond, true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := fakeGitHub(t)
			var gets atomic.Int64
			px := proxy(t, fake, func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method != http.MethodGet || r.URL.Path != prPath || r.Header.Get("Accept") == "application/vnd.github.v3.diff" {
					return false
				}
				n := gets.Add(1)
				time.Sleep(tt.delay)
				if n <= tt.failFirst {
					http.Error(w, `{"message":"Server Error"}`, http.StatusInternalServerError)
					return true
				}
				return false
			})
			s := newTestServer(t, Config{WebhookSecret: webhookSecret, GitHub: githubFor(px.URL + "/api/v3"),
				MaxAttempts: 3, RetryBase: time.Millisecond, JobTimeout: tt.jobTimeout})
			base, _ := serve(t, s)
			body := payload(t, "../testdata/github/webhooks/pull_request_opened.json")
			req, _ := http.NewRequest(http.MethodPost, base+"/webhook", strings.NewReader(string(body)))
			req.Header.Set("X-GitHub-Event", "pull_request")
			req.Header.Set("X-GitHub-Delivery", "d1")
			req.Header.Set("X-Hub-Signature-256", sign(webhookSecret, body))
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted || time.Since(start) > tt.delay+time.Second {
				t.Fatalf("webhook answered %d after %s: want 202 at once", resp.StatusCode, time.Since(start))
			}
			st := waitStatus(t, s, fake)
			if st.SHA != headSHA || st.Context != github.StatusContext+": master" {
				t.Errorf("status %+v: want gov/policy: master on the head commit", st)
			}
			if (st.State == github.StateError) != tt.wantError || st.State == github.StateSuccess && tt.wantError {
				t.Errorf("status %q (%s), want error=%v", st.State, st.Description, tt.wantError)
			}
			if got := gets.Load(); got != tt.wantGets {
				t.Errorf("%d GETs of the PR, want %d", got, tt.wantGets)
			}
			if !tt.wantError && len(fake.Comments(2)) != 1 {
				t.Errorf("comments %+v: want the decision comment", fake.Comments(2))
			}
		})
	}
}
