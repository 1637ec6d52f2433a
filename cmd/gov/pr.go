package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/decide"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github"
)

type prFlags struct {
	request             requestFlags
	repo, bundle        string
	number              int
	githubURL           string
	enforcement, format string
	targetURL           string
	post, verbose       bool
	allOpen             bool
	timeout, maxWait    time.Duration
	artifacts           prArtifactFlags
	// event is the Actions event payload of this PR, when there is one;
	// group the merge_group payload instead.
	event *github.Event
	group *github.MergeGroup
}

func (f *prFlags) AddFlags(cmd *cobra.Command) {
	f.request.AddFlags(cmd)
	_ = cmd.Flags().MarkHidden("patch") // the patch is the PR's diff
	fl := cmd.Flags()
	fl.StringVar(&f.repo, "repo", "", "repository OWNER/NAME (default $"+envGitHubRepository+" or the event payload)")
	fl.IntVar(&f.number, "pr", 0, "pull request number (default from $"+envGitHubEventPath+")")
	fl.BoolVar(&f.allOpen, "all-open", false, "decide every open pull request of --repo (a scheduled run: escalates overdue stages with --post)")
	fl.StringVar(&f.githubURL, "github-url", "", "GitHub API URL, e.g. https://ghe.example.com/api/v3 (default $"+envGitHubAPIURL+" or api.github.com)")
	fl.StringVar(&f.bundle, "bundle", "", "policy bundle: DIR, DIR@REF, URL@REF or embedded (default ./.gov, else embedded; env "+envBundle+")")
	fl.StringVar(&f.enforcement, "enforcement", "", "override enforcement: off, warn or strict")
	fl.StringVar(&f.format, "format", "text", "output format: text or json")
	fl.BoolVar(&f.post, "post", false, "set the gov/policy status and the decision comment on the PR")
	fl.StringVar(&f.targetURL, "target-url", "", "link of the status (default the Actions run)")
	fl.BoolVar(&f.verbose, "verbose", false, "print the GitHub API calls made (stderr)")
	fl.DurationVar(&f.timeout, "timeout", 2*time.Minute, "time limit of the whole evaluation (fails closed)")
	fl.DurationVar(&f.maxWait, "rate-limit-wait", github.DefaultMaxWait, "longest wait for a GitHub rate-limit reset before failing")
	f.artifacts.AddFlags(cmd)
}

func newPRCmd() *cobra.Command {
	f := &prFlags{}
	cmd := &cobra.Command{
		Use:   "pr",
		Short: "Decide a pull request, counting its reviews as approvals",
		Long: `Fetch a pull request (diff, commits, reviews, labels), evaluate its patch and, when
approval is required, count the reviews against the selected workflow's stages.
The environment is --env, else the bundle's base-branch map (gov.cue branches).
With --audit-dir the decision is recorded (and with --sign, signed); with
--sarif-output it is also written as SARIF. In GitHub Actions the step outputs
decision, allowed, sarif-file, evidence-file, head-sha and ref are written to $GITHUB_OUTPUT.
On a merge_group event (merge queue) every PR of the group is decided at its own
head and the status goes on the group's commit.
With --all-open (a scheduled workflow) every open PR of --repo is decided at its own
head, and with --post each gets its status and, past a stage's timeout, its escalation.
Exit codes: 0 allowed (approved or break-glass), 1 denied, 2 error, 3 approval pending;
with --all-open the worst over the PRs: 2 (any error, or the PRs could not be listed),
else 1, else 3, else 0.`,
		Example: `  GITHUB_TOKEN=... gov pr --repo acme/app --pr 42
  gov pr --repo acme/app --pr 42 --github-url https://ghe.example.com/api/v3 --format json
  gov pr --post --verbose    # in GitHub Actions, from GITHUB_EVENT_PATH
  gov pr --post --sarif-output gov.sarif --audit-dir audit --sign keyless
  gov pr --all-open --repo acme/app --post    # on: schedule`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPR(cmd, f) },
	}
	f.AddFlags(cmd)
	return cmd
}

