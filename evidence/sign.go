package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"
)

// BundleMediaType is the media type of every bundle gov writes and the only
// one it verifies.
const BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"

// Public Sigstore instances, the keyless defaults.
const (
	DefaultFulcioURL = "https://fulcio.sigstore.dev"
	DefaultRekorURL  = "https://rekor.sigstore.dev"
)

// SignerOptions choose how to sign. With KeyPath (or Key) the signature is
// key-based and the bundle carries the key's hint and no log entry;
// otherwise it is keyless: a Fulcio certificate for an OIDC identity and a
// Rekor v1 log entry.
type SignerOptions struct {
	// KeyPath is a cosign-format encrypted key or a PEM PKCS#8 ECDSA P-256 or
	// Ed25519 key; Password decrypts an encrypted one (cosign's
	// COSIGN_PASSWORD, read by the caller).
	KeyPath  string
	Password []byte

	// Keyless. IDToken is an OIDC token for Fulcio; when empty it is asked
	// of GitHub Actions at ActionsTokenURL with ActionsToken
	// (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN, read by the caller).
	FulcioURL, RekorURL        string
	IDToken                    string
	ActionsTokenURL            string
	ActionsToken               string
	HTTPClient                 *http.Client
	Timeout                    time.Duration
	CertificateProvider        sign.CertificateProvider // replaces Fulcio (private CAs, tests)
	Transparency               sign.Transparency        // replaces Rekor (tests)
	Keypair                    sign.Keypair             // replaces the ephemeral keyless key (tests)
	DisableTransparencyLogging bool                     // keyless without a log entry (tests only)
}

// Signer signs gov statements into Sigstore bundles.
type Signer struct {
	keypair sign.Keypair
	opts    sign.BundleOptions
	keyless bool
	// idToken fetches the OIDC token, once per signature (tokens expire).
	idToken func(context.Context) (string, error)
}

// LoadSigner prepares a signer: it reads and decrypts the key, or sets up
// the keyless clients (no network is used until Sign).
func LoadSigner(_ context.Context, o SignerOptions) (*Signer, error) {
	if o.KeyPath != "" {
		data, err := os.ReadFile(o.KeyPath)
		if err != nil {
			return nil, fmt.Errorf("signing key: %w", err)
		}
		priv, err := ParsePrivateKey(o.KeyPath, data, o.Password)
		if err != nil {
			return nil, err
		}
		kp, err := NewKeypair(priv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.KeyPath, err)
		}
		return &Signer{keypair: kp}, nil
	}
	return newKeylessSigner(o)
}

// Keyless reports whether s signs with a Fulcio certificate.
func (s *Signer) Keyless() bool { return s.keyless }

// Sign signs an in-toto statement as a DSSE envelope and returns the
// Sigstore bundle's JSON (one line).
func (s *Signer) Sign(ctx context.Context, statement []byte) ([]byte, error) {
	opts := s.opts
	opts.Context = ctx
	if s.idToken != nil {
		tok, err := s.idToken(ctx)
		if err != nil {
			return nil, err
		}
		opts.CertificateProviderOptions = &sign.CertificateProviderOptions{IDToken: tok}
	}
	kp := s.keypair
	if kp == nil {
		var err error
		// A fresh key per keyless signature, as cosign does.
		if kp, err = sign.NewEphemeralKeypair(nil); err != nil {
			return nil, fmt.Errorf("sign: %w", err)
		}
	}
	b, err := sign.Bundle(&sign.DSSEData{Data: statement, PayloadType: PayloadType}, kp, opts)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	out, err := protojson.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	var line bytes.Buffer
	if err := json.Compact(&line, out); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return line.Bytes(), nil
}

// BundlePath is where the evidence of the record at recordPath is kept.
func BundlePath(recordPath string) string {
	return strings.TrimSuffix(recordPath, ".json") + SignatureSuffix
}

// SignRecord signs the record at recordPath (checked as Read checks it)
// and writes its bundle beside it as <digest>.sigstore.json. It returns the
// bundle's path and JSON. A record already signed is an error: evidence is
// never overwritten.
func SignRecord(ctx context.Context, recordPath string, s *Signer) (string, []byte, error) {
	if strings.HasSuffix(recordPath, SignatureSuffix) {
		return "", nil, fmt.Errorf("%s: is signed evidence, not a record", recordPath)
	}
	data, err := os.ReadFile(recordPath)
	if err != nil {
		return "", nil, fmt.Errorf("audit: %w", err)
	}
	rec, err := decodeRecord(recordPath, data)
	if err != nil {
		return "", nil, err
	}
	out := BundlePath(recordPath)
	if _, err := os.Lstat(out); err == nil {
		return "", nil, fmt.Errorf("%s: already signed; evidence is never overwritten", out)
	}
	stmt, err := NewStatement(DefaultSubjectName, rec.PatchDigest, NewPredicate(rec, data))
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", recordPath, err)
	}
	bundle, err := s.Sign(ctx, stmt)
	if err != nil {
		return "", nil, err
	}
	if err := writeEvidence(out, append(bundle, '\n')); err != nil {
		return "", nil, err
	}
	return out, bundle, nil
}

// writeEvidence publishes data at path atomically (temp file + hard link),
// never replacing an existing file.
func writeEvidence(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp) }()
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s: already signed; evidence is never overwritten", path)
		}
		return fmt.Errorf("audit: publish %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}
