// Command scaneval builds a labelled evaluation set of secrets for secret
// scanners, one secret per file, from the formats other scanners and the
// services publish (types.go), and scores scanners' reports on it: file
// recall per type and false positives on look-alike files, side by side.
//
//	scaneval gen -o DIR [-seed N] [-set own|detect-secrets|trufflehog|secrets-patterns-db]
//	scaneval score -dir DIR [-diff-only] gov=gov.json gitleaks=gitleaks.json
//	scaneval extract -o DIR -trufflehog DIR -spdb FILE (rebuilds sets/*.tsv)
//
// Reports are gov's JSON (`gov scan --format json`) or gitleaks' JSON
// report (a tool named gitleaks).
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// formats write `name = value` as a file of that kind would.
var formats = []struct {
	ext    string
	render func(name, value string) string
}{
	{".env", func(n, v string) string { return "# service settings\n" + n + "=" + v + "\nLOG_LEVEL=info\n" }},
	{".yaml", func(n, v string) string {
		return "service:\n  region: eu-west-1\n  " + strings.ToLower(n) + ": \"" + v + "\"\n  replicas: 3\n"
	}},
	{".py", func(n, v string) string { return "import os\n\n" + n + " = \"" + v + "\"\nTIMEOUT = 30\n" }},
	{".json", func(n, v string) string {
		return "{\n  \"region\": \"eu-west-1\",\n  \"" + n + "\": \"" + v + "\"\n}\n"
	}},
	{".go", func(n, v string) string {
		return "package config\n\nconst (\n\t" + camel(n) + " = \"" + v + "\"\n\tretries = 3\n)\n"
	}},
}

// label is one file of the set.
type label struct {
	File   string `json:"file"`
	Type   string `json:"type"`
	Secret bool   `json:"secret"`
}

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: scaneval gen -o DIR | score -dir DIR TOOL=REPORT"))
	}
	switch os.Args[1] {
	case "gen":
		gen(os.Args[2:])
	case "score":
		score(os.Args[2:])
	case "extract":
		extract(os.Args[2:])
	default:
		fail(fmt.Errorf("unknown command %q", os.Args[1]))
	}
}

func gen(args []string) {
	dir, seed, set := "", uint64(1), "own"
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "-o":
			dir = args[i+1]
		case "-set":
			set = args[i+1]
		case "-seed":
			n, err := strconv.ParseUint(args[i+1], 10, 64)
			if err != nil {
				fail(err)
			}
			seed = n
		}
	}
	if dir == "" {
		fail(fmt.Errorf("gen: -o DIR"))
	}
	r := rand.New(rand.NewPCG(seed, seed*7919))
	var labels []label
	write := func(kind string, secret bool, i int, ex example) {
		for fi, f := range formats {
			if ex.raw && fi > 0 {
				break // a command line or config block is one file
			}
			var text, ext string
			if ex.raw {
				text, ext = "# setup\n"+fill(r, ex.value)+"\n", ".txt"
			} else {
				text, ext = f.render(ex.name, fill(r, ex.value)), f.ext
			}
			rel := fmt.Sprintf("%s/%03d-%s/config%s", kind, i, ex.typ, ext)
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
				fail(err)
			}
			if err := os.WriteFile(filepath.Join(dir, rel), []byte(text), 0o644); err != nil {
				fail(err)
			}
			labels = append(labels, label{File: rel, Type: ex.typ, Secret: secret})
		}
	}
	switch set {
	case "own":
		for i, ex := range examples {
			write("secrets", true, i, ex)
		}
		for i, ex := range lookAlikes {
			write("lookalikes", false, i, ex)
		}
	case "detect-secrets":
		for i, ex := range detectSecretsExamples {
			write("secrets", true, i, ex)
		}
	default:
		order, files, err := setFiles(set)
		if err != nil {
			fail(err)
		}
		for i, typ := range order {
			for j, text := range files[typ] {
				if text == "" {
					continue
				}
				rel := fmt.Sprintf("secrets/%04d/config%d.txt", i, j)
				if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
					fail(err)
				}
				if err := os.WriteFile(filepath.Join(dir, rel), []byte(text), 0o644); err != nil {
					fail(err)
				}
				labels = append(labels, label{File: rel, Type: typ, Secret: true})
			}
		}
	}
	data, _ := json.MarshalIndent(labels, "", " ")
	if err := os.WriteFile(filepath.Join(dir, "labels.json"), data, 0o644); err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "scaneval: set %s: %d files\n", set, len(labels))
}

