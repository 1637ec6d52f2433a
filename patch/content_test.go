package patch

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoDir is the pre-patch work tree the sample patches apply to.
const repoDir = "../testdata/repo"

// treeDigest hashes every path and content under dir, to prove LoadContent
// never writes.
func treeDigest(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		h.Write([]byte(p + "\x00"))
		h.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(h.Sum(nil))
}

// TestLoadContentLinesAgree checks, for every sample that applies to the
// sample repo, that each added line is the text at its number in the new
// content and each removed line the text at its number in the old file.
func TestLoadContentLinesAgree(t *testing.T) {
	before := treeDigest(t, repoDir)
	for _, name := range []string{"python-null-check.diff", "go-error-handling.diff", "k8s-manifest.diff",
		"dependency-bump.diff", "delete-test.diff", "workflow-change.diff", "auth-change.diff", "rename.diff", "binary-change.diff"} {
		t.Run(name, func(t *testing.T) {
			p, err := Parse(readPatch(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := p.LoadContent(repoDir); err != nil {
				t.Fatal(err)
			}
			for _, f := range p.Files {
				if f.Status == StatusDeleted || f.Binary {
					if f.NewContent != nil || f.Parsed != nil {
						t.Errorf("%s (%s, binary=%v) got content", f.Path, f.Status, f.Binary)
					}
					continue
				}
				if f.NewContent == nil {
					t.Fatalf("%s: no new content", f.Path)
				}
				newLines := strings.Split(*f.NewContent, "\n")
				for _, l := range f.Added {
					if got := newLines[l.Line-1]; got != l.Text {
						t.Errorf("%s: new line %d = %q, added says %q", f.Path, l.Line, got, l.Text)
					}
				}
				old := f.Path
				if f.OldPath != "" {
					old = f.OldPath
				}
				oldContent, err := os.ReadFile(filepath.Join(repoDir, old))
				if err != nil {
					t.Fatal(err)
				}
				oldLines := strings.Split(string(oldContent), "\n")
				for _, l := range f.Removed {
					if got := oldLines[l.Line-1]; got != l.Text {
						t.Errorf("%s: old line %d = %q, removed says %q", old, l.Line, got, l.Text)
					}
				}
			}
		})
	}
	if treeDigest(t, repoDir) != before {
		t.Error("LoadContent changed the repository directory")
	}
}

// lookup walks a decoded document along keys (string) and indexes (int).
func lookup(v any, path ...any) any {
	for _, k := range path {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestLoadContentParsed(t *testing.T) {
	tests := []struct {
		patch, file string
		path        []any
		want        any
	}{
		{"k8s-manifest.diff", "deploy/k8s/api-deployment.yaml", []any{0, "spec", "replicas"}, 4},
		{"k8s-manifest.diff", "deploy/k8s/api-deployment.yaml",
			[]any{0, "spec", "template", "spec", "containers", 0, "resources", "limits", "memory"}, "512Mi"},
		{"k8s-manifest.diff", "deploy/k8s/api-deployment.yaml", []any{1, "kind"}, "Service"},
		{"dependency-bump.diff", "services/web/package.json", []any{"version"}, "2.3.2"},
		{"dependency-bump.diff", "services/web/package.json", []any{"dependencies", "express"}, "4.19.2"},
		{"dependency-bump.diff", "services/web/package-lock.json", []any{"lockfileVersion"}, json.Number("3")},
		{"workflow-change.diff", ".github/workflows/ci.yml", []any{"permissions", "contents"}, "write"},
		{"workflow-change.diff", ".github/workflows/ci.yml", []any{"jobs", "test", "steps", 4, "env", "TOKEN"},
			"${{ secrets.DEPLOY_TOKEN }}"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.file, tt.path), func(t *testing.T) {
			p, err := Parse(readPatch(t, tt.patch))
			if err != nil {
				t.Fatal(err)
			}
			if err := p.LoadContent(repoDir); err != nil {
				t.Fatal(err)
			}
			for _, f := range p.Files {
				if f.Path != tt.file {
					continue
				}
				if f.ParseError != "" {
					t.Fatalf("parse error: %s", f.ParseError)
				}
				if got := lookup(f.Parsed, tt.path...); got != tt.want {
					t.Errorf("%v = %#v, want %#v", tt.path, got, tt.want)
				}
				return
			}
			t.Fatalf("no file %s in patch", tt.file)
		})
	}
}

func TestLoadContentErrors(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"svc/app.py":  "a = 1\nb = 2\nc = 3\n",
		"svc/seen.py": "x\n",
	}
	for name, content := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mod := func(path, hunk string) string {
		return "diff --git a/" + path + " b/" + path + "\nindex 1111111..2222222 100644\n--- a/" + path + "\n+++ b/" + path + "\n" + hunk
	}
	tests := []struct {
		name, diff, want string
	}{
		{"context mismatch", mod("svc/app.py", "@@ -2,2 +2,2 @@\n b = 2\n-c = 4\n+c = 5\n"),
			"svc/app.py:3: patch does not apply (hunk 1, hunk line 2): conflict: fragment line does not match src line"},
		{"missing old file", mod("svc/gone.py", "@@ -1 +1 @@\n-a\n+b\n"),
			"svc/gone.py: patch does not apply: file not found in repository"},
		{"added file exists", newFileDiff("svc/seen.py", "y"), "svc/seen.py: patch does not apply: file already exists"},
		{"hunk beyond end of file", mod("svc/app.py", "@@ -10 +10 @@\n-a\n+b\n"),
			"svc/app.py:4: patch does not apply (hunk 1): conflict: src has fewer lines than required by fragment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.diff))
			if err != nil {
				t.Fatal(err)
			}
			err = p.LoadContent(dir)
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q\nwant    %q", err, tt.want)
			}
		})
	}
	t.Run("patch not built by Parse", func(t *testing.T) {
		p := &Patch{Files: []File{{Path: "x", Status: StatusModified}}}
		if err := p.LoadContent(dir); !errors.Is(err, errNotParsed) {
			t.Errorf("error = %v, want %v", err, errNotParsed)
		}
	})
	t.Run("missing repository", func(t *testing.T) {
		p, err := Parse(readPatch(t, "auth-change.diff"))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.LoadContent(filepath.Join(dir, "nope")); err == nil || !strings.HasPrefix(err.Error(), "repository ") {
			t.Errorf("error = %v, want repository ...", err)
		}
	})
}

