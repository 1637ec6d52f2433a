package evidence

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

// VerifyOptions say whom to trust and what the evidence must be about.
// Exactly one of PublicKey (key-based) or Identity+Issuer with
// TrustedMaterial (keyless) is given.
type VerifyOptions struct {
	PublicKey crypto.PublicKey

	// TrustedMaterial holds the Fulcio CAs and Rekor (and CT) logs to trust,
	// e.g. a trusted_root.json loaded with root.NewTrustedRootFromPath.
	TrustedMaterial root.TrustedMaterial
	// Identity is the certificate's subject alternative name (for GitHub
	// Actions the workflow URL); Issuer its OIDC issuer. Both match exactly.
	Identity, Issuer string
	// RequireSCT asks for a certificate transparency timestamp in the
	// certificate (the public Sigstore issues one).
	RequireSCT bool

	// Patch, when non-nil, is the raw patch the evidence must be about.
	Patch []byte
	// Record, when non-nil, is the audit record file the evidence must have
	// been made from.
	Record []byte
}

// Verified is what a verified bundle says.
type Verified struct {
	Statement Statement
	// Signer is the key hint (key-based) or the certificate identity and
	// issuer (keyless).
	Signer string
}

// NotVerifiedError is evidence that does not verify; Reason is one line.
type NotVerifiedError struct{ Reason string }

func (e *NotVerifiedError) Error() string { return "does not verify: " + e.Reason }

func notVerified(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &NotVerifiedError{Reason: strings.Join(strings.Fields(msg), " ")}
}

// Verify checks a Sigstore bundle's JSON: media type, DSSE signature
// (with the key, or the certificate chain, log entry and identity), the
// statement (in-toto v1 of PredicateType), and, when given, the patch and
// the record. A failure is a *NotVerifiedError; any other error is about
// the options.
func Verify(bundleJSON []byte, o VerifyOptions) (*Verified, error) {
	verifier, policy, err := o.policy()
	if err != nil {
		return nil, err
	}
	b, err := parseBundle(bundleJSON)
	if err != nil {
		return nil, err
	}
	env := b.GetDsseEnvelope()
	if env == nil {
		return nil, notVerified("the bundle holds no DSSE envelope (not an attestation)")
	}
	if env.GetPayloadType() != PayloadType {
		return nil, notVerified("DSSE payload type %q, want %s", env.GetPayloadType(), PayloadType)
	}
	res, err := verifier.Verify(b, policy)
	if err != nil {
		return nil, notVerified("signature: %v", err)
	}
	st, err := ParseStatement(env.GetPayload())
	if err != nil {
		return nil, notVerified("%v", err)
	}
	out := &Verified{Statement: st, Signer: "key " + b.GetVerificationMaterial().GetPublicKey().GetHint()}
	if res.Signature != nil && res.Signature.Certificate != nil {
		c := res.Signature.Certificate
		out.Signer = c.SubjectAlternativeName + " (issuer " + c.Issuer + ")"
	}
	if o.Patch != nil {
		if d := PatchDigest(o.Patch); d != st.SubjectDigest {
			return nil, notVerified("the patch (%s) is not the signed subject %q (%s)", d, st.SubjectName, st.SubjectDigest)
		}
	}
	if o.Record != nil {
		if err := checkRecord(o.Record, st); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// policy builds the sigstore-go verifier and policy of the options.
func (o VerifyOptions) policy() (*verify.Verifier, verify.PolicyBuilder, error) {
	artifact := verify.WithoutArtifactUnsafe() // the subject is checked by Verify itself
	keyless := o.Identity != "" || o.Issuer != ""
	switch {
	case o.PublicKey != nil && keyless:
		return nil, verify.PolicyBuilder{}, errors.New("verify: give a public key or a certificate identity and issuer, not both")
	case o.PublicKey != nil:
		v, err := signature.LoadVerifier(o.PublicKey, crypto.SHA256)
		if err != nil {
			return nil, verify.PolicyBuilder{}, fmt.Errorf("verify: public key: %w", err)
		}
		tm := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
			return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
		})
		ver, err := verify.NewVerifier(tm, verify.WithNoObserverTimestamps())
		if err != nil {
			return nil, verify.PolicyBuilder{}, fmt.Errorf("verify: %w", err)
		}
		return ver, verify.NewPolicy(artifact, verify.WithKey()), nil
	case keyless:
		if o.Identity == "" || o.Issuer == "" {
			return nil, verify.PolicyBuilder{}, errors.New("verify: keyless verification needs both a certificate identity and an OIDC issuer")
		}
		if o.TrustedMaterial == nil {
			return nil, verify.PolicyBuilder{}, errors.New("verify: keyless verification needs a trusted root")
		}
		opts := []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithIntegratedTimestamps(1)}
		if o.RequireSCT {
			opts = append(opts, verify.WithSignedCertificateTimestamps(1))
		}
		ver, err := verify.NewVerifier(o.TrustedMaterial, opts...)
		if err != nil {
			return nil, verify.PolicyBuilder{}, fmt.Errorf("verify: %w", err)
		}
		id, err := verify.NewShortCertificateIdentity(o.Issuer, "", o.Identity, "")
		if err != nil {
			return nil, verify.PolicyBuilder{}, fmt.Errorf("verify: %w", err)
		}
		return ver, verify.NewPolicy(artifact, verify.WithCertificateIdentity(id)), nil
	}
	return nil, verify.PolicyBuilder{}, errors.New("verify: give a public key, or a certificate identity and OIDC issuer")
}

// parseBundle reads a bundle's JSON strictly: valid JSON of BundleMediaType
// that sigstore-go accepts.
func parseBundle(data []byte) (*bundle.Bundle, error) {
	var head struct {
		MediaType string `json:"mediaType"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&head); err != nil {
		var syn *json.SyntaxError
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
			(errors.As(err, &syn) && syn.Offset >= int64(len(bytes.TrimRight(data, " \t\r\n")))) {
			return nil, notVerified("truncated bundle (incomplete JSON)")
		}
		return nil, notVerified("not a Sigstore bundle: invalid JSON: %v", err)
	}
	if head.MediaType != BundleMediaType {
		return nil, notVerified("bundle media type %q, want %s", head.MediaType, BundleMediaType)
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return nil, notVerified("not a valid Sigstore bundle: %v", err)
	}
	return &b, nil
}

// checkRecord checks that record is the audit record the statement was
// made from, and that its patch is the statement's subject.
func checkRecord(record []byte, st Statement) error {
	sum := sha256.Sum256(record)
	if d := "sha256:" + hex.EncodeToString(sum[:]); d != st.Predicate.RecordDigest {
		return notVerified("the record (%s) is not the one signed (%s)", d, st.Predicate.RecordDigest)
	}
	rec, err := decodeRecord("record", record)
	if err != nil {
		return notVerified("%v", err)
	}
	if rec.PatchDigest != st.SubjectDigest {
		return notVerified("the record's patch (%s) is not the signed subject (%s)", rec.PatchDigest, st.SubjectDigest)
	}
	return nil
}
