package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gov-policy/gov/bundles"
)

// builtinWorkflow is used when approval is required and neither a workflow
// matches nor the bundle names a default_workflow.
const builtinWorkflow = "default"

// conditions are bundles.Conditions with their globs compiled.
type conditions struct {
	environments, riskLevels []string
	rules                    []idGlob
	paths                    []pathGlob
}

type stageMatcher struct {
	bundles.Stage
	when *conditions
}

type workflowMatcher struct {
	name   string
	wf     bundles.Workflow
	when   conditions
	stages []stageMatcher
}

func compileConditions(c bundles.Conditions) (conditions, error) {
	rules, err := compileIDGlobs(c.Rules)
	if err != nil {
		return conditions{}, fmt.Errorf("rules: %w", err)
	}
	paths, err := compilePathGlobs(c.Paths)
	if err != nil {
		return conditions{}, fmt.Errorf("paths: %w", err)
	}
	return conditions{environments: c.Environments, riskLevels: c.RiskLevels, rules: rules, paths: paths}, nil
}

// specificity is the number of non-empty condition lists.
func (c conditions) specificity() int {
	n := 0
	for _, l := range []int{len(c.environments), len(c.riskLevels), len(c.rules), len(c.paths)} {
		if l > 0 {
			n++
		}
	}
	return n
}

func compileWorkflows(ws map[string]bundles.Workflow) ([]workflowMatcher, error) {
	var out []workflowMatcher
	for _, name := range slices.Sorted(maps.Keys(ws)) {
		w := ws[name]
		when, err := compileConditions(w.When)
		if err != nil {
			return nil, fmt.Errorf("workflows.%s.when.%w", name, err)
		}
		m := workflowMatcher{name: name, wf: w, when: when}
		for i, s := range w.Stages {
			sm := stageMatcher{Stage: s}
			if s.When != nil {
				c, err := compileConditions(*s.When)
				if err != nil {
					return nil, fmt.Errorf("workflows.%s.stages[%d].when.%w", name, i, err)
				}
				sm.when = &c
			}
			m.stages = append(m.stages, sm)
		}
		out = append(out, m)
	}
	return out, nil
}

// facts are what workflow conditions test.
type facts struct {
	environment, risk string
	rules, paths      []string
}

// matches: every non-empty list must match; empty lists match anything.
func (c conditions) matches(f facts) bool {
	if len(c.environments) > 0 && !contains(c.environments, f.environment) {
		return false
	}
	if len(c.riskLevels) > 0 && !contains(c.riskLevels, f.risk) {
		return false
	}
	if len(c.rules) > 0 && !anyOf(f.rules, func(id string) bool {
		for _, g := range c.rules {
			if g.match(id) {
				return true
			}
		}
		return false
	}) {
		return false
	}
	return len(c.paths) == 0 || anyOf(f.paths, func(p string) bool { return anyGlob(c.paths, p) })
}

func anyOf(xs []string, ok func(string) bool) bool {
	for _, x := range xs {
		if ok(x) {
			return true
		}
	}
	return false
}

// selectWorkflow picks the approval workflow: one a counted
// require_approval violation names; else the matching workflow of highest
// priority, then most specific, then first by name; else default_workflow;
// else the built-in one. Stages whose own when does not match are dropped;
// a workflow left with no stage falls back to the built-in stage.
func (e *Engine) selectWorkflow(in Input, risk string, rs []result) (*WorkflowResult, error) {
	f := facts{environment: in.Request.Environment, risk: risk}
	named := ""
	for _, r := range rs {
		if r.waived {
			continue
		}
		f.rules = append(f.rules, r.Rule)
		if named == "" && r.Action == ActionRequireApproval && r.workflow != "" {
			named = r.workflow
		}
	}
	if in.Patch != nil {
		for _, file := range in.Patch.Files {
			f.paths = append(f.paths, file.Path)
			if file.OldPath != "" && file.OldPath != file.Path {
				f.paths = append(f.paths, file.OldPath)
			}
		}
	}
	var chosen *workflowMatcher
	if named != "" {
		if chosen = e.workflow(named); chosen == nil {
			return nil, fmt.Errorf("a policy asks for workflow %q, which the bundle does not define", named)
		}
	}
	if chosen == nil {
		for i := range e.workflows {
			if w := &e.workflows[i]; w.when.matches(f) && (chosen == nil || better(w, chosen)) {
				chosen = w
			}
		}
	}
	if chosen == nil && e.b.Config.DefaultWorkflow != "" {
		if chosen = e.workflow(e.b.Config.DefaultWorkflow); chosen == nil {
			return nil, fmt.Errorf("default_workflow %q is not defined", e.b.Config.DefaultWorkflow)
		}
	}
	if chosen == nil {
		return e.builtinWorkflow(), nil
	}
	res := &WorkflowResult{Name: chosen.name, EscalateTo: chosen.wf.EscalateTo}
	for _, s := range chosen.stages {
		if s.when == nil || s.when.matches(f) {
			res.Stages = append(res.Stages, StageResult{
				Name: s.Name, ApproverRoles: s.ApproverRoles, MinApprovals: max(s.MinApprovals, 1),
				TimeoutHours: s.TimeoutHours, ApprovedBy: []string{},
			})
		}
	}
	if len(res.Stages) == 0 {
		res.Stages = e.builtinWorkflow().Stages
	}
	return res, nil
}

// better orders matching workflows: higher priority, then more specific
// conditions (ties keep the earlier name).
func better(a, b *workflowMatcher) bool {
	if a.wf.Priority != b.wf.Priority {
		return a.wf.Priority > b.wf.Priority
	}
	return a.when.specificity() > b.when.specificity()
}

func (e *Engine) workflow(name string) *workflowMatcher {
	for i := range e.workflows {
		if e.workflows[i].name == name {
			return &e.workflows[i]
		}
	}
	return nil
}

// builtinWorkflow asks one approval from any role holding "approve".
func (e *Engine) builtinWorkflow() *WorkflowResult {
	roles := []string{}
	for _, name := range slices.Sorted(maps.Keys(e.b.Roles)) {
		if contains(e.b.Roles[name].Permissions, "approve") {
			roles = append(roles, name)
		}
	}
	return &WorkflowResult{Name: builtinWorkflow, Stages: []StageResult{{
		Name: "approval", ApproverRoles: roles, MinApprovals: 1, ApprovedBy: []string{},
	}}}
}

// pendingReason names the first unsatisfied stage:
// waiting for 1 approval from sre (stage "SRE review").
func pendingReason(w *WorkflowResult) string {
	for _, s := range w.Stages {
		if s.Satisfied {
			continue
		}
		noun := "approval"
		if s.MinApprovals != 1 {
			noun = "approvals"
		}
		from := "from " + strings.Join(s.ApproverRoles, " or ")
		if len(s.ApproverRoles) == 0 {
			from = "(no role holds the approve permission)"
		}
		return fmt.Sprintf("waiting for %d %s %s (stage %q)", s.MinApprovals, noun, from, s.Name)
	}
	return ""
}
