package evidence

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
)

// The keyless path runs against sigstore-go's VirtualSigstore (an
// in-process Fulcio CA and Rekor log), never a public instance. The
// certificate provider hands out the virtual Fulcio's certificate for the
// key it issued; the transparency log asks the virtual Rekor for a signed
// entry of the DSSE envelope just made. What is not covered: sigstore-go's
// own HTTP clients for Fulcio and Rekor (sign.Fulcio, sign.Rekor).

const (
	testIdentity = "https://github.com/org/repo/.github/workflows/gov.yml@refs/heads/main"
	testIssuer   = "https://token.actions.githubusercontent.com"
	testOIDC     = "header.claims.signature"
)

type virtualFulcio struct {
	cert    *x509.Certificate
	gotToks []string
}

func (f *virtualFulcio) GetCertificate(_ context.Context, _ sign.Keypair, o *sign.CertificateProviderOptions) ([]byte, error) {
	f.gotToks = append(f.gotToks, o.IDToken)
	return f.cert.Raw, nil
}

type virtualRekor struct {
	vs   *ca.VirtualSigstore
	cert *x509.Certificate
}

func (r virtualRekor) GetTransparencyLogEntry(_ context.Context, _ []byte, b *protobundle.Bundle) error {
	env := b.GetDsseEnvelope()
	sig := env.GetSignatures()[0].GetSig()
	e := &dsse.Envelope{
		PayloadType: env.GetPayloadType(), Payload: base64.StdEncoding.EncodeToString(env.GetPayload()),
		Signatures: []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}},
	}
	// Inside the virtual certificate's ten minutes, as VirtualSigstore.Attest does.
	entry, err := r.vs.GenerateTlogEntry(r.cert, e, sig, time.Now().Add(5*time.Minute).Unix(), true)
	if err != nil {
		return err
	}
	// The entry's proto lacks what a Rekor v1 answer carries: the kind and
	// the signed entry timestamp (the log's promise of inclusion).
	tle := entry.TransparencyLogEntry()
	set, err := r.vs.RekorSignPayload(tlog.RekorPayload{
		Body: base64.StdEncoding.EncodeToString(tle.GetCanonicalizedBody()), IntegratedTime: tle.GetIntegratedTime(),
		LogIndex: tle.GetLogIndex(), LogID: hex.EncodeToString(tle.GetLogId().GetKeyId()),
	})
	if err != nil {
		return err
	}
	tle.KindVersion = &protorekor.KindVersion{Kind: "dsse", Version: "0.0.1"}
	tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
	b.VerificationMaterial.TlogEntries = append(b.VerificationMaterial.TlogEntries, tle)
	return nil
}

// actionsTokenServer is the GitHub Actions OIDC token endpoint.
func actionsTokenServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Authorization") != "bearer request-token":
			http.Error(w, "bad token", http.StatusForbidden)
		case r.URL.Query().Get("audience") != "sigstore" || r.URL.Query().Get("api-version") != "2.0":
			http.Error(w, "bad query "+r.URL.RawQuery, http.StatusBadRequest)
		default:
			_, _ = w.Write([]byte(`{"count":1,"value":"` + testOIDC + `"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestKeylessVirtualSigstore(t *testing.T) {
	ctx := context.Background()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	cert, priv, err := vs.GenerateLeafCert(testIdentity, testIssuer)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := NewKeypair(priv.(crypto.Signer))
	if err != nil {
		t.Fatal(err)
	}
	srv := actionsTokenServer(t)
	fulcio := &virtualFulcio{cert: cert}
	s, err := LoadSigner(ctx, SignerOptions{
		ActionsTokenURL: srv.URL + "/token?api-version=2.0", ActionsToken: "request-token", HTTPClient: srv.Client(),
		CertificateProvider: fulcio, Transparency: virtualRekor{vs, cert}, Keypair: kp,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Keyless() {
		t.Fatal("signer is not keyless")
	}
	rec := writeTestRecord(t)
	_, bundleJSON, err := SignRecord(ctx, rec, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(fulcio.gotToks) != 1 || fulcio.gotToks[0] != testOIDC {
		t.Errorf("Fulcio got tokens %q, want the Actions token", fulcio.gotToks)
	}
	good := VerifyOptions{TrustedMaterial: vs, Identity: testIdentity, Issuer: testIssuer, Patch: []byte(testPatch)}
	v, err := Verify(bundleJSON, good)
	if err != nil {
		t.Fatal(err)
	}
	if v.Signer != testIdentity+" (issuer "+testIssuer+")" {
		t.Errorf("signer %q", v.Signer)
	}
	_, otherPub := writeTestKey(t, t.TempDir(), "k", "pw")
	noTlog := tamper(t, bundleJSON, func(m map[string]any) {
		delete(m["verificationMaterial"].(map[string]any), "tlogEntries")
	})
	otherVS, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, want string
		bundle     []byte
		change     func(*VerifyOptions)
	}{
		{name: "identity not matching", want: "expected SAN value", change: func(o *VerifyOptions) {
			o.Identity = "https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main"
		}},
		{name: "issuer not matching", want: "expected issuer value", change: func(o *VerifyOptions) { o.Issuer = "https://accounts.example.com" }},
		{name: "another Sigstore's trust root", want: "signature:", change: func(o *VerifyOptions) { o.TrustedMaterial = otherVS }},
		{name: "verified as key-based", want: "signature:", change: func(o *VerifyOptions) {
			*o = VerifyOptions{PublicKey: otherPub}
		}},
		{name: "log entry removed", want: "signature:", bundle: noTlog},
		{name: "patch changed", want: "is not the signed subject", change: func(o *VerifyOptions) { o.Patch = []byte("other") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			if tc.change != nil {
				tc.change(&o)
			}
			b := bundleJSON
			if tc.bundle != nil {
				b = tc.bundle
			}
			_, err := Verify(b, o)
			var nv *NotVerifiedError
			if !errors.As(err, &nv) || !strings.Contains(nv.Reason, tc.want) {
				t.Fatalf("error %v, want a NotVerifiedError with %q", err, tc.want)
			}
		})
	}
}

func TestActionsIDToken(t *testing.T) {
	srv := actionsTokenServer(t)
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	t.Cleanup(empty.Close)
	for _, tc := range []struct {
		name, url, token, want, wantErr string
	}{
		{name: "token", url: srv.URL + "/t?api-version=2.0", token: "request-token", want: testOIDC},
		{name: "refused", url: srv.URL + "/t?api-version=2.0", token: "stolen", wantErr: "403 Forbidden from the Actions token endpoint"},
		{name: "no token in answer", url: empty.URL, token: "request-token", wantErr: "answered without a token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := actionsIDToken(context.Background(), srv.Client(), tc.url, tc.token)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), tc.token) {
					t.Fatalf("error %v, want %q without the request token", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("token %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := LoadSigner(context.Background(), SignerOptions{}); err == nil || !strings.Contains(err.Error(), "id-token: write") {
		t.Errorf("keyless without a token: %v", err)
	}
}
