package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"
)

// exitError carries a non-error exit status (a decision's 1 or 3) up to run.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// usageError marks bad flags or arguments.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// run builds the command tree, executes it and decides the exit code once:
// 0 allowed, 1 denied, 2 usage/input/bundle/evaluation error, 3 approval required.
func run(args []string) int {
	return runWith(args, os.Stdin, os.Stdout, os.Stderr)
}

func runWith(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var exit exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.code
	default:
		fmt.Fprintln(stderr, "gov: "+strings.Join(strings.Fields(err.Error()), " "))
		return 2
	}
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "gov",
		Short: "Policy-as-code gate for automated (bot and AI) patches",
		Long: `gov evaluates a patch and its request facts against a GitOps policy bundle
(Rego and CUE in a Git repository) and decides allow, deny or require approval.

Exit codes: 0 allowed, 1 denied, 2 usage, input, bundle or evaluation error,
3 approval required and not yet given.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newEvalCmd(),
		newExplainCmd(),
		newBundleCmd(),
		newTestCmd(),
		newVersionCmd(),
		newAuditCmd(),
		newScanCmd(),
		newPRCmd(),
		newSimulateCmd(),
		newReportCmd(),
		newServeCmd(),
	)
	return root
}

// checkFormat validates a --format value.
func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return usageError{fmt.Errorf("unknown --format %q (want %s)", format, strings.Join(allowed, ", "))}
}

// writeOutput writes a command's result to --output (stdout when empty or
// "-"). A file is created only once there is a result to write, so a failed
// command leaves nothing behind.
func writeOutput(cmd *cobra.Command, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(cmd.OutOrStdout())
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
