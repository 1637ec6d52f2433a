package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/engine/policytest"
)

type testFlags struct {
	coverage bool
	run      string
	format   string
	verbose  bool
	library  bool
}

func newTestCmd() *cobra.Command {
	f := &testFlags{}
	cmd := &cobra.Command{
		Use:   "test [BUNDLE]",
		Short: "Run a bundle's Rego tests and example cases",
		Long: `Run the _test.rego files beside the bundle's policies with OPA's tester and the
example cases under cases/ (a request, a patch and the decision it must get).
Exit 1 when any test or case fails.`,
		Example: `  gov test ./policy --coverage
  gov test embedded --library --coverage
  gov test ./policy@main --run deleted --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(f.format, "text", "json"); err != nil {
				return err
			}
			b, err := loadBundle(cmd.Context(), firstArg(args))
			if err != nil {
				return err
			}
			rep, err := policytest.Run(cmd.Context(), b, policytest.Options{Coverage: f.coverage, Run: f.run, Library: f.library})
			if err != nil {
				return err
			}
			if f.format == "json" {
				err = writeJSON(cmd.OutOrStdout(), rep)
			} else {
				err = writeTestText(cmd.OutOrStdout(), rep, f.verbose)
			}
			if err != nil {
				return err
			}
			if !rep.OK() {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&f.coverage, "coverage", false, "report line coverage of the policies")
	cmd.Flags().StringVar(&f.run, "run", "", "run only tests and cases whose name matches this regular expression")
	cmd.Flags().StringVar(&f.format, "format", "text", "output format: text or json")
	cmd.Flags().BoolVar(&f.library, "library", false, "also run the tests of gov's built-in modules and policy library (and count them in coverage)")
	cmd.Flags().BoolVarP(&f.verbose, "verbose", "v", false, "list passing tests too")
	return cmd
}

func writeTestText(w io.Writer, rep *policytest.Report, verbose bool) error {
	var sb strings.Builder
	for _, t := range rep.Tests {
		if !t.Pass {
			fmt.Fprintf(&sb, "FAIL %s (%s:%d): %s\n", t.Name, t.File, t.Line, t.Error)
		} else if verbose {
			fmt.Fprintf(&sb, "PASS %s\n", t.Name)
		}
	}
	for _, c := range rep.Cases {
		if !c.Pass {
			fmt.Fprintf(&sb, "FAIL case %q (%s): %s\n", c.Name, c.File, strings.Join(c.Problems, "; "))
		} else if verbose {
			fmt.Fprintf(&sb, "PASS case %q\n", c.Name)
		}
	}
	if rep.Coverage != nil {
		fmt.Fprintf(&sb, "coverage: %.1f%%\n", rep.Coverage.Percent)
		for _, f := range slices.Sorted(maps.Keys(rep.Coverage.Files)) {
			fmt.Fprintf(&sb, "  %s: %.1f%%\n", f, rep.Coverage.Files[f])
		}
	}
	fmt.Fprintf(&sb, "%d passed, %d failed (%d rego tests, %d cases)\n", rep.Passed, rep.Failed, len(rep.Tests), len(rep.Cases))
	_, err := io.WriteString(w, sb.String())
	return err
}
