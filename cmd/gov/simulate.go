package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/simulate"
)

type simulateFlags struct {
	bundle, baseline   string
	auditDir, corpus   string
	since, format, out string
	failOnChange       bool
	evaluateAll        bool
}

func (f *simulateFlags) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.bundle, "bundle", "", "candidate policy bundle: DIR, DIR@REF or URL@REF (required)")
	fl.StringVar(&f.baseline, "baseline", "", "baseline policy bundle (default: as gov eval resolves it: "+envBundle+", ./.gov, else embedded)")
	fl.StringVar(&f.auditDir, "audit-dir", "", "re-evaluate the decision records of this audit store: a directory or a postgres:// URL")
	fl.StringVar(&f.corpus, "corpus", "", "re-evaluate the gov test cases (YAML or JSON) under this directory instead")
	fl.StringVar(&f.since, "since", "", "only audit records this recent: a duration (90d, 2w, 12h) or a date (2026-01-31); default all")
	fl.StringVar(&f.format, "format", "text", "output format: text, json or markdown (a PR comment)")
	fl.StringVarP(&f.out, "output", "o", "", "write the result to this file instead of stdout")
	fl.BoolVar(&f.failOnChange, "fail-on-change", false, "exit 1 when any decision changes or any request fails to evaluate")
	fl.BoolVar(&f.evaluateAll, "evaluate-all", false, "evaluate every request in full under both bundles (every outcome named), also those no changed policy package changes")
}

func newSimulateCmd() *cobra.Command {
	f := &simulateFlags{}
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Show which recorded decisions a policy change would change",
		Long: `Re-evaluate recorded requests under a candidate bundle and a baseline bundle and
report which decisions change (allow -> deny, ...), how often per transition,
which rules newly fire or stop firing, and the requests affected.

The baseline is --baseline, else the bundle gov eval would use (GOV_BUNDLE,
./.gov, else the embedded one): the revision in each record may no longer be
loadable. Audit records are evaluated at their recorded time (exceptions
expire as they did then), with their recorded scanner findings (their patches
are masked, so they are not scanned again) and with each bundle's own
enforcement. A corpus holds gov test cases (request, patch or patch_file,
enforcement, now; expect is ignored), evaluated as gov test does.

Only what a policy change can change is evaluated. For each request, the
Rego packages that differ between the bundles (or read one that does, or
share a path with one) and apply to its patch (by their applies_to) are
evaluated under both bundles; when their results are equal, or none
applies, the bundles decide the request alike and it is not evaluated in
full: it is counted as "unchanged" (its outcome not named; "unaffected" in
JSON, "compared" for those whose differing packages were evaluated). Only
what precedes the policies (environment, enforcement, the input) is checked
on it: a policy failing alike under both bundles is not seen there. When the
results differ, the other packages are evaluated once and both decisions
are made from them. When the data differ (gov.cue, rules, roles,
workflows, exceptions) every request is evaluated in full under both.
--evaluate-all evaluates every request in full under both and names every
outcome. Requests alike in every part of the input the policies
read (the same patch and environment, say, with another request_id and
time) are evaluated once per bundle; exceptions, enforcement and
approvals are still applied to each. --evaluate-all evaluates every
request afresh.

A request that fails to evaluate is an "error" outcome, never allow. Corrupt
or truncated records are named on stderr and skipped, never counted.
Exit codes: 0 done, 1 with --fail-on-change when a decision changes or a
request fails to evaluate, 2 usage, bundle or read error.`,
		Example: `  gov simulate --bundle ./policy@HEAD --baseline ./policy@main --audit-dir .gov-audit --since 90d
  gov simulate --bundle . --corpus cases --format markdown --output comment.md --fail-on-change`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSimulate(cmd, f) },
	}
	f.AddFlags(cmd)
	return cmd
}

func runSimulate(cmd *cobra.Command, f *simulateFlags) error {
	simulateGC()
	if err := checkFormat(f.format, "text", "json", "markdown"); err != nil {
		return err
	}
	if f.bundle == "" {
		return usageError{fmt.Errorf("--bundle: give the candidate bundle")}
	}
	if (f.auditDir == "") == (f.corpus == "") {
		return usageError{fmt.Errorf("give exactly one of --audit-dir and --corpus")}
	}
	since, err := parseSince(f.since, time.Now())
	if err != nil {
		return err
	}
	src, name := simulate.FromCorpus(f.corpus), "corpus:"+f.corpus
	if f.auditDir != "" {
		if err := storeExists(f.auditDir); err != nil {
			return err
		}
		store, err := evidence.OpenStore(cmd.Context(), f.auditDir)
		if err != nil {
			return err
		}
		defer func() { _ = store.Close() }()
		// The store's name, never the URL as given: it may hold a password.
		src, name = simulate.FromAudit(store, since), "audit:"+store.String()
	}
	ctx := cmd.Context()
	cache := engine.NewCache(2)
	var engines [2]*engine.Engine
	for i, ref := range []string{f.bundle, f.baseline} {
		b, err := loadBundle(ctx, ref)
		if err != nil {
			return err
		}
		if engines[i], err = cache.Get(ctx, b); err != nil {
			return err
		}
	}
	r, err := simulate.Run(ctx, engines[0], engines[1], src, simulate.Options{EvaluateAll: f.evaluateAll})
	if err != nil {
		return err
	}
	r.Source = name
	if len(r.Skipped) > 0 {
		var b strings.Builder
		for _, s := range r.Skipped {
			fmt.Fprintf(&b, "gov: skipped %s\n", s)
		}
		fmt.Fprintf(&b, "gov: %d input(s) could not be read and were not simulated\n", len(r.Skipped))
		if _, err := io.WriteString(cmd.ErrOrStderr(), b.String()); err != nil {
			return err
		}
	}
	err = writeOutput(cmd, f.out, func(w io.Writer) error {
		switch f.format {
		case "json":
			return writeJSON(w, r)
		case "markdown":
			_, err := io.WriteString(w, simulate.Markdown(r))
			return err
		}
		_, err := io.WriteString(w, simulate.Text(r))
		return err
	})
	if err != nil {
		return err
	}
	if f.failOnChange && r.HasChanges() {
		return exitError{1}
	}
	return nil
}
