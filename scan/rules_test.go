package scan_test

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

func newScanner(t testing.TB, cfg scan.Config) *scan.Scanner {
	t.Helper()
	s, err := scan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// wantFingerprint recomputes the documented fingerprint independently.
func wantFingerprint(rule, path, secret string) string {
	sum := sha256.Sum256([]byte(rule + "\x00" + path + "\x00" + secret))
	return hex.EncodeToString(sum[:16])
}

func TestRulesCatalog(t *testing.T) {
	rules := scan.Rules()
	if len(rules) < 40 {
		t.Fatalf("%d rules, want at least 40", len(rules))
	}
	kebab := regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, r := range rules {
		if !kebab.MatchString(r.ID) || seen[r.ID] {
			t.Errorf("rule id %q: not kebab-case or duplicate", r.ID)
		}
		seen[r.ID] = true
		if r.Description == "" || len(r.Keywords) == 0 {
			t.Errorf("rule %s: missing description or keywords", r.ID)
		}
		for _, k := range r.Keywords {
			if k != strings.ToLower(k) {
				t.Errorf("rule %s: keyword %q not lowercase", r.ID, k)
			}
		}
	}
	// Every rule has a generated true positive, so the tables below cover all.
	gen := scantest.New(1)
	covered := map[string]bool{}
	for _, s := range gen.Positives() {
		covered[s.Rule] = true
	}
	// Rules bound to a file kind or syntax the language renderer does not
	// write have their own tests (TestFormatBoundRules, TestFileRuleEveryEntryPoint,
	// TestGenericKeyRules).
	formatBound := map[string]bool{"pkcs12-file": true, "terraform-password": true, "freemius-secret-key": true,
		"generic-key": true, "generic-key-config": true} // quoted vs bare value: TestGenericKeyRules
	for id := range seen {
		if !covered[id] && !formatBound[id] {
			t.Errorf("rule %s has no sample in scantest", id)
		}
	}
}

// TestRulePositives plants one fake secret of every rule in every language
// format and expects exactly that rule to report it, at the right place,
// with the fingerprint of exactly the secret.
func TestRulePositives(t *testing.T) {
	s := newScanner(t, scan.Config{})
	langs := scantest.Langs()
	names := make([]string, 0, len(langs))
	for l := range langs {
		names = append(names, l)
	}
	sort.Strings(names)
	for seed := uint64(1); seed <= 3; seed++ {
		for _, sample := range scantest.New(seed).Positives() {
			for _, lang := range names {
				if sample.Multiline() && lang == "json" {
					continue // an escaped key in JSON is the service-account rule's, tested below
				}
				t.Run(sample.Rule+"/"+lang, func(t *testing.T) {
					path := "src/config" + langs[lang]
					text := "# header\n" + scantest.Render(lang, sample) + "\n"
					fs := s.ScanBytes(path, []byte(text))
					if len(fs) != 1 {
						t.Fatalf("got %d findings %+v in\n%s", len(fs), fs, text)
					}
					f := fs[0]
					if f.Rule != sample.Rule {
						t.Errorf("rule %s, want %s", f.Rule, sample.Rule)
					}
					// A block (a key, a manifest) is reported at its first line
					// (-----BEGIN, kind: Secret), anything else at line 2.
					wantLine := 2
					first, _, _ := strings.Cut(sample.Value, "\n")
					if i := strings.Index(text, first); sample.Multiline() && i >= 0 {
						wantLine = strings.Count(text[:i], "\n") + 1
					}
					if f.Line != wantLine || f.Column < 1 || f.File != path {
						t.Errorf("at %s:%d:%d, want %s:%d", f.File, f.Line, f.Column, path, wantLine)
					}
					// Where the secret stands verbatim (not re-indented), the
					// fingerprint proves exactly it was captured.
					if strings.Contains(text, sample.Secret) {
						if want := wantFingerprint(sample.Rule, path, sample.Secret); f.Fingerprint != want {
							t.Errorf("fingerprint %s, want %s: the secret captured is not the planted one", f.Fingerprint, want)
						}
					}
					if f.Suppressed {
						t.Error("suppressed without a marker")
					}
				})
			}
		}
	}
}

// placeholderize keeps a secret's first few characters (its prefix) and
// replaces the rest with X, the shape of a documentation placeholder.
func placeholderize(secret string) string {
	keep := min(len(secret)/4, 12)
	b := []byte(secret)
	for i := keep; i < len(b); i++ {
		if b[i] != '\n' && b[i] != '-' && b[i] != '.' && b[i] != '_' {
			b[i] = 'X'
		}
	}
	return string(b)
}

// TestRuleNegatives: for every rule, the same text with the secret turned
// into a placeholder is not reported; nor is any look-alike.
func TestRuleNegatives(t *testing.T) {
	s := newScanner(t, scan.Config{})
	gen := scantest.New(7)
	for _, sample := range gen.Positives() {
		t.Run("placeholder/"+sample.Rule, func(t *testing.T) {
			neg := sample
			neg.Value = strings.Replace(sample.Value, sample.Secret, placeholderize(sample.Secret), 1)
			text := scantest.Render("python", neg) + "\n" + scantest.Render("yaml", neg) + "\n"
			if fs := s.ScanBytes("app/settings.py", []byte(text)); len(fs) != 0 {
				t.Errorf("placeholder reported: %+v\n%s", fs, text)
			}
		})
	}
	for _, la := range gen.LookAlikes() {
		for _, lang := range []string{"python", "yaml", "env", "go", "json"} {
			t.Run("lookalike/"+la.Why+"/"+lang, func(t *testing.T) {
				text := scantest.Render(lang, la) + "\n"
				if fs := s.ScanBytes("app/settings", []byte(text)); len(fs) != 0 {
					t.Errorf("look-alike (%s) reported: %+v\n%s", la.Why, fs, text)
				}
			})
		}
	}
}

// TestRuleWrongShape: prefixes and lengths that are close but wrong.
func TestRuleWrongShape(t *testing.T) {
	s := newScanner(t, scan.Config{})
	gen := scantest.New(11)
	cases := []struct{ name, text string }{
		{"akia too short", `key = "AKIA` + gen.S(scantest.Base32, 12) + `"`},
		{"ghp inside a word", `x = "myghp_` + gen.S(scantest.Alnum, 36) + `"`},
		{"glpat too short", `t = "glpat-` + gen.S(scantest.Alnum, 10) + `"`},
		{"stripe documentation test key", `stripe = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"`},
		{"stripe test key inside a word", `stripe = "disk_test_` + gen.S(scantest.Alnum, 24) + `"`},
		{"slack xoxb without numbers", `t = "xoxb-` + gen.S(scantest.Lower, 30) + `"`},
		{"twilio SK with non-hex", `t = "SK` + gen.S(scantest.Upper, 32) + `"`},
		{"sendgrid wrong segment", `t = "SG.` + gen.S(scantest.Alnum, 10) + `"`},
		{"pypi without macaroon prefix", `t = "pypi-` + gen.S(scantest.Alnum, 60) + `"`},
		{"aws secret without aws context", `value = "` + gen.S(scantest.Alnum, 40) + `"`},
		{"datadog hex without context", `build_id = "` + gen.S(scantest.Hex, 32) + `"`},
		{"jwt with non-json header", `t = "eyJ` + gen.S(scantest.Alnum, 20) + `.eyJ` + gen.S(scantest.Alnum, 20) + `.` + gen.S(scantest.Alnum, 20) + `"`},
		{"generic without digits", `password = "CorrectHorseBatteryStaple"`},
		{"generic function call", `password = get_password(user)`},
		{"postgres url with stopword password", `url = "postgres://admin:password@db:5432/x"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if fs := s.ScanBytes("x.py", []byte(tc.text+"\n")); len(fs) != 0 {
				t.Errorf("reported: %+v", fs)
			}
		})
	}
}
