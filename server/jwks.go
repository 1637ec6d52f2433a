package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// jwksRefreshInterval is the least time between two fetches of the issuer's
// key set. go-oidc's remote key set fetches again for every token signed by
// an unknown key id, so anyone could make gov call the issuer once per
// request; a rotated key is picked up within this interval instead.
const jwksRefreshInterval = 30 * time.Second

// maxJWKSBytes bounds the key set document.
const maxJWKSBytes = 1 << 20

// limitedKeySet is an oidc.KeySet that fetches the issuer's keys at most once
// per jwksRefreshInterval.
type limitedKeySet struct {
	url    string
	client *http.Client
	algs   []jose.SignatureAlgorithm
	now    func() time.Time

	mu        sync.Mutex
	keys      []jose.JSONWebKey
	lastFetch time.Time
}

// VerifySignature checks raw against the cached keys, refreshing them once
// (rate-limited) when none verifies it.
func (k *limitedKeySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSigned(raw, k.algs)
	if err != nil {
		return nil, fmt.Errorf("malformed token: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if payload, ok := verifyWith(jws, k.keys); ok {
		return payload, nil
	}
	if !k.lastFetch.IsZero() && k.now().Sub(k.lastFetch) < jwksRefreshInterval {
		return nil, errors.New("no known key verifies the token")
	}
	k.lastFetch = k.now()
	keys, err := k.fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetching the issuer's keys: %w", err)
	}
	k.keys = keys
	if payload, ok := verifyWith(jws, k.keys); ok {
		return payload, nil
	}
	return nil, errors.New("no known key verifies the token")
}

// verifyWith tries the keys whose id matches the token's (all keys when the
// token names none).
func verifyWith(jws *jose.JSONWebSignature, keys []jose.JSONWebKey) ([]byte, bool) {
	kid := ""
	if len(jws.Signatures) > 0 {
		kid = jws.Signatures[0].Header.KeyID
	}
	for _, key := range keys {
		if kid != "" && key.KeyID != kid {
			continue
		}
		if payload, err := jws.Verify(&key); err == nil {
			return payload, true
		}
	}
	return nil, false
}

func (k *limitedKeySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJWKSBytes)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decoding the key set: %w", err)
	}
	return set.Keys, nil
}
