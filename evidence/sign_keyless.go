package evidence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/sigstore/sigstore-go/pkg/sign"
)

// oidcAudience is the audience Fulcio expects of an OIDC token.
const oidcAudience = "sigstore"

func newKeylessSigner(o SignerOptions) (*Signer, error) {
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	s := &Signer{keypair: o.Keypair, keyless: true}
	s.opts.CertificateProvider = o.CertificateProvider
	if s.opts.CertificateProvider == nil {
		fo := &sign.FulcioOptions{BaseURL: firstOf(o.FulcioURL, DefaultFulcioURL), Timeout: timeout, Retries: 1}
		if o.HTTPClient != nil {
			fo.Transport = o.HTTPClient.Transport
		}
		s.opts.CertificateProvider = sign.NewFulcio(fo)
	}
	switch {
	case o.Transparency != nil:
		s.opts.TransparencyLogs = []sign.Transparency{o.Transparency}
	case !o.DisableTransparencyLogging:
		s.opts.TransparencyLogs = []sign.Transparency{sign.NewRekor(&sign.RekorOptions{
			BaseURL: firstOf(o.RekorURL, DefaultRekorURL), Timeout: timeout, Retries: 1, Version: 1,
		})}
	}
	switch {
	case o.IDToken != "":
		tok := o.IDToken
		s.idToken = func(context.Context) (string, error) { return tok, nil }
	case o.ActionsTokenURL != "" && o.ActionsToken != "":
		client := o.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: timeout}
		}
		s.idToken = func(ctx context.Context) (string, error) {
			return actionsIDToken(ctx, client, o.ActionsTokenURL, o.ActionsToken)
		}
	default:
		return nil, errors.New("keyless signing needs an OIDC token: run in GitHub Actions with `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN), or give --key")
	}
	return s, nil
}

// actionsIDToken asks the GitHub Actions runtime for an OIDC token with
// the sigstore audience. The request token is a credential: never printed.
func actionsIDToken(ctx context.Context, client *http.Client, requestURL, requestToken string) (string, error) {
	u, err := url.Parse(requestURL)
	if err != nil {
		return "", fmt.Errorf("ACTIONS_ID_TOKEN_REQUEST_URL: %w", err)
	}
	q := u.Query()
	q.Set("audience", oidcAudience)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("OIDC token: %w", err)
	}
	req.Header.Set("Authorization", "bearer "+requestToken)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("OIDC token: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("OIDC token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("OIDC token: %s from the Actions token endpoint", resp.Status)
	}
	var out struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Value == "" {
		return "", errors.New("OIDC token: the Actions token endpoint answered without a token")
	}
	return out.Value, nil
}

func firstOf(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
