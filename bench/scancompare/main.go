// Command scancompare scores secret scanner reports against a scancorpus
// labels.json: recall (planted secrets found) and false positives (distinct
// lines reported outside every planted secret), and prints a table with the
// measured throughput of each tool.
//
//	scancompare -labels DIR/labels.json -root DIR gov=gov.json:0.41 gitleaks=gl.json:2.3
//
// Each tool argument is NAME=REPORT:SECONDS (median wall time).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gov-policy/gov/scan/scantest"
)

// hit is one reported location.
type hit struct {
	file string
	line int
}

func main() {
	labelsPath := flag.String("labels", "", "labels.json from scancorpus")
	root := flag.String("root", "", "corpus root, stripped from report paths")
	verbose := flag.Bool("v", false, "list misses and false positives")
	flag.Parse()
	var lb scantest.Labels
	if err := readJSON(*labelsPath, &lb); err != nil {
		fail(err)
	}
	fmt.Printf("corpus: %d files, %.1f MB, %d planted secrets (%d rule types), %d look-alikes\n\n",
		lb.Files, float64(lb.Bytes)/1e6, len(lb.Secrets), ruleTypes(lb.Secrets), len(lb.LookAlikes))
	fmt.Printf("%-10s %10s %10s %8s %10s %12s\n", "tool", "seconds", "MB/s", "recall", "found", "false pos.")
	for _, arg := range flag.Args() {
		name, rest, _ := strings.Cut(arg, "=")
		report, secs, _ := strings.Cut(rest, ":")
		seconds, err := strconv.ParseFloat(secs, 64)
		if err != nil {
			fail(fmt.Errorf("%s: seconds: %w", arg, err))
		}
		hits, err := readHits(name, report, *root)
		if err != nil {
			fail(err)
		}
		found, missed, fps := score(lb, hits)
		fmt.Printf("%-10s %10.3f %10.1f %7.1f%% %5d/%-4d %12d\n", name, seconds, float64(lb.Bytes)/1e6/seconds,
			100*float64(found)/float64(len(lb.Secrets)), found, len(lb.Secrets), len(fps))
		if *verbose {
			for _, m := range missed {
				fmt.Printf("  %s missed %s %s:%d\n", name, m.Rule, m.File, m.Line)
			}
			for _, h := range fps {
				fmt.Printf("  %s false positive %s:%d\n", name, h.file, h.line)
			}
		}
	}
}

// score counts labels with a hit in their line range, and the distinct
// lines hit outside every secret label.
func score(lb scantest.Labels, hits map[hit]bool) (int, []scantest.Label, []hit) {
	covered := map[hit]bool{}
	found := 0
	var missed []scantest.Label
	for _, l := range lb.Secrets {
		ok := false
		for n := l.Line; n <= l.EndLine; n++ {
			h := hit{l.File, n}
			covered[h] = true
			ok = ok || hits[h]
		}
		if ok {
			found++
		} else {
			missed = append(missed, l)
		}
	}
	var fps []hit
	for h := range hits {
		if !covered[h] && h.file != "labels.json" {
			fps = append(fps, h)
		}
	}
	sort.Slice(fps, func(i, j int) bool {
		return fps[i].file < fps[j].file || fps[i].file == fps[j].file && fps[i].line < fps[j].line
	})
	return found, missed, fps
}

func readHits(tool, path, root string) (map[hit]bool, error) {
	hits := map[hit]bool{}
	rel := func(f string) string {
		if r, err := filepath.Rel(root, f); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
		return filepath.ToSlash(f)
	}
	if tool == "gitleaks" {
		var rep []struct {
			File      string
			StartLine int
		}
		if err := readJSON(path, &rep); err != nil {
			return nil, err
		}
		for _, f := range rep {
			hits[hit{rel(f.File), f.StartLine}] = true
		}
		return hits, nil
	}
	var rep struct {
		Findings []struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"findings"`
	}
	if err := readJSON(path, &rep); err != nil {
		return nil, err
	}
	for _, f := range rep.Findings {
		hits[hit{rel(f.File), f.Line}] = true
	}
	return hits, nil
}

func ruleTypes(ls []scantest.Label) int {
	seen := map[string]bool{}
	for _, l := range ls {
		seen[l.Rule] = true
	}
	return len(seen)
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scancompare:", err)
	os.Exit(2)
}
