package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gov-policy/gov/github/githubtest"
)

// cmdGitHub drives the fake GitHub API from a script (registered in
// main_test.go as "github"):
//
//	github start FIXTURE   start the fake (GHES paths); sets GITHUB_API_URL, GITHUB_TOKEN and GITHUB_ACTIONS
//	github statuses               print the commit statuses set: STATE CONTEXT DESCRIPTION
//	github comments N             print PR N's comments, "----" between them
//	github calls                  print the API requests: METHOD PATH STATUS, then the count
func cmdGitHub(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: github start FIXTURE | statuses | comments N | calls")
	}
	if args[0] == "start" {
		if len(args) < 2 {
			ts.Fatalf("usage: github start FIXTURE")
		}
		fx, err := githubtest.Load(ts.MkAbs(args[1]))
		ts.Check(err)
		// Served under /api/v3, as GitHub Enterprise Server does: gov adds
		// that suffix to any API URL other than api.github.com.
		srv := githubtest.NewEnterprise(fx)
		ts.Defer(srv.Close)
		ts.Setenv("GITHUB_API_URL", srv.URL)
		ts.Setenv("GITHUB_TOKEN", fx.Token)
		// The fake's token writes as github-actions[bot] and GET /user
		// refuses it, as with the Actions GITHUB_TOKEN.
		ts.Setenv("GITHUB_ACTIONS", "true")
		return
	}
	st := fakeState(ts)
	out := ts.Stdout()
	switch args[0] {
	case "statuses":
		for _, s := range st.Statuses {
			fmt.Fprintf(out, "%s %s %s %s\n", s.State, s.Context, s.SHA[:7], s.Description)
		}
	case "comments":
		if len(args) != 2 {
			ts.Fatalf("usage: github comments N")
		}
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		var bodies []string
		for _, c := range st.Comments[n] {
			bodies = append(bodies, fmt.Sprintf("[%s]\n%s", c.User.Login, c.Body))
		}
		fmt.Fprintln(out, strings.Join(bodies, "\n----\n"))
	case "calls":
		for _, r := range st.Requests {
			fmt.Fprintf(out, "%s %s %d\n", r.Method, r.Path, r.Status)
		}
		fmt.Fprintf(out, "%d calls\n", len(st.Requests))
	default:
		ts.Fatalf("github: unknown subcommand %q", args[0])
	}
}

func fakeState(ts *testscript.TestScript) githubtest.State {
	resp, err := http.Get(ts.Getenv("GITHUB_API_URL") + githubtest.StatePath)
	ts.Check(err)
	defer resp.Body.Close()
	var st githubtest.State
	ts.Check(json.NewDecoder(resp.Body).Decode(&st))
	return st
}
