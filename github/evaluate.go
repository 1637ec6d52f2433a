package github

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/gov-policy/gov/approvals"
	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/decide"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/patch"
)

// Evaluator decides pull requests: it fetches the PR and its diff,
// evaluates the patch and, when approval is required, counts the reviews.
type Evaluator struct {
	Source  PRSource
	Members Membership
	Engine  *engine.Engine
	Bundle  *bundles.Bundle
	// Pipeline, when set, decides (and records and signs); nil decides
	// with Engine and Bundle, recording nothing.
	Pipeline *decide.Pipeline
	// Now is the clock for escalation timeouts; nil means time.Now.
	Now func() time.Time
	// Trigger is the event that started this run (nil on the command
	// line): a "labeled" event binds the break-glass label to its head.
	Trigger *Event
}

// Evaluation is the outcome for one PR.
type Evaluation struct {
	Repo Repo
	// PR is the pull request as read; PR.HeadSHA is the commit evaluated,
	// the only one the status may be posted on.
	PR *PullRequest
	// Diff is exactly what was evaluated: the diff of PR.BaseSHA...PR.HeadSHA
	// (or one rebuilt from that comparison's files list).
	Diff string
	// StatusContext is the commit status gov reports through for the PR's
	// base branch (StatusContextFor).
	StatusContext string
	Decision      *engine.Decision
	// Approvals is nil when no approval was counted.
	Approvals *approvals.Result
	// Notes say what was evaluated differently (files list instead of diff).
	Notes []string
	// Decided is the pipeline's result: the record and evidence written.
	Decided *decide.Result
	// reviewsKey fingerprints the reviews counted (Publish re-checks it).
	reviewsKey string
}

// MaxAttempts bounds how often Evaluate starts over because the PR moved.
const MaxAttempts = 3

// movedError says the PR changed while gov read it: what was read does not
// belong to one head, so the evaluation starts over.
type movedError struct{ why string }

func (e *movedError) Error() string { return e.why }

// Evaluate decides PR number of repo. req carries the request flags; its
// environment, when empty, comes from the bundle's branch map, and its
// patch is the diff of the PR's base_sha...head_sha. Everything read must
// belong to that head: the commit list must hold it, and the PR is read
// again at the end; when the head, the base branch or its commit moved in
// between, the evaluation starts over (at most MaxAttempts times, then it
// fails). Calls: the PR, its diff, and only when approval is required its
// commits, reviews and (when the break-glass label is on the PR) its issue
// events and gov's comments, plus each team checked (one call a page) and
// each unpinned user: member checked (one call); then the PR again.
func (e Evaluator) Evaluate(ctx context.Context, repo Repo, number int, req engine.Request, enforcement string) (*Evaluation, error) {
	var moved []string
	for range MaxAttempts {
		ev, err := e.evaluate(ctx, repo, number, req, enforcement)
		var me *movedError
		if !errors.As(err, &me) {
			if ev != nil && len(moved) > 0 {
				ev.Notes = append(ev.Notes, fmt.Sprintf("started over %d time(s): %s", len(moved), strings.Join(moved, "; ")))
			}
			return ev, err
		}
		moved = append(moved, me.why)
	}
	return nil, fmt.Errorf("%s#%d kept moving while gov read it (%s); failing closed, run gov again", repo, number, strings.Join(moved, "; "))
}

// evaluate is one attempt of Evaluate.
func (e Evaluator) evaluate(ctx context.Context, repo Repo, number int, req engine.Request, enforcement string) (*Evaluation, error) {
	pr, err := e.Source.GetPR(ctx, repo, number)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Repo: repo, PR: pr, StatusContext: StatusContextFor(e.Bundle.Config, pr.BaseRef)}
	diff, incomplete, err := e.diff(ctx, repo, pr)
	if err != nil {
		return nil, err
	}
	if incomplete != "" {
		ev.Notes = append(ev.Notes, incomplete)
	}
	if req.Environment == "" {
		req.Environment = EnvironmentFor(e.Bundle.Config.Branches, pr.BaseRef)
	}
	if req.RequestedBy == "" {
		req.RequestedBy = pr.AuthorLogin
	}
	req.PatchContent = diff
	ev.Diff = diff
	p, err := patch.ParseString(diff)
	if err != nil {
		return nil, fmt.Errorf("diff of %s#%d: %w", repo, number, err)
	}
	pipe, err := e.pipeline(enforcement)
	if err != nil {
		return nil, err
	}
	res, err := pipe.Run(ctx, decide.Input{
		Request: req, Patch: p, PR: prInput(repo, pr), RecordMetadata: prRecord(repo, pr),
		Approvals: func(ctx context.Context, d *engine.Decision) error {
			approvals.Incomplete(d, incomplete, e.Bundle)
			if d.Decision == engine.RequireApproval && d.Workflow != nil {
				res, notes, err := e.count(ctx, repo, pr, d.Workflow, ev)
				if err != nil {
					return err
				}
				ev.Notes = append(ev.Notes, notes...)
				approvals.Apply(d, *res)
				ev.Approvals = res
			}
			// Checked before the pipeline records: nothing is recorded,
			// signed or posted for a head that moved meanwhile.
			return e.unmoved(ctx, repo, pr)
		},
	})
	if err != nil {
		return nil, err
	}
	ev.Decision, ev.Decided = res.Decision, res
	return ev, nil
}

