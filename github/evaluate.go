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
}

// Evaluation is the outcome for one PR.
type Evaluation struct {
	Repo     Repo
	PR       *PullRequest
	Decision *engine.Decision
	// Approvals is nil when no approval was counted.
	Approvals *approvals.Result
	// Notes say what was evaluated differently (files list instead of diff).
	Notes []string
	// Decided is the pipeline's result: the record and evidence written.
	Decided *decide.Result
}

// Evaluate decides PR number of repo. req carries the request flags; its
// environment, when empty, comes from the bundle's branch map, and its
// patch is the PR's diff. Calls: the PR, its diff, and only when approval
// is required its commits, reviews and (when the break-glass label is on
// the PR) its issue events, plus team memberships.
func (e Evaluator) Evaluate(ctx context.Context, repo Repo, number int, req engine.Request, enforcement string) (*Evaluation, error) {
	pr, err := e.Source.GetPR(ctx, repo, number)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Repo: repo, PR: pr}
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
	p, err := patch.Parse([]byte(diff))
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
			if d.Decision != engine.RequireApproval || d.Workflow == nil {
				return nil
			}
			res, err := e.count(ctx, repo, pr, d.Workflow)
			if err != nil {
				return err
			}
			approvals.Apply(d, *res)
			ev.Approvals = res
			return nil
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

// diff returns the PR's diff, or one rebuilt from the files list (with a
// note) when GitHub will not render it or the PR has more files than listed.
func (e Evaluator) diff(ctx context.Context, repo Repo, pr *PullRequest) (string, string, error) {
	if pr.ChangedFiles <= MaxFiles {
		d, err := e.Source.GetDiff(ctx, repo, pr.Number)
		if err == nil {
			return d, "", nil
		}
		if !errors.Is(err, ErrDiffTooLarge) {
			return "", "", err
		}
	}
	files, err := e.Source.ListFiles(ctx, repo, pr.Number)
	if err != nil {
		return "", "", err
	}
	if len(files) == 0 {
		return "", "", fmt.Errorf("%s#%d: GitHub returned neither the diff nor the files list", repo, pr.Number)
	}
	note := fmt.Sprintf("GitHub did not return the diff: evaluated from the files list (%d of %d files)", len(files), pr.ChangedFiles)
	return DiffFromFiles(files), note, nil
}

func (e Evaluator) count(ctx context.Context, repo Repo, pr *PullRequest, wf *engine.WorkflowResult) (*approvals.Result, error) {
	commits, err := e.Source.ListCommits(ctx, repo, pr.Number)
	if err != nil {
		return nil, err
	}
	reviews, err := e.Source.ListReviews(ctx, repo, pr.Number)
	if err != nil {
		return nil, err
	}
	label := e.Bundle.Config.BreakGlassLabel
	if label == "" {
		label = approvals.DefaultBreakGlassLabel
	}
	var events []approvals.LabelEvent
	for _, l := range pr.Labels {
		if strings.EqualFold(l, label) {
			if events, err = e.Source.ListLabelEvents(ctx, repo, pr.Number); err != nil {
				return nil, err
			}
			break
		}
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	bw := e.Bundle.Workflows[wf.Name]
	res, err := approvals.Evaluate(ctx, approvals.Input{
		PR: Facts(pr, commits, events), Reviews: reviews, Workflow: *wf, Roles: e.Bundle.Roles,
		AllowBots: bw.AllowBots, AllowSameApprover: bw.AllowSameApprover, BreakGlassLabel: label, Now: now(),
	}, e.Members)
	if err != nil {
		return nil, err
	}
	return &res, nil
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

// EnvironmentFor maps a base branch through gov.cue branches: an exact key
// first, then glob keys ("release/*") in sorted order; "" when none matches.
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
