package evidence

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
)

// PEM block types of private keys gov reads. cosign writes the first two
// (scrypt + secretbox encrypted PKCS#8, the same format as
// go-securesystemslib/encrypted); the last is plain PKCS#8.
const (
	pemEncryptedSigstore = "ENCRYPTED SIGSTORE PRIVATE KEY"
	pemEncryptedCosign   = "ENCRYPTED COSIGN PRIVATE KEY"
	pemPrivateKey        = "PRIVATE KEY"
	pemPublicKey         = "PUBLIC KEY"
	// keyFilePerm is the mode of every private key gov writes.
	keyFilePerm = 0o600
)

// ErrWrongPassword means an encrypted key did not decrypt with the password
// given; the password is never part of any error.
var ErrWrongPassword = errors.New("wrong password for the encrypted key (COSIGN_PASSWORD)")

// ParsePrivateKey reads a PEM private key: cosign-format encrypted (with
// password; nil is none, empty is the empty password cosign allows) or
// plain PKCS#8, ECDSA P-256 or Ed25519. name labels errors.
func ParsePrivateKey(name string, data, password []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: not a PEM private key", name)
	}
	der := block.Bytes
	switch block.Type {
	case pemEncryptedSigstore, pemEncryptedCosign:
		if password == nil {
			return nil, fmt.Errorf("%s: encrypted key and no password (set COSIGN_PASSWORD)", name)
		}
		plain, err := encrypted.Decrypt(der, password)
		if err != nil {
			if strings.Contains(err.Error(), "decryption failed") {
				return nil, fmt.Errorf("%s: %w", name, ErrWrongPassword)
			}
			return nil, fmt.Errorf("%s: encrypted key: %w", name, err)
		}
		der = plain
	case pemPrivateKey:
	default:
		return nil, fmt.Errorf("%s: PEM block %q is not a supported private key (want %s or %s)", name, block.Type, pemEncryptedSigstore, pemPrivateKey)
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: private key: %w", name, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: private key of type %T cannot sign", name, key)
	}
	if err := checkKeyType(signer.Public()); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return signer, nil
}

// ParsePublicKey reads a PEM PKIX public key (cosign's .pub files).
func ParsePublicKey(name string, data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemPublicKey {
		return nil, fmt.Errorf("%s: not a PEM %q block", name, pemPublicKey)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: public key: %w", name, err)
	}
	if err := checkKeyType(pub); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return pub, nil
}

func checkKeyType(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return fmt.Errorf("ECDSA key on %s, want P-256", k.Curve.Params().Name)
		}
		return nil
	case ed25519.PublicKey:
		return nil
	}
	return fmt.Errorf("key of type %T is not supported (want ECDSA P-256 or Ed25519)", pub)
}

// GenerateKeyPair makes an ECDSA P-256 key pair as cosign does: the private
// key PKCS#8, encrypted with password (scrypt + secretbox) in an
// "ENCRYPTED SIGSTORE PRIVATE KEY" block, and the PEM public key.
func GenerateKeyPair(password []byte) (privPEM, pubPEM []byte, err error) {
	if password == nil { // empty but not nil is the empty password cosign allows
		return nil, nil, errors.New("keygen: no password (set COSIGN_PASSWORD)")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("keygen: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("keygen: %w", err)
	}
	enc, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, nil, fmt.Errorf("keygen: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, nil, fmt.Errorf("keygen: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemEncryptedSigstore, Bytes: enc}),
		pem.EncodeToMemory(&pem.Block{Type: pemPublicKey, Bytes: pub}), nil
}

// WriteKeyPair writes <prefix>.key (mode 0600) and <prefix>.pub, refusing
// to overwrite either. It returns the two paths.
func WriteKeyPair(prefix string, privPEM, pubPEM []byte) (keyPath, pubPath string, err error) {
	keyPath, pubPath = prefix+".key", prefix+".pub"
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return "", "", fmt.Errorf("keygen: %s exists; not overwriting it", p)
		}
	}
	if err := writeNew(keyPath, privPEM, keyFilePerm); err != nil {
		return "", "", err
	}
	if err := writeNew(pubPath, pubPEM, 0o644); err != nil {
		_ = os.Remove(keyPath)
		return "", "", err
	}
	return keyPath, pubPath, nil
}

// writeNew creates path with perm (never an existing file) and writes data.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(filepath.Clean(path), os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		// The umask may have narrowed perm; never widened it, but be exact.
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
