package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
)

func newBundleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Check a policy bundle and show its history",
	}
	cmd.AddCommand(newBundleCheckCmd(), newBundleLogCmd(), newBundleDiffCmd())
	return cmd
}

func newBundleCheckCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "check [BUNDLE]",
		Short: "Validate and compile a bundle and list its rules",
		Example: `  gov bundle check
  gov bundle check ./policy@main --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			b, err := loadBundle(cmd.Context(), firstArg(args))
			if err != nil {
				return err
			}
			if _, err := engine.New(cmd.Context(), b); err != nil {
				return err
			}
			return writeBundleCheck(cmd.OutOrStdout(), format, b)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

type bundleCheckResult struct {
	Source   string             `json:"source"`
	Ref      string             `json:"ref,omitempty"`
	Revision string             `json:"revision"`
	Rules    []bundles.RuleInfo `json:"rules"`
	Roles    []string           `json:"roles"`
	Workflow []string           `json:"workflows"`
	Warnings []string           `json:"warnings"`
	Counts   map[string]int     `json:"counts"`
}

func writeBundleCheck(w io.Writer, format string, b *bundles.Bundle) error {
	res := bundleCheckResult{
		Source: b.Source, Ref: b.Ref, Revision: b.Revision, Rules: b.RuleCatalog(),
		Roles: slices.Sorted(maps.Keys(b.Roles)), Workflow: slices.Sorted(maps.Keys(b.Workflows)), Warnings: b.Warnings,
		Counts: map[string]int{"policies": len(b.Modules), "tests": len(b.Tests)},
	}
	if res.Warnings == nil {
		res.Warnings = []string{}
	}
	if format == "json" {
		return writeJSON(w, res)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "bundle %s is valid (revision %s)\n", b.Source, b.Revision)
	fmt.Fprintf(&sb, "%d policy files, %d test files, %d roles, %d workflows, %d rules\n",
		len(b.Modules), len(b.Tests), len(b.Roles), len(b.Workflows), len(res.Rules))
	tw := tabwriter.NewWriter(&sb, 0, 4, 2, ' ', 0)
	for _, r := range res.Rules {
		loc := r.File
		if r.Line > 0 {
			loc = fmt.Sprintf("%s:%d", r.File, r.Line)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.ID, r.Action, loc, r.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, warn := range res.Warnings {
		fmt.Fprintf(&sb, "warning: %s\n", warn)
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

func firstArg(args []string) string {
	if len(args) > 0 {
		return args[0]
	}
	return ""
}
