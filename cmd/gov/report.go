package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/frameworks"
)

// reportFlags are gov report's flags.
type reportFlags struct {
	audit                                   auditFlags
	trust                                   trustFlags
	framework, since, until, format, output string
	filter                                  frameworks.Filter
	population                              bool
	sample                                  int
	seed                                    uint64
}

func (f *reportFlags) AddFlags(cmd *cobra.Command) {
	f.audit.AddFlags(cmd)
	f.trust.AddFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.framework, "framework", "", "framework id: soc2, hipaa, pci-dss, iso27001, gdpr, sox, or one the bundle's frameworks/ adds (required)")
	fl.StringVar(&f.since, "since", "", "start of the period: a duration (90d, 12w) or a date (2026-01-31); default all records")
	fl.StringVar(&f.until, "until", "", "end of the period: a date (2026-03-31, exclusive) or an RFC 3339 time; default now")
	fl.StringVar(&f.filter.Repository, "repository", "", "only decisions of this repository (OWNER/NAME)")
	fl.StringVar(&f.filter.Service, "service", "", "only decisions of this service")
	fl.StringVar(&f.filter.Environment, "environment", "", "only decisions of this environment")
	fl.IntVar(&f.sample, "sample", 0, "draw a random sample of N decisions from the population")
	fl.Uint64Var(&f.seed, "seed", 0, "seed of --sample (default a random one, printed); the same seed and population draw the same sample")
	fl.BoolVar(&f.population, "population", false, "with --format csv: one row per decision (the sample, with --sample) instead of one per control")
	fl.StringVar(&f.format, "format", "json", "output format: json, csv or html")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to this file (default stdout)")
}

