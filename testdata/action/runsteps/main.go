// Command runsteps runs action.yml's run steps locally, as a runner would,
// from the current environment (RUNNER_TEMP, GITHUB_EVENT_PATH, ...):
//
//	runsteps [-skip ID] [-token T] ACTION_DIR [INPUT=VALUE...]
//
// It prints the action's outputs as NAME=VALUE on stdout, then the inputs
// each skipped uses step would have been given as with.LABEL.KEY=VALUE, and
// exits with the failing step's exit status (0 when every step passed).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gov-policy/gov/internal/action"
)

func main() {
	skip := flag.String("skip", "", "id of a run step not to run")
	token := flag.String("token", "", "value of github.token")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: runsteps [-skip ID] [-token T] ACTION_DIR [INPUT=VALUE...]")
		os.Exit(2)
	}
	dir, err := filepath.Abs(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "runsteps:", err)
		os.Exit(2)
	}
	inputs := map[string]string{}
	for _, a := range flag.Args()[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "runsteps: input %q is not NAME=VALUE\n", a)
			os.Exit(2)
		}
		inputs[k] = v
	}
	m, err := action.Load(filepath.Join(dir, "action.yml"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "runsteps:", err)
		os.Exit(2)
	}
	r := &action.Runner{ActionPath: dir, Workspace: os.Getenv("GITHUB_WORKSPACE"), Env: os.Environ(), Inputs: inputs,
		Context: map[string]string{"github.token": *token}, Stdout: os.Stderr, Stderr: os.Stderr,
		Skip: func(s action.Step) bool { return *skip != "" && s.ID == *skip }}
	res, err := r.Run(context.Background(), m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "runsteps:", err)
		os.Exit(2)
	}
	names := make([]string, 0, len(res.Outputs))
	for k := range res.Outputs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Printf("%s=%s\n", k, res.Outputs[k])
	}
	for _, s := range res.Steps {
		if s.Skipped {
			fmt.Fprintf(os.Stderr, "runsteps: skipped %s\n", s.Label)
		}
		keys := make([]string, 0, len(s.With))
		for k := range s.With {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Printf("with.%s.%s=%s\n", strings.Trim(s.Label, `"`), k, s.With[k])
		}
	}
	if res.Failed != nil {
		fmt.Fprintf(os.Stderr, "runsteps: step %s failed (exit status %d)\n", res.Failed.Label, res.Failed.ExitCode)
		os.Exit(res.Failed.ExitCode)
	}
}
