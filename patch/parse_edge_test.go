package patch

import (
	"errors"
	"strings"
	"testing"
)

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name  string
		diff  string
		files []wantFile
	}{
		{
			name: "traditional unified diff with a/ b/ and timestamps",
			diff: "--- a/app/main.py\t2024-05-01 10:00:00.000000000 +0000\n" +
				"+++ b/app/main.py\t2024-05-01 10:05:00.000000000 +0000\n" +
				"@@ -1,2 +1,2 @@\n import os\n-x = 1\n+x = 2\n",
			files: []wantFile{{path: "app/main.py", status: StatusModified, language: "python", nAdded: 1, nRemoved: 1,
				added: map[int]Line{0: {2, "x = 2"}}, removed: map[int]Line{0: {2, "x = 1"}}}},
		},
		{
			name: "diff -u of two trees",
			diff: "--- old/lib/util.rb\n+++ new/lib/util.rb\n@@ -3 +3 @@\n-  true\n+  false\n",
			files: []wantFile{{path: "lib/util.rb", status: StatusModified, language: "ruby", nAdded: 1, nRemoved: 1,
				added: map[int]Line{0: {3, "  false"}}}},
		},
		{
			name: "traditional new file from /dev/null",
			diff: "--- /dev/null\n+++ b/Dockerfile\n@@ -0,0 +1,2 @@\n+FROM alpine:3.20\n+RUN apk add curl\n",
			files: []wantFile{{path: "Dockerfile", status: StatusAdded, language: "dockerfile", nAdded: 2,
				added: map[int]Line{1: {2, "RUN apk add curl"}}}},
		},
		{
			name: "git new file",
			diff: "diff --git a/infra/main.tf b/infra/main.tf\nnew file mode 100644\nindex 000000000000..3b18e512dba7\n" +
				"--- /dev/null\n+++ b/infra/main.tf\n@@ -0,0 +1 @@\n+resource \"null_resource\" \"x\" {}\n",
			files: []wantFile{{path: "infra/main.tf", status: StatusAdded, language: "terraform", nAdded: 1,
				added: map[int]Line{0: {1, `resource "null_resource" "x" {}`}}}},
		},
		{
			name: "CRLF lines lose their carriage return and no newline at end of file",
			diff: "diff --git a/a.txt b/a.txt\nindex 1111111..2222222 100644\n--- a/a.txt\n+++ b/a.txt\n" +
				"@@ -1,2 +1,2 @@\n one\r\n-two\r\n+three\n\\ No newline at end of file\n",
			files: []wantFile{{path: "a.txt", status: StatusModified, nAdded: 1, nRemoved: 1,
				added: map[int]Line{0: {2, "three"}}, removed: map[int]Line{0: {2, "two"}}}},
		},
		{
			name: "whole patch with CRLF line endings",
			diff: "diff --git a/b.go b/b.go\r\nindex 1111111..2222222 100644\r\n--- a/b.go\r\n+++ b/b.go\r\n" +
				"@@ -1 +1 @@\r\n-package a\r\n+package b\r\n",
			files: []wantFile{{path: "b.go", status: StatusModified, language: "go", nAdded: 1, nRemoved: 1,
				added: map[int]Line{0: {1, "package b"}}}},
		},
		{
			name:  "mode-only change",
			diff:  "diff --git a/scripts/deploy.sh b/scripts/deploy.sh\nold mode 100644\nnew mode 100755\n",
			files: []wantFile{{path: "scripts/deploy.sh", status: StatusModified, language: "shell"}},
		},
		{
			name:  "empty new file",
			diff:  "diff --git a/pkg/__init__.py b/pkg/__init__.py\nnew file mode 100644\nindex 000000000000..e69de29bb2d1\n",
			files: []wantFile{{path: "pkg/__init__.py", status: StatusAdded, language: "python"}},
		},
		{
			name:  "copy",
			diff:  "diff --git a/cfg/base.toml b/cfg/prod.toml\nsimilarity index 100%\ncopy from cfg/base.toml\ncopy to cfg/prod.toml\n",
			files: []wantFile{{path: "cfg/prod.toml", oldPath: "cfg/base.toml", status: StatusCopied, language: "toml"}},
		},
		{
			name:  "binary without data",
			diff:  "diff --git a/img/a.gif b/img/a.gif\nindex 1111111..2222222 100644\nBinary files a/img/a.gif and b/img/a.gif differ\n",
			files: []wantFile{{path: "img/a.gif", status: StatusModified, binary: true}},
		},
		{
			name: "git headers after a commit message",
			diff: "From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] fix\n\n---\n" +
				"diff --git a/go.mod b/go.mod\nindex 1111111..2222222 100644\n--- a/go.mod\n+++ b/go.mod\n@@ -1 +1 @@\n-go 1.25\n+go 1.26\n",
			files: []wantFile{{path: "go.mod", status: StatusModified, nAdded: 1, nRemoved: 1, added: map[int]Line{0: {1, "go 1.26"}}}},
		},
		{
			name:  "a git path that starts with b/ keeps it",
			diff:  "diff --git a/b/x.js b/b/x.js\nindex 1111111..2222222 100644\n--- a/b/x.js\n+++ b/b/x.js\n@@ -1 +1 @@\n-a\n+b\n",
			files: []wantFile{{path: "b/x.js", status: StatusModified, language: "javascript", nAdded: 1, nRemoved: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.diff))
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Files) != len(tt.files) {
				t.Fatalf("got %d files, want %d", len(p.Files), len(tt.files))
			}
			for i, w := range tt.files {
				checkFile(t, p.Files[i], w)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const head = "diff --git a/x.py b/x.py\nindex 1111111..2222222 100644\n--- a/x.py\n+++ b/x.py\n"
	tests := []struct {
		name    string
		diff    string
		is      error
		message string // exact error text
	}{
		{"empty", "", ErrEmpty, "patch is empty: no file changes found"},
		{"whitespace only", " \n\t\n\n", ErrEmpty, "patch is empty: no file changes found"},
		{"git header without changes", "diff --git a/x.py b/x.py\n", ErrEmpty, "patch is empty: no file changes found"},
		{"commit without changes", "From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nSubject: empty\n",
			ErrEmpty, "patch is empty: no file changes found"},
		{"plain code", "def f(x):\n    return x.y\n", ErrNotDiff,
			`not a unified diff: no "diff --git" or "---"/"+++" file header found`},
		{"truncated hunk", head + "@@ -1,3 +1,3 @@\n a\n-b\n", ErrMalformed,
			"malformed diff: line 5: fragment header miscounts lines: -1 old, -2 new"},
		{"hunk without file header", "@@ -1 +1 @@\n-a\n+b\n", ErrMalformed,
			"malformed diff: line 1: patch fragment without file header"},
		{"bad hunk header", head + "@@ -1,x +1 @@\n-a\n+b\n", ErrMalformed,
			"malformed diff: line 5: invalid fragment header: bad end of range"},
		{"bad line operation", head + "@@ -1,2 +1,2 @@\n a\n*b\n", ErrMalformed,
			"malformed diff: line 7: invalid line operation"},
		{"negative start", head + "@@ --3,1 +1 @@\n-a\n+b\n", ErrMalformed,
			"malformed diff: file 1: hunk 1: position or count -3 out of range"},
		{"start beyond range", head + "@@ -1 +9999999999 @@\n-a\n+b\n", ErrMalformed,
			"malformed diff: file 1: hunk 1: position or count 9999999999 out of range"},
		{"new lines at line 0", head + "@@ -1 +0,1 @@\n-a\n+b\n", ErrMalformed,
			"malformed diff: file 1: hunk 1: new range starts at line 0 but has lines"},
		{"dot component", "--- /dev/null\n+++ b/./.github/workflows/x.yml\n@@ -0,0 +1 @@\n+on: push\n", ErrMalformed,
			`malformed diff: file 1: file path is not canonical (".", ".." or empty components)`},
		{"dot-dot component", "diff --git a/docs/../.github/x.yml b/docs/../.github/x.yml\nnew file mode 100644\n--- /dev/null\n+++ b/docs/../.github/x.yml\n@@ -0,0 +1 @@\n+on: push\n", ErrMalformed,
			`malformed diff: file 1: file path is not canonical (".", ".." or empty components)`},
		{"names differ", "--- a/.github/workflows/d.yml\n+++ b/docs/d.yml\n@@ -1 +1 @@\n-a\n+b\n", ErrMalformed,
			"malformed diff: line 1: ---/+++ names differ without a rename header"},
		{"invalid UTF-8", head + "@@ -1 +1 @@\n-a\n+caf\xe9\n", ErrInvalidUTF8, "invalid UTF-8 at line 7"},
		{"invalid UTF-8 on line 1", "\xff\xfe", ErrInvalidUTF8, "invalid UTF-8 at line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.diff))
			if err == nil {
				t.Fatalf("no error, got %d files", len(p.Files))
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %q", err, tt.is)
			}
			if err.Error() != tt.message {
				t.Errorf("error = %q\nwant    %q", err, tt.message)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}
