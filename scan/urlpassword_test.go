package scan_test

import (
	"strings"
	"testing"

	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

// TestURLPasswordWholeWords: a default password is dropped only when it is
// the whole password; a real one that contains "root", "pass" or "user" is
// reported.
func TestURLPasswordWholeWords(t *testing.T) {
	s := newScanner(t, scan.Config{})
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"postgres://app:Rootbeer9xQ7vLk@db.internal:5432/app", true},
		{"mysql://svc:Passat2019xQ7@10.0.0.5/shop", true},
		{"redis://user123:pass456@cache:6379/0", true},
		{"amqp://bot:Adminq8Zr2kLw@mq:5672/", true},
		{"postgres://app:password@db:5432/app", false},
		{"postgres://app:Postgres@db:5432/app", false},
		{"mysql://root:root@localhost/db", false},
		{"redis://:changeme@cache:6379", false},
		{"postgres://app:${DB_PASSWORD}@db/app", false},
	} {
		fs := s.ScanBytes("config/app.yaml", []byte("url: "+tc.url+"\n"))
		if got := len(fs) == 1; got != tc.want {
			t.Errorf("%s: reported %v, want %v (%+v)", tc.url, got, tc.want, fs)
		}
	}
}

// TestMaskedKeyIsOneLine: a private key's body starts with a newline; its
// masked preview must not, or it breaks the text report's table.
func TestMaskedKeyIsOneLine(t *testing.T) {
	s := newScanner(t, scan.Config{})
	gen := scantest.New(5)
	for _, sample := range gen.Positives() {
		text := scantest.Render("yaml", sample) + "\n"
		for _, f := range s.ScanBytes("k.yaml", []byte(text)) {
			if strings.ContainsAny(f.Masked, "\n\r\t") || strings.HasPrefix(f.Masked, " ") || f.Masked == "" {
				t.Errorf("%s: masked %q is not one line", f.Rule, f.Masked)
			}
		}
	}
}

// TestKeyBodyWithXRunIsReported: a real key body may hold "xxXx" by chance
// (about 1 key in 1,000); that is not a placeholder, and the key must be
// reported. Only a body of repeated characters is a stand-in.
func TestKeyBodyWithXRunIsReported(t *testing.T) {
	s := newScanner(t, scan.Config{})
	gen := scantest.New(31)
	body := gen.S(scantest.B64, 600) + "xxXx" + gen.S(scantest.B64, 200)
	var b strings.Builder
	for len(body) > 64 {
		b.WriteString(body[:64] + "\n")
		body = body[64:]
	}
	b.WriteString(body + "\n")
	for _, label := range []string{"RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY"} {
		text := "-----BEGIN " + label + "-----\n" + b.String() + "-----END " + label + "-----\n"
		if fs := s.ScanBytes("id_key", []byte(text)); len(fs) != 1 {
			t.Errorf("%s with an xxXx run: %d findings, want 1", label, len(fs))
		}
	}
}
