package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/evidence"
)

// signFlags choose the signer (--key, else keyless) and where else to keep
// the evidence. gov eval and gov pr use them with --sign key|keyless.
type signFlags struct{ key, fulcioURL, rekorURL, gitNote string }

func (f *signFlags) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.key, "key", "", "sign with this private key (cosign-format, password in "+envCosignPassword+"; or PEM PKCS#8 ECDSA P-256/Ed25519); default keyless (Fulcio + Rekor, GitHub Actions OIDC)")
	cmd.Flags().StringVar(&f.fulcioURL, "fulcio-url", evidence.DefaultFulcioURL, "Fulcio instance for keyless signing")
	cmd.Flags().StringVar(&f.rekorURL, "rekor-url", evidence.DefaultRekorURL, "Rekor (v1) instance for keyless signing")
	cmd.Flags().StringVar(&f.gitNote, "git-note", "", "also add the bundle as a git note (refs/notes/gov) on REPO@COMMIT")
}

// signer loads the key (password from COSIGN_PASSWORD) or prepares keyless
// signing with the ambient OIDC token.
func (f *signFlags) signer(ctx context.Context) (*evidence.Signer, error) {
	o := evidence.SignerOptions{KeyPath: f.key, FulcioURL: f.fulcioURL, RekorURL: f.rekorURL}
	if pw, ok := os.LookupEnv(envCosignPassword); ok {
		o.Password = append([]byte{}, pw...)
	}
	if f.key == "" {
		o.IDToken = os.Getenv(envSigstoreIDToken)
		o.ActionsTokenURL, o.ActionsToken = os.Getenv(envActionsIDTokenURL), os.Getenv(envActionsIDTokenToken)
	}
	return evidence.LoadSigner(ctx, o)
}

// signRecord signs one record, writes <digest>.sigstore.json beside it
// (and the git note if asked) and returns the bundle's path.
func (f *signFlags) signRecord(ctx context.Context, s *evidence.Signer, recordPath string) (string, error) {
	if err := f.checkNote(); err != nil {
		return "", err
	}
	path, bundle, err := evidence.SignRecord(ctx, recordPath, s)
	if err != nil {
		return "", err
	}
	if err := f.addNote(bundle); err != nil {
		return path, fmt.Errorf("%s written, but %w", path, err)
	}
	return path, nil
}

// checkNote validates --git-note before anything is signed.
func (f *signFlags) checkNote() error {
	if i := strings.LastIndex(f.gitNote, "@"); f.gitNote != "" && (i <= 0 || i == len(f.gitNote)-1) {
		return usageError{fmt.Errorf("--git-note %q: want REPO@COMMIT", f.gitNote)}
	}
	return nil
}

// addNote adds the signed bundle as a git note when --git-note is set.
func (f *signFlags) addNote(bundle []byte) error {
	if f.gitNote == "" {
		return nil
	}
	i := strings.LastIndex(f.gitNote, "@")
	_, err := evidence.AddNote(f.gitNote[:i], f.gitNote[i+1:], bundle, time.Now())
	return err
}

// trustFlags say whom to trust when verifying.
type trustFlags struct{ key, identity, issuer, trustedRoot string }

func (f *trustFlags) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.key, "key", "", "public key (PEM) the evidence must be signed with")
	cmd.Flags().StringVar(&f.identity, "certificate-identity", "", "keyless: the signer's identity (e.g. the workflow URL)")
	cmd.Flags().StringVar(&f.issuer, "certificate-oidc-issuer", "", "keyless: the identity's OIDC issuer (e.g. https://token.actions.githubusercontent.com)")
	cmd.Flags().StringVar(&f.trustedRoot, "trusted-root", "", "keyless: Sigstore trusted_root.json of the Fulcio and Rekor instances")
}

