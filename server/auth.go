package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// OIDCConfig accepts ID tokens from one issuer for one audience.
type OIDCConfig struct {
	Issuer   string
	Audience string
	// HTTPClient fetches discovery and keys (tests); nil means http.DefaultClient.
	HTTPClient *http.Client
}

// authenticator checks the decision API's Authorization header.
type authenticator struct {
	tokenSum [sha256.Size]byte
	hasToken bool
	verifier *oidc.IDTokenVerifier
	client   *http.Client
}

// httpError is an answer to give instead of going on.
type httpError struct {
	status int
	msg    string
}

// newAuthenticator fetches the issuer's discovery document when OIDC is set.
func newAuthenticator(ctx context.Context, token string, oc *OIDCConfig) (*authenticator, error) {
	a := &authenticator{hasToken: token != "", tokenSum: sha256.Sum256([]byte(token))}
	if oc == nil {
		return a, nil
	}
	if oc.Issuer == "" || oc.Audience == "" {
		return nil, fmt.Errorf("oidc: give both the issuer and the audience")
	}
	a.client = oc.HTTPClient
	if a.client != nil {
		ctx = oidc.ClientContext(ctx, a.client)
	}
	p, err := oidc.NewProvider(ctx, oc.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc issuer %s: %w", oc.Issuer, err)
	}
	var meta struct {
		JWKSURL string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := p.Claims(&meta); err != nil || meta.JWKSURL == "" {
		return nil, fmt.Errorf("oidc issuer %s: discovery document has no jwks_uri", oc.Issuer)
	}
	algs := []string{}
	for _, alg := range meta.Algs {
		if alg != "none" && !strings.HasPrefix(alg, "HS") {
			algs = append(algs, alg)
		}
	}
	if len(algs) == 0 {
		algs = []string{oidc.RS256}
	}
	keys := &limitedKeySet{url: meta.JWKSURL, client: a.httpClient(), now: time.Now}
	for _, alg := range algs {
		keys.algs = append(keys.algs, jose.SignatureAlgorithm(alg))
	}
	a.verifier = oidc.NewVerifier(oc.Issuer, keys, &oidc.Config{ClientID: oc.Audience, SupportedSigningAlgs: algs})
	return a, nil
}

func (a *authenticator) httpClient() *http.Client {
	if a.client != nil {
		return a.client
	}
	return http.DefaultClient
}

// authenticate returns the OIDC subject ("" for the API token) or the
// answer to give. The token is compared in constant time (on digests, so
// its length does not leak either).
func (a *authenticator) authenticate(r *http.Request) (string, *httpError) {
	if !a.hasToken && a.verifier == nil {
		return "", &httpError{http.StatusUnauthorized, "the decision API is disabled: no API token or OIDC issuer is configured"}
	}
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" {
		return "", &httpError{http.StatusUnauthorized, "missing bearer token (Authorization: Bearer <token>)"}
	}
	if a.hasToken {
		sum := sha256.Sum256([]byte(cred))
		if subtle.ConstantTimeCompare(sum[:], a.tokenSum[:]) == 1 {
			return "", nil
		}
	}
	if a.verifier != nil && strings.Count(cred, ".") == 2 {
		tok, err := a.verifier.Verify(oidc.ClientContext(r.Context(), a.httpClient()), cred)
		if err != nil {
			return "", &httpError{http.StatusUnauthorized, "invalid ID token: " + oneLine(err.Error())}
		}
		if tok.Subject == "" {
			return "", &httpError{http.StatusUnauthorized, "invalid ID token: no subject"}
		}
		return tok.Subject, nil
	}
	return "", &httpError{http.StatusUnauthorized, "invalid bearer token"}
}
