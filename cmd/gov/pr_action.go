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
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/github"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/sarif"
	"github.com/gov-policy/gov/scan"
)

// Signing modes of gov pr --sign.
const (
	signNone    = "none"
	signKey     = "key"
	signKeyless = "keyless"
)

// prArtifactFlags are what gov pr keeps of a decision besides the PR
// status and comment: the audit record, its signed evidence and SARIF.
type prArtifactFlags struct {
	sarifOutput, auditDir, sign, evidenceOutput string
	signing                                     signFlags
}

func (f *prArtifactFlags) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.sarifOutput, "sarif-output", "", "also write the decision as SARIF (code scanning) to this file")
	fl.StringVar(&f.auditDir, "audit-dir", "", "record the decision in this audit directory (default: audit.dir of the bundle's gov.cue, if set)")
	fl.StringVar(&f.sign, "sign", signNone, "sign the decision record: none, key (--key) or keyless (Fulcio + Rekor, GitHub Actions OIDC)")
	fl.StringVar(&f.signing.key, "key", "", "private key of --sign key (cosign-format, password in "+envCosignPassword+"; or PEM PKCS#8 ECDSA P-256/Ed25519)")
	fl.StringVar(&f.signing.fulcioURL, "fulcio-url", evidence.DefaultFulcioURL, "Fulcio instance of --sign keyless")
	fl.StringVar(&f.signing.rekorURL, "rekor-url", evidence.DefaultRekorURL, "Rekor (v1) instance of --sign keyless")
	fl.StringVar(&f.evidenceOutput, "evidence-output", "", "also copy the signed evidence (Sigstore bundle) to this file")
}

// check validates the flag combination before any API call.
func (f *prArtifactFlags) check() error {
	switch {
	case f.sign != signNone && f.sign != signKey && f.sign != signKeyless:
		return usageError{fmt.Errorf("unknown --sign %q (want none, key or keyless)", f.sign)}
	case f.sign == signKey && f.signing.key == "":
		return usageError{errors.New("--sign key needs --key")}
	case f.sign != signKey && f.signing.key != "":
		return usageError{fmt.Errorf("--key is for --sign key, not --sign %s", f.sign)}
	case f.sign == signNone && f.evidenceOutput != "":
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

// write records the decision (and signs the record) when an audit
// directory is set, and writes the SARIF file when asked.
func (f *prArtifactFlags) write(ctx context.Context, b *bundles.Bundle, s *evidence.Signer, ev *github.Evaluation, req engine.Request, diff string) (prArtifacts, error) {
	var out prArtifacts
	p, err := patch.Parse([]byte(diff))
	if err != nil {
		return out, fmt.Errorf("diff of %s#%d: %w", ev.Repo, ev.PR.Number, err)
	}
	if dir := auditDir(f.auditDir, b); dir != "" {
		sc, err := scan.New(scan.Config{Exclude: b.Config.Scanner.Exclude})
		if err != nil {
			return out, err
		}
		if out.record, err = recordDecision(ctx, dir, sc, engine.Input{Request: prRequest(req, ev, b, diff)}, ev.Decision); err != nil {
			return out, err
		}
	}
	if s != nil {
		if out.evidence, err = f.signing.signRecord(ctx, s, out.record); err != nil {
			return out, err
		}
		if f.evidenceOutput != "" {
			if err := copyFile(out.evidence, f.evidenceOutput); err != nil {
				return out, fmt.Errorf("--evidence-output: %w", err)
			}
			out.evidence = f.evidenceOutput
		}
	}
	if f.sarifOutput != "" {
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

// prRequest is the request as the evaluator decided it: the environment
// from the base branch, the author as requester, the PR's diff, and the
// pull request in metadata.pr (its head_sha ties approvals to the commit).
func prRequest(req engine.Request, ev *github.Evaluation, b *bundles.Bundle, diff string) engine.Request {
	if req.Environment == "" {
		req.Environment = github.EnvironmentFor(b.Config.Branches, ev.PR.BaseRef)
	}
	if req.RequestedBy == "" {
		req.RequestedBy = ev.PR.AuthorLogin
	}
	req.PatchContent = diff
	meta := make(map[string]any, len(req.Metadata)+1)
	for k, v := range req.Metadata {
		meta[k] = v
	}
	meta["pr"] = map[string]any{
		"repository": ev.Repo.String(), "number": ev.PR.Number, "head_sha": ev.PR.HeadSHA,
		"base_ref": ev.PR.BaseRef, "url": ev.PR.HTMLURL,
	}
	req.Metadata = meta
	return req
}

// writeActionOutputs appends the step outputs to $GITHUB_OUTPUT, when set.
func writeActionOutputs(d *engine.Decision, art prArtifacts) error {
	path := envOr(envGitHubOutput, "")
	if path == "" {
		return nil
	}
	var b strings.Builder
	for _, kv := range [][2]string{
		{"decision", d.Decision}, {"allowed", strconv.FormatBool(d.Allowed)},
		{"sarif-file", art.sarif}, {"evidence-file", art.evidence},
	} {
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

// diffRecorder keeps the diff the evaluator fetched (or rebuilt from the
// files list), so the record and SARIF describe exactly what was decided.
type diffRecorder struct {
	*github.Client
	diff string
}

func (r *diffRecorder) GetDiff(ctx context.Context, repo github.Repo, number int) (string, error) {
	d, err := r.Client.GetDiff(ctx, repo, number)
	if err == nil {
		r.diff = d
	}
	return d, err
}

func (r *diffRecorder) ListFiles(ctx context.Context, repo github.Repo, number int) ([]github.File, error) {
	fs, err := r.Client.ListFiles(ctx, repo, number)
	if err == nil {
		r.diff = github.DiffFromFiles(fs)
	}
	return fs, err
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
