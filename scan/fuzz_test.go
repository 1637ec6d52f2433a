package scan_test

import (
	"bytes"
	"testing"

	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

// FuzzScanBytes: any input scans without panicking, deterministically, with
// findings located inside the input and masked.
func FuzzScanBytes(f *testing.F) {
	for _, s := range scantest.New(42).Positives() {
		f.Add([]byte(scantest.Render("yaml", s) + " # gov:allow " + s.Rule + " -- seed\n"))
	}
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\n\n-----END RSA PRIVATE KEY-----"))
	f.Add([]byte("password=\xff\xfe\x00AKIA"))
	s, err := scan.New(scan.Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a := s.ScanBytes("f.txt", data)
		b := s.ScanBytes("f.txt", data)
		if len(a) != len(b) {
			t.Fatalf("not deterministic: %d vs %d findings", len(a), len(b))
		}
		lines := bytes.Count(data, []byte{'\n'}) + 1
		for i, f := range a {
			if f != b[i] {
				t.Fatalf("not deterministic: %+v vs %+v", f, b[i])
			}
			if f.Line < 1 || f.Line > lines || f.Column < 1 || f.Masked == "" || len(f.Fingerprint) != 32 {
				t.Fatalf("bad finding %+v for %d lines", f, lines)
			}
		}
	})
}
