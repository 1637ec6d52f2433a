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
	"github.com/gov-policy/gov/engine/policytest"
	"github.com/gov-policy/gov/internal/version"
)

func newBundleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Check a policy bundle, show its history, build it for OPA",
	}
	cmd.AddCommand(newBundleCheckCmd(), newBundleLogCmd(), newBundleDiffCmd(), newBundleBuildCmd())
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
			if err := policytest.CheckCases(b); err != nil {
				return err
			}
			return writeBundleCheck(cmd.OutOrStdout(), format, b)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

func newBundleBuildCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "build [BUNDLE]",
		Short: "Write the bundle as an OPA bundle (.tar.gz) for opa run, opa eval -b and opa test",
		Long: `Build checks the bundle as gov bundle check does, then writes it as an OPA
bundle: its policies and tests, gov's built-in modules and (unless gov.cue
turns it off) the policy library with their tests under gov/, data.gov as
data.json, and a manifest with the bundle's revision and root gov. OPA then
evaluates the same Rego; gov's decision combining, exceptions, enforcement and
workflows are not Rego and are not in it. Policies read input as gov builds it
(gov eval --print-input shows it, input.risk_level included).`,
		Example: `  gov bundle build ./policy@v3 --output policy.tar.gz
  opa test policy.tar.gz
  opa eval -b policy.tar.gz -i input.json data.gov.lib.code.python.require_approval`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := loadBundle(cmd.Context(), firstArg(args))
			if err != nil {
				return err
			}
			if _, err := engine.New(cmd.Context(), b); err != nil {
				return err
			}
			ob := bundles.BuildOPABundle(b, version.Version)
			if err := writeOutput(cmd, output, ob.Write); err != nil {
				return err
			}
			if output != "-" {
				fmt.Fprintf(cmd.ErrOrStderr(), "gov: wrote %s: %d Rego files, revision %s\n", output, len(ob.Files), ob.Revision)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "bundle.tar.gz", "file to write (- for stdout)")
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
	rules, err := b.EvaluatedRules()
	if err != nil {
		return err
	}
	res := bundleCheckResult{
		Source: b.Source, Ref: b.Ref, Revision: b.Revision, Rules: rules,
		Roles: slices.Sorted(maps.Keys(b.Roles)), Workflow: slices.Sorted(maps.Keys(b.Workflows)), Warnings: b.Warnings,
		Counts: map[string]int{"policies": len(b.Modules), "tests": len(b.Tests), "own_rules": len(b.RuleCatalog())},
	}
	if res.Warnings == nil {
		res.Warnings = []string{}
	}
	if format == "json" {
		return writeJSON(w, res)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "bundle %s is valid (revision %s)\n", b.Source, b.Revision)
	fmt.Fprintf(&sb, "%d policy files, %d test files, %d roles, %d workflows, %d rules (%d the bundle's, the rest gov's built-in modules and library)\n",
		len(b.Modules), len(b.Tests), len(b.Roles), len(b.Workflows), len(res.Rules), res.Counts["own_rules"])
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
	_, err = io.WriteString(w, sb.String())
	return err
}

func firstArg(args []string) string {
	if len(args) > 0 {
		return args[0]
	}
	return ""
}
