package evidence

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/engine"
)

const testPatch = "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"

// reviewedAt is when bob's review of testRecord was submitted.
var reviewedAt = time.Date(2026, 3, 1, 11, 58, 0, 0, time.UTC)

// testRecord is a decision that needed two approvals, as gov pr records it
// (the sre stage with the review behind it, the other without).
func testRecord() Record {
	return Record{
		Request: engine.Request{
			RequestID: "req-1", Environment: "production", ServiceName: "billing", RequestedBy: "bot:fixer",
			PatchContent: testPatch, Metadata: map[string]any{"pr": map[string]any{"head_sha": "0123456789abcdef0123456789abcdef01234567"}},
		},
		PatchDigest: PatchDigest([]byte(testPatch)),
		Decision: &engine.Decision{
			Decision: engine.Allow, Reason: "approved", RiskLevel: "high", RequestID: "req-1",
			Bundle: engine.BundleInfo{Source: "git", Ref: "v1.2.0", Revision: "9f2c"}, Enforcement: engine.EnforcementStrict,
			Violations: []engine.Violation{{Rule: "paths/protected", Action: "require_approval", Message: "touches app.py", File: "app.py", Line: 1}},
			Workflow: &engine.WorkflowResult{Name: "prod", Stages: []engine.StageResult{
				{Name: "review", ApproverRoles: []string{"dev"}, MinApprovals: 1, ApprovedBy: []string{"alice"}, Satisfied: true},
				{Name: "sre", ApproverRoles: []string{"sre"}, MinApprovals: 1, ApprovedBy: []string{"bob"}, Satisfied: true,
					Reviews: []engine.StageReview{{Login: "bob", UserID: 42, ReviewID: 9001, SubmittedAt: reviewedAt}}},
			}},
		},
		Bundle:     engine.BundleInfo{Source: "git", Ref: "v1.2.0", Revision: "9f2c"},
		Time:       time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		GovVersion: "test",
	}
}