var tmpl = regexp.MustCompile(`\{([A-Za-z]+)(\d*)\}`)

// fill expands a template: {A36} alphanumerics, {a34} letters, {l31}
// lowercase and digits, {u40} base64url, {B40} base64, {h32} hex, {X12}
// uppercase and digits, {Z16} base32, {D10} digits, {bech58}, {UUID},
// {UUIDU}, {jwt}, {jwtb64}, {pem}, {pemjson}, {kubeb64}.
func fill(r *rand.Rand, t string) string {
	const (
		upper, lower, digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789"
	)
	s := func(set string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = set[r.IntN(len(set))]
		}
		return string(b)
	}
	sets := map[string]string{"A": upper + lower + digits, "a": upper + lower, "l": lower + digits, "u": upper + lower + digits + "-_",
		"B": upper + lower + digits + "+/", "h": "0123456789abcdef", "X": upper + digits, "Z": upper + "234567", "D": digits,
		"bech": "qpzry9x8gf2tvdw0s3jn54khce6mua7l"}
	pem := func(n int) string {
		raw := make([]byte, n)
		for i := range raw {
			raw[i] = byte(r.IntN(256))
		}
		enc := base64.StdEncoding.EncodeToString(raw)
		var lines []string
		for len(enc) > 64 {
			lines, enc = append(lines, enc[:64]), enc[64:]
		}
		return strings.Join(append(lines, enc), "\n")
	}
	jwt := func() string {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." +
			enc(fmt.Appendf(nil, `{"sub":"%d","scope":"admin","exp":%d}`, r.IntN(1e9), 1800000000+r.IntN(1e8))) + "." + s(sets["u"], 86)
	}
	return tmpl.ReplaceAllStringFunc(t, func(m string) string {
		p := tmpl.FindStringSubmatch(m)
		n, _ := strconv.Atoi(p[2])
		switch p[1] + p[2] {
		case "UUID":
			h := sets["h"]
			return s(h, 8) + "-" + s(h, 4) + "-" + s(h, 4) + "-" + s(h, 4) + "-" + s(h, 12)
		case "UUIDU":
			h := "0123456789ABCDEF"
			return s(h, 8) + "-" + s(h, 4) + "-" + s(h, 4) + "-" + s(h, 4) + "-" + s(h, 12)
		case "bech58":
			return strings.ToUpper(s(sets["bech"], 58))
		case "jwt":
			return jwt()
		case "jwtb64":
			return base64.StdEncoding.EncodeToString([]byte(jwt()))
		case "pem":
			return pem(900)
		case "pemjson":
			return strings.ReplaceAll(pem(900), "\n", `\n`)
		case "kubeb64":
			return base64.StdEncoding.EncodeToString([]byte(s(sets["A"], 24)))
		}
		set, ok := sets[p[1]]
		if !ok || n == 0 {
			return m // not a template (a brace in the text itself)
		}
		return s(set, n)
	})
}

