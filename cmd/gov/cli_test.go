package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/internal/version"
	"github.com/gov-policy/gov/server"
)

func TestVersionFlag(t *testing.T) {
	code, out, _ := govRun(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "gov "+version.Version+" (go") {
		t.Fatalf("gov --version: exit %d, %q", code, out)
	}
	_, viaCmd, _ := govRun(t, "version")
	if viaCmd != out {
		t.Errorf("gov version says %q, gov --version %q", viaCmd, out)
	}
}

// TestDidYouMeanOnItsOwnLine: the error stays one line and the suggestion
// gets a line of its own.
func TestDidYouMeanOnItsOwnLine(t *testing.T) {
	code, _, errOut := govRun(t, "evl")
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	if code != 2 || len(lines) != 2 || lines[0] != `gov: unknown command "evl" for "gov"` || lines[1] != "Did you mean this? eval" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func walkCommands(c *cobra.Command, visit func(*cobra.Command)) {
	visit(c)
	for _, sub := range c.Commands() {
		walkCommands(sub, visit)
	}
}

// TestBooleanFlagsShownAsSwitches: no help lists "[=true|false]", and the
// descriptions stay in one column.
func TestBooleanFlagsShownAsSwitches(t *testing.T) {
	root := newRootCmd(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	walkCommands(root, func(c *cobra.Command) {
		help := c.UsageString()
		if strings.Contains(help, "[=true|false]") {
			t.Errorf("%s: help shows [=true|false]", c.CommandPath())
		}
	})
	_, help, _ := govRun(t, "eval", "--help")
	col := func(flag string) int {
		m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(flag) + `(?: \w+)?\s+`).FindString(help)
		if m == "" {
			t.Fatalf("eval --help lacks %s:\n%s", flag, help)
		}
		return len(m)
	}
	if a, b := col("--print-input"), col("--format"); a != b {
		t.Errorf("--print-input's description starts at column %d, --format's at %d", a, b)
	}
}

// TestOutputFlagOnEveryResultCommand: every command that writes a result
// takes -o, a command added later included (the flag is given to the
// finished tree), and -o sends the result to the file only.
func TestOutputFlagOnEveryResultCommand(t *testing.T) {
	root := newRootCmd(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	n := 0
	walkCommands(root, func(c *cobra.Command) {
		if !c.Runnable() || noResultFile[c.CommandPath()] {
			return
		}
		n++
		if f := c.Flags().ShorthandLookup("o"); f == nil || f.Name != "output" {
			t.Errorf("%s has no -o/--output", c.CommandPath())
		}
	})
	if n < 15 {
		t.Errorf("only %d commands checked", n)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "scan.txt")
	code, stdout, errOut := govRun(t, "scan", "--patch", "../../testdata/patches/python-null-check.diff", "-o", out)
	if code != 0 || stdout != "" {
		t.Fatalf("scan -o: exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	if b, err := os.ReadFile(out); err != nil || len(b) == 0 {
		t.Fatalf("scan -o wrote %q (%v)", b, err)
	}
	// A result with a non-zero exit (a failed check) is still written; an
	// error that produced no result leaves no file.
	if code, _, _ := govRun(t, "bundle", "check", filepath.Join(dir, "missing"), "-o", filepath.Join(dir, "check.txt")); code != 2 {
		t.Fatalf("bundle check of a missing dir: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "check.txt")); err == nil {
		t.Error("a failed bundle check left its -o file")
	}
}

// TestColorOnlyOnATerminal: the verdict is coloured on a terminal, not
// when piped, not with NO_COLOR, not for TERM=dumb.
func TestColorOnlyOnATerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := &engine.Decision{Decision: engine.Deny}
	write := func() string {
		var b bytes.Buffer
		if err := writeDecisionText(&fdWriter{&b, f.Fd()}, d); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	if got := write(); strings.Contains(got, "\x1b[") {
		t.Errorf("not a terminal, yet coloured: %q", got)
	}
	old := isTerminal
	isTerminal = func(uintptr) bool { return true }
	defer func() { isTerminal = old }()
	if got := write(); !strings.HasPrefix(got, "\x1b[31mDENY\x1b[0m") {
		t.Errorf("on a terminal: %q, want a red DENY", got)
	}
	t.Setenv("NO_COLOR", "1")
	if got := write(); strings.Contains(got, "\x1b[") {
		t.Errorf("NO_COLOR set, yet coloured: %q", got)
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "dumb")
	if got := write(); strings.Contains(got, "\x1b[") {
		t.Errorf("TERM=dumb, yet coloured: %q", got)
	}
}

type fdWriter struct {
	*bytes.Buffer
	fd uintptr
}

func (w *fdWriter) Fd() uintptr { return w.fd }

// TestServeSaysTheAPIIsOff: without a credential gov serve says once, at
// start, that the decision API (and webhooks) are off.
func TestServeSaysTheAPIIsOff(t *testing.T) {
	var logs bytes.Buffer
	announceOff(server.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if n := strings.Count(logs.String(), "the decision API is off"); n != 1 {
		t.Errorf("decision API off said %d times: %s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "webhooks are off") {
		t.Errorf("no word on webhooks: %s", logs.String())
	}
	logs.Reset()
	announceOff(server.Config{APIToken: "t", WebhookSecret: "s", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if logs.Len() != 0 {
		t.Errorf("credentials given, yet: %s", logs.String())
	}
}