func runPR(cmd *cobra.Command, f *prFlags) error {
	if err := checkFormat(f.format, "text", "json"); err != nil {
		return err
	}
	if err := checkEnforcement(f.enforcement); err != nil {
		return err
	}
	if f.request.patchFile != "" {
		return usageError{fmt.Errorf("--patch: gov pr evaluates the pull request's own diff")}
	}
	if err := f.artifacts.check(); err != nil {
		return err
	}
	if f.allOpen {
		return runAllOpen(cmd, f)
	}
	repo, err := f.target()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	client, b, pipe, req, err := f.setup(ctx)
	if err != nil {
		return err
	}
	if f.verbose {
		defer func() { fmt.Fprintf(cmd.ErrOrStderr(), "github: %s\n", client.Stats()) }()
	}
	if f.group != nil {
		return runMergeGroup(ctx, cmd, f, github.Evaluator{Source: client, Members: client, Bundle: b, Pipeline: pipe}, client, req)
	}
	evaluator := github.Evaluator{Source: client, Members: client, Bundle: b, Pipeline: pipe, Trigger: f.event}
	var ev *github.Evaluation
	var art prArtifacts
	// A success is posted only when the PR's reviews are still those
	// evaluated (github.ErrStale otherwise): then gov starts over.
	for attempt := 1; ; attempt++ {
		ev, err = evaluator.Evaluate(ctx, repo, f.number, req, f.enforcement)
		if err != nil && envOr(envGitHubToken, "") == "" && envOr(envGitHubAppID, "") == "" {
			return fmt.Errorf("%w (no credentials: set %s or %s)", err, envGitHubToken, envGitHubAppID)
		}
		if err != nil {
			return err
		}
		// The pipeline recorded (and signed) the decision before anything
		// is posted: a status that lets the PR in always has its record.
		art, err = f.artifacts.write(b, ev, ev.Diff)
		if err != nil {
			_ = printPR(cmd.OutOrStdout(), f.format, ev)
			return err
		}
		if !f.post {
			break
		}
		err = client.Publish(ctx, ev, statusTarget(f, repo))
		if errors.Is(err, github.ErrStale) && attempt < github.MaxAttempts {
			fmt.Fprintf(cmd.ErrOrStderr(), "gov: %v; starting over\n", err)
			continue
		}
		if err != nil {
			_ = printPR(cmd.OutOrStdout(), f.format, ev)
			return err
		}
		break
	}
	if err := printPR(cmd.OutOrStdout(), f.format, ev); err != nil {
		return err
	}
	if err := writeActionOutputs(ev, art); err != nil {
		return err
	}
	if code := engine.ExitCode(ev.Decision); code != 0 {
		return exitError{code}
	}
	return nil
}

// target resolves --repo/--pr, then GITHUB_EVENT_PATH and GITHUB_REPOSITORY.
// The event is kept as the run's trigger when it is about that PR.
func (f *prFlags) target() (github.Repo, error) {
	var ev github.Event
	if p := envOr(envGitHubEventPath, ""); p != "" && (f.number == 0 || f.repo == "") {
		data, err := os.ReadFile(p)
		if err != nil {
			return github.Repo{}, fmt.Errorf("$%s: %w", envGitHubEventPath, err)
		}
		if g, ok, err := github.DecodeMergeGroup(p, data); ok && f.number == 0 {
			if err != nil {
				return github.Repo{}, err
			}
			f.group = &g
			return g.Repo, nil
		}
		if ev, err = github.DecodeEvent(p, data); err != nil {
			return github.Repo{}, err
		}
		if f.number == 0 {
			f.number = ev.Number
		}
		if f.repo == "" {
			f.repo = ev.Repo.String()
		}
	}
	if f.repo == "" {
		f.repo = envOr(envGitHubRepository, "")
	}
	if f.repo == "" || f.number <= 0 {
		return github.Repo{}, usageError{fmt.Errorf("give --repo OWNER/NAME and --pr N (or run in GitHub Actions on a pull_request event)")}
	}
	r, err := github.ParseRepo(f.repo)
	if err != nil {
		return r, usageError{fmt.Errorf("--repo: %w", err)}
	}
	if ev.Number == f.number && strings.EqualFold(ev.Repo.String(), r.String()) {
		f.event = &ev
	}
	return r, nil
}

func newGitHubClient(url string, maxWait time.Duration) (*github.Client, error) {
	opts, err := githubOptions(url, maxWait)
	if err != nil {
		return nil, err
	}
	return github.New(opts)
}

// githubOptions reads the GitHub credentials (token or App) and API URL
// from the flags and the environment.
func githubOptions(url string, maxWait time.Duration) (github.Options, error) {
	return githubOptionsFor(url, maxWait, true)
}

