package scan_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gov-policy/gov/internal/gittest"
	"github.com/gov-policy/gov/patch"
	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

// p12 is binary content as a PKCS#12 file starts (a DER SEQUENCE, version
// 3) with random bytes and NULs after it.
func p12(g *scantest.Gen) string {
	return "0\x82\x0a\x1f\x02\x01\x03\x00" + g.S(scantest.B64, 200) + "\x00"
}

// TestFileRuleEveryEntryPoint: a PKCS#12 key store is binary, which text
// rules skip; it is reported by name from a single file, a directory, a
// patch and a history (both history readers), and a look-alike name is not.
func TestFileRuleEveryEntryPoint(t *testing.T) {
	g := scantest.New(5)
	s := newScanner(t, scan.Config{})
	rules := func(fs []scan.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Rule+"@"+f.File)
			if f.Rule == "pkcs12-file" && f.Masked != "(whole file)" {
				t.Errorf("masked %q", f.Masked)
			}
		}
		return out
	}
	t.Run("bytes", func(t *testing.T) {
		got := rules(s.ScanBytes("certs/client.P12", []byte(p12(g))))
		if !slices.Equal(got, []string{"pkcs12-file@certs/client.P12"}) {
			t.Errorf("got %v", got)
		}
		for _, name := range []string{"certs/p12.go", "docs/pfx.md", "a.p12.sig", "x.pfxz"} {
			if fs := s.ScanBytes(name, []byte("package x\n")); len(fs) != 0 {
				t.Errorf("%s reported: %v", name, fs)
			}
		}
	})
	t.Run("dir", func(t *testing.T) {
		root := t.TempDir()
		gittest.WriteFiles(t, root, map[string]string{"certs/server.pfx": p12(g), "certs/readme.txt": "see server.pfx\n",
			"testdata/x.p12": p12(g)})
		fs, st, err := newScanner(t, scan.Config{Exclude: []string{"testdata/**"}}).ScanDirStats(context.Background(), root)
		if err != nil {
			t.Fatal(err)
		}
		if got := rules(fs); !slices.Equal(got, []string{"pkcs12-file@certs/server.pfx"}) || st.SkippedBinary != 1 {
			t.Errorf("got %v, stats %+v", got, st)
		}
	})
	t.Run("patch", func(t *testing.T) {
		p := &patch.Patch{Files: []patch.File{
			{Path: "deploy/signing.p12", Status: patch.StatusAdded, Binary: true},
			{Path: "old/gone.p12", Status: patch.StatusDeleted, Binary: true},
		}}
		if got := rules(s.ScanPatch(p)); !slices.Equal(got, []string{"pkcs12-file@deploy/signing.p12"}) {
			t.Errorf("got %v", got)
		}
	})
	history := func(t *testing.T) {
		repo := gittest.New(t)
		repo.Commit("add", map[string]string{"keys/app.p12": p12(g)})
		repo.Commit("change", map[string]string{"keys/app.p12": p12(g)})
		fs, err := s.ScanGit(context.Background(), repo.Dir, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := rules(fs); !slices.Equal(got, []string{"pkcs12-file@keys/app.p12"}) {
			t.Errorf("got %v", got)
		}
	}
	t.Run("history", history)
	t.Run("history go-git", func(t *testing.T) { scan.UseGoGit(t); history(t) })
}
