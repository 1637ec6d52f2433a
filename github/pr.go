package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/gov-policy/gov/approvals"
)

// MaxCommits is the most commits GitHub lists for one PR.
const MaxCommits = 250

// PullRequest holds the facts of a PR that gov evaluates.
type PullRequest struct {
	Number      int
	Title       string
	State       string
	AuthorID    int64
	AuthorLogin string
	AuthorIsBot bool
	HeadSHA     string
	HeadRef     string
	BaseRef     string
	// BaseSHA is the base branch's commit when the PR was read: the diff
	// evaluated is exactly base_sha...head_sha.
	BaseSHA      string
	Labels       []string
	CreatedAt    time.Time
	ChangedFiles int
	// Commits is how many commits the PR has (ListCommits returns at most MaxCommits).
	Commits int
	HTMLURL string
}

// Commit is one commit of a PR with the GitHub accounts linked to it (0
// when the author or committer email is not linked to an account).
type Commit struct {
	SHA            string
	AuthorID       int64
	AuthorLogin    string
	CommitterID    int64
	CommitterLogin string
	// Message is the commit message (Co-authored-by trailers are read from it).
	Message string
}

// File is one changed file as the compare API lists it; Patch is empty for
// binary files and for large ones GitHub truncates.
type File struct {
	Path, PreviousPath, Status string
	Additions, Deletions       int
	Patch                      string
}

// PRSource reads a pull request. The change itself is read by commit
// (base...head), never by PR number, so it is the change of the head read.
type PRSource interface {
	GetPR(ctx context.Context, repo Repo, number int) (*PullRequest, error)
	ListCommits(ctx context.Context, repo Repo, number int) ([]Commit, error)
	ListReviews(ctx context.Context, repo Repo, number int) ([]approvals.Review, error)
	// ReviewCount returns how many reviews the PR has (GraphQL totalCount).
	ReviewCount(ctx context.Context, repo Repo, number int) (int, error)
	// CompareDiff returns the unified diff of base...head, or ErrDiffTooLarge.
	CompareDiff(ctx context.Context, repo Repo, base, head string) (string, error)
	// CompareFiles lists the files changed in base...head (GitHub lists at
	// most MaxCompareFiles).
	CompareFiles(ctx context.Context, repo Repo, base, head string) ([]File, error)
	// ListFiles lists every file the PR changes (GET /pulls/N/files, all
	// pages; GitHub lists at most MaxPRFiles).
	ListFiles(ctx context.Context, repo Repo, number int) ([]File, error)
	// ListDismissals returns the review_dismissed issue events.
	ListDismissals(ctx context.Context, repo Repo, number int) ([]Dismissal, error)
	// ListLabelEvents returns the labeled and unlabeled issue events.
	ListLabelEvents(ctx context.Context, repo Repo, number int) ([]approvals.LabelEvent, error)
	// BreakGlassGrants returns the break-glass grants gov recorded in its
	// own comments (GrantMarker).
	BreakGlassGrants(ctx context.Context, repo Repo, number int) ([]Grant, error)
}

var _ PRSource = (*Client)(nil)

func prOp(what string, repo Repo, number int) string {
	return fmt.Sprintf("%s of %s#%d", what, repo, number)
}

// Permission hints used when GitHub does not name the one it wants.
const (
	permPullsRead  = "pull_requests:read (classic token scope: repo)"
	permIssuesRead = "issues:read (classic token scope: repo)"
)

// GetPR fetches the pull request.
func (c *Client) GetPR(ctx context.Context, repo Repo, number int) (*PullRequest, error) {
	p, _, err := c.gh.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
	if err != nil {
		return nil, apiError(fmt.Sprintf("pull request %s#%d", repo, number), permPullsRead, err)
	}
	out := &PullRequest{
		Number: p.GetNumber(), Title: p.GetTitle(), State: p.GetState(),
		AuthorID: p.GetUser().GetID(), AuthorLogin: p.GetUser().GetLogin(), AuthorIsBot: p.GetUser().GetType() == "Bot",
		HeadSHA: p.GetHead().GetSHA(), HeadRef: p.GetHead().GetRef(), BaseRef: p.GetBase().GetRef(), BaseSHA: p.GetBase().GetSHA(),
		CreatedAt: p.GetCreatedAt().Time, ChangedFiles: p.GetChangedFiles(), Commits: p.GetCommits(), HTMLURL: p.GetHTMLURL(),
	}
	for _, l := range p.Labels {
		out.Labels = append(out.Labels, l.GetName())
	}
	if out.HeadSHA == "" || out.BaseSHA == "" || out.BaseRef == "" || out.AuthorID == 0 {
		return nil, fmt.Errorf("pull request %s#%d: GitHub's answer lacks head.sha, base.sha, base.ref or user.id", repo, number)
	}
	return out, nil
}

