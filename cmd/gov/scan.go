package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/internal/initgc"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/sarif"
	"github.com/gov-policy/gov/scan"
)

type scanFlags struct {
	patch      string
	gitRange   string
	git        bool
	format     string
	exclude    []string
	rulesFile  string
	noProgress bool
	bundle     string
}

func (f *scanFlags) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.patch, "patch", "", "scan the added lines of this diff (- for stdin) instead of PATH")
	fl.StringVar(&f.gitRange, "git-range", "", "scan the Git history of PATH's repository in this range (A..B)")
	fl.BoolVar(&f.git, "git", false, "scan the whole Git history (every ref) of PATH's repository")
	fl.StringVar(&f.format, "format", "text", "output format: text, json or sarif")
	fl.StringVar(&f.bundle, "bundle", "", "policy bundle whose gov.cue scanner.exclude applies too (default ./.gov, else embedded)")
	fl.StringArrayVar(&f.exclude, "exclude", nil, "skip files matching this glob (repeatable), e.g. 'testdata/**'")
	fl.StringVar(&f.rulesFile, "rules-file", "", "extra rules in gitleaks TOML format")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress bar for history scans")
}

func newScanCmd() *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "scan [PATH]",
		Short: "Find secrets in a directory, a patch or Git history",
		Long: `Scan files, the added lines of a patch, or Git history for secrets (cloud keys,
tokens, private keys, passwords in URLs and assignments). Findings are masked and
fingerprinted; the secret itself is never printed. A finding on a line carrying
"gov:allow <rule-id> -- <reason>" is reported as suppressed.
Exit codes: 0 no unsuppressed finding, 1 unsuppressed findings, 2 error.`,
		Example: `  gov scan .
  git diff main | gov scan --patch -
  gov scan --git-range origin/main..HEAD --format json
  gov scan ~/src/app --git --exclude 'testdata/**'`,
		Args: cobra.MaximumNArgs(1),
		// A patch is scanned with less collection (lessGC; fitGC once it
		// is read), set before the root's PersistentPreRun would restore
		// Go's default: restoring 100 on a heap already past its 4 MB
		// trigger collected at once, in about one gov scan --patch of ten
		// (TestStartupNoGCDuringInit).
		PersistentPreRun: func(*cobra.Command, []string) {
			if f.patch != "" {
				lessGC()
			} else {
				initgc.Done()
			}
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runScan(cmd, f, firstArg(args)) },
	}
	f.AddFlags(cmd)
	return cmd
}

// scanReport is the JSON output: findings and totals.
type scanReport struct {
	Findings []scan.Finding `json:"findings"`
	Summary  scanSummary    `json:"summary"`
}

type scanSummary struct {
	scan.Summary
	scan.Stats
	DurationMS int64 `json:"duration_ms"`
}

func runScan(cmd *cobra.Command, f *scanFlags, path string) error {
	if err := checkFormat(f.format, "text", "json", "sarif"); err != nil {
		return err
	}
	if path == "" {
		path = "."
	}
	if f.patch != "" && (f.git || f.gitRange != "") || f.git && f.gitRange != "" {
		return usageError{fmt.Errorf("--patch, --git and --git-range exclude each other")}
	}
	b, err := loadBundle(cmd.Context(), f.bundle)
	if err != nil {
		return err
	}
	exclude := append(slices.Clone(b.Config.Scanner.Exclude), f.exclude...)
	s, err := scan.New(scan.Config{Exclude: exclude, ExtraRulesFile: f.rulesFile})
	if err != nil {
		return err
	}
	start := time.Now()
	var findings []scan.Finding
	var st scan.Stats
	switch {
	case f.patch != "":
		findings, st, err = scanPatchFile(cmd, s, f.patch)
	case f.git || f.gitRange != "":
		historyGC()
		bar := newProgress(cmd.ErrOrStderr(), f.noProgress)
		findings, st, err = s.ScanGitStats(cmd.Context(), path, f.gitRange, bar.update)
		bar.done()
	default:
		findings, st, err = s.ScanDirStats(cmd.Context(), path)
	}
	if err != nil {
		return err
	}
	if findings == nil {
		findings = []scan.Finding{}
	}
	rep := scanReport{Findings: findings, Summary: scanSummary{Summary: scan.Summarize(findings), Stats: st, DurationMS: time.Since(start).Milliseconds()}}
	out := cmd.OutOrStdout()
	switch f.format {
	case "json":
		err = writeJSON(out, rep)
	case "sarif":
		err = writeScanSARIF(out, rep.Findings, b)
	default:
		err = writeScanText(out, rep)
	}
	if err != nil {
		return err
	}
	if rep.Summary.Unsuppressed > 0 {
		return exitError{1}
	}
	return nil
}

