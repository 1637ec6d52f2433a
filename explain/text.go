package explain

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the explanation for people.
func WriteText(w io.Writer, x *Explanation) error {
	var b strings.Builder
	fmt.Fprintf(&b, "decision: %s\n", x.Decision)
	fmt.Fprintf(&b, "reason: %s\n", x.Reason)
	if x.PendingReason != "" {
		fmt.Fprintf(&b, "pending: %s\n", x.PendingReason)
	}
	if x.Record != "" {
		fmt.Fprintf(&b, "record: %s\n", x.Record)
	}
	policy := x.Policy.Source
	if x.Policy.Ref != "" {
		policy += "@" + x.Policy.Ref
	}
	fmt.Fprintf(&b, "policy: %s, revision %s\n", policy, x.Policy.Revision)
	fmt.Fprintf(&b, "environment: %s, risk level: %s\n", x.Environment, x.RiskLevel)
	fmt.Fprintf(&b, "enforcement: %s (from %s)\n", x.Enforcement.Level, x.Enforcement.From)
	if bg := x.BreakGlass; bg != nil {
		fmt.Fprintf(&b, "BREAK-GLASS: label %q added by %s at %s for head %s\n", bg.Label, bg.By, bg.At.UTC().Format("2006-01-02 15:04:05 UTC"), bg.HeadSHA)
	}
	if len(x.Rules) == 0 {
		b.WriteString("\nno rule fired\n")
	}
	for _, r := range x.Rules {
		writeRule(&b, r)
	}
	if wf := x.Workflow; wf != nil {
		fmt.Fprintf(&b, "\nworkflow %s\n", wf.Name)
		for _, why := range wf.Why {
			fmt.Fprintf(&b, "  chosen because %s\n", why)
		}
		for _, s := range wf.Stages {
			state := "waiting"
			if s.Satisfied {
				state = "satisfied"
			}
			fmt.Fprintf(&b, "  stage %q: %d from %s, approved by [%s], %s\n", s.Name, s.MinApprovals,
				strings.Join(s.ApproverRoles, " or "), strings.Join(s.ApprovedBy, ", "), state)
		}
	}
	if len(x.Reviews) > 0 {
		b.WriteString("\nreviews\n")
		for _, r := range x.Reviews {
			who := r.Login
			if r.ReviewID != 0 {
				who += fmt.Sprintf(" (review %d)", r.ReviewID)
			}
			stage := ""
			if r.Stage != "" {
				stage = fmt.Sprintf(" stage %q:", r.Stage)
			}
			fmt.Fprintf(&b, "  %s %s:%s %s\n", r.Status, who, stage, r.Reason)
		}
	}
	for _, n := range x.Notes {
		fmt.Fprintf(&b, "\nnote: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeRule(b *strings.Builder, r Rule) {
	fmt.Fprintf(b, "\n%s %s", r.Action, r.ID)
	if r.Source != "" {
		fmt.Fprintf(b, " (%s)", r.Source)
	}
	fmt.Fprintf(b, ": %s\n", r.Message)
	if r.Target != "" {
		fmt.Fprintf(b, "  at %s\n", r.Target)
	}
	switch {
	case r.Exception != "":
		fmt.Fprintf(b, "  exception: %s\n", r.Exception)
	case !r.Enforced:
		b.WriteString("  not enforced (enforcement warn)\n")
	}
	for _, c := range r.Conditions {
		fmt.Fprintf(b, "  condition %s %s %s: read %s\n", c.Field, c.Operator, value(c.Value), value(c.Read))
	}
	for _, rd := range r.Reads {
		via := ""
		if rd.Via != "" {
			via = " (via " + rd.Via + ")"
		}
		fmt.Fprintf(b, "  read %s = %s%s\n", rd.Path, value(rd.Value), via)
	}
	for _, rd := range r.Bindings {
		fmt.Fprintf(b, "  with %s = %s\n", rd.Path, value(rd.Value))
	}
	if !r.Traced && len(r.Conditions) == 0 {
		b.WriteString("  (not traced: the values it read are not known)\n")
	}
}

// value prints a read value as JSON on one line.
func value(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}
