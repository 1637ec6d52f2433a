package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/sarif"
)

// Signing modes of gov pr --sign.
const (
	signNone    = "none"
	signKey     = "key"
	signKeyless = "keyless"
)

// recordFlags are where a decision is recorded and how it is signed
// (gov pr, gov serve).
type recordFlags struct {
	auditDir, sign string
	signing        signFlags
}

func (f *recordFlags) AddFlags(cmd *cobra.Command, what string) {
	fl := cmd.Flags()
	fl.StringVar(&f.auditDir, "audit-dir", "", "record "+what+" in this audit directory (default: audit.dir of the bundle's gov.cue, if set)")
	fl.StringVar(&f.sign, "sign", signNone, "sign "+what+": none, key (--key) or keyless (Fulcio + Rekor, GitHub Actions OIDC)")
	fl.StringVar(&f.signing.key, "key", "", "private key of --sign key (cosign-format, password in "+envCosignPassword+"; or PEM PKCS#8 ECDSA P-256/Ed25519)")
	fl.StringVar(&f.signing.fulcioURL, "fulcio-url", evidence.DefaultFulcioURL, "Fulcio instance of --sign keyless")
	fl.StringVar(&f.signing.rekorURL, "rekor-url", evidence.DefaultRekorURL, "Rekor (v1) instance of --sign keyless")
}

// check validates the flag combination before anything is loaded.
func (f *recordFlags) check() error {
	switch {
	case f.sign != signNone && f.sign != signKey && f.sign != signKeyless:
		return usageError{fmt.Errorf("unknown --sign %q (want none, key or keyless)", f.sign)}
	case f.sign == signKey && f.signing.key == "":
		return usageError{errors.New("--sign key needs --key")}
	case f.sign != signKey && f.signing.key != "":
		return usageError{fmt.Errorf("--key is for --sign key, not --sign %s", f.sign)}
	}
	return nil
}

// prArtifactFlags are what gov pr keeps of a decision besides the PR
// status and comment: the audit record, its signed evidence and SARIF.
type prArtifactFlags struct {
	recordFlags
	sarifOutput, evidenceOutput string
}

func (f *prArtifactFlags) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.sarifOutput, "sarif-output", "", "also write the decision as SARIF (code scanning) to this file")
	f.recordFlags.AddFlags(cmd, "the decision")
	fl.StringVar(&f.evidenceOutput, "evidence-output", "", "also copy the signed evidence (Sigstore bundle) to this file")
}

// check validates the flag combination before any API call.
func (f *prArtifactFlags) check() error {
	if err := f.recordFlags.check(); err != nil {
		return err
	}
	if f.sign == signNone && f.evidenceOutput != "" {
		return usageError{errors.New("--evidence-output needs --sign key or keyless")}
	}
	return nil
}

// signer loads the signing key or prepares keyless signing; nil for --sign none.
func (f *prArtifactFlags) signer(ctx context.Context, b *bundles.Bundle) (*evidence.Signer, error) {
	if f.sign == signNone {
		return nil, nil
	}
	if auditDir(f.auditDir, b) == "" {
		return nil, usageError{fmt.Errorf("--sign %s signs the decision record: give --audit-dir (or audit.dir in gov.cue)", f.sign)}
	}
	if err := signableStore(auditDir(f.auditDir, b)); err != nil {
		return nil, err
	}
	return f.signing.signer(ctx)
}

// prArtifacts are the files gov pr wrote for one decision.
type prArtifacts struct{ record, evidence, sarif string }

// write copies the evidence the pipeline signed to --evidence-output and
// writes the SARIF file when asked.
func (f *prArtifactFlags) write(b *bundles.Bundle, ev *github.Evaluation, diff string) (prArtifacts, error) {
	var out prArtifacts
	if ev.Decided != nil {
		out.record, out.evidence = ev.Decided.Record, ev.Decided.Evidence
	}
	if out.evidence != "" && f.evidenceOutput != "" {
		if err := copyFile(out.evidence, f.evidenceOutput); err != nil {
			return out, fmt.Errorf("--evidence-output: %w", err)
		}
		out.evidence = f.evidenceOutput
	}
	if f.sarifOutput != "" {
		p, err := patch.Parse([]byte(diff))
		if err != nil {
			return out, fmt.Errorf("diff of %s#%d: %w", ev.Repo, ev.PR.Number, err)
		}
		opts, err := sarifOptions(b, ev.Decision.Bundle, "gov/pr/")
		if err != nil {
			return out, err
		}
		rep, err := sarif.FromDecision(ev.Decision, p, opts)
		if err != nil {
			return out, err
		}
		if err := writeFileWith(f.sarifOutput, func(w *os.File) error { return sarif.Write(w, rep) }); err != nil {
			return out, fmt.Errorf("--sarif-output: %w", err)
		}
		out.sarif = f.sarifOutput
	}
	return out, nil
}

// writeActionOutputs appends the step outputs to $GITHUB_OUTPUT, when set:
// the decision, the files written, and the head commit evaluated with the
// PR's ref (where upload-sarif attributes the results).
func writeActionOutputs(ev *github.Evaluation, art prArtifacts) error {
	d := ev.Decision
	return appendOutputs([][2]string{
		{"decision", string(d.Decision)}, {"allowed", strconv.FormatBool(d.Allowed())},
		{"sarif-file", art.sarif}, {"evidence-file", art.evidence},
		{"head-sha", ev.PR.HeadSHA}, {"ref", fmt.Sprintf("refs/pull/%d/head", ev.PR.Number)},
	})
}

// appendOutputs appends NAME=VALUE lines to $GITHUB_OUTPUT, when set.
func appendOutputs(kvs [][2]string) error {
	path := envOr(envGitHubOutput, "")
	if path == "" {
		return nil
	}
	var b strings.Builder
	for _, kv := range kvs {
		if strings.ContainsAny(kv[1], "\r\n") {
			return fmt.Errorf("$%s: output %s has a line break", envGitHubOutput, kv[0])
		}
		fmt.Fprintf(&b, "%s=%s\n", kv[0], kv[1])
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("$%s: %w", envGitHubOutput, err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		_ = f.Close()
		return fmt.Errorf("$%s: %w", envGitHubOutput, err)
	}
	return f.Close()
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return writeFileWith(to, func(w *os.File) error { _, err := w.Write(data); return err })
}

func writeFileWith(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
