package server

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// signGoroutines counts the sign queue's goroutines in this process.
func signGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "server.newSignQueue.func")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// TestNewFailureStartsNoSignWorkers: New failing after the bundle loaded
// (here the OIDC issuer cannot be reached) leaves no signing goroutines
// behind it, waiting forever on a queue nothing will close. Seen failing
// (4 left) with the sign queue started before the steps that can fail.
func TestNewFailureStartsNoSignWorkers(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	signer, _ := testSigner(t)
	before := signGoroutines()
	_, err := New(t.Context(), Config{Bundle: t.TempDir(), AuditDir: t.TempDir(), Signer: signer,
		OIDC: &OIDCConfig{Issuer: srv.URL, Audience: "gov"}})
	if err == nil {
		t.Fatal("New with an unreachable OIDC issuer succeeded")
	}
	if n := signGoroutines() - before; n != 0 {
		t.Errorf("%d signing goroutines left after New failed, want 0", n)
	}
}
