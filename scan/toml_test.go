package scan_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gov-policy/gov/scan"
)

func TestExtraRulesFile(t *testing.T) {
	good := `title = "acme"
[[rules]]
id = "acme-internal-token"
description = "ACME internal token"
regex = '''\b(acme_[a-z0-9]{24})\b'''
secretGroup = 1
entropy = 3.0
keywords = ["acme_"]
[rules.allowlist]
regexes = ['''acme_test''']
stopwords = ["sandbox"]
paths = ['''^fixtures/''']
`
	cases := []struct {
		name, toml, wantErr string
	}{
		{"valid", good, ""},
		{"bad toml", "[[rules]]\nid = \"x\"\nregex = \n", "rules.toml:3:"},
		{"bad regex", "[[rules]]\nid = \"broken\"\nregex = '''(unclosed'''\n", `rules.toml: rule "broken": regex`},
		{"missing id", "[[rules]]\nregex = 'x'\n", "rules.toml: rules[0]: id is required"},
		{"unknown key", "[[rules]]\nid = \"x\"\nregex = 'x'\nflavour = 1\n", `unknown key "rules.flavour"`},
		{"duplicate of a built-in", "[[rules]]\nid = \"github-pat\"\nregex = 'x'\n", `rule "github-pat": duplicate rule id`},
		{"bad secret group", "[[rules]]\nid = \"g\"\nregex = '(a)'\nsecretGroup = 3\n", "secretGroup 3 out of range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rules.toml")
			if err := os.WriteFile(path, []byte(tc.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := scan.New(scan.Config{ExtraRulesFile: path})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %v, want one line containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			found := s.ScanBytes("src/a.go", []byte(`tok := "acme_k3j4h5g6f7d8s9a0q1w2e3r4"`+"\n"))
			if len(found) != 1 || found[0].Rule != "acme-internal-token" {
				t.Errorf("extra rule: %+v", found)
			}
			for _, neg := range []struct{ path, text string }{
				{"src/a.go", `tok := "acme_test0000sandbox11112222"`},
				{"src/b.go", `tok := "acme_sandboxk3j4h5g6f7d8s9a0"`},
				{"fixtures/a.go", `tok := "acme_k3j4h5g6f7d8s9a0q1w2e3r4"`},
			} {
				if fs := s.ScanBytes(neg.path, []byte(neg.text+"\n")); len(fs) != 0 {
					t.Errorf("allowlisted %s %s reported: %+v", neg.path, neg.text, fs)
				}
			}
		})
	}
	if _, err := scan.New(scan.Config{ExtraRulesFile: filepath.Join(t.TempDir(), "none.toml")}); err == nil {
		t.Error("missing rules file: no error")
	}
	if _, err := scan.New(scan.Config{Exclude: []string{"[unclosed"}}); err == nil {
		t.Error("bad exclude glob: no error")
	}
}
