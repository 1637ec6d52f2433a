package github

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/gov-policy/gov/approvals"
)

// A co-author never approves a change. GitHub links a commit to its
// author and committer only; Co-authored-by trailers are read from the
// commit messages here. A trailer with a GitHub noreply address
// (ID+LOGIN@users.noreply.github.com) names the account by id; any other
// trailer is kept unresolved: a reviewer whose login matches its name or
// email is not counted, and the decision notes list it.

var (
	trailerRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?im)^[ \t]*co-authored-by:[ \t]*(.*?)[ \t]*<([^<>\s]+)>[ \t]*$`)
	})
	noreplyRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)^(\d+)\+([a-z0-9-]+(?:\[bot\])?)@users\.noreply\.github\.com$`)
	})
)

// coAuthors reads the Co-authored-by trailers of commits: the account ids
// of the resolved ones (with their logins) and the unresolved trailers.
func coAuthors(commits []Commit) (ids []int64, logins []string, unresolved []approvals.CoAuthor) {
	seen := map[string]bool{}
	for _, c := range commits {
		for _, m := range trailerRE().FindAllStringSubmatch(c.Message, -1) {
			name, email := strings.TrimSpace(m[1]), m[2]
			k := strings.ToLower(email)
			if seen[k] {
				continue
			}
			seen[k] = true
			if n := noreplyRE().FindStringSubmatch(email); n != nil {
				if id, err := strconv.ParseInt(n[1], 10, 64); err == nil && id > 0 {
					ids, logins = append(ids, id), append(logins, n[2])
					continue
				}
			}
			unresolved = append(unresolved, approvals.CoAuthor{Name: name, Email: email})
		}
	}
	return ids, logins, unresolved
}

// coAuthorNotes says which trailers name no account gov can check.
func coAuthorNotes(f approvals.PR) []string {
	var out []string
	for _, c := range f.CoAuthorsUnresolved {
		out = append(out, fmt.Sprintf("Co-authored-by %s <%s> names no GitHub account gov can check (no ID+login@users.noreply.github.com address): a reviewer whose login matches it is not counted", c.Name, c.Email))
	}
	return out
}