// MaxCompareFiles is the most files the compare API lists.
const MaxCompareFiles = 300

const permContentsRead = "contents:read (classic token scope: repo)"

func compareOp(what string, repo Repo, base, head string) string {
	return fmt.Sprintf("%s of %s %s...%s", what, repo, short(base), short(head))
}

// CompareDiff fetches the raw diff of base...head (GET
// /repos/{o}/{r}/compare/{base}...{head}, Accept: application/vnd.github.v3.diff).
func (c *Client) CompareDiff(ctx context.Context, repo Repo, base, head string) (string, error) {
	d, _, err := c.gh.Repositories.CompareCommitsRaw(ctx, repo.Owner, repo.Name, base, head, gh.RawOptions{Type: gh.Diff})
	if err != nil {
		if s := statusOf(err); s == http.StatusNotAcceptable || s == http.StatusUnprocessableEntity {
			return "", fmt.Errorf("%s: %w", compareOp("diff", repo, base, head), ErrDiffTooLarge)
		}
		return "", apiError(compareOp("diff", repo, base, head), permContentsRead, err)
	}
	return d, nil
}

// CompareFiles lists the files of base...head from the comparison (its
// first page lists the files of the whole comparison, at most MaxCompareFiles).
func (c *Client) CompareFiles(ctx context.Context, repo Repo, base, head string) ([]File, error) {
	cmp, _, err := c.gh.Repositories.CompareCommits(ctx, repo.Owner, repo.Name, base, head, &gh.ListOptions{PerPage: 1})
	if err != nil {
		return nil, apiError(compareOp("files", repo, base, head), permContentsRead, err)
	}
	out := make([]File, len(cmp.Files))
	for i, f := range cmp.Files {
		out[i] = File{Path: f.GetFilename(), PreviousPath: f.GetPreviousFilename(), Status: f.GetStatus(),
			Additions: f.GetAdditions(), Deletions: f.GetDeletions(), Patch: f.GetPatch()}
	}
	return out, nil
}

// maxPages bounds every list gov reads (100 items a page).
const maxPages = 100

// MaxPRFiles is the most files GitHub lists for one PR (/pulls/N/files).
const MaxPRFiles = 3000

// ListFiles lists the PR's changed files, every page.
func (c *Client) ListFiles(ctx context.Context, repo Repo, number int) ([]File, error) {
	fs, err := paginate(ctx, 0, func(o *gh.ListOptions) ([]*gh.CommitFile, *gh.Response, error) {
		return c.gh.PullRequests.ListFiles(ctx, repo.Owner, repo.Name, number, o)
	})
	if err != nil {
		return nil, apiError(prOp("files", repo, number), permPullsRead, err)
	}
	out := make([]File, len(fs))
	for i, f := range fs {
		out[i] = File{Path: f.GetFilename(), PreviousPath: f.GetPreviousFilename(), Status: f.GetStatus(),
			Additions: f.GetAdditions(), Deletions: f.GetDeletions(), Patch: f.GetPatch()}
	}
	return out, nil
}

