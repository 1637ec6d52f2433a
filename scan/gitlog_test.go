package scan_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gov-policy/gov/internal/gittest"
	"github.com/gov-policy/gov/scan"
	"github.com/gov-policy/gov/scan/scantest"
)

// bothHistoryPaths runs f over the git binary and over go-git.
func bothHistoryPaths(t *testing.T, f func(t *testing.T)) {
	t.Run("git binary", f)
	t.Run("go-git", func(t *testing.T) { scan.UseGoGit(t); f(t) })
}

func findingsAt(fs []scan.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+"@"+f.File+":"+itoa(f.Line))
	}
	return out
}

// TestScanGitAttributesCannotHideSecrets: a committed .gitattributes that
// marks files binary or -diff must not hide their added lines from the
// history scan (git log would print "Binary files differ").
func TestScanGitAttributesCannotHideSecrets(t *testing.T) {
	bothHistoryPaths(t, func(t *testing.T) {
		key := "ghp_" + scantest.New(21).S(scantest.Alnum, 36)
		repo := gittest.New(t)
		repo.Commit("attrs", map[string]string{".gitattributes": "* -diff\n*.py binary\n", "a.py": "A = 1\n"})
		repo.Commit("leak", map[string]string{"a.py": "A = 1\nTOKEN = \"" + key + "\"\n", "b.cfg": "token: " + key + "\n"})
		fs, err := newScanner(t, scan.Config{}).ScanGit(context.Background(), repo.Dir, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(findingsAt(fs), " ")
		if got != "github-pat@a.py:2 github-pat@b.cfg:1" {
			t.Errorf("findings %q, want the token in a.py:2 and b.cfg:1", got)
		}
	})
}

// TestScanGitEnvCannotRedirect: GIT_DIR in the environment (a hook, a CI
// step) must not make the scan read another repository than the one named.
func TestScanGitEnvCannotRedirect(t *testing.T) {
	key := "ghp_" + scantest.New(22).S(scantest.Alnum, 36)
	leaky := gittest.New(t)
	leaky.Commit("leak", map[string]string{"a.py": "TOKEN = \"" + key + "\"\n"})
	clean := gittest.New(t)
	clean.Commit("clean", map[string]string{"a.py": "A = 1\n"})
	t.Setenv("GIT_DIR", filepath.Join(clean.Dir, ".git"))
	fs, err := newScanner(t, scan.Config{}).ScanGit(context.Background(), leaky.Dir, "", nil)
	if err != nil || len(fs) != 1 {
		t.Fatalf("findings %v, err %v: want the leaky repository's one secret", findingsAt(fs), err)
	}
}

// TestScanGitRangeIsNotAnOption: a range that looks like a git option is a
// revision that does not exist, not a flag passed to git.
func TestScanGitRangeIsNotAnOption(t *testing.T) {
	repo := gittest.New(t)
	repo.Commit("c", map[string]string{"a.py": "A = 1\n"})
	out := filepath.Join(t.TempDir(), "written")
	for _, spec := range []string{"--output=" + out, "--all..--output=" + out, "HEAD..--output=" + out} {
		_, err := newScanner(t, scan.Config{}).ScanGit(context.Background(), repo.Dir, spec, nil)
		if err == nil || !strings.Contains(err.Error(), "revision") {
			t.Errorf("%s: err %v, want an unknown revision", spec, err)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("git wrote the --output file: the range reached git as an option")
	}
}

// TestScanGitUnknownRevision: a revision past the root names itself instead
// of go-git's bare "EOF".
func TestScanGitUnknownRevision(t *testing.T) {
	bothHistoryPaths(t, func(t *testing.T) {
		repo := gittest.New(t)
		repo.Commit("c", map[string]string{"a.py": "A = 1\n"})
		for _, spec := range []string{"HEAD~5", "HEAD~5..HEAD", "HEAD^2", "nosuch"} {
			_, err := newScanner(t, scan.Config{}).ScanGit(context.Background(), repo.Dir, spec, nil)
			if err == nil || !strings.Contains(err.Error(), "git revision") || strings.HasSuffix(err.Error(), "EOF") {
				t.Errorf("%s: err %v, want one naming the revision", spec, err)
			}
		}
	})
}

// TestScanGitPathsAndExcludes: quoted paths (spaces, non-ASCII), excluded
// paths, deletions, renames and binary files in history.
func TestScanGitPathsAndExcludes(t *testing.T) {
	bothHistoryPaths(t, func(t *testing.T) {
		gen := scantest.New(23)
		k1 := "npm_" + gen.S(scantest.Alnum, 36)
		k2 := "npm_" + gen.S(scantest.Alnum, 36)
		repo := gittest.New(t)
		repo.Commit("one", map[string]string{
			"dir with space/é.yaml": "a: 1\nt: " + k1 + "\n",
			"testdata/fix.py":       "t = \"" + k2 + "\"\n",
			"img.bin":               "\x00\x01t = \"" + k2 + "\"\n",
			"moved.py":              "x = 1\ny = \"" + k2 + "\"\n",
		})
		repo.Commit("two", map[string]string{"dir with space/é.yaml": "a: 2\nt: " + k1 + "\n"})
		s := newScanner(t, scan.Config{Exclude: []string{"testdata/**"}})
		fs, st, err := s.ScanGitStats(context.Background(), repo.Dir, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(findingsAt(fs), " ")
		if got != "npm-access-token@dir with space/é.yaml:2 npm-access-token@moved.py:2" {
			t.Errorf("findings %q", got)
		}
		if st.Commits != 2 || st.SkippedBinary != 1 {
			t.Errorf("stats %+v, want 2 commits and 1 binary skipped", st)
		}
	})
}
