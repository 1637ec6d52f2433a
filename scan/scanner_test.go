package scan_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

func TestSuppression(t *testing.T) {
	s := newScanner(t, scan.Config{})
	key := "ghp_" + scantest.New(3).S(scantest.Alnum, 36)
	cases := []struct {
		name       string
		line       string
		suppressed bool
		reason     string
	}{
		{"reason given", `token = "` + key + `"  # gov:allow github-pat -- revoked, kept as a fixture`, true, "revoked, kept as a fixture"},
		{"reason in block comment", `token = "` + key + `" /* gov:allow github-pat -- rotated 2026-01 */`, true, "rotated 2026-01"},
		{"no reason", `token = "` + key + `"  # gov:allow github-pat`, false, ""},
		{"empty reason", `token = "` + key + `"  # gov:allow github-pat --   `, false, ""},
		{"other rule", `token = "` + key + `"  # gov:allow aws-access-key-id -- wrong rule`, false, ""},
		{"second marker matches", `token = "` + key + `"  # gov:allow jwt -- x gov:allow github-pat -- test key`, true, "test key"},
		{"no marker", `token = "` + key + `"`, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := s.ScanBytes("a.py", []byte(tc.line+"\n"))
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1 (a suppressed finding is still reported)", len(fs))
			}
			if fs[0].Suppressed != tc.suppressed || fs[0].SuppressReason != tc.reason {
				t.Errorf("suppressed=%v reason=%q, want %v %q", fs[0].Suppressed, fs[0].SuppressReason, tc.suppressed, tc.reason)
			}
			sum := scan.Summarize(fs)
			if tc.suppressed && (sum.Suppressed != 1 || sum.Unsuppressed != 0) || !tc.suppressed && sum.Unsuppressed != 1 {
				t.Errorf("summary %+v", sum)
			}
		})
	}
}

// TestMaskingNeverLeaks: no finding, as JSON, holds a secret or any eight
// consecutive characters of it; the masked preview shows at most four
// characters and at most a quarter of the secret.
func TestMaskingNeverLeaks(t *testing.T) {
	s := newScanner(t, scan.Config{})
	for seed := uint64(20); seed < 25; seed++ {
		for _, sample := range scantest.New(seed).Positives() {
			text := scantest.Render("python", sample) + "\n"
			fs := s.ScanBytes("leak.py", []byte(text))
			if len(fs) == 0 {
				t.Fatalf("%s: not found", sample.Rule)
			}
			out, err := json.Marshal(fs)
			if err != nil {
				t.Fatal(err)
			}
			secret := sample.Secret
			for i := 0; i+8 <= len(secret); i++ {
				gram := secret[i : i+8]
				// Fixed parts of a token format may appear in the rule's own words.
				if strings.Contains(fs[0].Description+fs[0].Rule, gram) || strings.Contains(text[:strings.Index(text, secret)], gram) {
					continue
				}
				if strings.Contains(string(out), gram) {
					t.Fatalf("%s: output holds %q of the secret: %s", sample.Rule, gram, out)
				}
			}
			m := fs[0].Masked
			shown := strings.IndexByte(m, '*')
			// The preview starts at the first visible byte (a key body starts with a newline).
			visible := strings.TrimLeft(secret, " \t\r\n")
			if shown < 0 || shown > 4 || shown > len(visible)/4 || !strings.HasPrefix(visible, m[:shown]) {
				t.Errorf("%s: masked %q shows too much of a %d-char secret", sample.Rule, m, len(secret))
			}
		}
	}
}

