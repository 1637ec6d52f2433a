// Command gov decides whether an automated patch may go in: it evaluates the
// patch against a GitOps policy bundle and prints an allow, deny or
// require-approval decision.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:]))
}
