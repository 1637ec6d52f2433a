// Command pggen writes generated audit records (simulate/simtest) straight
// into a PostgreSQL audit store for bench/pgstore.sh, in batches as gov
// audit copy does: pggen -n 1000000 -url postgres://...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/simulate/simtest"
)

func main() {
	n := flag.Int("n", 1000000, "number of records")
	url := flag.String("url", "", "the PostgreSQL audit store")
	flag.Parse()
	if err := run(*n, *url); err != nil {
		fmt.Fprintln(os.Stderr, "pggen:", err)
		os.Exit(1)
	}
}

func run(n int, url string) error {
	s, err := evidence.OpenPostgres(context.Background(), url)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	// One a minute, the last one now.
	start := time.Now().UTC().Add(-time.Duration(n) * time.Minute)
	batch := make([]evidence.RawRecord, 0, 2000)
	for i := range n {
		data, err := evidence.Encode(simtest.Record(i, start))
		if err != nil {
			return err
		}
		batch = append(batch, evidence.RawRecord{Record: data})
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := s.Import(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}
