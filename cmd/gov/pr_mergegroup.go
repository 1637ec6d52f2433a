package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/github"
)

// runMergeGroup decides a merge_group checks_requested event: every PR of
// the group at its own head, reported on the group's commit. The PRs' own
// runs keep their records, SARIF and evidence; this one writes none.
func runMergeGroup(ctx context.Context, cmd *cobra.Command, f *prFlags, e github.Evaluator, client *github.Client, req engine.Request) error {
	// A success is posted only when every PR is still as evaluated
	// (github.ErrStale otherwise): then gov starts over, as for one PR.
	var ge *github.GroupEvaluation
	for attempt := 1; ; attempt++ {
		var err error
		if ge, err = e.EvaluateGroup(ctx, client, *f.group, req, f.enforcement); err != nil {
			return err
		}
		if !f.post {
			break
		}
		err = client.PublishGroup(ctx, ge, statusTarget(f, ge.Group.Repo))
		if errors.Is(err, github.ErrStale) && attempt < github.MaxAttempts {
			fmt.Fprintf(cmd.ErrOrStderr(), "gov: %v; starting over\n", err)
			continue
		}
		if err != nil {
			_ = printGroup(cmd.OutOrStdout(), f.format, ge)
			return err
		}
		break
	}
	if err := printGroup(cmd.OutOrStdout(), f.format, ge); err != nil {
		return err
	}
	if err := writeGroupOutputs(ge); err != nil {
		return err
	}
	switch ge.Decision {
	case engine.Allow:
		return nil
	case engine.RequireApproval:
		return exitError{3}
	}
	return exitError{1}
}

type groupPR struct {
	Number   int            `json:"number"`
	HeadSHA  string         `json:"head_sha"`
	Decision engine.Outcome `json:"decision"`
	Reason   string         `json:"reason"`
}

func printGroup(w io.Writer, format string, ge *github.GroupEvaluation) error {
	prs := make([]groupPR, len(ge.PRs))
	for i, ev := range ge.PRs {
		prs[i] = groupPR{ev.PR.Number, ev.PR.HeadSHA, ev.Decision.Decision, ev.Decision.Reason}
	}
	if format == "json" {
		return writeJSON(w, map[string]any{"merge_group": map[string]string{"head_sha": ge.Group.HeadSHA, "base_ref": ge.Group.BaseRef},
			"decision": ge.Decision, "reason": ge.Reason, "status_context": ge.StatusContext, "pull_requests": prs})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "MERGE GROUP %s into %s: %s\nreason: %s\n", ge.Group.HeadSHA, ge.Group.BaseRef, strings.ToUpper(string(ge.Decision)), ge.Reason)
	for _, p := range prs {
		fmt.Fprintf(&b, "  #%d at %s: %s: %s\n", p.Number, shortSHA(p.HeadSHA), p.Decision, p.Reason)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeGroupOutputs writes the step outputs of a merge group run.
func writeGroupOutputs(ge *github.GroupEvaluation) error {
	return appendOutputs([][2]string{{"decision", string(ge.Decision)}, {"allowed", strconv.FormatBool(ge.Decision == engine.Allow)},
		{"sarif-file", ""}, {"evidence-file", ""}, {"head-sha", ge.Group.HeadSHA}, {"ref", ""}})
}