// writeTestRecord writes testRecord into a new audit directory.
func writeTestRecord(t testing.TB) string {
	t.Helper()
	path, err := Store{Dir: t.TempDir()}.Write(testRecord())
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// writeTestKey writes an encrypted cosign-format key pair and returns the
// key path and the public key.
func writeTestKey(t testing.TB, dir, prefix, password string) (string, crypto.PublicKey) {
	t.Helper()
	priv, pub, err := GenerateKeyPair([]byte(password))
	if err != nil {
		t.Fatal(err)
	}
	keyPath, pubPath, err := WriteKeyPair(filepath.Join(dir, prefix), priv, pub)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ParsePublicKey(pubPath, data)
	if err != nil {
		t.Fatal(err)
	}
	return keyPath, pk
}

func TestSignRecordVerifies(t *testing.T) {
	ctx := context.Background()
	rec := writeTestRecord(t)
	keyPath, pub := writeTestKey(t, t.TempDir(), "gov", "s3cret")
	s, err := LoadSigner(ctx, SignerOptions{KeyPath: keyPath, Password: []byte("s3cret")})
	if err != nil {
		t.Fatal(err)
	}
	path, bundleJSON, err := SignRecord(ctx, rec, s)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSuffix(rec, ".json") + ".sigstore.json"; path != want {
		t.Errorf("bundle at %s, want %s", path, want)
	}
	onDisk, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(onDisk, append(bundleJSON, '\n')) {
		t.Fatalf("bundle file differs from the returned bundle (%v)", err)
	}
	var shape struct {
		MediaType            string `json:"mediaType"`
		VerificationMaterial struct {
			PublicKey struct {
				Hint string `json:"hint"`
			} `json:"publicKey"`
			TlogEntries []any `json:"tlogEntries"`
		} `json:"verificationMaterial"`
		DsseEnvelope struct {
			PayloadType string `json:"payloadType"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(bundleJSON, &shape); err != nil {
		t.Fatal(err)
	}
	hint, _ := keyHint(pub)
	if shape.MediaType != BundleMediaType || shape.VerificationMaterial.PublicKey.Hint != hint ||
		len(shape.VerificationMaterial.TlogEntries) != 0 || shape.DsseEnvelope.PayloadType != PayloadType {
		t.Errorf("bundle shape %+v, want media type, key hint %s, no tlog entry, in-toto payload", shape, hint)
	}
	recData, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(bundleJSON, VerifyOptions{PublicKey: pub, Patch: []byte(testPatch), Record: recData})
	if err != nil {
		t.Fatal(err)
	}
	p := got.Statement.Predicate
	if got.Statement.SubjectDigest != PatchDigest([]byte(testPatch)) || got.Statement.SubjectName != DefaultSubjectName {
		t.Errorf("subject %s %s", got.Statement.SubjectName, got.Statement.SubjectDigest)
	}
	at := reviewedAt
	wantApprovals := []Approval{
		{Reviewer: "alice", Stage: "review", HeadSHA: "0123456789abcdef0123456789abcdef01234567"},
		{Reviewer: "bob", Stage: "sre", HeadSHA: "0123456789abcdef0123456789abcdef01234567", ReviewID: "9001", ApprovedAt: &at},
	}
	if !reflect.DeepEqual(p.Approvals, wantApprovals) {
		t.Errorf("approvals %+v, want %+v", p.Approvals, wantApprovals)
	}
	if p.Requester != "bot:fixer" || p.RequestID != "req-1" || p.Bundle.Ref != "v1.2.0" || p.GovVersion != "test" ||
		p.Decision.Violations[0].Line != 1 || !p.Time.Equal(testRecord().Time) ||
		p.RecordDigest != "sha256:"+strings.TrimSuffix(filepath.Base(rec), ".json") {
		t.Errorf("predicate %+v", p)
	}
	if got.Signer != "key "+hint {
		t.Errorf("signer %q", got.Signer)
	}
	if _, _, err := SignRecord(ctx, rec, s); err == nil || !strings.Contains(err.Error(), "never overwritten") {
		t.Errorf("signing twice: %v, want never overwritten", err)
	}
}

func TestKeyFormats(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	plain := func(k crypto.Signer) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	encPriv, _, err := GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	legacy := bytes.Replace(encPriv, []byte("SIGSTORE"), []byte("COSIGN"), 2)
	for _, tc := range []struct {
		name, password, wantErr string
		pem                     []byte
	}{
		{name: "pem ecdsa p256", pem: plain(ecKey)},
		{name: "pem ed25519", pem: plain(edKey)},
		{name: "encrypted sigstore", pem: encPriv, password: "pw"},
		{name: "encrypted cosign legacy block", pem: legacy, password: "pw"},
		{name: "wrong password", pem: encPriv, password: "nope", wantErr: "wrong password for the encrypted key (COSIGN_PASSWORD)"},
		{name: "no password", pem: encPriv, wantErr: "encrypted key and no password"},
		{name: "p384 refused", pem: plain(p384), wantErr: "ECDSA key on P-384, want P-256"},
		{name: "not pem", pem: []byte("hello"), wantErr: "not a PEM private key"},
		{name: "public key given", pem: []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), wantErr: `PEM block "PUBLIC KEY" is not a supported private key`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".key")
			if err := os.WriteFile(path, tc.pem, 0o600); err != nil {
				t.Fatal(err)
			}
			var pw []byte
			if tc.password != "" {
				pw = []byte(tc.password)
			}
			s, err := LoadSigner(ctx, SignerOptions{KeyPath: path, Password: pw})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error %v, want %q naming %s", err, tc.wantErr, path)
				}
				if tc.password != "" && strings.Contains(err.Error(), tc.password) {
					t.Fatalf("error %q shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rec := writeTestRecord(t)
			_, b, err := SignRecord(ctx, rec, s)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(b, VerifyOptions{PublicKey: s.keypair.GetPublicKey(), Patch: []byte(testPatch)}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWriteKeyPair(t *testing.T) {
	dir := t.TempDir()
	keyPath, _ := writeTestKey(t, dir, "gov", "pw")
	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v, want 0600", keyPath, fi.Mode().Perm())
	}
	data, _ := os.ReadFile(keyPath)
	if !bytes.HasPrefix(data, []byte("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----")) {
		t.Errorf("key file starts %q", data[:40])
	}
	// The PEM body is go-securesystemslib's JSON (what cosign reads).
	block, _ := pem.Decode(data)
	var enc struct {
		KDF    struct{ Name string } `json:"kdf"`
		Cipher struct{ Name string } `json:"cipher"`
	}
	if err := json.Unmarshal(block.Bytes, &enc); err != nil || enc.KDF.Name != "scrypt" || enc.Cipher.Name != "nacl/secretbox" {
		t.Errorf("encrypted key body %+v (%v), want scrypt + nacl/secretbox", enc, err)
	}
	if _, _, err := WriteKeyPair(filepath.Join(dir, "gov"), data, data); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("overwrite: %v, want refusal", err)
	}
	if _, _, err := GenerateKeyPair(nil); err == nil {
		t.Error("keygen without a password succeeded")
	}
}

// tamper decodes a bundle, changes it and encodes it again.
func tamper(t *testing.T, b []byte, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVerifyRefusesTampering(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyPath, pub := writeTestKey(t, dir, "gov", "pw")
	_, otherPub := writeTestKey(t, dir, "other", "pw")
	otherKey := filepath.Join(dir, "other.key")
	s, err := LoadSigner(ctx, SignerOptions{KeyPath: keyPath, Password: []byte("pw")})
	if err != nil {
		t.Fatal(err)
	}
	other, err := LoadSigner(ctx, SignerOptions{KeyPath: otherKey, Password: []byte("pw")})
	if err != nil {
		t.Fatal(err)
	}
	rec := writeTestRecord(t)
	recData, _ := os.ReadFile(rec)
	_, good, err := SignRecord(ctx, rec, s)
	if err != nil {
		t.Fatal(err)
	}
	st, err := newStatement("", PatchDigest([]byte(testPatch)), "https://example.com/other/v1", NewPredicate(testRecord(), recData))
	if err != nil {
		t.Fatal(err)
	}
	unknownType, err := s.Sign(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	byOther, err := other.Sign(ctx, mustStatement(t, recData))
	if err != nil {
		t.Fatal(err)
	}
	// payloadByteChanged changes one byte inside the predicate.
	payloadByteChanged := tamper(t, good, func(m map[string]any) {
		env := m["dsseEnvelope"].(map[string]any)
		raw, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
		i := bytes.Index(raw, []byte(`"risk_level":"high"`))
		raw[i+len(`"risk_level":"`)] = 'H'
		env["payload"] = base64.StdEncoding.EncodeToString(raw)
	})
	otherRecord := bytes.Replace(recData, []byte("req-1"), []byte("req-2"), 1)
	for _, tc := range []struct {
		name, want string
		bundle     []byte
		opts       VerifyOptions
	}{
		{name: "predicate byte changed", bundle: payloadByteChanged, opts: VerifyOptions{PublicKey: pub}, want: "signature:"},
		{name: "patch changed", bundle: good, opts: VerifyOptions{PublicKey: pub, Patch: []byte(testPatch + "+y = 3\n")}, want: "is not the signed subject"},
		{name: "record changed", bundle: good, opts: VerifyOptions{PublicKey: pub, Record: otherRecord}, want: "is not the one signed"},
		{name: "signed with another key", bundle: byOther, opts: VerifyOptions{PublicKey: pub}, want: "signature:"},
		{name: "verified with another key", bundle: good, opts: VerifyOptions{PublicKey: otherPub}, want: "signature:"},
		{name: "bundle of another media type", opts: VerifyOptions{PublicKey: pub}, want: `bundle media type "application/vnd.dev.sigstore.bundle+json;version=0.2"`,
			bundle: tamper(t, good, func(m map[string]any) { m["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.2" })},
		{name: "truncated file", bundle: good[:len(good)/2], opts: VerifyOptions{PublicKey: pub}, want: "truncated bundle"},
		{name: "not json", bundle: []byte("hello"), opts: VerifyOptions{PublicKey: pub}, want: "invalid JSON"},
		{name: "unknown predicate type", bundle: unknownType, opts: VerifyOptions{PublicKey: pub}, want: `unknown predicate type "https://example.com/other/v1"`},
		{name: "payload type changed", opts: VerifyOptions{PublicKey: pub}, want: "DSSE payload type",
			bundle: tamper(t, good, func(m map[string]any) { m["dsseEnvelope"].(map[string]any)["payloadType"] = "text/plain" })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(tc.bundle, tc.opts)
			var nv *NotVerifiedError
			if !errors.As(err, &nv) || !strings.Contains(nv.Reason, tc.want) || strings.Contains(nv.Reason, "\n") {
				t.Fatalf("error %v, want a one-line NotVerifiedError with %q", err, tc.want)
			}
		})
	}
	// The untampered bundle still verifies with everything given.
	if _, err := Verify(good, VerifyOptions{PublicKey: pub, Patch: []byte(testPatch), Record: recData}); err != nil {
		t.Fatal(err)
	}
}

func mustStatement(t *testing.T, recData []byte) []byte {
	t.Helper()
	st, err := NewStatement("", PatchDigest([]byte(testPatch)), NewPredicate(testRecord(), recData))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestVerifyOptionErrors(t *testing.T) {
	_, pub := writeTestKey(t, t.TempDir(), "gov", "pw")
	for _, tc := range []struct {
		name, want string
		opts       VerifyOptions
	}{
		{name: "nothing to trust", want: "give a public key, or a certificate identity"},
		{name: "both", opts: VerifyOptions{PublicKey: pub, Identity: "a", Issuer: "b"}, want: "not both"},
		{name: "identity without issuer", opts: VerifyOptions{Identity: "a"}, want: "needs both"},
		{name: "no trusted root", opts: VerifyOptions{Identity: "a", Issuer: "b"}, want: "needs a trusted root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify([]byte("{}"), tc.opts)
			var nv *NotVerifiedError
			if err == nil || errors.As(err, &nv) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want an options error with %q", err, tc.want)
			}
		})
	}
}
