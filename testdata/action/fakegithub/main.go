// Command fakegithub serves the fake GitHub API (github/githubtest) with a
// fixture on loopback for scripts/action-e2e.sh: it prints the API URL
// (GHES paths, /api/v3) and the token, then serves until stdin closes.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/gov-policy/gov/github/githubtest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fakegithub FIXTURE.json")
		os.Exit(2)
	}
	fx, err := githubtest.Load(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakegithub:", err)
		os.Exit(1)
	}
	srv := githubtest.NewEnterprise(fx)
	defer srv.Close()
	fmt.Printf("%s %s\n", srv.URL, fx.Token)
	_, _ = io.Copy(io.Discard, os.Stdin)
}