func scanPatchFile(cmd *cobra.Command, s *scan.Scanner, name string) ([]scan.Finding, scan.Stats, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(cmd.InOrStdin())
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, scan.Stats{}, fmt.Errorf("--patch: %w", err)
	}
	fitGC(len(data))
	p, err := patch.Parse(data)
	if err != nil {
		return nil, scan.Stats{}, fmt.Errorf("--patch %s: %w", name, err)
	}
	return s.ScanPatch(p), scan.Stats{Files: p.Stats.Files, Bytes: int64(len(data))}, nil
}

func writeScanText(w io.Writer, rep scanReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range rep.Findings {
		loc := fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Column)
		if f.Commit != "" {
			loc = shortSHA(f.Commit) + " " + loc
		}
		note := ""
		if f.Suppressed {
			note = "suppressed: " + f.SuppressReason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", loc, f.Rule, f.Masked, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s := rep.Summary
	// A file over the size limit is not scanned: say so, or the summary
	// reads as a clean scan of everything.
	skipped := ""
	if s.SkippedLarge > 0 {
		skipped = fmt.Sprintf("; %d %s not scanned (over %d MB)", s.SkippedLarge,
			plural(s.SkippedLarge, "file", "files"), scan.MaxFileSize>>20)
	}
	_, err := fmt.Fprintf(w, "%d %s (%d suppressed) in %d files, %s, %d ms%s\n",
		s.Total, plural(s.Total, "finding", "findings"), s.Suppressed, s.Files, humanBytes(s.Bytes), s.DurationMS, skipped)
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// progress draws "scanning commits 120/4000" on a terminal's stderr.
type progress struct{ w io.Writer }

func newProgress(w io.Writer, off bool) *progress {
	if f, ok := w.(*os.File); ok && !off {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			return &progress{w: f}
		}
	}
	return &progress{}
}

func (p *progress) update(done, total int) {
	if p.w != nil && (done == total || done%16 == 0) {
		fmt.Fprintf(p.w, "\rscanning commits %d/%d %s", done, total, strings.Repeat(" ", 8))
	}
}

func (p *progress) done() {
	if p.w != nil {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// writeScanSARIF writes the findings as one SARIF run for code scanning.
func writeScanSARIF(w io.Writer, fs []scan.Finding, b *bundles.Bundle) error {
	out := make([]sarif.ScanFinding, 0, len(fs))
	for _, f := range fs {
		out = append(out, sarif.ScanFinding{
			Rule: f.Rule, Description: f.Description, File: f.File, Line: f.Line, Column: f.Column,
			Fingerprint: f.Fingerprint, Masked: f.Masked, Suppressed: f.Suppressed, SuppressReason: f.SuppressReason,
		})
	}
	opts, err := sarifOptions(nil, engine.BundleInfo{Source: b.Source, Ref: b.Ref, Revision: b.Revision}, "gov/scan/")
	if err != nil {
		return err
	}
	rep, err := sarif.FromFindings(out, opts)
	if err != nil {
		return err
	}
	return sarif.Write(w, rep)
}
