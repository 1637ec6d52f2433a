package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/evidence"
)

// defaultAuditDir is used when neither --audit-dir nor gov.cue names one.
const defaultAuditDir = ".gov-audit"

// auditFlags locate the audit store: --audit-dir, else GOV_AUDIT_DIR, else
// audit.dir of the bundle's gov.cue, else .gov-audit. Each may be a
// directory or a postgres:// URL.
type auditFlags struct{ dir, bundle string }

func (f *auditFlags) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dir, "audit-dir", "", "audit store: a directory or a postgres:// URL (default: "+envAuditDir+", else audit.dir in the bundle's gov.cue, else "+defaultAuditDir+")")
	cmd.Flags().StringVar(&f.bundle, "bundle", "", "policy bundle whose gov.cue gives the audit settings (default ./.gov, else embedded; env "+envBundle+")")
}

// config loads the bundle's audit settings only when needed is true.
func (f *auditFlags) config(cmd *cobra.Command, needed bool) (bundles.AuditConfig, error) {
	if !needed {
		return bundles.AuditConfig{}, nil
	}
	b, err := loadBundle(cmd.Context(), f.bundle)
	if err != nil {
		return bundles.AuditConfig{}, err
	}
	return b.Config.Audit, nil
}

// given is the store named by the flag or the environment, "" when the
// bundle's gov.cue has to say.
func (f *auditFlags) given() string { return firstNonEmpty(f.dir, envOr(envAuditDir, "")) }

// open opens the audit store; close it when done.
func (f *auditFlags) open(cmd *cobra.Command, cfg bundles.AuditConfig) (evidence.AuditStore, error) {
	return evidence.OpenStore(cmd.Context(), firstNonEmpty(f.given(), cfg.Dir, defaultAuditDir))
}

// openExisting opens the audit store for reading: a directory that does
// not exist is an error (exit 2), never an empty store, so that a typo
// cannot read as "no decisions".
func (f *auditFlags) openExisting(cmd *cobra.Command, cfg bundles.AuditConfig) (evidence.AuditStore, error) {
	if err := storeExists(firstNonEmpty(f.given(), cfg.Dir, defaultAuditDir)); err != nil {
		return nil, err
	}
	return f.open(cmd, cfg)
}

func newAuditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "List, prune, sign and verify the decision records of the audit directory",
	}
	cmd.AddCommand(newAuditLogCmd(), newAuditPruneCmd(), newAuditSignCmd(), newAuditVerifyCmd(), newAuditKeygenCmd(), newAuditCopyCmd())
	return cmd
}

func newAuditLogCmd() *cobra.Command {
	var f auditFlags
	var since, format string
	var verify bool
	var tf trustFlags
	cmd := &cobra.Command{
		Use:   "log",
		Short: "List recorded decisions, oldest first",
		Long: `List the decision records of the audit directory, oldest first.
A corrupt, truncated or modified record is named on stderr and skipped;
the exit status is then 1.`,
		Example: `  gov audit log --since 30d
  gov audit log --audit-dir /var/lib/gov/audit --since 2026-01-01 --format csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "text", "json", "csv"); err != nil {
				return err
			}
			from, err := parseSince(since, time.Now())
			if err != nil {
				return err
			}
			cfg, err := f.config(cmd, f.given() == "")
			if err != nil {
				return err
			}
			s, err := f.openExisting(cmd, cfg)
			if err != nil {
				return err
			}
			defer func() { _ = s.Close() }()
			var entries []evidence.Entry
			var bad []error
			var failed error
			if verify {
				entries, bad, failed, err = writeVerifiedLog(cmd.OutOrStdout(), tf, format, s, from)
			} else {
				entries, bad = s.List(from)
				err = writeAuditLog(cmd.OutOrStdout(), format, entries)
			}
			if err != nil {
				return err
			}
			if len(entries) == 0 && format == "text" {
				if _, err := fmt.Fprintf(cmd.ErrOrStderr(), "no audit records in %s\n", s); err != nil {
					return err
				}
			}
			if err := reportBadRecords(cmd, bad); err != nil {
				return err
			}
			return failed
		},
	}
	f.AddFlags(cmd)
	tf.AddFlags(cmd)
	cmd.Flags().BoolVar(&verify, "verify", false, "verify each record's signed evidence (verified, unsigned or FAILED: reason); exit 1 if any fails")
	cmd.Flags().StringVar(&since, "since", "", "only records this recent: a duration (30d, 12h, 2w) or a date (2026-01-31); default all")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or csv")
	return cmd
}

func newAuditPruneCmd() *cobra.Command {
	var f auditFlags
	var olderThan string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove records older than the retention period",
		Long: `Remove the decision records (and their signed evidence) older than --older-than,
else audit.retention_days of the bundle's gov.cue. Records are never removed
otherwise. Temporary files an interrupted writer left (.tmp-*, older than ten
minutes) are removed too. Corrupt records are named on stderr and kept; the exit
status is then 1.`,
		Example: `  gov audit prune --dry-run
  gov audit prune --audit-dir .gov-audit --older-than 400d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAuditPrune(cmd, f, olderThan, dryRun) },
	}
	f.AddFlags(cmd)
	cmd.Flags().StringVar(&olderThan, "older-than", "", "remove records older than this (365d, 52w, 8760h); default audit.retention_days")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be removed, remove nothing")
	return cmd
}

