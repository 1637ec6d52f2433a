// Command genhistory writes a `git fast-import` stream of a synthetic
// repository history of about -mb megabytes of file content (commits that
// each add or rewrite a few source files), with a few planted secrets, for
// bounded-memory checks of `gov scan --git`. With -tree it writes instead a
// history that looks like a working project's (see realHistory).
//
//	go run ./bench/genhistory -mb 1024 | git -C repo fast-import
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
)

func main() {
	mb := flag.Int("mb", 1024, "approximate total size of the blobs in MB")
	fileKB := flag.Int("file-kb", 256, "size of each file version in KB")
	perCommit := flag.Int("files-per-commit", 4, "files written per commit")
	tree := flag.String("tree", "", "import real .go files from this directory, then make -commits small edits (ignores -mb)")
	maxFiles := flag.Int("max-files", 4000, "with -tree: files imported")
	commits := flag.Int("commits", 1500, "with -tree: commits")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	if *tree != "" {
		err := realHistory(w, *tree, *maxFiles, *commits)
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "genhistory:", err)
			os.Exit(2)
		}
		return
	}
	r := rand.New(rand.NewPCG(1, 2))
	total := *mb << 20
	written, commit := 0, 0
	for written < total {
		commit++
		fmt.Fprintf(w, "commit refs/heads/main\ncommitter Bench <bench@example.com> %d +0000\n", 1700000000+commit*60)
		msg := fmt.Sprintf("change %d", commit)
		fmt.Fprintf(w, "data %d\n%s\n", len(msg), msg)
		for f := 0; f < *perCommit; f++ {
			path := fmt.Sprintf("src/pkg%03d/file%02d.py", r.IntN(200), r.IntN(20))
			content := fileContent(r, *fileKB<<10, commit%97 == 0 && f == 0)
			fmt.Fprintf(w, "M 100644 inline %s\ndata %d\n%s\n", path, len(content), content)
			written += len(content)
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "genhistory:", err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "genhistory: %d commits, %d MB\n", commit, written>>20)
}

// fileContent is realistic-looking Python of about n bytes; with secret, one
// line assigns a fake AWS access key id.
func fileContent(r *rand.Rand, n int, secret bool) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "def handler_%d(event, context):\n    value = compute(event[%q], %d)\n    return {\"status\": %d, \"value\": value}\n\n",
			i, fmt.Sprintf("k%x", r.Uint32()), r.IntN(1000), 200+r.IntN(300))
		if secret && i == 10 {
			const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
			key := make([]byte, 16)
			for j := range key {
				key[j] = base32[r.IntN(len(base32))]
			}
			fmt.Fprintf(&b, "AWS_ACCESS_KEY_ID = \"AKIA%s\"\n", key)
		}
	}
	return b.String()
}
