// Command scancorpus writes a labelled corpus for comparing secret scanners:
// realistic code in several languages with fake secrets of every gov rule
// type planted at known lines, plus look-alikes that are not secrets.
// DIR/labels.json lists both.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gov-policy/gov/scan/scantest"
)

func main() {
	out := flag.String("o", "", "output directory (created)")
	files := flag.Int("files", 3000, "number of files")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "scancorpus: -o DIR is required")
		os.Exit(2)
	}
	if err := generate(*out, *files, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "scancorpus:", err)
		os.Exit(1)
	}
}

func generate(dir string, n int, seed uint64) error {
	gen := scantest.New(seed)
	r := gen.Rand()
	langs := scantest.Langs()
	names := make([]string, 0, len(langs))
	for l := range langs {
		names = append(names, l)
	}
	sort.Strings(names)
	var labels scantest.Labels
	var positives, lookalikes []scantest.Sample
	for i := range n {
		lang := names[r.IntN(len(names))]
		rel := fmt.Sprintf("%s/%s/%s_%d%s", names[i%len(names)], words[r.IntN(len(words))], words[r.IntN(len(words))], i, langs[lang])
		tmpl := fillerLines(lang)
		var lines []string
		body := 40 + r.IntN(200)
		plantAt := map[int]scantest.Sample{}
		if i%2 == 0 { // half the files hold a secret
			if len(positives) == 0 {
				positives = gen.Positives()
			}
			plantAt[r.IntN(body)] = positives[0]
			positives = positives[1:]
		}
		if i%3 == 0 { // a third hold a look-alike
			if len(lookalikes) == 0 {
				lookalikes = gen.LookAlikes()
			}
			at := r.IntN(body)
			if _, taken := plantAt[at]; !taken {
				plantAt[at] = lookalikes[0]
			}
			lookalikes = lookalikes[1:]
		}
		for j := range body {
			if s, ok := plantAt[j]; ok {
				text := scantest.Render(lang, s)
				l := scantest.Label{File: rel, Line: len(lines) + 1, EndLine: len(lines) + strings.Count(text, "\n") + 1, Rule: s.Rule, Why: s.Why}
				if s.Rule != "" {
					labels.Secrets = append(labels.Secrets, l)
				} else {
					labels.LookAlikes = append(labels.LookAlikes, l)
				}
				lines = append(lines, strings.Split(text, "\n")...)
			}
			lines = append(lines, filler(r, tmpl[r.IntN(len(tmpl))]))
		}
		data := []byte(strings.Join(lines, "\n") + "\n")
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		labels.Files++
		labels.Bytes += int64(len(data))
	}
	js, err := json.MarshalIndent(labels, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "labels.json"), js, 0o644)
}
