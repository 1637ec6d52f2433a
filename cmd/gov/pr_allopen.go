package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github"
)

// allOpenPR is what gov pr --all-open reports of one pull request.
type allOpenPR struct {
	Number   int            `json:"number"`
	HeadSHA  string         `json:"head_sha,omitempty"`
	BaseRef  string         `json:"base_ref,omitempty"`
	Decision engine.Outcome `json:"decision,omitempty"`
	Reason   string         `json:"reason,omitempty"`
	// Escalation names the stage past its timeout (posted with --post).
	Escalation string `json:"escalation,omitempty"`
	Error      string `json:"error,omitempty"`
	code       int
}

// runAllOpen decides every open PR of the repository, each as gov pr
// decides one (its base's environment, its own head, --post with the
// escalation of an overdue stage), for a scheduled workflow. Listing the
// PRs must succeed whole, else nothing is decided (exit 2). One PR that
// cannot be decided does not stop the others; the exit code is the worst
// of all: 2, then 1, then 3, then 0.
func runAllOpen(cmd *cobra.Command, f *prFlags) error {
	switch {
	case f.number != 0:
		return usageError{errors.New("--all-open decides every open pull request: drop --pr")}
	case f.artifacts.sarifOutput != "" || f.artifacts.evidenceOutput != "":
		return usageError{errors.New("--sarif-output and --evidence-output are one PR's files: not with --all-open")}
	}
	name := f.repo
	if name == "" {
		name = envOr(envGitHubRepository, "")
	}
	repo, err := github.ParseRepo(name)
	if err != nil {
		return usageError{fmt.Errorf("--all-open needs --repo OWNER/NAME (or $%s): %w", envGitHubRepository, err)}
	}
	setup, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	client, b, pipe, req, err := f.setup(setup)
	if err != nil {
		return err
	}
	if f.verbose {
		defer func() { fmt.Fprintf(cmd.ErrOrStderr(), "github: %s\n", client.Stats()) }()
	}
	numbers, err := client.ListOpenPRs(setup, repo)
	if err != nil {
		return err
	}
	e := github.Evaluator{Source: client, Members: client, Bundle: b, Pipeline: pipe}
	prs := make([]allOpenPR, 0, len(numbers))
	worst := 0
	for _, n := range numbers {
		r := decideOpenPR(cmd.Context(), f, e, client, repo, n, req)
		prs = append(prs, r)
		worst = worseExit(worst, r.code)
	}
	if err := printAllOpen(cmd.OutOrStdout(), f.format, repo, prs); err != nil {
		return err
	}
	if worst != 0 {
		return exitError{worst}
	}
	return nil
}

// decideOpenPR decides and (with --post) publishes one PR within --timeout,
// starting over when it changed before posting, as gov pr does.
func decideOpenPR(ctx context.Context, f *prFlags, e github.Evaluator, client *github.Client, repo github.Repo, n int, req engine.Request) allOpenPR {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	out := allOpenPR{Number: n}
	var err error
	for attempt := 1; ; attempt++ {
		var ev *github.Evaluation
		if ev, err = e.Evaluate(ctx, repo, n, req, f.enforcement); err != nil {
			break
		}
		out.HeadSHA, out.BaseRef, out.Decision, out.Reason = ev.PR.HeadSHA, ev.PR.BaseRef, ev.Decision.Decision, ev.Decision.Reason
		out.code, out.Escalation = engine.ExitCode(ev.Decision), ""
		if a := ev.Approvals; a != nil && a.Escalate != nil {
			out.Escalation = fmt.Sprintf("stage %d %q to %s", a.Escalate.Stage, a.Escalate.StageName, a.Escalate.Role)
		}
		if !f.post {
			return out
		}
		err = client.Publish(ctx, ev, statusTarget(f, repo))
		if !errors.Is(err, github.ErrStale) || attempt >= github.MaxAttempts {
			break
		}
	}
	if err != nil {
		out.Error, out.code = oneLineErr(err), 2
	}
	return out
}

// worseExit ranks exit codes: an error (2) over a denial (1) over a
// pending approval (3) over allowed (0).
func worseExit(a, b int) int {
	rank := func(code int) int {
		if r, ok := map[int]int{0: 0, 3: 1, 1: 2, 2: 3}[code]; ok {
			return r
		}
		return 4 // a code outside 0-3 is worse than an error, never allowed
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

func oneLineErr(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func printAllOpen(w io.Writer, format string, repo github.Repo, prs []allOpenPR) error {
	if format == "json" {
		return writeJSON(w, map[string]any{"repository": repo.String(), "pull_requests": prs})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d open pull request(s)\n", repo, len(prs))
	for _, p := range prs {
		if p.Error != "" {
			fmt.Fprintf(&b, "  #%d: ERROR: %s\n", p.Number, p.Error)
			continue
		}
		fmt.Fprintf(&b, "  #%d at %s (base %s): %s: %s\n", p.Number, shortSHA(p.HeadSHA), p.BaseRef, strings.ToUpper(string(p.Decision)), p.Reason)
		if p.Escalation != "" {
			fmt.Fprintf(&b, "    escalation: %s\n", p.Escalation)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
