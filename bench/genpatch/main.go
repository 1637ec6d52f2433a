// Command genpatch writes a synthetic git diff of about -mb megabytes
// (many files of realistic Python and YAML changes) for memory and speed
// checks of `gov eval` on very large patches.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
)

func main() {
	mb := flag.Int("mb", 50, "approximate size in MB")
	out := flag.String("o", "", "output file (default stdout)")
	flag.Parse()
	f := os.Stdout
	if *out != "" {
		var err error
		if f, err = os.Create(*out); err != nil {
			fmt.Fprintln(os.Stderr, "genpatch:", err)
			os.Exit(2)
		}
	}
	w := bufio.NewWriterSize(f, 1<<20)
	target := *mb << 20
	written := 0
	for i := 0; written < target; i++ {
		n, _ := fmt.Fprintf(w, "diff --git a/services/svc%d/handler_%d.py b/services/svc%d/handler_%d.py\n"+
			"index 1111111..2222222 100644\n--- a/services/svc%d/handler_%d.py\n+++ b/services/svc%d/handler_%d.py\n"+
			"@@ -1,200 +1,200 @@\n", i%40, i, i%40, i, i%40, i, i%40, i)
		written += n
		for l := 0; l < 200; l++ {
			n, _ = fmt.Fprintf(w, "-    value_%d = compute(record, %d)  # old behaviour of handler %d\n", l, l, i)
			written += n
		}
		for l := 0; l < 200; l++ {
			n, _ = fmt.Fprintf(w, "+    value_%d = compute(record, %d) if record is not None else None  # handler %d\n", l, l, i)
			written += n
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "genpatch:", err)
		os.Exit(2)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "genpatch:", err)
		os.Exit(2)
	}
}
