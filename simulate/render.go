package simulate

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/gov-policy/gov/engine"
)

// MarkdownChangeLimit caps the rows of the affected-requests table in
// Markdown, which is meant for a PR comment (GitHub caps those at 65,536
// characters); the JSON form lists every change.
const MarkdownChangeLimit = 200

// Markdown renders r for a pull-request comment on the policy repository:
// a headline, a summary table of transitions, a table of rules, then the
// affected requests in a collapsed <details> block.
func Markdown(r *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### gov simulate: %s\n\n", headline(r))
	fmt.Fprintf(&b, "Candidate %s vs baseline %s, %d request(s)", mdBundle(r.Candidate), mdBundle(r.Baseline), r.Total)
	if r.Source != "" {
		fmt.Fprintf(&b, " from `%s`", mdCode(r.Source))
	}
	fmt.Fprintf(&b, "; %d error(s), %d skipped.\n\n", r.Errors, len(r.Skipped))
	b.WriteString("| Baseline | Candidate | Requests |\n|---|---|---:|\n")
	for _, t := range r.Transitions {
		from, to := t.From, t.To
		switch {
		case t.Changed:
			from, to = "**"+from+"**", "**"+to+"**"
		case from == Unchanged:
			from, to = "_not evaluated in full_", "_unchanged_"
		}
		fmt.Fprintf(&b, "| %s | %s | %d |\n", from, to, t.Count)
	}
	if len(r.Rules) > 0 {
		b.WriteString("\n| Rule | Newly firing | Stopped firing |\n|---|---:|---:|\n")
		for _, rc := range r.Rules {
			fmt.Fprintf(&b, "| `%s` | %d | %d |\n", strings.ReplaceAll(mdCode(rc.Rule), "|", `\|`), rc.NewlyFiring, rc.StoppedFiring)
		}
	}
	if len(r.Changes) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>%d affected request(s)</summary>\n\n", len(r.Changes))
		b.WriteString("| Request | Service | Environment | Change | Rules |\n|---|---|---|---|---|\n")
		for i, c := range r.Changes {
			if i == MarkdownChangeLimit {
				fmt.Fprintf(&b, "\n… and %d more (see `--format json`).\n", len(r.Changes)-i)
				break
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s → %s | %s |\n", mdCell(firstOf(c.RequestID, c.Name)), mdCell(c.Service),
				mdCell(c.Environment), c.From, c.To, mdCell(ruleDelta(c)))
		}
		b.WriteString("\n</details>\n")
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>%d skipped input(s)</summary>\n\n", len(r.Skipped))
		for _, s := range r.Skipped {
			fmt.Fprintf(&b, "- `%s`\n", mdCode(s))
		}
		b.WriteString("\n</details>\n")
	}
	return b.String()
}

// Text renders r for a terminal.
func Text(r *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", headline(r))
	fmt.Fprintf(&b, "candidate: %s\nbaseline:  %s\n", textBundle(r.Candidate), textBundle(r.Baseline))
	if r.Source != "" {
		fmt.Fprintf(&b, "source:    %s\n", r.Source)
	}
	fmt.Fprintf(&b, "requests:  %d re-evaluated, %d changed, %d error(s), %d skipped\n", r.Total, r.Changed, r.Errors, len(r.Skipped))
	fmt.Fprintf(&b, "evaluated: %d in full under both bundles, %d not (decided alike, %d by comparing; %s)\n",
		r.Reevaluated, r.Unaffected, r.Compared, deltaText(r.Delta))
	if r.Reused > 0 {
		fmt.Fprintf(&b, "reused:    %d evaluation(s) of a request alike in all the policies read\n", r.Reused)
	}
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	if len(r.Transitions) > 0 {
		fmt.Fprintln(tw, "transitions:")
		for _, t := range r.Transitions {
			if t.From == Unchanged {
				fmt.Fprintf(tw, "  unchanged, not evaluated in full\t%d\n", t.Count)
				continue
			}
			fmt.Fprintf(tw, "  %s -> %s\t%d\n", t.From, t.To, t.Count)
		}
	}
	if len(r.Rules) > 0 {
		fmt.Fprintln(tw, "rules:\tnewly firing\tstopped firing")
		for _, rc := range r.Rules {
			fmt.Fprintf(tw, "  %s\t%d\t%d\n", rc.Rule, rc.NewlyFiring, rc.StoppedFiring)
		}
	}
	if len(r.Changes) > 0 {
		fmt.Fprintln(tw, "changes:")
		for _, c := range r.Changes {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s -> %s\t%s\n", firstOf(c.RequestID, c.Name), firstOf(c.Service, "-"),
				firstOf(c.Environment, "-"), c.From, c.To, ruleDelta(c))
		}
	}
	_ = tw.Flush() // writes to a strings.Builder cannot fail
	return b.String()
}

// deltaText says what differs between the bundles.
func deltaText(d Delta) string {
	switch {
	case d.Everything != "":
		return "every request in full: " + d.Everything
	case len(d.Packages) == 0:
		return "no policy differs"
	}
	return "packages compared: " + strings.Join(d.Packages, ", ")
}

// headline says in one line how many outcomes change.
func headline(r *Report) string {
	return fmt.Sprintf("%d of %d decision(s) change", r.Changed, r.Total)
}

// ruleDelta is "+new -gone ~changed from->to" for a change (or what
// caused it when no rule's result changed), the error for a failed one.
func ruleDelta(c Change) string {
	var parts []string
	for _, id := range c.NewRules {
		parts = append(parts, "+"+id)
	}
	for _, id := range c.GoneRules {
		parts = append(parts, "-"+id)
	}
	for _, rc := range c.RuleChanges {
		if rc.From != "none" && rc.To != "none" {
			parts = append(parts, fmt.Sprintf("~%s %s->%s", rc.Rule, rc.From, rc.To))
		}
	}
	if c.Cause != "" {
		parts = append(parts, c.Cause)
	}
	if c.Error != "" {
		parts = append(parts, "error: "+c.Error)
	}
	return strings.Join(parts, " ")
}

func mdBundle(bi engine.BundleInfo) string {
	return fmt.Sprintf("`%s` (`%s`)", mdCode(bi.Source), mdCode(shortRevision(bi.Revision)))
}

func textBundle(bi engine.BundleInfo) string {
	return fmt.Sprintf("%s (%s)", bi.Source, bi.Revision)
}

// shortRevision shortens a 40-hex commit SHA to 12 digits.
func shortRevision(rev string) string {
	if len(rev) >= 40 && strings.Trim(rev[:40], "0123456789abcdef") == "" {
		return rev[:12] + rev[40:]
	}
	return rev
}

// mdCell makes s safe inside a table cell: one line, pipes escaped.
func mdCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
	if s == "" {
		return "-"
	}
	return s
}

// mdCode makes s safe inside a code span.
func mdCode(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "`", "'")
}

func firstOf(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
