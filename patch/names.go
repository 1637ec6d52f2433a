package patch

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// checkNames refuses file names that are not canonical relative paths. A
// name like "./.github/workflows/x.yml" or "docs/../.github/x" is written by
// git apply or patch to a protected path that the path rules, which compare
// names literally, would not see. The names are never quoted: they may hold
// a secret.
func checkNames(gf *gitdiff.File) error {
	for _, name := range []string{gf.OldName, gf.NewName} {
		if name == "" {
			continue
		}
		if err := checkName(name); err != nil {
			return err
		}
	}
	return nil
}

func checkName(name string) error {
	switch {
	case strings.HasPrefix(name, "/"):
		return errors.New("absolute file path")
	case strings.Contains(name, `\`):
		return errors.New("file path with a backslash")
	case strings.ContainsRune(name, 0):
		return errors.New("file path with a NUL byte")
	case name == "." || name == ".." || strings.HasPrefix(name, "../") || path.Clean(name) != name:
		return errors.New("file path is not canonical (\".\", \"..\" or empty components)")
	}
	return nil
}

// gitdiffWord is one part of a go-gitdiff error message that is gov's or
// go-gitdiff's own text, not a piece of the input.
var gitdiffWord = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(line [0-9]+|[a-z]+( [a-z]+)+|[-+]?[0-9]+ old, [-+]?[0-9]+ new)$`)
})

// safeParseError keeps the line number and the fixed words of a go-gitdiff
// error and drops the rest: go-gitdiff quotes header lines, names and hunk
// headers, and any of them may hold a secret.
func safeParseError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "gitdiff: ")
	var kept []string
	for i, part := range strings.Split(msg, ": ") {
		if !gitdiffWord().MatchString(part) || (i > 0 && strings.HasPrefix(part, "line ")) {
			break
		}
		kept = append(kept, part)
	}
	if len(kept) == 0 {
		return "unreadable diff"
	}
	return strings.Join(kept, ": ")
}

// checkTraditionalNames refuses a ---/+++ header outside a git diff whose two
// names differ (after dropping one leading component). go-gitdiff keeps only
// one of them, while GNU patch -p1 may write to the other: deciding on one
// name would let a change to the other (say a workflow) go unseen.
func checkTraditionalNames(diff string) error {
	lines := strings.Split(diff, "\n")
	inGit := false
	for i := 0; i+2 < len(lines); i++ {
		if strings.HasPrefix(lines[i], "diff --git ") {
			inGit = true
			continue
		}
		if !strings.HasPrefix(lines[i], "--- ") || !strings.HasPrefix(lines[i+1], "+++ ") ||
			!strings.HasPrefix(lines[i+2], "@@ -") {
			continue
		}
		if !inGit {
			oldName, newName := headerName(lines[i][4:]), headerName(lines[i+1][4:])
			if oldName != "/dev/null" && newName != "/dev/null" && stripComponent(oldName) != stripComponent(newName) {
				return fmt.Errorf("%w: line %d: ---/+++ names differ without a rename header", ErrMalformed, i+1)
			}
		}
		inGit = false
		i += 2
	}
	return nil
}

// headerName is the name of a ---/+++ line without its timestamp.
func headerName(s string) string {
	s = strings.TrimSuffix(s, "\r")
	if name, _, ok := strings.Cut(s, "\t"); ok {
		return name
	}
	return s
}