func newReportCmd() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Compliance report of a framework's controls from the audit store",
		Long: `Report, for each control of a compliance framework, the policy rules mapped to it
and the evidence of the period: the decisions, the findings gov blocked or sent
to approval, the approvals given with their segregation-of-duties checks,
break-glass uses, exceptions and signed evidence. A control is "evidenced"
when the period holds evidence of a kind it names, "no evidence in period"
when rules or gov's records map to it but the period holds none, and a "gap"
when nothing in gov evidences it.

The report lists the population: every decision of the period (request id,
time, change, environment, decision, rules, approvers with role and review id,
break-glass, exceptions, evidence state, audit record). --sample N --seed S
draws a reproducible random sample of it. With --key, or
--certificate-identity, --certificate-oidc-issuer and --trusted-root, each
record's signed evidence is verified as gov audit verify does; without them
the report says the evidence was not verified.

HTML is one self-contained printable page with inline SVG charts. A corrupt or
truncated record is named on stderr and not counted; the report is still
written and the exit status is then 1; so it is when evidence fails to verify.`,
		Example: `  gov report --framework soc2 --since 90d --format html -o soc2.html --key cosign.pub
  gov report --framework sox --since 2026-01-01 --until 2026-04-01 --format csv --population --sample 25 --seed 7
  gov report --framework pci-dss --audit-dir /var/lib/gov/audit --repository acme/payments --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runReport(cmd, f) },
	}
	f.AddFlags(cmd)
	return cmd
}

func runReport(cmd *cobra.Command, f reportFlags) error {
	opts, err := f.check(cmd)
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
	if opts.Framework, err = catalog.Framework(f.framework); err != nil {
		return usageError{err}
	}
	if opts.Rules, err = b.EvaluatedRules(); err != nil {
		return err
	}
	store, err := f.audit.openExisting(cmd, b.Config.Audit)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	opts.Store = store
	opts.Bundle = engine.BundleInfo{Source: b.Source, Ref: b.Ref, Revision: b.Revision}
	opts.Changes = historyChanges(cmd.Context(), b)
	r, bad, err := frameworks.Build(opts)
	if err != nil {
		return err
	}
	if f.sample > 0 {
		if err := r.DrawSample(f.sample, f.seed); err != nil {
			return usageError{fmt.Errorf("--sample: %w", err)}
		}
		if _, err := fmt.Fprintf(cmd.ErrOrStderr(), "sample: %d of %d decisions, seed %d\n", r.Sample.Size, r.Sample.PopulationSize, r.Sample.Seed); err != nil {
			return err
		}
	}
	write := map[string]func(io.Writer, *frameworks.Report) error{
		"json": frameworks.WriteJSON, "csv": frameworks.WriteCSV, "html": frameworks.WriteHTML,
	}[f.format]
	if f.population {
		write = frameworks.WritePopulationCSV
	}
	if err := writeOutput(cmd, f.output, func(w io.Writer) error { return write(w, r) }); err != nil {
		return err
	}
	if r.Empty {
		if _, err := fmt.Fprintf(cmd.ErrOrStderr(), "no audit records in %s for the period\n", r.AuditDir); err != nil {
			return err
		}
	}
	if err := reportBadRecords(cmd, bad); err != nil {
		return err
	}
	if n := r.Evidence.Failed; n > 0 {
		if _, err := fmt.Fprintf(cmd.ErrOrStderr(), "gov: %d record(s) have signed evidence that does not verify (listed in the report)\n", n); err != nil {
			return err
		}
		return exitError{1}
	}
	return nil
}

// check validates the flags before anything is read and returns the
// report options they give.
func (f *reportFlags) check(cmd *cobra.Command) (frameworks.Options, error) {
	var o frameworks.Options
	if err := checkFormat(f.format, "json", "csv", "html"); err != nil {
		return o, err
	}
	switch {
	case f.framework == "":
		return o, usageError{errors.New("--framework is required (e.g. --framework soc2)")}
	case f.population && f.format != "csv":
		return o, usageError{errors.New("--population is for --format csv (JSON and HTML always hold the population)")}
	case f.sample < 0:
		return o, usageError{errors.New("--sample must be a positive number of decisions")}
	case f.sample == 0 && cmd.Flags().Changed("seed"):
		return o, usageError{errors.New("--seed is for --sample")}
	}
	o.Filter = f.filter
	o.Now = time.Now()
	var err error
	if o.Since, err = parseSince(f.since, o.Now); err != nil {
		return o, err
	}
	if o.Until, err = parseUntil(f.until); err != nil {
		return o, err
	}
	if !o.Until.IsZero() && !o.Since.IsZero() && !o.Until.After(o.Since) {
		return o, usageError{errors.New("--until must be after --since")}
	}
	if f.trust != (trustFlags{}) {
		vo, err := f.trust.options()
		if err != nil {
			return o, err
		}
		o.Verify = &vo
	}
	if f.sample > 0 && !cmd.Flags().Changed("seed") {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return o, err
		}
		f.seed = binary.BigEndian.Uint64(b[:]) >> 11 // fits a JSON number exactly
	}
	return o, nil
}

// parseUntil reads --until: a date (the period ends at its start) or an
// RFC 3339 time; "" is no end.
func parseUntil(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageError{fmt.Errorf("--until %q: want a date (2026-03-31) or an RFC 3339 time", s)}
}

// historyChanges describes the policy changes between two revisions of a
// bundle read from a Git work tree (DIR or DIR@REF); nil for other bundles.
func historyChanges(ctx context.Context, b *bundles.Bundle) func(from, to string) ([]string, error) {
	dir, _, _ := strings.Cut(b.Source, "@")
	if b.Source == "embedded" || strings.Contains(dir, "://") || !isCommit(strings.TrimSuffix(b.Revision, "+dirty")) {
		return nil
	}
	return func(from, to string) ([]string, error) {
		if !isCommit(from) || !isCommit(to) {
			return nil, fmt.Errorf("%s or %s is not a commit of %s", from, to, dir)
		}
		cs, err := bundles.Diff(ctx, dir+"@"+from, dir+"@"+to, bundles.LoadOptions{})
		if err != nil {
			return nil, err
		}
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = fmt.Sprintf("%s %s %s", c.Kind, c.Name, c.Op)
		}
		return out, nil
	}
}

func isCommit(s string) bool {
	return (len(s) == 40 || len(s) == 64) && strings.Trim(s, "0123456789abcdef") == ""
}