// pipeline is e.Pipeline with the enforcement override, or, when the
// caller gave none, one of Engine and Bundle that scans and redacts but
// records nothing.
func (e Evaluator) pipeline(enforcement string) (*decide.Pipeline, error) {
	if e.Pipeline != nil {
		p := *e.Pipeline
		if enforcement != "" {
			p.Enforcement = enforcement
		}
		return &p, nil
	}
	sc, err := decide.NewScanner(e.Bundle)
	if err != nil {
		return nil, err
	}
	return &decide.Pipeline{Bundle: e.Bundle, Engine: e.Engine, Scanner: sc, Enforcement: enforcement}, nil
}

// prRecord is what the audit record keeps of the pull request, in
// metadata.pr (head_sha ties the approvals to the commit).
func prRecord(repo Repo, pr *PullRequest) map[string]any {
	return map[string]any{"pr": map[string]any{
		"repository": repo.String(), "number": pr.Number, "head_sha": pr.HeadSHA,
		"base_ref": pr.BaseRef, "url": pr.HTMLURL,
	}}
}

// unmoved reads the PR again: a new head, base branch or base commit means
// that what was read may belong to another change.
func (e Evaluator) unmoved(ctx context.Context, repo Repo, pr *PullRequest) error {
	now, err := e.Source.GetPR(ctx, repo, pr.Number)
	if err != nil {
		return err
	}
	switch {
	case now.HeadSHA != pr.HeadSHA:
		return &movedError{fmt.Sprintf("head moved from %s to %s", short(pr.HeadSHA), short(now.HeadSHA))}
	case now.BaseRef != pr.BaseRef:
		return &movedError{fmt.Sprintf("base changed from %s to %s", pr.BaseRef, now.BaseRef)}
	case now.BaseSHA != pr.BaseSHA:
		return &movedError{fmt.Sprintf("base %s moved from %s to %s", pr.BaseRef, short(pr.BaseSHA), short(now.BaseSHA))}
	}
	return nil
}

// diff returns the diff of base_sha...head_sha, or, when GitHub will not
// render it or it names fewer files than the PR changed, one rebuilt from a
// files list (with a note): the comparison's, or when that lists fewer
// files than the PR changed, the PR's own files list, which must then hold
// every file. A patch missing a file is an error, never evaluated: a deny
// rule could fire on the file missing.
func (e Evaluator) diff(ctx context.Context, repo Repo, pr *PullRequest) (string, string, error) {
	d, err := e.Source.CompareDiff(ctx, repo, pr.BaseSHA, pr.HeadSHA)
	var files []File
	var why string
	switch {
	case err == nil:
		p, perr := patch.ParseString(d)
		if perr != nil || len(p.Files) >= pr.ChangedFiles {
			return d, "", nil // a parse error is reported by the caller
		}
		why = fmt.Sprintf("GitHub's diff names %d of the PR's %d changed files", len(p.Files), pr.ChangedFiles)
	case !errors.Is(err, ErrDiffTooLarge):
		return "", "", err
	default:
		why = "GitHub did not return the diff"
		if files, err = e.Source.CompareFiles(ctx, repo, pr.BaseSHA, pr.HeadSHA); err != nil {
			return "", "", err
		}
	}
	if len(files) < pr.ChangedFiles {
		if pr.ChangedFiles > MaxPRFiles {
			return "", "", fmt.Errorf("%s#%d changes %d files; GitHub lists at most %d and will not return the whole diff: cannot evaluate the whole change (failing closed)",
				repo, pr.Number, pr.ChangedFiles, MaxPRFiles)
		}
		if files, err = e.Source.ListFiles(ctx, repo, pr.Number); err != nil {
			return "", "", err
		}
		if len(files) != pr.ChangedFiles {
			return "", "", fmt.Errorf("%s#%d: GitHub listed %d of the PR's %d changed files and will not return the whole diff: cannot evaluate the whole change (failing closed)",
				repo, pr.Number, len(files), pr.ChangedFiles)
		}
	}
	if len(files) == 0 {
		return "", "", fmt.Errorf("%s#%d: GitHub returned neither the diff nor the files list of %s...%s", repo, pr.Number, short(pr.BaseSHA), short(pr.HeadSHA))
	}
	note := fmt.Sprintf("%s: evaluated from the files list (%d of %d files)", why, len(files), max(pr.ChangedFiles, len(files)))
	return DiffFromFiles(files), note, nil
}

