package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gov-policy/gov/engine"
)

// writeDecisionText prints a decision short and readable: the verdict, why,
// each violation with file:line, the workflow still waiting, the bundle.
func writeDecisionText(w io.Writer, d *engine.Decision) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  (enforcement %s, risk %s)\n", verdict(colorOn(w), d.Decision), d.Enforcement, d.RiskLevel)
	fmt.Fprintf(&b, "reason: %s\n", d.Reason)
	if len(d.Violations) > 0 {
		b.WriteString("violations:\n")
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, v := range d.Violations {
			loc := v.File
			if loc != "" && v.Line > 0 {
				loc = fmt.Sprintf("%s:%d", v.File, v.Line)
			}
			if loc == "" {
				loc = "-"
			}
			action := v.Action
			if v.Enforced != nil && !*v.Enforced {
				action += " (not enforced)"
			}
			switch {
			case strings.HasPrefix(v.Exception, "exception expired"):
				action += " (" + v.Exception + ")" // it no longer waives: say so
			case v.Exception != "":
				action += " (exception)"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", action, v.Rule, loc, v.Message)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if d.Workflow != nil {
		fmt.Fprintf(&b, "workflow: %s\n", d.Workflow.Name)
		for _, s := range d.Workflow.Stages {
			state := "waiting"
			if s.Satisfied {
				state = "satisfied"
			}
			fmt.Fprintf(&b, "  stage %q: %d approval(s) from %s — %s\n", s.Name, s.MinApprovals, strings.Join(s.ApproverRoles, ", "), state)
		}
	}
	if d.PendingReason != "" {
		fmt.Fprintf(&b, "pending: %s\n", d.PendingReason)
	}
	fmt.Fprintf(&b, "bundle: %s (%s)\n", d.Bundle.Source, d.Bundle.Revision)
	_, err := io.WriteString(w, b.String())
	return err
}

// verdict is a decision as the first word of text output: ALLOW, DENY,
// REQUIRE APPROVAL; green, red and yellow on a terminal.
func verdict(color bool, decision engine.Outcome) string {
	code := map[engine.Outcome]string{engine.Allow: colorGreen, engine.Deny: colorRed, engine.RequireApproval: colorYellow}[decision]
	word := strings.ToUpper(strings.ReplaceAll(string(decision), "_", " "))
	if code == "" {
		return word
	}
	return paint(color, code, word)
}