func TestFingerprintStableAcrossLineShifts(t *testing.T) {
	s := newScanner(t, scan.Config{})
	key := "AKIA" + scantest.New(4).S(scantest.Base32, 16)
	a := s.ScanBytes("cfg.py", []byte("key = \""+key+"\"\n"))
	b := s.ScanBytes("cfg.py", []byte("import os\n\n\n# moved\nkey  =  \""+key+"\"\n"))
	c := s.ScanBytes("other.py", []byte("key = \""+key+"\"\n"))
	if len(a) != 1 || len(b) != 1 || len(c) != 1 {
		t.Fatalf("findings %d %d %d, want 1 each", len(a), len(b), len(c))
	}
	if a[0].Fingerprint != b[0].Fingerprint || a[0].Line == b[0].Line {
		t.Errorf("shifted: fingerprint %s vs %s, lines %d vs %d", a[0].Fingerprint, b[0].Fingerprint, a[0].Line, b[0].Line)
	}
	if a[0].Fingerprint == c[0].Fingerprint {
		t.Error("fingerprint does not depend on the path")
	}
	if want := wantFingerprint("aws-access-key-id", "cfg.py", key); a[0].Fingerprint != want {
		t.Errorf("fingerprint %s, want %s", a[0].Fingerprint, want)
	}
}

func TestScanPatch(t *testing.T) {
	s := newScanner(t, scan.Config{Exclude: []string{"docs/**"}})
	gen := scantest.New(5)
	oldKey, newKey := "ghp_"+gen.S(scantest.Alnum, 36), "sk_live_"+gen.S(scantest.Alnum, 24)
	cases := []struct {
		name string
		diff string
		want []string // rule@file:line
	}{
		{"secret only in a removed line", "--- a/app.py\n+++ b/app.py\n@@ -1,3 +1,3 @@\n import os\n-TOKEN = \"" + oldKey + "\"\n+TOKEN = os.environ[\"TOKEN\"]\n print(1)\n", nil},
		{"secret in an added line", "--- a/app.py\n+++ b/app.py\n@@ -10,2 +10,3 @@\n a = 1\n+STRIPE = \"" + newKey + "\"\n b = 2\n", []string{"stripe-secret-key@app.py:11"}},
		{"secret in a context line", "--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,3 @@\n TOKEN = \"" + oldKey + "\"\n+x = 1\n y = 2\n", nil},
		{"excluded path", "--- a/docs/x.md\n+++ b/docs/x.md\n@@ -1 +1,2 @@\n a\n+" + newKey + "\n", nil},
		{"new file", "diff --git a/k.env b/k.env\nnew file mode 100644\n--- /dev/null\n+++ b/k.env\n@@ -0,0 +1,2 @@\n+A=1\n+GH=" + oldKey + "\n", []string{"github-pat@k.env:2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := patch.Parse([]byte(tc.diff))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range s.ScanPatch(p) {
				got = append(got, f.Rule+"@"+f.File+":"+itoa(f.Line))
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestConcurrentUse(t *testing.T) {
	s := newScanner(t, scan.Config{})
	samples := scantest.New(6).Positives()
	var wg sync.WaitGroup
	errs := make(chan string, len(samples))
	for _, sample := range samples {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if fs := s.ScanBytes("c.py", []byte(scantest.Render("python", sample)+"\n")); len(fs) != 1 || fs[0].Rule != sample.Rule {
					errs <- sample.Rule
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for r := range errs {
		t.Errorf("%s: wrong result under concurrent use", r)
	}
}

func TestBinaryAndSkippedPaths(t *testing.T) {
	s := newScanner(t, scan.Config{Exclude: []string{"*.md", "fixtures/**"}})
	key := "glpat-" + scantest.New(8).S(scantest.Alnum, 20)
	line := []byte("t = \"" + key + "\"\n")
	cases := []struct {
		path string
		data []byte
		want int
	}{
		{"src/a.py", line, 1},
		{"src/a.bin", append([]byte{0, 1, 2}, line...), 0},
		{"package-lock.json", line, 0},
		{"web/node_modules/x/index.js", line, 0},
		{"vendor/github.com/x/y.go", line, 0},
		{"README.md", line, 0},
		{"docs/deep/README.md", line, 0},
		{"fixtures/a/b.py", line, 0},
		{"src/fixtures.py", line, 1},
	}
	for _, tc := range cases {
		if got := len(s.ScanBytes(tc.path, tc.data)); got != tc.want {
			t.Errorf("%s: %d findings, want %d", tc.path, got, tc.want)
		}
	}
}