// commits lists the PR's commits and checks they end at the head read: a
// complete list without the head, or a longer list than the PR has, was
// read from another head.
func (e Evaluator) commits(ctx context.Context, repo Repo, pr *PullRequest) ([]Commit, error) {
	commits, err := e.Source.ListCommits(ctx, repo, pr.Number)
	if err != nil {
		return nil, err
	}
	if len(commits) > pr.Commits {
		return nil, &movedError{fmt.Sprintf("GitHub listed %d commits of %s#%d, which has %d", len(commits), repo, pr.Number, pr.Commits)}
	}
	if len(commits) < pr.Commits {
		return commits, nil // cut off: no review counts (approvals.PR.CommitsIncomplete)
	}
	for _, c := range commits {
		if c.SHA == pr.HeadSHA {
			return commits, nil
		}
	}
	return nil, &movedError{fmt.Sprintf("GitHub's commit list of %s#%d lacks the head %s", repo, pr.Number, short(pr.HeadSHA))}
}

// count counts the reviews; the notes name the Co-authored-by trailers
// that could not be tied to an account.
func (e Evaluator) count(ctx context.Context, repo Repo, pr *PullRequest, wf *engine.WorkflowResult, ev *Evaluation) (*approvals.Result, []string, error) {
	commits, err := e.commits(ctx, repo, pr)
	if err != nil {
		return nil, nil, err
	}
	// Counted first: reviews are only ever added, so a complete list read
	// after it holds at least that many.
	total, err := e.Source.ReviewCount(ctx, repo, pr.Number)
	if err != nil {
		return nil, nil, err
	}
	reviews, err := e.Source.ListReviews(ctx, repo, pr.Number)
	if err != nil {
		return nil, nil, err
	}
	if len(reviews) < total {
		return nil, nil, fmt.Errorf("%s#%d: GitHub listed %d of the PR's %d reviews: the list is cut off (failing closed)", repo, pr.Number, len(reviews), total)
	}
	ev.reviewsKey = reviewsKey(reviews)
	label := e.Bundle.Config.BreakGlassLabel
	if label == "" {
		label = approvals.DefaultBreakGlassLabel
	}
	var events []approvals.LabelEvent
	for _, l := range pr.Labels {
		if strings.EqualFold(l, label) {
			if events, err = e.Source.ListLabelEvents(ctx, repo, pr.Number); err != nil {
				return nil, nil, err
			}
			if err := e.bindBreakGlass(ctx, repo, pr, label, events); err != nil {
				return nil, nil, err
			}
			break
		}
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	bw := e.Bundle.Workflows[wf.Name]
	facts := Facts(pr, commits, events)
	reviews, notes, err := e.undoDismissals(ctx, repo, facts, reviews)
	if err != nil {
		return nil, nil, err
	}
	res, err := approvals.Evaluate(ctx, approvals.Input{
		PR: facts, Reviews: reviews, Workflow: *wf, Roles: e.Bundle.Roles,
		AllowBots: bw.AllowBots, AllowSameApprover: bw.AllowSameApprover, BreakGlassLabel: label, Now: now(),
	}, e.Members)
	if err != nil {
		return nil, nil, err
	}
	return &res, append(notes, coAuthorNotes(facts)...), nil
}

// prInput is input.pr for policies.
func prInput(repo Repo, pr *PullRequest) map[string]any {
	labels := make([]any, len(pr.Labels))
	for i, l := range pr.Labels {
		labels[i] = l
	}
	return map[string]any{
		"repository": repo.String(), "number": pr.Number, "title": pr.Title, "author": pr.AuthorLogin,
		"head_sha": pr.HeadSHA, "head_ref": pr.HeadRef, "base_ref": pr.BaseRef, "labels": labels,
		"changed_files": pr.ChangedFiles, "url": pr.HTMLURL,
	}
}

// StatusContextFor is the commit status gov reports through for a base
// branch: "gov/policy: <base>", so that a PR with the same head into
// another branch never sets the status that base's protection reads; the
// bare "gov/policy" only when gov.cue opts in (status_context).
func StatusContextFor(cfg bundles.Config, base string) string {
	if cfg.StatusContext == StatusContext {
		return StatusContext
	}
	return StatusContext + ": " + base
}

// EnvironmentFor maps a base branch through gov.cue branches: an exact key
// first, then glob keys ("release/*") in sorted order; "" when none matches,
// which the engine resolves to gov.cue's default_environment (an error
// without one): an unmapped branch never evaluates without an environment.
func EnvironmentFor(branches map[string]string, base string) string {
	if env, ok := branches[base]; ok {
		return env
	}
	keys := make([]string, 0, len(branches))
	for k := range branches {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if ok, _ := path.Match(k, base); ok {
			return branches[k]
		}
	}
	return ""
}
