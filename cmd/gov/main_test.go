package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"gov": func() { os.Exit(run(os.Args[1:])) },
	})
}

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
	})
}
