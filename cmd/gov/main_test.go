package main

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gov-policy/gov/internal/pgtest"
)

// TestMain runs the tests with one PostgreSQL for the package (the audit
// store tests); testscript runs gov itself when the binary is called as gov.
func TestMain(m *testing.M) {
	testscript.Main(withPostgres{m}, map[string]func(){
		"gov": func() { os.Exit(run(os.Args[1:])) },
	})
}

// withPostgres starts the package's PostgreSQL around the tests only, not
// around each gov that testscript runs.
type withPostgres struct{ m *testing.M }

func (w withPostgres) Run() int { return pgtest.Main(w.m) }

// TestScripts runs the CLI end to end: testdata/script/*.txtar at the repository root.
func TestScripts(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "../../testdata/script",
		Setup: func(env *testscript.Env) error {
			// Scripts reach the shared sample patches, requests and repo as $TESTDATA.
			env.Setenv("TESTDATA", wd+"/../../testdata")
			env.Setenv("GOV_CACHE_DIR", env.WorkDir+"/.cache")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":  cmdExits,
			"github": cmdGitHub,
		},
	})
}

// cmdExits runs a command and checks its exit status exactly:
//
//	exits 3 gov eval --patch p.diff
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			ts.Fatalf("exits: %v", err)
		}
		got = exit.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}
