package scan_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gov-policy/gov/internal/gittest"
	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

func TestScanDir(t *testing.T) {
	gen := scantest.New(9)
	key := "npm_" + gen.S(scantest.Alnum, 36)
	line := "token = \"" + key + "\"\n"
	root := t.TempDir()
	gittest.WriteFiles(t, root, map[string]string{
		"src/app.py":          "import os\n" + line,
		"src/deep/x/cfg.yaml": "a: 1\n" + line,
		"testdata/fixture.py": line,
		"docs/readme.md":      line,
		".git/config":         line,
		"node_modules/m/i.js": line,
		"clean.go":            "package main\n",
		"big/blob.bin":        "\x00\x01" + line,
	})
	s := newScanner(t, scan.Config{Exclude: []string{"testdata/**", "*.md"}})
	fs, st, err := s.ScanDirStats(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.File+":"+itoa(f.Line))
	}
	want := []string{"src/app.py:2", "src/deep/x/cfg.yaml:2"}
	if !slices.Equal(got, want) {
		t.Errorf("findings at %v, want %v", got, want)
	}
	if st.Files != 3 || st.SkippedBinary != 1 || st.Bytes == 0 {
		t.Errorf("stats %+v, want 3 files scanned and 1 binary skipped", st)
	}
	// A single file as root is named by its base name.
	one, err := s.ScanDir(context.Background(), filepath.Join(root, "src", "app.py"))
	if err != nil || len(one) != 1 || one[0].File != "app.py" {
		t.Errorf("single file: %+v, %v", one, err)
	}
	if _, err := s.ScanDir(context.Background(), filepath.Join(root, "missing")); err == nil {
		t.Error("missing root: no error")
	}
}

// TestScanGit builds a history: commit 1 clean, commit 2 adds a secret,
// commit 3 removes it, commit 4 adds an unrelated line. It runs over the
// git binary and over the go-git fallback.
func TestScanGit(t *testing.T) {
	t.Run("git binary", testScanGit)
	t.Run("go-git", func(t *testing.T) { scan.UseGoGit(t); testScanGit(t) })
}

func testScanGit(t *testing.T) {
	gen := scantest.New(10)
	key := "dckr_pat_" + gen.S(scantest.B64URL, 27)
	repo := gittest.New(t)
	dir := repo.Dir
	c1 := repo.Commit("change", map[string]string{"app/config.py": "A = 1\nB = 2\n"})
	c2 := repo.Commit("change", map[string]string{"app/config.py": "A = 1\nDOCKER = \"" + key + "\"\nB = 2\n"})
	c3 := repo.Commit("change", map[string]string{"app/config.py": "A = 1\nB = 2\n"})
	c4 := repo.Commit("change", map[string]string{"app/other.py": "C = 3\n"})
	s := newScanner(t, scan.Config{})
	cases := []struct {
		name, spec string
		want       []string // commit:file:line
		commits    int
	}{
		{"all history", "", []string{c2 + ":app/config.py:2"}, 4},
		{"range covering the add", c1 + ".." + c4, []string{c2 + ":app/config.py:2"}, 3},
		{"range after the add", c2 + ".." + c4, nil, 2},
		{"range ending at the add", c1 + ".." + c2, []string{c2 + ":app/config.py:2"}, 1},
		{"open range to HEAD", c3 + "..", nil, 1},
		{"single revision", c2, []string{c2 + ":app/config.py:2"}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls, total int
			fs, st, err := s.ScanGitStats(context.Background(), dir, tc.spec, func(done, n int) { calls, total = done, n })
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.Commit+":"+f.File+":"+itoa(f.Line))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if st.Commits != tc.commits || calls != tc.commits || total != tc.commits {
				t.Errorf("commits %d, progress %d/%d, want %d", st.Commits, calls, total, tc.commits)
			}
		})
	}
	if _, err := s.ScanGit(context.Background(), dir, "nope..HEAD", nil); err == nil {
		t.Error("bad revision: no error")
	}
	if _, err := s.ScanGit(context.Background(), t.TempDir(), "", nil); err == nil {
		t.Error("not a repository: no error")
	}
}
