package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/internal/gittest"
)

const testToken = "s3cret-api-token"

// requesterPolicy warns with the requester's name, so tests can see which
// requested_by the engine evaluated.
const requesterPolicy = `package gov.custom.requester

warn contains msg if {
	msg := sprintf("requested by %s", [input.request.requested_by])
}
`

// newTestServer builds a server (not serving) on a bundle directory with the
// requester policy unless cfg names a bundle.
func newTestServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Bundle == "" {
		dir := t.TempDir()
		gittest.WriteFiles(t, dir, map[string]string{"policies/requester.rego": requesterPolicy})
		cfg.Bundle = dir
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.APIToken == "" && cfg.OIDC == nil {
		cfg.APIToken = testToken
	}
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// serve runs s on a loopback listener until the test ends; it returns the
// base URL and a function that stops the server and returns Serve's error.
func serve(t *testing.T, s *Server) (string, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var stopped bool
	var serveErr error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			serveErr = <-done
		}
		return serveErr
	}
	t.Cleanup(func() { _ = stop() })
	return "http://" + ln.Addr().String(), stop
}

// call sends a request to h and returns the status and body.
func call(t *testing.T, h http.Handler, method, path string, header map[string]string, body []byte) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sign is the X-Hub-Signature-256 of body.
func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// metricsText scrapes /metrics.
func metricsText(t *testing.T, h http.Handler) string {
	t.Helper()
	code, body := call(t, h, http.MethodGet, "/metrics", nil, nil)
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	return string(body)
}

// hasMetric reports whether a sample line starts with prefix.
func hasMetric(text, prefix string) bool {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}

// testWriter sends logs to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func loadOpts(cache string) bundles.LoadOptions { return bundles.LoadOptions{CacheDir: cache} }
