package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/evidence"
)

// runVerifyChain is gov audit verify --chain: exit 0 when the chain of the
// PostgreSQL store verifies, 1 naming each problem on stderr when not.
func runVerifyChain(cmd *cobra.Command, f auditFlags, format string) error {
	cfg, err := f.config(cmd, f.given() == "")
	if err != nil {
		return err
	}
	s, err := f.open(cmd, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	pg, ok := s.(*evidence.PGStore)
	if !ok {
		return usageError{fmt.Errorf("--chain: the audit directory %s has no hash chain (a postgres:// store has one)", s)}
	}
	r, err := pg.VerifyChain()
	if err != nil {
		return err
	}
	if format == "json" {
		err = writeJSON(cmd.OutOrStdout(), map[string]any{
			"store": s.String(), "verified": len(r.Problems) == 0, "rows": r.Rows, "pruned": r.Pruned,
			"head": r.Head, "problems": append([]string{}, r.Problems...),
		})
	} else if len(r.Problems) == 0 {
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "verified the chain of %s: %d row(s), %d pruned, head %s\n", s, r.Rows, r.Pruned, r.Head)
	}
	if err != nil {
		return err
	}
	if len(r.Problems) == 0 {
		return nil
	}
	var b strings.Builder
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "gov: chain: %s\n", p)
	}
	fmt.Fprintf(&b, "gov: the chain of %s does not verify: %d problem(s)\n", s, len(r.Problems))
	if _, err := fmt.Fprint(cmd.ErrOrStderr(), b.String()); err != nil {
		return err
	}
	return exitError{1}
}

func newAuditCopyCmd() *cobra.Command {
	var from, to, since string
	cmd := &cobra.Command{
		Use:   "copy --from STORE --to STORE",
		Short: "Copy decision records and their evidence between audit stores",
		Long: `Copy every decision record (with its signed evidence) of one audit store to
another, byte for byte: a directory to a PostgreSQL database, back, or between
two of either. Records the target already holds are kept, so copying again adds
nothing. A corrupt or truncated record is named on stderr and not copied; the
exit status is then 1.`,
		Example: `  gov audit copy --from .gov-audit --to postgres://gov@db.internal/gov
  PGPASSWORD=... gov audit copy --from postgres://gov@db.internal/gov --to backup --since 2026-01-01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return usageError{fmt.Errorf("give --from and --to")}
			}
			start, err := parseSince(since, time.Now())
			if err != nil {
				return err
			}
			src, err := evidence.OpenStore(cmd.Context(), from)
			if err != nil {
				return err
			}
			defer func() { _ = src.Close() }()
			dst, err := evidence.OpenStore(cmd.Context(), to)
			if err != nil {
				return err
			}
			defer func() { _ = dst.Close() }()
			res, bad, err := evidence.Copy(src, dst, start)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(cmd.OutOrStdout(), "copied %d record(s) from %s to %s: %d new\n", res.Read, src, dst, res.Added); err != nil {
				return err
			}
			return reportBadRecords(cmd, bad)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the audit store to read: a directory or a postgres:// URL")
	cmd.Flags().StringVar(&to, "to", "", "the audit store to add to: a directory or a postgres:// URL")
	cmd.Flags().StringVar(&since, "since", "", "only records this recent: a duration (30d, 12h, 2w) or a date (2026-01-31); default all")
	return cmd
}