func TestLoadContentWithoutHunks(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "cfg"), 0o755); err != nil {
		t.Fatal(err)
	}
	const base = "port = 8080\n"
	if err := os.WriteFile(filepath.Join(dir, "cfg", "base.toml"), []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, diff, want string }{
		{"pure rename", "diff --git a/cfg/base.toml b/cfg/new.toml\nsimilarity index 100%\nrename from cfg/base.toml\nrename to cfg/new.toml\n", base},
		{"copy", "diff --git a/cfg/base.toml b/cfg/prod.toml\nsimilarity index 100%\ncopy from cfg/base.toml\ncopy to cfg/prod.toml\n", base},
		{"mode only", "diff --git a/cfg/base.toml b/cfg/base.toml\nold mode 100644\nnew mode 100755\n", base},
		{"empty new file", "diff --git a/cfg/empty.toml b/cfg/empty.toml\nnew file mode 100644\nindex 000000000000..e69de29bb2d1\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.diff))
			if err != nil {
				t.Fatal(err)
			}
			if err := p.LoadContent(dir); err != nil {
				t.Fatal(err)
			}
			f := p.Files[0]
			if f.NewContent == nil || *f.NewContent != tt.want {
				t.Fatalf("new content = %v, want %q", f.NewContent, tt.want)
			}
			if tt.want != "" && lookup(f.Parsed, "port") != int64(8080) {
				t.Errorf("parsed = %#v, want port 8080", f.Parsed)
			}
		})
	}
}
