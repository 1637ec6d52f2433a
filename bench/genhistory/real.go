package main

import (
	"bufio"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// realHistory writes a history that looks like a working project's: a first
// commit importing up to maxFiles real source files from tree (for example
// $(go env GOROOT)/src), then commits that each edit one to three files by a
// few lines, with an occasional new file, deletion or rename, and a fake AWS
// key planted every 97th commit.
func realHistory(w *bufio.Writer, tree string, maxFiles, commits int) error {
	files, err := readTree(tree, maxFiles)
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(3, 4))
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	when := 1700000000
	header := func(msg string) {
		when += 60 + r.IntN(3600)
		fmt.Fprintf(w, "commit refs/heads/main\ncommitter Dev <dev@example.com> %d +0000\ndata %d\n%s\n", when, len(msg), msg)
	}
	put := func(path string) {
		fmt.Fprintf(w, "M 100644 inline %s\ndata %d\n%s\n", path, len(files[path]), files[path])
	}
	header("import")
	for _, p := range paths {
		put(p)
	}
	for c := 1; c < commits; c++ {
		header(fmt.Sprintf("change %d", c))
		switch r.IntN(50) {
		case 0: // delete a file
			i := r.IntN(len(paths))
			fmt.Fprintf(w, "D %s\n", paths[i])
			delete(files, paths[i])
			paths = append(paths[:i], paths[i+1:]...)
		case 1: // rename a file
			i := r.IntN(len(paths))
			to := strings.TrimSuffix(paths[i], ".go") + "_v2.go"
			if _, ok := files[to]; !ok {
				fmt.Fprintf(w, "R %s %s\n", paths[i], to)
				files[to] = files[paths[i]]
				delete(files, paths[i])
				paths[i] = to
			}
		case 2: // add a file
			p := fmt.Sprintf("internal/gen/file%05d.go", c)
			files[p] = edit(r, files[paths[r.IntN(len(paths))]], 5, c%97 == 0)
			paths = append(paths, p)
			put(p)
		default:
			for range 1 + r.IntN(3) {
				p := paths[r.IntN(len(paths))]
				files[p] = edit(r, files[p], 1+r.IntN(6), c%97 == 0)
				put(p)
			}
		}
	}
	fmt.Fprintf(os.Stderr, "genhistory: %d files imported, %d commits\n", len(files), commits)
	return nil
}

// edit changes n lines of content: rewrites, insertions and deletions at
// random places; with secret, one inserted line assigns a fake AWS key.
func edit(r *rand.Rand, content string, n int, secret bool) string {
	lines := strings.Split(content, "\n")
	for i := range n {
		at := r.IntN(len(lines))
		switch {
		case secret && i == 0:
			lines = insert(lines, at, fmt.Sprintf("\tawsKey := \"AKIA%s\"", randFrom(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)))
		case r.IntN(3) == 0 && len(lines) > 1:
			lines = append(lines[:at], lines[at+1:]...)
		case r.IntN(2) == 0:
			lines = insert(lines, at, fmt.Sprintf("\t// %s %d", randFrom(r, "abcdefghijklmnopqrstuvwxyz ", 30), r.IntN(1000)))
		default:
			lines[at] = strings.TrimRight(lines[at], " ") + fmt.Sprintf(" // v%d", r.IntN(100))
		}
	}
	return strings.Join(lines, "\n")
}

func insert(lines []string, at int, l string) []string {
	lines = append(lines, "")
	copy(lines[at+1:], lines[at:])
	lines[at] = l
	return lines
}

func randFrom(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// readTree reads up to max text files of under 64 KB from dir, keyed by
// slash path relative to dir, in walk order.
func readTree(dir string, max int) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || len(out) >= max {
			return err
		}
		if d.IsDir() {
			if strings.Contains(d.Name(), "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil || len(data) > 64<<10 {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read %s: no .go files", dir)
	}
	return out, nil
}
