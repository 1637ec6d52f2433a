package evidence

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"

	"github.com/gov-policy/gov/internal/gittest"
)

// testRepo makes a repository with two commits and returns its path and
// the commits' SHAs.
func testRepo(t *testing.T) (string, []string) {
	t.Helper()
	r := gittest.New(t)
	var shas []string
	for _, content := range []string{"x = 1\n", "x = 2\n"} {
		shas = append(shas, r.Commit("change", map[string]string{"app.py": content}))
	}
	return r.Dir, shas
}

func TestNotes(t *testing.T) {
	dir, shas := testRepo(t)
	when := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		name, rev, bundle string
	}{
		{name: "first note on HEAD", rev: "HEAD", bundle: `{"n":1}`},
		{name: "second bundle appended", rev: shas[1], bundle: `{"n":2}`},
		{name: "note on another commit", rev: shas[0], bundle: `{"n":3}`},
	}
	for _, s := range steps {
		if _, err := AddNote(dir, s.rev, []byte(s.bundle), when); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	for _, tc := range []struct {
		name, rev string
		want      []string
	}{
		{name: "head has two bundles", rev: shas[1], want: []string{`{"n":1}`, `{"n":2}`}},
		{name: "first commit has one", rev: shas[0], want: []string{`{"n":3}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadNotes(dir, tc.rev)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d bundles %q, want %q", len(got), got, tc.want)
			}
			for i := range got {
				if string(got[i]) != tc.want[i] {
					t.Errorf("bundle %d = %s, want %s", i, got[i], tc.want[i])
				}
			}
		})
	}
	// The notes ref has one commit per note added, each the parent of the next.
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := repo.Reference(NotesRef, true)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for h := ref.Hash(); ; n++ {
		c, err := repo.CommitObject(h)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.ParentHashes) == 0 {
			break
		}
		h = c.ParentHashes[0]
	}
	if n+1 != len(steps) {
		t.Errorf("%d notes commits, want %d", n+1, len(steps))
	}
	// git itself reads the notes, where git is installed.
	if _, err := exec.LookPath("git"); err != nil {
		t.Log("git is not installed: `git notes show` not checked")
		return
	}
	out, err := exec.Command("git", "-C", dir, "notes", "--ref", "gov", "show", shas[1]).CombinedOutput()
	if err != nil {
		t.Fatalf("git notes show: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "{\"n\":1}\n{\"n\":2}" {
		t.Errorf("git notes show = %q", got)
	}
	out, err = exec.Command("git", "-C", dir, "fsck", "--strict").CombinedOutput()
	if err != nil {
		t.Errorf("git fsck: %v: %s", err, out)
	}
}

func TestNoteErrors(t *testing.T) {
	dir, _ := testRepo(t)
	for _, tc := range []struct {
		name, repo, rev, bundle, want string
	}{
		{name: "not a repository", repo: t.TempDir(), rev: "HEAD", bundle: "{}", want: "repository does not exist"},
		{name: "unknown commit", repo: dir, rev: "nope", bundle: "{}", want: "git note: " + dir + "@nope"},
		{name: "multi-line bundle", repo: dir, rev: "HEAD", bundle: "{\n}", want: "one non-empty line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := AddNote(tc.repo, tc.rev, []byte(tc.bundle), time.Now())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	if got, err := ReadNotes(dir, "HEAD"); err != nil || got != nil {
		t.Errorf("no notes: %q, %v", got, err)
	}
}
