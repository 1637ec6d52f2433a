package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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