func camel(s string) string {
	parts := strings.Split(strings.ToLower(s), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func score(args []string) {
	dir, diffOnly := "", false
	var tools []string
	for i := 0; i < len(args); i++ {
		if args[i] == "-dir" && i+1 < len(args) {
			dir = args[i+1]
			i++
			continue
		}
		if args[i] == "-diff-only" {
			diffOnly = true
			continue
		}
		tools = append(tools, args[i])
	}
	var labels []label
	if err := readJSON(filepath.Join(dir, "labels.json"), &labels); err != nil {
		fail(err)
	}
	names := make([]string, len(tools))
	flagged := make([]map[string]bool, len(tools))
	for i, t := range tools {
		name, path, _ := strings.Cut(t, "=")
		files, err := reportFiles(name, path, dir)
		if err != nil {
			fail(err)
		}
		names[i], flagged[i] = name, files
	}
	type tally struct{ n, hit []int }
	byType := map[string]*tally{}
	var order []string
	totals := tally{n: make([]int, len(tools)), hit: make([]int, len(tools))}
	fps := make([]int, len(tools))
	negatives := 0
	fpFiles := make([][]string, len(tools))
	for _, l := range labels {
		if !l.Secret {
			negatives++
			for i := range tools {
				if flagged[i][l.File] {
					fps[i]++
					fpFiles[i] = append(fpFiles[i], l.File)
				}
			}
			continue
		}
		tl := byType[l.Type]
		if tl == nil {
			tl = &tally{n: make([]int, len(tools)), hit: make([]int, len(tools))}
			byType[l.Type] = tl
			order = append(order, l.Type)
		}
		for i := range tools {
			tl.n[i]++
			totals.n[i]++
			if flagged[i][l.File] {
				tl.hit[i]++
				totals.hit[i]++
			}
		}
	}
	sort.Strings(order)
	fmt.Printf("%-44s %5s", "type (file recall)", "files")
	for _, n := range names {
		fmt.Printf(" %9s", n)
	}
	fmt.Println()
	typesFull := make([]int, len(tools))
	notBelow := 0 // types where the first tool finds at least as many files as every other
	for _, typ := range order {
		tl := byType[typ]
		same, below := true, false
		for i := range tools {
			same = same && tl.hit[i] == tl.hit[0]
			below = below || tl.hit[0] < tl.hit[i]
		}
		if !below {
			notBelow++
		}
		if diffOnly && same {
			for i := range tools {
				if tl.hit[i] == tl.n[i] {
					typesFull[i]++
				}
			}
			continue
		}
		fmt.Printf("%-44s %5d", typ, tl.n[0])
		for i := range tools {
			fmt.Printf(" %8.0f%%", 100*float64(tl.hit[i])/float64(tl.n[i]))
			if tl.hit[i] == tl.n[i] {
				typesFull[i]++
			}
		}
		fmt.Println()
	}
	fmt.Printf("\n%-44s %5d", "overall file recall", totals.n[0])
	for i := range tools {
		fmt.Printf(" %8.1f%%", 100*float64(totals.hit[i])/float64(totals.n[i]))
	}
	fmt.Printf("\n%-44s %5d", "types fully found", len(order))
	for i := range tools {
		fmt.Printf(" %9d", typesFull[i])
	}
	fmt.Printf("\n%-44s %5d %9d", "types where "+names[0]+" >= every other", len(order), notBelow)
	fmt.Printf("\n%-44s %5d", "look-alike files flagged (false positives)", negatives)
	for i := range tools {
		fmt.Printf(" %9d", fps[i])
	}
	fmt.Println()
	if os.Getenv("VERBOSE") != "" {
		for i, n := range names {
			for _, f := range fpFiles[i] {
				fmt.Printf("  %s false positive: %s\n", n, f)
			}
		}
	}
}

// reportFiles is the set of files (relative to root) with a finding.
func reportFiles(tool, path, root string) (map[string]bool, error) {
	out := map[string]bool{}
	rel := func(f string) string {
		if r, err := filepath.Rel(root, f); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
		return filepath.ToSlash(f)
	}
	if tool == "gitleaks" {
		var rep []struct{ File string }
		if err := readJSON(path, &rep); err != nil {
			return nil, err
		}
		for _, f := range rep {
			out[rel(f.File)] = true
		}
		return out, nil
	}
	var rep struct {
		Findings []struct {
			File string `json:"file"`
		} `json:"findings"`
	}
	if err := readJSON(path, &rep); err != nil {
		return nil, err
	}
	for _, f := range rep.Findings {
		out[rel(f.File)] = true
	}
	return out, nil
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
	fmt.Fprintln(os.Stderr, "scaneval:", err)
	os.Exit(2)
}
