package github

import (
	"fmt"
	"html"
	"strings"

	"github.com/gov-policy/gov/approvals"
	"github.com/gov-policy/gov/engine"
)

// StatusFor maps a decision to the gov/policy status state and a one-line
// description.
func StatusFor(d *engine.Decision) (state, description string) {
	switch d.Decision {
	case engine.Allow:
		return StateSuccess, "allowed: " + d.Reason
	case engine.Deny:
		return StateFailure, "denied: " + d.Reason
	case engine.RequireApproval:
		return StatePending, "approval required: " + d.PendingReason
	}
	return StateError, "gov could not decide"
}

var verdicts = map[engine.Outcome]string{
	engine.Allow: "✅ allowed", engine.Deny: "❌ denied", engine.RequireApproval: "⏳ approval required",
}

// RenderComment writes the decision comment in markdown: the verdict and
// reason, break-glass in a banner, the violations, each stage with who
// approved it, what is missing, the reviews that did not count and notes.
func RenderComment(d *engine.Decision, res *approvals.Result, notes []string) string {
	var b strings.Builder
	b.WriteString(DecisionMarker + "\n")
	bg := breakGlassOf(res)
	if bg != nil {
		// The grant marker lets later runs on this head honour the label.
		// It is read only here, on the line right after DecisionMarker;
		// every text gov did not write below is escaped (cell, code), so
		// it cannot open a comment that looks like a marker.
		b.WriteString(GrantMarker(Grant{SHA: bg.HeadSHA, ByID: bg.ByID, At: bg.At}) + "\n")
	}
	fmt.Fprintf(&b, "### gov/policy: %s\n\n", verdicts[d.Decision])
	if bg != nil {
		fmt.Fprintf(&b, "> [!CAUTION]\n> **BREAK-GLASS**: label %s added by %s at %s for head `%s`. Approvals were bypassed; this is recorded in the evidence.\n\n",
			code(bg.Label), code(bg.ByLogin), bg.At.UTC().Format("2006-01-02 15:04 UTC"), short(bg.HeadSHA))
	}
	fmt.Fprintf(&b, "**Reason:** %s\n\n", cell(d.Reason))
	if len(d.Violations) > 0 {
		b.WriteString("| Action | Rule | Location | Message |\n|---|---|---|---|\n")
		for _, v := range d.Violations {
			loc := v.File
			if loc != "" && v.Line > 0 {
				loc = fmt.Sprintf("%s:%d", v.File, v.Line)
			}
			action := v.Action
			if v.Enforced != nil && !*v.Enforced {
				action += " (not enforced)"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(action), code(v.Rule), code(loc), cell(v.Message))
		}
		b.WriteString("\n")
	}
	if w := d.Workflow; w != nil {
		fmt.Fprintf(&b, "**Workflow %s**\n\n| Stage | Needs | Approved by | State |\n|---|---|---|---|\n", code(w.Name))
		for _, s := range w.Stages {
			state := "⏳ waiting"
			if s.Satisfied {
				state = "✅ satisfied"
			}
			by := "—"
			if len(s.ApprovedBy) > 0 {
				by = code(strings.Join(s.ApprovedBy, "`, `"))
			}
			fmt.Fprintf(&b, "| %s | %d from %s | %s | %s |\n", cell(s.Name), s.MinApprovals, cell(strings.Join(s.ApproverRoles, " or ")), by, state)
		}
		b.WriteString("\n")
	}
	if d.PendingReason != "" {
		fmt.Fprintf(&b, "**Still missing:** %s\n\n", cell(d.PendingReason))
	}
	if res != nil && len(res.Ignored) > 0 {
		fmt.Fprintf(&b, "<details><summary>Not counted (%d)</summary>\n\n", len(res.Ignored))
		for _, ig := range res.Ignored {
			who := ig.Who()
			if ig.Login != "" {
				who = code(ig.Login)
			}
			if ig.ReviewID != 0 {
				who += fmt.Sprintf(" (review %d)", ig.ReviewID)
			}
			fmt.Fprintf(&b, "- %s: %s\n", who, cell(ig.Reason))
		}
		b.WriteString("\n</details>\n\n")
	}
	for _, n := range notes {
		fmt.Fprintf(&b, "> [!NOTE]\n> %s\n\n", cell(n))
	}
	fmt.Fprintf(&b, "<sub>bundle %s at %s</sub>\n", code(d.Bundle.Source), code(d.Bundle.Revision))
	return b.String()
}

func breakGlassOf(res *approvals.Result) *approvals.BreakGlass {
	if res == nil {
		return nil
	}
	return res.BreakGlass
}

// cell keeps text on one line and out of table syntax, mentions and HTML:
// text gov did not write (paths, messages, names) must never open an HTML
// comment in gov's own comment, where it could pass for a marker.
func cell(s string) string {
	s = angles.Replace(oneLine(s))
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "@", "@\u200b")
}

var angles = strings.NewReplacer("<", "&lt;", ">", "&gt;")

// code renders s as inline code; text with HTML characters is written as
// an escaped <code> element, since a code span shows entities verbatim.
func code(s string) string {
	if s == "" {
		return "—"
	}
	s = oneLine(s)
	if strings.ContainsAny(s, "<>&") {
		return "<code>" + strings.ReplaceAll(html.EscapeString(s), "|", `\|`) + "</code>"
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

// DiffFromFiles rebuilds a git diff from the files list (each file's patch
// hunk as GitHub gives it), for a PR whose full diff GitHub will not return.
// Files without a patch (binary, too large) appear with their headers only.
func DiffFromFiles(files []File) string {
	var b strings.Builder
	for _, f := range files {
		old := f.Path
		if f.PreviousPath != "" {
			old = f.PreviousPath
		}
		fmt.Fprintf(&b, "diff --git a/%s b/%s\n", old, f.Path)
		switch f.Status {
		case "added":
			b.WriteString("new file mode 100644\n")
		case "removed":
			b.WriteString("deleted file mode 100644\n")
		case "renamed":
			fmt.Fprintf(&b, "rename from %s\nrename to %s\n", old, f.Path)
		}
		if f.Patch == "" {
			continue
		}
		from, to := "a/"+old, "b/"+f.Path
		if f.Status == "added" {
			from = "/dev/null"
		}
		if f.Status == "removed" {
			to = "/dev/null"
		}
		fmt.Fprintf(&b, "--- %s\n+++ %s\n%s\n", from, to, strings.TrimRight(f.Patch, "\n"))
	}
	return b.String()
}
