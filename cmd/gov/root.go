package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/internal/initgc"
	"github.com/gov-policy/gov/internal/version"
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
		fmt.Fprint(stderr, errorLines(err))
		return 2
	}
}

// errorLines is an error as printed: one line ("gov: ..."), and cobra's
// suggestion ("Did you mean this?" and the names) on a line of its own.
func errorLines(err error) string {
	msg, suggest, found := strings.Cut(err.Error(), "Did you mean this?")
	line := "gov: " + strings.Join(strings.Fields(msg), " ") + "\n"
	if found {
		line += "Did you mean this? " + strings.Join(strings.Fields(suggest), ", ") + "\n"
	}
	return line
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
		// Initialization is over: Go's default collection again (see
		// internal/initgc), unless the command sets its own before (eval).
		PersistentPreRun: func(*cobra.Command, []string) { initgc.Done() },
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
	root.Version = version.Version + " (" + runtime.Version() + ")"
	root.SetVersionTemplate("gov {{.Version}}\n")
	addOutputFlags(root)
	useFlagUsages(root)
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
// "-"). The file appears whole or not at all: it is written beside its
// place and renamed there when the command produced a result (an exit
// status of a decision included), and removed when it failed.
func writeOutput(cmd *cobra.Command, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(cmd.OutOrStdout())
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) { // name the file asked for, not the temporary one
			err = &os.PathError{Op: "open", Path: path, Err: pe.Err}
		}
		return fmt.Errorf("--output: %w", err)
	}
	werr := write(f)
	var exit exitError
	if cerr := f.Close(); werr == nil || errors.As(werr, &exit) {
		if cerr == nil {
			cerr = os.Chmod(f.Name(), 0o644) //nolint:gosec // a result file, as os.Create would make it
		}
		if cerr == nil {
			cerr = os.Rename(f.Name(), path)
		}
		if cerr != nil {
			_ = os.Remove(f.Name())
			return fmt.Errorf("--output: %w", cerr)
		}
		return werr
	}
	_ = os.Remove(f.Name())
	return werr
}
