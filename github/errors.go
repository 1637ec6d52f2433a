package github

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"
)

// ErrNotFound is wrapped by errors for a repository, PR or team GitHub does
// not know (or does not show to these credentials).
var ErrNotFound = errors.New("not found")

// ErrDiffTooLarge is returned by CompareDiff when GitHub refuses to render
// the diff (too many files or lines); callers evaluate from CompareFiles instead.
var ErrDiffTooLarge = errors.New("GitHub will not return the diff of this PR (too large)")

// PermissionError says which permission the credentials lack.
type PermissionError struct {
	Op         string
	Status     int
	Permission string
	err        error
}

func (e *PermissionError) Error() string {
	if e.Status == http.StatusUnauthorized {
		return fmt.Sprintf("%s: GitHub rejected the credentials (401): check GITHUB_TOKEN or the GitHub App settings", e.Op)
	}
	return fmt.Sprintf("%s: forbidden (403): the credentials lack the permission %s", e.Op, e.Permission)
}

func (e *PermissionError) Unwrap() error { return e.err }

// opError is a GitHub error answer, said in one line.
type opError struct {
	msg string
	err error
}

func (e *opError) Error() string { return e.msg }
func (e *opError) Unwrap() error { return e.err }

// apiError turns a go-github error into one line naming the operation and,
// for 401/403, the permission needed (from GitHub's X-Accepted-* headers
// when present, else need).
func apiError(op, need string, err error) error {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return &opError{msg: op + ": " + rl.Error(), err: err}
	}
	var grl *gh.RateLimitError
	if errors.As(err, &grl) {
		return &opError{msg: fmt.Sprintf("%s: GitHub primary rate limit exhausted (%d requests/hour): resets at %s",
			op, grl.Rate.Limit, grl.Rate.Reset.UTC().Format(time.RFC3339)), err: err}
	}
	var abuse *gh.AbuseRateLimitError
	if errors.As(err, &abuse) {
		return &opError{msg: fmt.Sprintf("%s: GitHub secondary rate limit: %s", op, abuse.Message), err: err}
	}
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	switch code := er.Response.StatusCode; code {
	case http.StatusUnauthorized:
		return &PermissionError{Op: op, Status: code, Permission: "valid credentials", err: err}
	case http.StatusForbidden:
		return &PermissionError{Op: op, Status: code, Permission: acceptedPermission(er.Response.Header, need), err: err}
	case http.StatusNotFound:
		return &opError{msg: fmt.Sprintf("%s: not found (404): check the name and number, and that the credentials can read it", op), err: fmt.Errorf("%w: %w", ErrNotFound, err)}
	default:
		msg := er.Message
		if msg == "" {
			msg = http.StatusText(code)
		}
		return &opError{msg: fmt.Sprintf("%s: GitHub answered %d: %s", op, code, oneLine(msg)), err: err}
	}
}

// acceptedPermission reads the permission GitHub says the endpoint needs.
func acceptedPermission(h http.Header, need string) string {
	var parts []string
	if p := h.Get("X-Accepted-GitHub-Permissions"); p != "" {
		parts = append(parts, strings.ReplaceAll(p, "=", ":")+" (GitHub App or fine-grained token)")
	}
	if s := h.Get("X-Accepted-OAuth-Scopes"); s != "" {
		parts = append(parts, s+" (classic token scope)")
	}
	if len(parts) == 0 {
		return need
	}
	return strings.Join(parts, " or ")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func statusOf(err error) int {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}
