package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/explain"
	"github.com/gov-policy/gov/patch"
)

type explainFlags struct {
	request     requestFlags
	audit       auditFlags
	enforcement string
	repo        string
	format      string
	output      string
	timeout     time.Duration
}

func (f *explainFlags) AddFlags(cmd *cobra.Command) {
	f.request.AddFlags(cmd)
	f.audit.AddFlags(cmd)
	fl := cmd.Flags()
	fl.Lookup("bundle").Usage = "policy bundle to decide under, and whose gov.cue names the audit store: DIR, DIR@REF, URL@REF or embedded (default ./.gov, else embedded; env " + envBundle + "); for a record, the revision it was decided under"
	fl.StringVar(&f.enforcement, "enforcement", "", "override enforcement: off, warn or strict (a request only)")
	fl.StringVar(&f.repo, "repo", "", "repository work tree the patch applies to (a request only)")
	fl.StringVar(&f.format, "format", "text", "output format: text or json")
	fl.StringVarP(&f.output, "output", "o", "", "write the explanation to this file instead of stdout")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "evaluation time limit")
}

func newExplainCmd() *cobra.Command {
	f := &explainFlags{}
	cmd := &cobra.Command{
		Use:   "explain [RECORD]",
		Short: "Say why a decision was made: rules and the values they read, exceptions, workflow, reviews",
		Long: `Explain a decision: of a request and patch (the flags of gov eval; nothing is
recorded), or of an audit record given by its file or its digest (looked up in the
audit store). It names the policy revision, each rule that fired with its file:line and
the input values it read, exceptions and enforcement, the workflow chosen and the
condition that chose it, and for a pull request each review counted or ignored and why.
Secrets found in the request are masked. Exit 0 when explained, 2 on an error.`,
		Example: `  gov explain --patch fix.diff --env production --service payments
  gov explain .gov-audit/2026/03/3f2a....json
  gov explain --audit-dir .gov-audit sha256:3f2a9c1d0b7e --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runExplain(cmd, f, args) },
	}
	f.AddFlags(cmd)
	return cmd
}

func runExplain(cmd *cobra.Command, f *explainFlags, args []string) error {
	if err := checkFormat(f.format, "text", "json"); err != nil {
		return err
	}
	if err := checkEnforcement(f.enforcement); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	b, err := loadBundle(ctx, f.audit.bundle)
	if err != nil {
		return err
	}
	var x *explain.Explanation
	if len(args) == 1 {
		if f.request.requestFile != "" || f.request.patchFile != "" || f.enforcement != "" {
			return usageError{errors.New("give a RECORD or a request (--request/--patch), not both")}
		}
		rec, digest, err := f.record(cmd, args[0], b.Config.Audit.Dir)
		if err != nil {
			return err
		}
		if f.audit.bundle == "" && envOr(envBundle, "") == "" {
			b = decidedUnder(ctx, rec.Decision.Bundle, b)
		}
		if x, err = explain.ForRecord(ctx, rec, digest, b); err != nil {
			return err
		}
	} else {
		req, err := f.request.build(cmd.InOrStdin())
		if err != nil {
			return err
		}
		p, err := patch.Parse([]byte(req.PatchContent))
		if err != nil {
			return fmt.Errorf("%s: %w", f.request.patchName(), err)
		}
		if f.repo != "" {
			if err := loadRepoContent(p, f.repo, req); err != nil {
				return err
			}
		}
		if x, err = explain.ForRequest(ctx, b, req, p, f.enforcement); err != nil {
			return err
		}
	}
	return writeOutput(cmd, f.output, func(w io.Writer) error {
		if f.format == "json" {
			return writeJSON(w, x)
		}
		return explain.WriteText(w, x)
	})
}

// record reads RECORD: a digest (sha256:<hex> or 12 hex digits at least)
// is looked up in the audit store, never read as a file of that name (a
// checkout may hold one); anything else is a record file, named by the
// digest of its bytes rather than by its file name.
func (f *explainFlags) record(cmd *cobra.Command, arg, bundleDir string) (evidence.Record, string, error) {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() && !looksLikeDigest(arg) {
		data, err := os.ReadFile(arg)
		if err != nil {
			return evidence.Record{}, "", err
		}
		rec, err := evidence.Store{}.Read(arg)
		if err != nil {
			return rec, "", err
		}
		sum := sha256.Sum256(data)
		return rec, "sha256:" + hex.EncodeToString(sum[:]), nil
	}
	dir := firstNonEmpty(f.audit.given(), bundleDir, defaultAuditDir)
	if err := storeExists(dir); err != nil {
		return evidence.Record{}, "", err
	}
	store, err := evidence.OpenStore(cmd.Context(), dir)
	if err != nil {
		return evidence.Record{}, "", err
	}
	defer func() { _ = store.Close() }()
	rec, digest, err := explain.FindRecord(store, arg)
	if err != nil {
		return rec, "", usageError{err}
	}
	return rec, digest, nil
}

// decidedUnder is the bundle a record was decided under when it can be
// loaded here: a local source at the record's commit. Otherwise it is b,
// and the explanation says which revision to give.
func decidedUnder(ctx context.Context, bi engine.BundleInfo, b *bundles.Bundle) *bundles.Bundle {
	rev := bi.Revision
	if b.Revision == rev || !isCommit(rev) || bi.Source == "" || strings.Contains(bi.Source, "://") {
		return b
	}
	src := bi.Source
	if bi.Ref != "" {
		src = strings.TrimSuffix(src, "@"+bi.Ref)
	}
	alt, err := loadBundle(ctx, src+"@"+rev)
	if err != nil || alt.Revision != rev {
		return b
	}
	return alt
}

// looksLikeDigest reports whether arg is a record digest as gov explain
// takes one: sha256:<hex>, or 12 hex digits at least.
func looksLikeDigest(arg string) bool {
	h := strings.TrimPrefix(arg, "sha256:")
	return len(h) >= 12 && strings.Trim(strings.ToLower(h), "0123456789abcdef") == ""
}