// githubOptionsFor is githubOptions; gov serve takes the App installation
// from each delivery, so it does not need GOV_GITHUB_APP_INSTALLATION_ID.
func githubOptionsFor(url string, maxWait time.Duration, needInstallation bool) (github.Options, error) {
	if maxWait <= 0 {
		maxWait = -1 // never wait
	}
	opts := github.Options{Token: envOr(envGitHubToken, ""), BaseURL: url, CommentAuthor: envOr(envCommentAuthor, ""), MaxWait: maxWait,
		Actions: envOr(envGitHubActions, "") == "true"}
	if opts.BaseURL == "" {
		opts.BaseURL = envOr(envGitHubAPIURL, "")
	}
	if id := envOr(envGitHubAppID, ""); id != "" {
		app := &github.AppAuth{PrivateKeyFile: envOr(envGitHubAppPrivateKey, "")}
		var err1, err2 error
		app.AppID, err1 = strconv.ParseInt(id, 10, 64)
		if inst := envOr(envGitHubAppInstallationID, ""); needInstallation || inst != "" {
			app.InstallationID, err2 = strconv.ParseInt(inst, 10, 64)
		}
		if err := errors.Join(err1, err2); err != nil || app.PrivateKeyFile == "" {
			return opts, fmt.Errorf("GitHub App: set %s, %s (numbers) and %s", envGitHubAppID, envGitHubAppInstallationID, envGitHubAppPrivateKey)
		}
		opts.Token, opts.App = "", app
	}
	return opts, nil
}

// buildWithoutPatch reads --request and applies the flags, as build does,
// without asking for a patch.
func (f *requestFlags) buildWithoutPatch() (engine.Request, error) {
	g := *f
	g.patchFile = "-"
	return g.build(strings.NewReader(""))
}

// printPR prints the decision (JSON: the decision object) and, as text,
// who approved, what did not count, break-glass and notes.
func printPR(w io.Writer, format string, ev *github.Evaluation) error {
	if format == "json" {
		return writeJSON(w, ev.Decision)
	}
	if err := writeDecisionText(w, ev.Decision); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "pull request: %s#%d at %s (base %s, author %s)\n", ev.Repo, ev.PR.Number, shortSHA(ev.PR.HeadSHA), ev.PR.BaseRef, ev.PR.AuthorLogin)
	if t := ev.StatusContext; t != "" {
		fmt.Fprintf(&b, "status: %s on %s\n", t, ev.PR.HeadSHA)
	}
	if r := ev.Approvals; r != nil {
		if r.BreakGlass != nil {
			fmt.Fprintf(&b, "BREAK-GLASS: label %q added by %s at %s for head %s\n", r.BreakGlass.Label, r.BreakGlass.ByLogin, r.BreakGlass.At.UTC().Format(time.RFC3339), r.BreakGlass.HeadSHA)
		}
		for _, s := range r.Stages {
			if len(s.ApprovedBy) > 0 {
				fmt.Fprintf(&b, "  approved %q by %s\n", s.Name, strings.Join(s.ApprovedBy, ", "))
			}
		}
		for _, ig := range r.Ignored {
			fmt.Fprintf(&b, "  not counted: %s: %s\n", ig.Who(), ig.Reason)
		}
		if e := r.Escalate; e != nil {
			fmt.Fprintf(&b, "escalation due: stage %d %q to %s %s\n", e.Stage, e.StageName, e.Role, e.Mention)
		}
	}
	for _, n := range ev.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// statusTarget is --target-url, else the Actions run.
func statusTarget(f *prFlags, repo github.Repo) string {
	if server, run := envOr(envGitHubServerURL, ""), envOr(envGitHubRunID, ""); f.targetURL == "" && server != "" && run != "" {
		return fmt.Sprintf("%s/%s/actions/runs/%s", server, repo, run)
	}
	return f.targetURL
}

// setup is what every gov pr run needs before it reads a pull request: the
// GitHub client, the bundle, the decision pipeline (recording and signing
// as the flags say) and the request facts. One place, so that a single PR,
// --all-open and a merge group decide through the same pipeline.
func (f *prFlags) setup(ctx context.Context) (*github.Client, *bundles.Bundle, *decide.Pipeline, engine.Request, error) {
	client, err := newGitHubClient(f.githubURL, f.maxWait)
	if err != nil {
		return nil, nil, nil, engine.Request{}, err
	}
	b, err := loadBundle(ctx, f.bundle)
	if err != nil {
		return nil, nil, nil, engine.Request{}, err
	}
	signer, err := f.artifacts.signer(ctx, b)
	if err != nil {
		return nil, nil, nil, engine.Request{}, err
	}
	pipe, err := decide.New(ctx, b)
	if err != nil {
		return nil, nil, nil, engine.Request{}, err
	}
	pipe.AuditDir, pipe.Signer = auditDir(f.artifacts.auditDir, b), signer
	req, err := f.request.buildWithoutPatch()
	return client, b, pipe, req, err
}
