package server

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// issuer is an OIDC provider on loopback: discovery and a JWKS with one key.
type issuer struct {
	url string
	key *rsa.PrivateKey
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": is.url, "jwks_uri": is.url + "/keys", "authorization_endpoint": is.url + "/auth",
			"token_endpoint": is.url + "/token", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"id_token"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	is.url = srv.URL
	return is
}

// token signs claims with key (the issuer's unless another is given).
func (is *issuer) token(t *testing.T, key *rsa.PrivateKey, claims jwt.Claims) string {
	t.Helper()
	if key == nil {
		key = is.key
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestEvalOIDC(t *testing.T) {
	is := newIssuer(t)
	s := newTestServer(t, Config{APIToken: testToken, OIDC: &OIDCConfig{Issuer: is.url, Audience: "gov"}})
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	valid := jwt.Claims{Issuer: is.url, Audience: jwt.Audience{"gov"}, Subject: "healer-bot",
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute))}
	with := func(f func(*jwt.Claims)) jwt.Claims { c := valid; f(&c); return c }
	tests := []struct {
		name   string
		token  string
		body   string
		want   int
		saying string
	}{
		{"subject becomes requested_by", is.token(t, nil, valid), `{"environment":"staging","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`, 200, "requested by healer-bot"},
		{"body naming the same requester", is.token(t, nil, valid), `{"requested_by":"healer-bot","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`, 200, "requested by healer-bot"},
		{"body claiming another requester", is.token(t, nil, valid), `{"requested_by":"alice"}`, 403, "is not the authenticated subject"},
		{"expired", is.token(t, nil, with(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(-time.Minute)) })), `{}`, 401, "expired"},
		{"wrong audience", is.token(t, nil, with(func(c *jwt.Claims) { c.Audience = jwt.Audience{"someone-else"} })), `{}`, 401, "audience"},
		{"wrong issuer", is.token(t, nil, with(func(c *jwt.Claims) { c.Issuer = "https://evil.example" })), `{}`, 401, "different provider"},
		{"signed by another key", is.token(t, other, valid), `{}`, 401, "invalid ID token"},
		{"API token still accepted", testToken, `{"requested_by":"alice","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`, 200, "requested by alice"},
		{"garbage", "a.b.c", `{}`, 401, "invalid ID token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(tt.token), []byte(tt.body))
			if code != tt.want || !strings.Contains(string(out), tt.saying) {
				t.Fatalf("got %d %s, want %d saying %q", code, out, tt.want, tt.saying)
			}
		})
	}
}

func TestOIDCIssuerUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	dir := t.TempDir()
	_, err := New(t.Context(), Config{Bundle: dir, OIDC: &OIDCConfig{Issuer: srv.URL, Audience: "gov"}})
	if err == nil || !strings.Contains(err.Error(), "oidc issuer "+srv.URL) {
		t.Fatalf("New: %v, want an error naming the issuer", err)
	}
}
