package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/internal/version"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print gov's version",
		Example: "  gov version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "gov %s (%s)\n", version.Version, runtime.Version())
			return err
		},
	}
}
