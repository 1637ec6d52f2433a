package server

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Unauthenticated requests with forged ID tokens (right issuer and
// audience, unknown key id) each make the server fetch the issuer's JWKS:
// anyone can make gov send a request to the issuer per request it sends.
func TestAttackA13OIDCForgedTokensRefetchJWKS(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int64
	var url string
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": url, "jwks_uri": url + "/keys", "authorization_endpoint": url + "/auth",
			"token_endpoint": url + "/token", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"id_token"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		fetches.Add(1)
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	url = srv.URL
	s := newTestServer(t, Config{APIToken: testToken, OIDC: &OIDCConfig{Issuer: url, Audience: "gov"}})
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	const n = 20
	for i := range n {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: forger},
			(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", fmt.Sprintf("forged-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: url, Audience: jwt.Audience{"gov"}, Subject: "x",
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		code, _ := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(tok), []byte(`{}`))
		if code != http.StatusUnauthorized {
			t.Fatalf("forged token: %d", code)
		}
	}
	if got := fetches.Load(); got > 2 {
		t.Errorf("%d forged tokens made the server fetch the JWKS %d times", n, got)
	}
}