func (f *trustFlags) options() (evidence.VerifyOptions, error) {
	var o evidence.VerifyOptions
	switch {
	case f.key != "" && (f.identity != "" || f.issuer != ""):
		return o, usageError{errors.New("give --key or --certificate-identity/--certificate-oidc-issuer, not both")}
	case f.key != "":
		data, err := os.ReadFile(f.key)
		if err != nil {
			return o, usageError{fmt.Errorf("--key: %w", err)}
		}
		if o.PublicKey, err = evidence.ParsePublicKey(f.key, data); err != nil {
			return o, usageError{err}
		}
		return o, nil
	case f.identity == "" || f.issuer == "":
		return o, usageError{errors.New("give --key, or --certificate-identity and --certificate-oidc-issuer")}
	case f.trustedRoot == "":
		return o, usageError{errors.New("keyless verification needs --trusted-root (gov never fetches one)")}
	}
	tr, err := root.NewTrustedRootFromPath(f.trustedRoot)
	if err != nil {
		return o, usageError{fmt.Errorf("--trusted-root %s: %w", f.trustedRoot, err)}
	}
	o.TrustedMaterial, o.Identity, o.Issuer, o.RequireSCT = tr, f.identity, f.issuer, len(tr.CTLogs()) > 0
	return o, nil
}

func newAuditSignCmd() *cobra.Command {
	var f signFlags
	cmd := &cobra.Command{
		Use:   "sign RECORD",
		Short: "Sign a decision record; the bundle is written beside it",
		Long: `Sign a decision record as an in-toto statement (subject: the patch; predicate:
the decision, policy version and approvals) in a DSSE envelope, kept beside
the record as <digest>.sigstore.json (never overwritten). With --key the key
is cosign's (password in COSIGN_PASSWORD) or a PEM key; without it, keyless
with the GitHub Actions OIDC token, a Fulcio certificate and a Rekor entry.`,
		Example: `  COSIGN_PASSWORD=... gov audit sign .gov-audit/2026/03/<digest>.json --key gov.key
  gov audit sign .gov-audit/2026/03/<digest>.json --git-note .@HEAD   # keyless in Actions`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.signer(cmd.Context())
			if err != nil {
				return err
			}
			path, err := f.signRecord(cmd.Context(), s, args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), path)
			return err
		},
	}
	f.AddFlags(cmd)
	return cmd
}

