package evidence

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
)

// benchSigner is a key-based signer with a P-256 key, and the statement of
// the test record: what gov eval --sign does per decision, minus file I/O.
func benchSigner(b *testing.B) (*Signer, []byte) {
	b.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	kp, err := NewKeypair(key)
	if err != nil {
		b.Fatal(err)
	}
	data, err := Encode(testRecord())
	if err != nil {
		b.Fatal(err)
	}
	return &Signer{keypair: kp}, data
}

// BenchmarkSign builds the statement of a record and signs it into a bundle.
func BenchmarkSign(b *testing.B) {
	s, data := benchSigner(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		st, err := NewStatement("", testRecord().PatchDigest, NewPredicate(testRecord(), data))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Sign(ctx, st); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify verifies a bundle with the public key, the patch and the record.
func BenchmarkVerify(b *testing.B) {
	s, data := benchSigner(b)
	st, err := NewStatement("", testRecord().PatchDigest, NewPredicate(testRecord(), data))
	if err != nil {
		b.Fatal(err)
	}
	bundle, err := s.Sign(context.Background(), st)
	if err != nil {
		b.Fatal(err)
	}
	o := VerifyOptions{PublicKey: s.keypair.GetPublicKey(), Patch: []byte(testPatch), Record: data}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(bundle, o); err != nil {
			b.Fatal(err)
		}
	}
}