// paginate fetches every page of a list endpoint, 100 items a page. The
// pages must follow one another (a Link to any page but the next one would
// skip items) and stay within maxPages; anything else is an error, never a
// shorter list.
func paginate[T any](ctx context.Context, limit int, fetch func(*gh.ListOptions) ([]T, *gh.Response, error)) ([]T, error) {
	var all []T
	opts := &gh.ListOptions{PerPage: perPage}
	for page := 1; ; page++ {
		items, resp, err := fetch(opts)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if resp == nil || resp.NextPage == 0 || (limit > 0 && len(all) >= limit) {
			return all, nil
		}
		if resp.NextPage != page+1 {
			return nil, fmt.Errorf("GitHub's Link header on page %d points at page %d, not %d: the list cannot be read complete", page, resp.NextPage, page+1)
		}
		if page >= maxPages {
			return nil, fmt.Errorf("more than %d pages: the list is too long to read complete", maxPages)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		opts.Page = resp.NextPage
	}
}

// ListCommits lists the PR's commits with their linked accounts.
func (c *Client) ListCommits(ctx context.Context, repo Repo, number int) ([]Commit, error) {
	cs, err := paginate(ctx, 0, func(o *gh.ListOptions) ([]*gh.RepositoryCommit, *gh.Response, error) {
		return c.gh.PullRequests.ListCommits(ctx, repo.Owner, repo.Name, number, o)
	})
	if err != nil {
		return nil, apiError(prOp("commits", repo, number), permPullsRead, err)
	}
	out := make([]Commit, len(cs))
	for i, rc := range cs {
		out[i] = Commit{SHA: rc.GetSHA(), AuthorID: rc.GetAuthor().GetID(), AuthorLogin: rc.GetAuthor().GetLogin(),
			CommitterID: rc.GetCommitter().GetID(), CommitterLogin: rc.GetCommitter().GetLogin(), Message: rc.GetCommit().GetMessage()}
	}
	return out, nil
}

// ListReviews lists the PR's reviews.
func (c *Client) ListReviews(ctx context.Context, repo Repo, number int) ([]approvals.Review, error) {
	rs, err := paginate(ctx, 0, func(o *gh.ListOptions) ([]*gh.PullRequestReview, *gh.Response, error) {
		return c.gh.PullRequests.ListReviews(ctx, repo.Owner, repo.Name, number, o)
	})
	if err != nil {
		return nil, apiError(prOp("reviews", repo, number), permPullsRead, err)
	}
	out := make([]approvals.Review, len(rs))
	for i, r := range rs {
		out[i] = approvals.Review{
			ID: r.GetID(), UserID: r.GetUser().GetID(), Login: r.GetUser().GetLogin(), State: strings.ToUpper(r.GetState()),
			CommitID: r.GetCommitID(), SubmittedAt: r.GetSubmittedAt().Time, IsBot: r.GetUser().GetType() == "Bot",
		}
	}
	return out, nil
}

// ListLabelEvents lists who added and removed labels, oldest first.
func (c *Client) ListLabelEvents(ctx context.Context, repo Repo, number int) ([]approvals.LabelEvent, error) {
	es, err := paginate(ctx, 0, func(o *gh.ListOptions) ([]*gh.IssueEvent, *gh.Response, error) {
		return c.gh.Issues.ListIssueEvents(ctx, repo.Owner, repo.Name, number, o)
	})
	if err != nil {
		return nil, apiError(prOp("issue events", repo, number), permIssuesRead, err)
	}
	var out []approvals.LabelEvent
	for _, e := range es {
		ev := e.GetEvent()
		if ev != "labeled" && ev != "unlabeled" {
			continue
		}
		out = append(out, approvals.LabelEvent{
			Label: e.GetLabel().GetName(), ActorID: e.GetActor().GetID(), ActorLogin: e.GetActor().GetLogin(),
			ActorIsBot: e.GetActor().GetType() == "Bot", Added: ev == "labeled", At: e.GetCreatedAt().Time,
		})
	}
	return out, nil
}

// Facts gathers the approval facts of a PR from what the source returned.
func Facts(p *PullRequest, commits []Commit, events []approvals.LabelEvent) approvals.PR {
	f := approvals.PR{Number: p.Number, AuthorID: p.AuthorID, AuthorLogin: p.AuthorLogin, HeadSHA: p.HeadSHA,
		Labels: p.Labels, CreatedAt: p.CreatedAt, LabelEvents: events, CommitsIncomplete: p.Commits > len(commits)}
	seen := map[int64]bool{}
	for _, c := range commits {
		for _, u := range []struct {
			id    int64
			login string
		}{{c.AuthorID, c.AuthorLogin}, {c.CommitterID, c.CommitterLogin}} {
			if u.id != 0 && !seen[u.id] {
				seen[u.id] = true
				f.CommitAuthorIDs = append(f.CommitAuthorIDs, u.id)
				f.CommitAuthorLogins = append(f.CommitAuthorLogins, u.login)
			}
		}
	}
	f.CoAuthorIDs, _, f.CoAuthorsUnresolved = coAuthors(commits)
	return f
}