func newAuditVerifyCmd() *cobra.Command {
	var f trustFlags
	var af auditFlags
	var chain bool
	var patchFile, record, format string
	cmd := &cobra.Command{
		Use:   "verify BUNDLE | --chain",
		Short: "Verify signed evidence: exit 0 verified, 1 does not verify",
		Long: `Verify a Sigstore bundle written by gov audit sign: its signature (with --key,
or the certificate identity, issuer and trusted root), its statement, and
that it is about the patch (--patch) and the record (--record; by default
the record beside the bundle, when there is one). Exit 0 verified, 1 does
not verify (the reason on stderr), 2 usage error.

With --chain it verifies instead the hash chain of a PostgreSQL audit store
(--audit-dir postgres://..., else GOV_AUDIT_DIR, else audit.dir): every row
follows the one before it, no row was deleted (except by gov audit prune)
or edited. It prints the chain's head hash: keep it elsewhere to detect a
later rewrite of the whole chain.`,
		Example: `  gov audit verify .gov-audit/2026/03/<digest>.sigstore.json --key gov.pub --patch fix.diff
  gov audit verify B.sigstore.json --trusted-root trusted_root.json \
    --certificate-identity https://github.com/org/repo/.github/workflows/gov.yml@refs/heads/main \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com
  gov audit verify --chain --audit-dir postgres://gov@db.internal/gov`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			if chain {
				if len(args) > 0 {
					return usageError{errors.New("--chain verifies the audit store: give no BUNDLE")}
				}
				return runVerifyChain(cmd, af, format)
			}
			if len(args) != 1 {
				return usageError{errors.New("give the BUNDLE to verify, or --chain")}
			}
			o, err := f.options()
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return usageError{err}
			}
			if patchFile != "" {
				if o.Patch, err = os.ReadFile(patchFile); err != nil {
					return usageError{fmt.Errorf("--patch: %w", err)}
				}
			}
			if record == "" && strings.HasSuffix(args[0], evidence.SignatureSuffix) {
				if beside := strings.TrimSuffix(args[0], evidence.SignatureSuffix) + ".json"; fileExists(beside) {
					record = beside
				}
			}
			if record != "" {
				if o.Record, err = os.ReadFile(record); err != nil {
					return usageError{fmt.Errorf("--record: %w", err)}
				}
			}
			v, err := evidence.Verify(data, o)
			var nv *evidence.NotVerifiedError
			if errors.As(err, &nv) {
				if _, werr := fmt.Fprintf(cmd.ErrOrStderr(), "gov: %s: %s\n", args[0], nv.Error()); werr != nil {
					return werr
				}
				return exitError{1}
			}
			if err != nil {
				return usageError{err}
			}
			return writeVerified(cmd.OutOrStdout(), format, args[0], v)
		},
	}
	f.AddFlags(cmd)
	af.AddFlags(cmd)
	cmd.Flags().BoolVar(&chain, "chain", false, "verify the hash chain of the PostgreSQL audit store instead of a bundle")
	cmd.Flags().StringVar(&patchFile, "patch", "", "the raw patch the evidence must be about")
	cmd.Flags().StringVar(&record, "record", "", "the audit record the evidence must be made from (default: the record beside BUNDLE)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

func writeVerified(w io.Writer, format, path string, v *evidence.Verified) error {
	p := v.Statement.Predicate
	if format == "json" {
		return writeJSON(w, map[string]any{
			"bundle": path, "verified": true, "signer": v.Signer,
			"subject":   map[string]string{"name": v.Statement.SubjectName, "digest": v.Statement.SubjectDigest},
			"predicate": p,
		})
	}
	_, err := fmt.Fprintf(w, "verified %s: %s of %s %s under %s@%s, signed by %s\n", path, p.Decision.Decision,
		v.Statement.SubjectName, v.Statement.SubjectDigest, p.Bundle.Source, orDash(p.Bundle.Revision), v.Signer)
	return err
}

func newAuditKeygenCmd() *cobra.Command {
	var prefix string
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Write a signing key pair (cosign format) for gov audit sign",
		Long: `Write <prefix>.key (ECDSA P-256, encrypted with a password, mode 0600)
and <prefix>.pub. cosign reads both; existing files are never overwritten.
The password is COSIGN_PASSWORD when set (empty allowed); else, on a terminal,
gov asks for it twice without echo (empty allowed, as cosign does); else it
reads one line from stdin.`,
		Example: `  COSIGN_PASSWORD=... gov audit keygen --output-key-prefix gov`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := keygenPassword(cmd)
			if err != nil {
				return err
			}
			priv, pub, err := evidence.GenerateKeyPair(pw)
			if err != nil {
				return err
			}
			keyPath, pubPath, err := evidence.WriteKeyPair(prefix, priv, pub)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "private key written to %s\npublic key written to %s\n", keyPath, pubPath)
			return err
		},
	}
	cmd.Flags().StringVar(&prefix, "output-key-prefix", "gov", "write <prefix>.key and <prefix>.pub")
	return cmd
}

// writeVerifiedLog is gov audit log --verify: each record of s made at or
// after since with the state of its evidence. Any evidence that fails makes
// the exit status 1 (failed); bad names the records that could not be read.
func writeVerifiedLog(w io.Writer, f trustFlags, format string, s evidence.AuditStore, since time.Time) (entries []evidence.Entry, bad []error, failed, err error) {
	o, err := f.options()
	if err != nil {
		return nil, nil, nil, err
	}
	type row struct {
		evidence.Entry
		Evidence evidence.RecordEvidence `json:"evidence"`
	}
	rows := []row{}
	bad, err = s.WalkRaw(since, func(e evidence.Entry, record, bundle []byte) error {
		ev, err := evidence.VerifyRaw(record, bundle, o)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Path, err)
		}
		if ev.State == evidence.StateFailed {
			failed = exitError{1}
		}
		rows = append(rows, row{e, ev})
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, bad, nil, err
	}
	switch format {
	case "json":
		return entries, bad, failed, writeJSON(w, rows)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"time", "decision", "request_id", "digest", "evidence", "path"})
		for _, r := range rows {
			_ = cw.Write([]string{r.Time.UTC().Format(time.RFC3339), string(r.Decision), r.RequestID, r.Digest, r.Evidence.String(), r.Path})
		}
		cw.Flush()
		return entries, bad, failed, cw.Error()
	}
	if len(rows) == 0 {
		return entries, bad, failed, nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "TIME\tDECISION\tREQUEST\tDIGEST\tEVIDENCE")
	for _, r := range rows {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Time.UTC().Format(time.RFC3339), r.Decision,
			orDash(r.RequestID), r.Digest[:min(len(r.Digest), 19)], r.Evidence)
	}
	return entries, bad, failed, tw.Flush()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
