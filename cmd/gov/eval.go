package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/decide"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/scan"
)

type evalFlags struct {
	request     requestFlags
	bundle      string
	enforcement string
	repo        string
	format      string
	output      string
	timeout     time.Duration
	printInput  bool
	auditDir    string
	sign        string
	signing     signFlags
}

func (f *evalFlags) AddFlags(cmd *cobra.Command) {
	f.request.AddFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.bundle, "bundle", "", "policy bundle: DIR, DIR@REF, URL@REF or embedded (default ./.gov, else embedded; env "+envBundle+")")
	fl.StringVar(&f.enforcement, "enforcement", "", "override enforcement: off, warn or strict")
	fl.StringVar(&f.repo, "repo", "", "repository work tree the patch applies to (gives policies the new file contents)")
	fl.StringVar(&f.format, "format", "text", "output format: text, json, sarif (code scanning) or github (workflow annotations)")
	fl.StringVar(&f.auditDir, "audit-dir", "", "record the decision in this audit directory (default: audit.dir of the bundle's gov.cue, if set)")
	fl.StringVarP(&f.output, "output", "o", "", "write the result to this file instead of stdout")
	fl.StringVar(&f.sign, "sign", signNone, "sign the recorded decision: none, key (--key) or keyless (Fulcio + Rekor, GitHub Actions OIDC); the Sigstore bundle goes beside the record")
	f.signing.AddFlags(cmd)
	fl.Lookup("key").Usage = "private key of --sign key (cosign-format, password in " + envCosignPassword + "; or PEM PKCS#8 ECDSA P-256/Ed25519)"
	fl.BoolVar(&f.printInput, "print-input", false, "print the Rego input document policies would see, as JSON, and exit")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "evaluation time limit (fails closed)")
}

func newEvalCmd() *cobra.Command {
	f := &evalFlags{}
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Decide whether a patch may go in",
		Long: `Evaluate a patch and its request facts against a policy bundle and print the decision.
Exit codes: 0 allowed, 1 denied, 2 error, 3 approval required.`,
		Example: `  gov eval --patch testdata/patches/python-null-check.diff --env production --service user_service
  gov eval --bundle ./policy@v1.2.0 --request req.json --format json
  gov eval --patch fix.diff --env production --audit-dir .gov-audit --sign key --key gov.key
  git diff main | gov eval --patch - --env staging`,
		Args: cobra.NoArgs,
		// In place of the root's: the collection stays as rare as during
		// initialization (restoring Go's default there, on a heap already
		// past its 4 MB goal, collected at once).
		PersistentPreRun: func(*cobra.Command, []string) { lessGC() },
		RunE:             func(cmd *cobra.Command, _ []string) error { return runEval(cmd, f) },
	}
	f.AddFlags(cmd)
	return cmd
}

func runEval(cmd *cobra.Command, f *evalFlags) error {
	if err := checkFormat(f.format, "text", "json", "sarif", "github"); err != nil {
		return err
	}
	if err := checkEnforcement(f.enforcement); err != nil {
		return err
	}
	lessGC()
	req, err := f.request.build(cmd.InOrStdin())
	if err != nil {
		return err
	}
	fitGC(len(req.PatchContent))
	p, err := patch.ParseString(req.PatchContent)
	if err != nil {
		return fmt.Errorf("%s: %w", f.request.patchName(), err)
	}
	if f.repo != "" {
		if err := loadRepoContent(p, f.repo, req); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	b, err := loadBundle(ctx, f.bundle)
	if err != nil {
		return err
	}
	// Building the scanner and compiling the policies are independent:
	// the scanner is built beside engine.NewFor (start-up is most of gov
	// eval's time).
	scanned := make(chan scanResult, 1)
	go func() { sc, err := decide.NewScanner(b); scanned <- scanResult{sc, err} }()
	in := decide.Input{Request: req, Patch: p}
	pipe := &decide.Pipeline{Bundle: b, Enforcement: f.enforcement, AuditDir: auditDir(f.auditDir, b)}
	if f.printInput {
		r := <-scanned
		if r.err != nil {
			return r.err
		}
		pipe.Scanner = r.scanner
		findings, red := pipe.Scan(in)
		doc, err := engine.InputDocument(b, engine.Input{Request: req, Patch: p, Findings: findings, Enforcement: f.enforcement})
		if err != nil {
			return red.Error(err) // an unknown environment is quoted in the error
		}
		return writeOutput(cmd, f.output, func(w io.Writer) error { return writeJSON(w, decide.Redact(red, doc)) })
	}
	// One meaning of --sign on eval and pr: none, key or keyless.
	if err := (&recordFlags{sign: f.sign, signing: f.signing}).check(); err != nil {
		return err
	}
	if f.sign != signNone {
		if pipe.AuditDir == "" {
			return usageError{fmt.Errorf("--sign needs --audit-dir (or audit.dir in gov.cue): evidence is kept beside the record")}
		}
		if err := signableStore(pipe.AuditDir); err != nil {
			return err
		}
		if err := f.signing.checkNote(); err != nil {
			return err
		}
		// Load the key first: a wrong password fails before anything is recorded.
		if pipe.Signer, err = f.signing.signer(ctx); err != nil {
			return err
		}
	}
	pipe.Engine, err = engine.NewFor(ctx, b, p)
	r := <-scanned
	if err != nil {
		return err
	}
	if r.err != nil {
		return r.err
	}
	pipe.Scanner = r.scanner
	res, err := pipe.Run(ctx, in)
	if err != nil {
		return err
	}
	if res.Evidence != "" {
		if err := f.signing.addNote(res.EvidenceBundle); err != nil {
			return fmt.Errorf("%s written, but %w", res.Evidence, err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "gov: signed evidence %s\n", res.Evidence)
	}
	d := res.Decision
	err = writeOutput(cmd, f.output, func(w io.Writer) error {
		return writeDecision(w, f.format, d, p, b)
	})
	if err != nil {
		return err
	}
	if code := engine.ExitCode(d); code != 0 {
		return exitError{code}
	}
	return nil
}

func checkEnforcement(v string) error {
	switch v {
	case "", engine.EnforcementOff, engine.EnforcementWarn, engine.EnforcementStrict:
		return nil
	}
	return usageError{fmt.Errorf("unknown --enforcement %q (want off, warn or strict)", v)}
}

// loadBundle resolves --bundle (else GOV_BUNDLE) relative to the current directory.
func loadBundle(ctx context.Context, ref string) (*bundles.Bundle, error) {
	if ref == "" {
		ref = envOr(envBundle, "")
	}
	return bundles.Load(ctx, ref, bundles.LoadOptions{CacheDir: envOr(envCacheDir, "")})
}

// scanResult is the secret scanner built with the bundle's settings.
type scanResult struct {
	scanner *scan.Scanner
	err     error
}
