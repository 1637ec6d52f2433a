package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// initLine is a line of GODEBUG=inittrace=1: a package's initialisation
// and the bytes it allocated.
var initLine = regexp.MustCompile(`(?m)^init (github\.com/gov-policy/gov/\S+) @.*, (\d+) bytes, \d+ allocs$`)

// TestStartupInitBudget: gov's own packages do no work at process start
// (regexes compiled, tables built) beyond small literals, so every
// command, `gov version` included, pays only for what it uses; a pattern
// is compiled on first use (sync.OnceValue). Bytes allocated are exact,
// not timed. scan is left out: its generic-rule helpers are being
// reworked on another branch (issue 18 noise) and still compile at init.
func TestStartupInitBudget(t *testing.T) {
	const budget = 16 << 10
	gov := filepath.Join(t.TempDir(), "gov")
	if err := os.Symlink(os.Args[0], gov); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gov, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gov version: %v\n%s", err, out)
	}
	ms := initLine.FindAllStringSubmatch(string(out), -1)
	if len(ms) < 5 {
		t.Fatalf("only %d gov packages in the init trace:\n%s", len(ms), out)
	}
	for _, m := range ms {
		pkg, n := m[1], m[2]
		bytes, _ := strconv.Atoi(n)
		if pkg == "github.com/gov-policy/gov/scan" || pkg == "github.com/gov-policy/gov/cmd/gov" {
			continue
		}
		if bytes > budget {
			t.Errorf("%s allocates %d bytes at start-up, budget %d: make the package-level value lazy", pkg, bytes, budget)
		}
	}
}

// TestStartupNoGCDuringInit: a gov eval of a small patch with the whole
// library (and a gov scan --patch of it) runs no garbage collection when $GOGC is unset: none while its
// packages and their dependencies initialize (about 4 MB of tables;
// internal/initgc raises the percentage first), none after (eval keeps it
// as rare, lessGC). At Go's default one collection ran during
// initialization in every command, 1.5-3 ms of CPU time of a short gov
// eval. Collections are counted, not timed; the decision is checked too.
func TestStartupNoGCDuringInit(t *testing.T) {
	gov := filepath.Join(t.TempDir(), "gov")
	if err := os.Symlink(os.Args[0], gov); err != nil {
		t.Fatal(err)
	}
	const small = "../../testdata/patches/python-null-check.diff"
	for _, tc := range []struct {
		args []string
		want string // in the output: the command did its work
	}{
		{[]string{"eval", "--bundle", "embedded", "--patch", small, "--env", "staging"}, "ALLOW"},
		{[]string{"scan", "--patch", small}, "0 findings"},
	} {
		cmd := exec.Command(gov, tc.args...)
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "GOGC=") && !strings.HasPrefix(kv, "GODEBUG=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "GODEBUG=inittrace=1,gctrace=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("gov %s: %v\n%s", tc.args[0], err, out)
		}
		if len(initLine.FindAllString(string(out), -1)) < 5 || !strings.Contains(string(out), tc.want) {
			t.Fatalf("gov %s: no init trace of gov's packages or no %q:\n%s", tc.args[0], tc.want, out)
		}
		for l := range strings.SplitSeq(string(out), "\n") {
			if strings.HasPrefix(l, "gc ") {
				t.Errorf("gov %s: a garbage collection: %s", tc.args[0], l)
			}
		}
	}
}
