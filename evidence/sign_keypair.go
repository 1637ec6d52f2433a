package evidence

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/signature"
)

// keypair adapts a loaded (or ephemeral) private key to sigstore-go's
// sign.Keypair. Its hint is base64(sha256(PKIX public key)), as
// sigstore-go's own ephemeral keys use.
type keypair struct {
	priv crypto.Signer
	alg  signature.AlgorithmDetails
	hint []byte
}

// NewKeypair wraps an ECDSA P-256 or Ed25519 private key for signing.
func NewKeypair(priv crypto.Signer) (sign.Keypair, error) {
	var details protocommon.PublicKeyDetails
	switch priv.Public().(type) {
	case *ecdsa.PublicKey:
		details = protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
	case ed25519.PublicKey:
		details = protocommon.PublicKeyDetails_PKIX_ED25519
	}
	if err := checkKeyType(priv.Public()); err != nil {
		return nil, err
	}
	alg, err := signature.GetAlgorithmDetails(details)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	hint, err := keyHint(priv.Public())
	if err != nil {
		return nil, err
	}
	return &keypair{priv: priv, alg: alg, hint: []byte(hint)}, nil
}

// keyHint is base64(sha256(PKIX DER)) of pub.
func keyHint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

func (k *keypair) GetHashAlgorithm() protocommon.HashAlgorithm { return k.alg.GetProtoHashType() }

func (k *keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return k.alg.GetSignatureAlgorithm()
}

func (k *keypair) GetHint() []byte { return k.hint }

func (k *keypair) GetKeyAlgorithm() string {
	if k.alg.GetKeyType() == signature.ED25519 {
		return "ED25519"
	}
	return "ECDSA"
}

func (k *keypair) GetPublicKey() crypto.PublicKey { return k.priv.Public() }

func (k *keypair) GetPublicKeyPem() (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k.priv.Public())
	if err != nil {
		return "", fmt.Errorf("public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: pemPublicKey, Bytes: der})), nil
}

// SignData signs data (hashed first, except for pure Ed25519) and returns
// the signature and what was signed.
func (k *keypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	hf := k.alg.GetHashType()
	toSign := data
	if hf != crypto.Hash(0) {
		h := hf.New()
		h.Write(data)
		toSign = h.Sum(nil)
	}
	sig, err := k.priv.Sign(rand.Reader, toSign, hf)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: %w", err)
	}
	return sig, toSign, nil
}
