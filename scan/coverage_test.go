package scan_test

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

// gitleaksRuleCount is the number of rules in gitleaks v8.30.1's default
// configuration; bench/scan-eval.sh checks the table against the installed
// gitleaks' own config, so a rule gitleaks adds shows up there.
const gitleaksRuleCount = 222

// coverageRow is one line of testdata/gitleaks-coverage.tsv: a gitleaks
// rule id, the gov rule that covers it, and an example of its format.
type coverageRow struct {
	line                      int
	gitleaks, gov, file, text string
}

func readCoverage(t *testing.T) []coverageRow {
	t.Helper()
	f, err := os.Open("testdata/gitleaks-coverage.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var rows []coverageRow
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		parts := strings.Split(sc.Text(), "\t")
		if len(parts) != 4 {
			t.Fatalf("gitleaks-coverage.tsv:%d: %d fields, want 4", n, len(parts))
		}
		rows = append(rows, coverageRow{n, parts[0], parts[1], parts[2], strings.ReplaceAll(parts[3], `\n`, "\n")})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestGitleaksCoverage: every rule id of gitleaks' default configuration
// maps to a gov rule, and gov reports a generated example of that format
// with exactly that rule. A gitleaks id missing from the table, a gov rule
// that does not exist, or an example gov misses fails.
func TestGitleaksCoverage(t *testing.T) {
	rows := readCoverage(t)
	ids := map[string]bool{}
	for _, r := range scan.Rules() {
		ids[r.ID] = true
	}
	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.gitleaks] = true
		if !ids[r.gov] {
			t.Errorf("gitleaks-coverage.tsv:%d: %s maps to unknown gov rule %q", r.line, r.gitleaks, r.gov)
		}
	}
	if len(covered) != gitleaksRuleCount {
		t.Errorf("table covers %d gitleaks rule ids, want %d", len(covered), gitleaksRuleCount)
	}
	s := newScanner(t, scan.Config{})
	for seed := uint64(1); seed <= 3; seed++ {
		g := scantest.New(seed)
		for _, r := range rows {
			t.Run(fmt.Sprintf("%s/%d", r.gitleaks, seed), func(t *testing.T) {
				text := expand(g, r.text)
				data := []byte("# settings\n" + text + "\n")
				if r.text == "{binary}" {
					data = []byte(text)
				}
				fs := s.ScanBytes(r.file, data)
				for _, f := range fs {
					if f.Rule == r.gov {
						return
					}
				}
				t.Errorf("%s example not reported by %s (findings %+v):\n%s", r.gitleaks, r.gov, fs, text)
			})
		}
	}
}

var templateRe = regexp.MustCompile(`\{([A-Za-z]+)(\d*)\}`)

// expand fills a template: {A36} alphanumerics, {a34} letters, {l31}
// lowercase and digits, {u40} base64url, {B40} base64, {h32} hex, {X12}
// uppercase and digits, {Z16} base32, {D10} digits, {bech58}, {UUID},
// {UUIDU}, {jwt}, {jwtb64}, {pem}, {kubeb64}, {binary} (DER-like bytes).
func expand(g *scantest.Gen, t string) string {
	sets := map[string]string{"A": scantest.Alnum, "a": scantest.Upper + scantest.Lower, "l": scantest.Lower + scantest.Digits,
		"u": scantest.B64URL, "B": scantest.B64, "h": scantest.Hex, "X": scantest.Upper + scantest.Digits,
		"Z": scantest.Base32, "D": scantest.Digits}
	return templateRe.ReplaceAllStringFunc(t, func(m string) string {
		p := templateRe.FindStringSubmatch(m)
		n, _ := strconv.Atoi(p[2])
		switch p[1] + p[2] {
		case "UUID":
			return uuid(g)
		case "UUIDU":
			return strings.ToUpper(uuid(g))
		case "bech58":
			return g.S(scantest.Bech32, 58)
		case "jwt":
			return jwtValue(g)
		case "jwtb64":
			return base64.StdEncoding.EncodeToString([]byte(jwtValue(g)))
		case "pem":
			return pemBody(g)
		case "kubeb64":
			return base64.StdEncoding.EncodeToString([]byte(g.S(scantest.Alnum, 24)))
		case "binary":
			return "0\x82\x0a\x1f\x02\x01\x03" + g.S(scantest.Alnum, 64) + "\x00\x00"
		}
		return g.S(sets[p[1]], n)
	})
}

func jwtValue(g *scantest.Gen) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." +
		enc([]byte(`{"sub":"`+g.S(scantest.Digits, 8)+`","scope":"admin"}`)) + "." + g.S(scantest.B64URL, 86)
}

func pemBody(g *scantest.Gen) string {
	var lines []string
	for range 14 {
		lines = append(lines, g.S(scantest.B64, 64))
	}
	return strings.Join(lines, "\n")
}
