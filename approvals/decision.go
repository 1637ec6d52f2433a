package approvals

import (
	"fmt"
	"strings"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
)

// Apply folds counted approvals into a require_approval decision: the
// stages get approved_by and satisfied; when every stage is satisfied the
// decision becomes allow and the reason names the approvers; break-glass
// allows and says so first in the reason. Any other decision (deny above
// all) is left as it is.
func Apply(d *engine.Decision, r Result) {
	if d == nil || d.Decision != engine.RequireApproval || d.Workflow == nil {
		return
	}
	d.Workflow.Stages = r.Stages
	d.Workflow.Ignored, d.Workflow.Blocking = reviewNotes(r)
	switch {
	case r.BreakGlass != nil:
		bg := r.BreakGlass
		d.Decision, d.PendingReason = engine.Allow, ""
		d.Reason = fmt.Sprintf("BREAK-GLASS: label %q added by %s at %s for head %s; approvals bypassed (was: %s)",
			bg.Label, bg.ByLogin, bg.At.UTC().Format(time.RFC3339), bg.HeadSHA, d.Reason)
		d.BreakGlass = &engine.BreakGlass{Label: bg.Label, By: bg.ByLogin, ByID: bg.ByID, At: bg.At.UTC(), HeadSHA: bg.HeadSHA}
	case r.Satisfied:
		var by []string
		for _, s := range r.Stages {
			by = append(by, fmt.Sprintf("%s (%s)", strings.Join(s.ApprovedBy, ", "), s.Name))
		}
		d.Decision, d.PendingReason = engine.Allow, ""
		d.Reason = fmt.Sprintf("approved by %s (was: %s)", strings.Join(by, "; "), d.Reason)
	default:
		d.PendingReason = r.Pending
	}
}

// Incomplete makes sure a decision taken on an incomplete patch (a diff
// GitHub would not return, evaluated from the files list) never allows by
// default: under strict enforcement an allow becomes require_approval under
// the bundle's fallback workflow; the reason always says why.
func Incomplete(d *engine.Decision, why string, b *bundles.Bundle) {
	if d == nil || why == "" {
		return
	}
	if d.Decision == engine.Allow && d.Enforcement != engine.EnforcementOff && d.Enforcement != engine.EnforcementWarn {
		d.Decision = engine.RequireApproval
		if d.Workflow == nil {
			d.Workflow = FallbackWorkflow(b)
		}
		d.PendingReason = fmt.Sprintf("waiting for approval: %s", why)
	}
	d.Reason = why + "; " + d.Reason
}

// FallbackWorkflow is the bundle's default_workflow (all its stages), else
// one approval from any role holding the approve permission.
func FallbackWorkflow(b *bundles.Bundle) *engine.WorkflowResult {
	if b != nil && b.Config.DefaultWorkflow != "" {
		if wf, ok := b.Workflows[b.Config.DefaultWorkflow]; ok && len(wf.Stages) > 0 {
			out := &engine.WorkflowResult{Name: b.Config.DefaultWorkflow, EscalateTo: wf.EscalateTo}
			for _, s := range wf.Stages {
				out.Stages = append(out.Stages, engine.StageResult{Name: s.Name, ApproverRoles: s.ApproverRoles,
					MinApprovals: max(s.MinApprovals, 1), TimeoutHours: s.TimeoutHours, ApprovedBy: []string{}})
			}
			return out
		}
	}
	roles := []string{}
	if b != nil {
		roles = rolesWith(b.Roles, "approve")
	}
	return &engine.WorkflowResult{Name: "default", Stages: []engine.StageResult{{
		Name: "approval", ApproverRoles: roles, MinApprovals: 1, ApprovedBy: []string{},
	}}}
}

// reviewNotes are the ignored reviews and the blockers of r as the
// decision records them, so that the audit record says why each review
// did or did not count (gov explain).
func reviewNotes(r Result) (ignored, blocking []engine.ReviewNote) {
	for _, ig := range r.Ignored {
		ignored = append(ignored, engine.ReviewNote{Login: ig.Who(), UserID: ig.UserID, ReviewID: ig.ReviewID, Reason: ig.Reason})
	}
	for _, b := range r.Blockers {
		why := "requests changes and holds the role: the stage waits until it is dismissed or changed"
		if b.Unverified != "" {
			why = "requests changes; whether they hold the role could not be checked (" + b.Unverified + "), so it blocks all the same"
		}
		blocking = append(blocking, engine.ReviewNote{Login: b.Login, UserID: b.UserID, ReviewID: b.ReviewID, Stage: b.Stage, Reason: why})
	}
	return ignored, blocking
}
