package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// This file holds what every command shares as conftest, opa and cosign
// users expect it: -o on every command that writes a result, flags shown
// without pflag's "[=true|false]", and colour only on a terminal.

// noResultFile lists the commands that write no result a file could hold
// (serve runs until stopped; keygen writes key files of its own), and
// those that take -o for a file of their own.
var noResultFile = map[string]bool{
	"gov serve":            true,
	"gov audit keygen":     true,
	"gov bundle build":     true,
	"gov help":             true,
	"gov completion":       true,
	"gov __complete":       true,
	"gov __completeNoDesc": true,
}

// addOutputFlags gives every runnable command without one an -o/--output
// that sends what it writes to stdout into a file instead. Commands added
// later get it too: it is applied to the finished tree, not per command.
func addOutputFlags(c *cobra.Command) {
	for _, sub := range c.Commands() {
		addOutputFlags(sub)
	}
	if c.RunE == nil || c.Flags().Lookup("output") != nil || noResultFile[c.CommandPath()] {
		return
	}
	var path string
	c.Flags().StringVarP(&path, "output", "o", "", "write the result to this file instead of stdout")
	run := c.RunE
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if path == "" || path == "-" {
			return run(cmd, args)
		}
		stdout := cmd.OutOrStdout()
		defer cmd.SetOut(stdout)
		return writeOutput(cmd, path, func(w io.Writer) error {
			cmd.SetOut(w)
			return run(cmd, args)
		})
	}
}

// boolMarker is what pflag (v1.1) prints after every boolean flag.
var boolMarker = regexp.MustCompile(`^(\s*(?:-\S, )?--\S+?)\[=true\|false\](\s+)`)

// flagUsages is pflag's flag list without "[=true|false]" after boolean
// flags: a switch is written --flag, as users type it. The marker's width
// goes into the padding so that the descriptions stay aligned.
func flagUsages(fs *pflag.FlagSet) string {
	lines := strings.Split(fs.FlagUsages(), "\n")
	pad := strings.Repeat(" ", len("[=true|false]"))
	for i, l := range lines {
		lines[i] = boolMarker.ReplaceAllString(l, "${1}${2}"+pad)
	}
	return strings.Join(lines, "\n")
}

// useFlagUsages makes the usage template of c (and its subcommands, which
// inherit it) list flags with flagUsages.
func useFlagUsages(c *cobra.Command) {
	cobra.AddTemplateFunc("govFlagUsages", flagUsages)
	t := c.UsageTemplate()
	t = strings.ReplaceAll(t, ".LocalFlags.FlagUsages", "govFlagUsages .LocalFlags")
	t = strings.ReplaceAll(t, ".InheritedFlags.FlagUsages", "govFlagUsages .InheritedFlags")
	c.SetUsageTemplate(t)
}

// colorOn reports whether output to w may be coloured: w is a terminal,
// NO_COLOR is unset or empty (no-color.org) and TERM is not "dumb".
func colorOn(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(interface{ Fd() uintptr })
	return ok && isTerminal(f.Fd())
}

// isTerminal is term.IsTerminal, replaceable in tests.
var isTerminal = func(fd uintptr) bool { return term.IsTerminal(int(fd)) }

// ANSI colours of verdicts.
const (
	colorRed    = "31"
	colorGreen  = "32"
	colorYellow = "33"
)

// paint wraps s in colour code when on.
func paint(on bool, code, s string) string {
	if !on {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// keygenPassword is the password of a new key, as cosign finds it:
// COSIGN_PASSWORD when set (even empty); else asked twice on a terminal,
// without echo; else one line read from stdin. Empty is allowed.
func keygenPassword(cmd *cobra.Command) ([]byte, error) {
	if pw, ok := os.LookupEnv(envCosignPassword); ok {
		return []byte(pw), nil
	}
	in := cmd.InOrStdin()
	if f, ok := in.(interface{ Fd() uintptr }); ok && isTerminal(f.Fd()) {
		fd := int(f.Fd()) //nolint:gosec // a file descriptor fits an int
		ask := func(prompt string) ([]byte, error) {
			fmt.Fprint(cmd.ErrOrStderr(), prompt)
			pw, err := term.ReadPassword(fd)
			fmt.Fprintln(cmd.ErrOrStderr())
			return pw, err
		}
		pw, err := ask("Enter password for private key: ")
		if err != nil {
			return nil, fmt.Errorf("reading the password: %w", err)
		}
		again, err := ask("Enter password for private key again: ")
		if err != nil {
			return nil, fmt.Errorf("reading the password: %w", err)
		}
		if !bytes.Equal(pw, again) {
			return nil, usageError{errors.New("the two passwords differ")}
		}
		return append([]byte{}, pw...), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading the password from stdin: %w", err)
	}
	return []byte(strings.TrimRight(line, "\r\n")), nil
}
