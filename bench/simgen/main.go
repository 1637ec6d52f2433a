// Command simgen writes generated audit records (simulate/simtest) for
// bench/simulate.sh: simgen -n 10000 -dir DIR.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/simulate/simtest"
)

func main() {
	n := flag.Int("n", 10000, "number of records")
	dir := flag.String("dir", "", "audit directory to write into")
	distinct := flag.Bool("distinct", false, "every record's patch differs (hunks at lines no other record uses)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "simgen: -dir is required")
		os.Exit(2)
	}
	// One a minute, the last one now.
	start := time.Now().UTC().Add(-time.Duration(*n) * time.Minute)
	gen := simtest.Generate
	if *distinct {
		gen = simtest.GenerateDistinct
	}
	if err := gen(evidence.Store{Dir: *dir}, *n, start); err != nil {
		fmt.Fprintln(os.Stderr, "simgen:", err)
		os.Exit(1)
	}
}
