package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/bundles"
)

func newBundleLogCmd() *cobra.Command {
	var format string
	var limit int
	cmd := &cobra.Command{
		Use:   "log [DIR]",
		Short: "List the commits that changed the bundle's policy, newest first, with their tags and what each changed",
		Example: `  gov bundle log ./policy
  gov bundle log ./policy --limit 5 --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			dir := firstArg(args)
			if dir == "" {
				dir = ".gov"
			}
			commits, err := bundles.Log(cmd.Context(), dir, limit)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), commits)
			}
			var sb strings.Builder
			for _, c := range commits {
				subject, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
				tags := ""
				if len(c.Tags) > 0 {
					tags = " (tag: " + strings.Join(c.Tags, ", ") + ")"
				}
				fmt.Fprintf(&sb, "%s%s  %s  %s  %s\n", shortSHA(c.SHA), tags, c.Time.UTC().Format(time.DateOnly), c.Author, subject)
				writeChanges(&sb, c.Changes, "    ")
			}
			_, err = io.WriteString(cmd.OutOrStdout(), sb.String())
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().IntVar(&limit, "limit", 0, "show at most this many commits (0: all)")
	return cmd
}

func newBundleDiffCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "diff DIR@A DIR@B",
		Short:   "Show what differs between two bundle versions: per rule, role, workflow, exception, library family and config key, the fields that changed",
		Example: `  gov bundle diff ./policy@v1.0.0 ./policy@main`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			changes, err := bundles.Diff(cmd.Context(), args[0], args[1], bundles.LoadOptions{CacheDir: envOr(envCacheDir, "")})
			if err != nil {
				return err
			}
			if format == "json" {
				if changes == nil {
					changes = []bundles.Change{}
				}
				return writeJSON(cmd.OutOrStdout(), changes)
			}
			var sb strings.Builder
			if len(changes) == 0 {
				sb.WriteString("no policy changes\n")
			}
			writeChanges(&sb, changes, "")
			_, err = io.WriteString(cmd.OutOrStdout(), sb.String())
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

func writeChanges(sb *strings.Builder, changes []bundles.Change, indent string) {
	marks := map[string]string{"added": "+", "removed": "-", "changed": "~"}
	for _, ch := range changes {
		mark := marks[ch.Op]
		if mark == "" {
			mark = "?"
		}
		fmt.Fprintf(sb, "%s%s %s %s\n", indent, mark, ch.Kind, ch.Name)
		for _, f := range ch.Fields {
			fmt.Fprintf(sb, "%s    %s\n", indent, fieldLine(f))
		}
	}
}

// fieldLine is one field change for people: "members: +user:c#3 -user:b#2"
// for a list of strings, "action: deny -> require_approval" otherwise.
func fieldLine(f bundles.FieldChange) string {
	if f.Field == "rego" {
		return "rego: the rule's Rego changed (see --format json)"
	}
	if len(f.Added) > 0 || len(f.Removed) > 0 {
		var parts []string
		for _, a := range f.Added {
			parts = append(parts, "+"+a)
		}
		for _, r := range f.Removed {
			parts = append(parts, "-"+r)
		}
		return f.Field + ": " + strings.Join(parts, " ")
	}
	return fmt.Sprintf("%s: %s -> %s", f.Field, plainValue(f.Before), plainValue(f.After))
}

func plainValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		return x
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
