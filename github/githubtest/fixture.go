// Package githubtest is a fake GitHub REST API (an httptest server) for
// tests: pull requests with diff, files, commits, reviews and label events,
// teams (member lists and memberships), users, comments and statuses;
// ETag/304, pagination, rate-limit answers, injected faults (error
// answers, garbage bodies, delays) and the GHES /api/v3 prefix. It records
// every request.
package githubtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Fixture is the state the fake serves. Its JSON form is what testscript
// fixtures (testdata/github/*.json) hold.
type Fixture struct {
	// Repo is OWNER/NAME; any other repository is 404.
	Repo string `json:"repo"`
	// Token, when set, is the only credential accepted (else 401).
	Token string `json:"token,omitempty"`
	PRs   []PR   `json:"prs"`
	// Teams maps ORG/SLUG to the logins of its active members.
	Teams map[string][]string `json:"teams,omitempty"`
	// TeamPending maps ORG/SLUG to logins invited but not yet members: the
	// membership endpoint says "pending", the members list leaves them out.
	TeamPending map[string][]string `json:"team_pending,omitempty"`
	// TeamStatus forces an answer for a team's membership and members
	// queries (403: the token lacks read:org; 404: a secret team or a wrong slug).
	TeamStatus map[string]int `json:"team_status,omitempty"`
	// Users are accounts GET /users/{login} knows besides those the PRs
	// name. A login that appears nowhere is 404 there; as a team member it
	// gets a stable id of its own (UserID).
	Users []User `json:"users,omitempty"`
	// Faults answer matching requests instead of the fixture.
	Faults []Fault `json:"faults,omitempty"`
	// Poster is the account comments are created as (default github-actions[bot]).
	Poster *User `json:"poster,omitempty"`
	// MergeQueue is the merge queue (GraphQL mergeQueue.entries), in order.
	MergeQueue []QueueEntry `json:"merge_queue,omitempty"`
	// Installations are GitHub App installations, each with tokens of its
	// own (installations.go); without them an App gets Token.
	Installations []Installation `json:"installations,omitempty"`
}

// QueueEntry is one merge queue entry: a PR and its merge group's commit.
type QueueEntry struct {
	PR       int    `json:"pr"`
	GroupSHA string `json:"group_sha"`
	// PRHead is the head the PR was queued with (default its head).
	PRHead string `json:"pr_head,omitempty"`
}

// Fault is a failure the fake answers with: a status with a GitHub error
// body or a raw body (garbage), rate-limit headers, or a delay longer than
// the client waits.
type Fault struct {
	// Path matches the request path (without the /api/v3 prefix) exactly;
	// Query, when set, must occur in the raw query (e.g. "page=2").
	Path  string `json:"path"`
	Query string `json:"query,omitempty"`
	// Status defaults to 200 (with Body: a garbage answer).
	Status int `json:"status,omitempty"`
	// Body, when set, is sent as it is instead of a GitHub error message.
	Body string `json:"body,omitempty"`
	// RetryAfter sets Retry-After (a secondary rate limit); Reset sets
	// X-RateLimit-Remaining: 0 and X-RateLimit-Reset (a primary one).
	RetryAfter int       `json:"retry_after,omitempty"`
	Reset      time.Time `json:"reset,omitempty"`
	// Delay holds the answer back (or until the client gives up).
	Delay Duration `json:"delay,omitempty"`
	// Times is how many requests the fault answers; 0 means all.
	Times int `json:"times,omitempty"`
}

// Duration is a time.Duration written as "1.5s" in JSON.
type Duration time.Duration

// UnmarshalJSON reads "300ms", "2s", ...
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// User is a GitHub account.
type User struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Bot   bool   `json:"bot,omitempty"`
}

// PR is one pull request.
type PR struct {
	// Repo is the OWNER/NAME the PR belongs to (default Fixture.Repo).
	Repo   string `json:"repo,omitempty"`
	Number int    `json:"number"`
	Title  string `json:"title,omitempty"`
	Author User   `json:"author"`
	Head   string `json:"head"`
	Base   string `json:"base,omitempty"`
	// BaseSHA is the base branch's commit; it defaults to one made from
	// the PR number, so every PR's base...head comparison is its own.
	BaseSHA   string    `json:"base_sha,omitempty"`
	Labels    []string  `json:"labels,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// State is "open" (the default) or "closed"; only open PRs are listed.
	State string `json:"state,omitempty"`
	// ChangedFiles defaults to len(Files).
	ChangedFiles int    `json:"changed_files,omitempty"`
	Diff         string `json:"diff,omitempty"`
	// DiffFile is read into Diff by Load, relative to the fixture file.
	DiffFile string `json:"diff_file,omitempty"`
	// DiffStatus, when set, answers the diff request with this status (406: too large).
	DiffStatus int      `json:"diff_status,omitempty"`
	Files      []File   `json:"files,omitempty"`
	Commits    []Commit `json:"commits,omitempty"`
	// CommitCount defaults to len(Commits).
	CommitCount int       `json:"commit_count,omitempty"`
	Reviews     []Review  `json:"reviews,omitempty"`
	Events      []Event   `json:"events,omitempty"`
	Comments    []Comment `json:"comments,omitempty"`
}

// File is one changed file of the files list.
type File struct {
	Path      string `json:"path"`
	Previous  string `json:"previous,omitempty"`
	Status    string `json:"status,omitempty"`
	Additions int    `json:"additions,omitempty"`
	Deletions int    `json:"deletions,omitempty"`
	Patch     string `json:"patch,omitempty"`
}

// Commit is one commit of a PR.
type Commit struct {
	SHA       string `json:"sha"`
	Author    *User  `json:"author,omitempty"`
	Committer *User  `json:"committer,omitempty"`
	// Message is the commit message (trailers such as Co-authored-by included).
	Message string `json:"message,omitempty"`
}

// Review is one PR review.
type Review struct {
	ID          int64     `json:"id"`
	User        User      `json:"user"`
	State       string    `json:"state"`
	CommitID    string    `json:"commit_id"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// Event is one issue event (labeled, unlabeled, ...).
type Event struct {
	Event     string    `json:"event"`
	Label     string    `json:"label,omitempty"`
	Actor     User      `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
	// DismissedReview and DismissedState describe a review_dismissed
	// event: the review's id and its state before the dismissal.
	DismissedReview int64  `json:"dismissed_review,omitempty"`
	DismissedState  string `json:"dismissed_state,omitempty"`
}

// Comment is one issue comment.
type Comment struct {
	ID   int64  `json:"id"`
	User User   `json:"user"`
	Body string `json:"body"`
}

// Status is one commit status set through the API.
type Status struct {
	Repo, SHA, State, Context, Description, TargetURL string
}

// Load reads a JSON fixture, resolving diff_file relative to it. Unknown
// fields are errors.
func Load(path string) (Fixture, error) {
	var fx Fixture
	data, err := os.ReadFile(path)
	if err != nil {
		return fx, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fx); err != nil {
		return fx, fmt.Errorf("%s: %w", path, err)
	}
	for i := range fx.PRs {
		if f := fx.PRs[i].DiffFile; f != "" {
			if !filepath.IsAbs(f) {
				f = filepath.Join(filepath.Dir(path), f)
			}
			d, err := os.ReadFile(f)
			if err != nil {
				return fx, fmt.Errorf("%s: prs[%d].diff_file: %w", path, i, err)
			}
			fx.PRs[i].Diff = string(d)
		}
	}
	return fx, nil
}
