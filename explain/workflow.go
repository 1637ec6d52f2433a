package explain

import (
	"fmt"
	"unicode/utf8"

	"github.com/gov-policy/gov/engine"
)

// explainWorkflow says which workflow was chosen and why, in the order the
// engine chooses: one a require_approval rule names, else the `when` that
// matched, else default_workflow, else the built-in one.
func explainWorkflow(d *engine.Decision, fired []*firing, in Input) *Workflow {
	if d.Workflow == nil {
		return nil
	}
	w := &Workflow{Name: d.Workflow.Name, Stages: d.Workflow.Stages}
	var counted, paths []string
	for _, v := range d.Violations {
		if v.Exception == "" || !isWaived(v.Exception) {
			counted = append(counted, v.Rule)
		}
	}
	if p := in.Eval.Patch; p != nil {
		for _, f := range p.Files {
			paths = append(paths, f.Path)
			if f.OldPath != "" && f.OldPath != f.Path {
				paths = append(paths, f.OldPath)
			}
		}
	}
	for _, f := range fired {
		if f.workflow == w.Name && f.ref.Action == engine.ActionRequireApproval {
			w.Why = append(w.Why, fmt.Sprintf("rule %s (%s) asks for it", f.id, location(f.ref.File, f.ref.Line)))
			return w
		}
	}
	if b := in.Bundle; b != nil {
		for _, r := range b.Rules {
			if r.Workflow == w.Name && r.Action == engine.ActionRequireApproval && contains(counted, r.ID) {
				w.Why = append(w.Why, fmt.Sprintf("rule %s (rules.cue) asks for it", r.ID))
				return w
			}
		}
	}
	if in.Engine != nil {
		if why, ok := in.Engine.WorkflowWhy(w.Name, d.Environment, d.RiskLevel, counted, paths); ok {
			w.Why = append(w.Why, why...)
			return w
		}
	}
	switch {
	case in.Bundle == nil:
		w.Why = append(w.Why, "the bundle is not at hand: its workflows cannot be matched again")
	case in.Bundle.Config.DefaultWorkflow == w.Name:
		w.Why = append(w.Why, "no workflow's when matched: default_workflow in gov.cue")
	case w.Name == "default":
		w.Why = append(w.Why, "no workflow's when matched and gov.cue names no default_workflow: the built-in workflow (one approval from a role with the approve permission)")
	default:
		w.Why = append(w.Why, "its when does not match this request: the decision chose it otherwise (an incomplete patch falls back to default_workflow)")
	}
	return w
}

func isWaived(exception string) bool {
	return len(exception) >= 6 && exception[:6] == "waived"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// reviews lists each review of a pull-request decision: those counted per
// stage, those ignored and those blocking, each with the reason.
func reviews(d *engine.Decision) []Review {
	if d.Workflow == nil {
		return nil
	}
	var out []Review
	for _, s := range d.Workflow.Stages {
		for _, r := range s.Reviews {
			out = append(out, Review{Login: r.Login, ReviewID: r.ReviewID, Stage: s.Name, Status: "counted",
				Reason: fmt.Sprintf("approved the head commit and holds %v", s.ApproverRoles)})
		}
	}
	for _, n := range d.Workflow.Blocking {
		out = append(out, Review{Login: n.Login, ReviewID: n.ReviewID, Stage: n.Stage, Status: "blocking", Reason: n.Reason})
	}
	for _, n := range d.Workflow.Ignored {
		out = append(out, Review{Login: n.Login, ReviewID: n.ReviewID, Stage: n.Stage, Status: "ignored", Reason: n.Reason})
	}
	return out
}

// maxValue bounds a value as explain prints it (after redaction, so a cut
// never leaves part of a secret unmasked).
const maxValue = 200

// shorten cuts long values read by rules: a rule that reads a whole file
// or patch would otherwise print it.
func shorten(x *Explanation) {
	for i := range x.Rules {
		r := &x.Rules[i]
		for j := range r.Reads {
			r.Reads[j].Value = shortValue(r.Reads[j].Value)
		}
		for j := range r.Bindings {
			r.Bindings[j].Value = shortValue(r.Bindings[j].Value)
		}
		for j := range r.Conditions {
			r.Conditions[j].Read = shortValue(r.Conditions[j].Read)
		}
	}
}

// shortValue keeps a value's shape and scalars but cuts long strings and
// lists, and summarises what lies deeper than two levels.
func shortValue(v any) any { return shortAt(v, 0) }

const maxItems = 5

func shortAt(v any, depth int) any {
	switch x := v.(type) {
	case string:
		return shortString(x)
	case []any:
		if depth >= 2 {
			return fmt.Sprintf("[%d items]", len(x))
		}
		out := make([]any, 0, min(len(x), maxItems+1))
		for i, e := range x {
			if i == maxItems {
				out = append(out, fmt.Sprintf("… %d more", len(x)-maxItems))
				break
			}
			out = append(out, shortAt(e, depth+1))
		}
		return out
	case map[string]any:
		if depth >= 2 {
			return fmt.Sprintf("{%d keys}", len(x))
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = shortAt(e, depth+1)
		}
		return out
	}
	return v
}

func shortString(s string) string {
	if len(s) <= maxValue {
		return s
	}
	cut := maxValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d bytes)", len(s))
}
