package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/frameworks"
)

// reportFlags are gov report's flags.
type reportFlags struct {
	audit                            auditFlags
	framework, since, format, output string
}

func (f *reportFlags) AddFlags(cmd *cobra.Command) {
	f.audit.AddFlags(cmd)
	cmd.Flags().StringVar(&f.framework, "framework", "", "framework id: soc2, hipaa, pci-dss, iso27001, gdpr, sox, or one the bundle's frameworks/ adds (required)")
	cmd.Flags().StringVar(&f.since, "since", "", "only records this recent: a duration (90d, 12w) or a date (2026-01-31); default all")
	cmd.Flags().StringVar(&f.format, "format", "json", "output format: json, csv or html")
	cmd.Flags().StringVar(&f.output, "output", "", "write the report to this file (default stdout)")
}

func newReportCmd() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Compliance report of a framework's controls from the audit directory",
		Long: `Report, for each control of a compliance framework, the policy rules mapped to it
(controls without any are gaps), and from the audit directory the decisions,
violations, approvals given, exceptions used and signed evidence that touch
it, with totals and decisions per week over the period.

Rules map to controls through their METADATA custom.controls ("SOC2:CC8.1")
and the catalog's policies lists; the bundle's frameworks/ directory can add
frameworks or override controls. HTML is one self-contained printable page
with inline SVG charts. A corrupt or truncated record is named on stderr and
not counted; the report is still written and the exit status is then 1.`,
		Example: `  gov report --framework soc2 --since 90d --format html --output soc2.html
  gov report --framework pci-dss --audit-dir /var/lib/gov/audit --format csv
  gov report --framework hipaa --bundle policy@main --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runReport(cmd, f) },
	}
	f.AddFlags(cmd)
	return cmd
}

func runReport(cmd *cobra.Command, f reportFlags) error {
	if err := checkFormat(f.format, "json", "csv", "html"); err != nil {
		return err
	}
	if f.framework == "" {
		return usageError{fmt.Errorf("--framework is required (e.g. --framework soc2)")}
	}
	now := time.Now()
	since, err := parseSince(f.since, now)
	if err != nil {
		return err
	}
	b, err := loadBundle(cmd.Context(), f.audit.bundle)
	if err != nil {
		return err
	}
	catalog, err := frameworks.Load(b.Files)
	if err != nil {
		return fmt.Errorf("bundle %s: %w", b.Source, err)
	}
	fw, err := catalog.Framework(f.framework)
	if err != nil {
		return usageError{err}
	}
	rules, err := b.EvaluatedRules()
	if err != nil {
		return err
	}
	store, err := f.audit.open(cmd, b.Config.Audit)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	r, bad, err := frameworks.Build(frameworks.Options{
		Framework: fw, Rules: rules, Store: store, Since: since, Now: now,
		Bundle: engine.BundleInfo{Source: b.Source, Ref: b.Ref, Revision: b.Revision},
	})
	if err != nil {
		return err
	}
	write := map[string]func(io.Writer, *frameworks.Report) error{
		"json": frameworks.WriteJSON, "csv": frameworks.WriteCSV, "html": frameworks.WriteHTML,
	}[f.format]
	if err := writeOutput(cmd, f.output, func(w io.Writer) error { return write(w, r) }); err != nil {
		return err
	}
	if r.Empty {
		if _, err := fmt.Fprintf(cmd.ErrOrStderr(), "no audit records in %s for the period\n", r.AuditDir); err != nil {
			return err
		}
	}
	return reportBadRecords(cmd, bad)
}