func runAuditPrune(cmd *cobra.Command, f auditFlags, olderThan string, dryRun bool) error {
	cfg, err := f.config(cmd, f.given() == "" || olderThan == "")
	if err != nil {
		return err
	}
	if olderThan == "" {
		if cfg.RetentionDays <= 0 {
			return usageError{fmt.Errorf("no audit.retention_days in gov.cue: give --older-than")}
		}
		olderThan = strconv.Itoa(cfg.RetentionDays) + "d"
	}
	age, err := parseAge(olderThan)
	if err != nil {
		return usageError{fmt.Errorf("--older-than: %w", err)}
	}
	s, err := f.open(cmd, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	cutoff := time.Now().Add(-age)
	var b strings.Builder
	var bad []error
	if dryRun {
		var expired []evidence.Entry
		expired, bad = s.Expired(cutoff)
		for _, e := range expired {
			fmt.Fprintf(&b, "would remove %s\n", e.Path)
		}
		fmt.Fprintf(&b, "%d record(s) older than %s would be removed\n", len(expired), cutoff.UTC().Format(time.RFC3339))
	} else {
		removed, err := s.Prune(cutoff)
		for _, p := range removed {
			fmt.Fprintf(&b, "removed %s\n", p)
		}
		fmt.Fprintf(&b, "%d file(s) older than %s removed\n", len(removed), cutoff.UTC().Format(time.RFC3339))
		var terr error
		if dir, ok := s.(evidence.Store); ok { // a database leaves no temp files
			var temps []string
			temps, terr = dir.PruneTemp(time.Now().Add(-evidence.StaleTempAge))
			for _, p := range temps {
				fmt.Fprintf(&b, "removed %s (left by an interrupted writer)\n", p)
			}
		}
		if err = errors.Join(err, terr); err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				bad = append(bad, errors.New(line))
			}
		}
	}
	if _, err := io.WriteString(cmd.OutOrStdout(), b.String()); err != nil {
		return err
	}
	return reportBadRecords(cmd, bad)
}

func writeAuditLog(w io.Writer, format string, entries []evidence.Entry) error {
	switch format {
	case "json":
		if entries == nil {
			entries = []evidence.Entry{}
		}
		return writeJSON(w, entries)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"time", "decision", "environment", "service", "request_id", "revision", "digest", "path"})
		for _, e := range entries {
			_ = cw.Write([]string{e.Time.UTC().Format(time.RFC3339), string(e.Decision), e.Environment, e.Service, e.RequestID, e.Revision, e.Digest, e.Path})
		}
		cw.Flush()
		return cw.Error()
	}
	if len(entries) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// Write errors surface at Flush.
	_, _ = fmt.Fprintln(tw, "TIME\tDECISION\tENVIRONMENT\tSERVICE\tREQUEST\tREVISION\tDIGEST")
	for _, e := range entries {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.UTC().Format(time.RFC3339), e.Decision,
			cell(e.Environment), cell(e.Service), cell(e.RequestID), cell(shortRevision(e.Revision)), e.Digest[:min(len(e.Digest), 19)])
	}
	return tw.Flush()
}

// cell is a table cell of text a request chose: "-" when empty, quoted
// with escapes when it holds a control or non-printable character, so
// that no record can forge rows or columns or drive the terminal.
func cell(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.QuoteToGraphic(s)
	}
	return orDash(s)
}

// reportBadRecords names each skipped record on stderr; any makes the exit status 1.
func reportBadRecords(cmd *cobra.Command, bad []error) error {
	if len(bad) == 0 {
		return nil
	}
	var b strings.Builder
	for _, err := range bad {
		fmt.Fprintf(&b, "gov: skipped %v\n", err)
	}
	fmt.Fprintf(&b, "gov: %d audit record(s) could not be read\n", len(bad))
	if _, err := io.WriteString(cmd.ErrOrStderr(), b.String()); err != nil {
		return err
	}
	return exitError{1}
}

// parseSince turns --since (a duration back from now, or a date) into a time; "" is the zero time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	age, err := parseAge(s)
	if err != nil {
		return time.Time{}, usageError{fmt.Errorf("--since: %w", err)}
	}
	return now.Add(-age), nil
}

// parseAge reads a positive duration with day (d) and week (w) units
// besides Go's (30d, 2w, 12h, 90m).
func parseAge(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	switch {
	case strings.HasSuffix(s, "d"), strings.HasSuffix(s, "w"):
		unit := 24 * time.Hour
		if strings.HasSuffix(s, "w") {
			unit *= 7
		}
		var n int
		n, err = strconv.Atoi(s[:len(s)-1])
		d = time.Duration(n) * unit
	default:
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration like 30d, 2w or 12h", s)
	}
	return d, nil
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// shortRevision shortens a commit SHA or sha256:<hex> digest to 12 hex digits.
func shortRevision(rev string) string {
	prefix, hexPart := "", rev
	if strings.HasPrefix(rev, "sha256:") {
		prefix, hexPart = "sha256:", strings.TrimPrefix(rev, "sha256:")
	}
	sha, dirty, _ := strings.Cut(hexPart, "+")
	if len(sha) < 40 || strings.Trim(sha, "0123456789abcdef") != "" {
		return rev
	}
	if dirty != "" {
		dirty = "+" + dirty
	}
	return prefix + sha[:12] + dirty
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
