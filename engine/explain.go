package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// What gov explain needs of the engine: the same program and input
// Evaluate uses, run once more with an OPA tracer, and the rule each traced
// rule node stands for. Nothing here decides; Evaluate stays the only path
// to a decision.

// RuleRef names the policy rule a traced rule node of the compiled program
// stands for: its id (METADATA custom.id, else <package>.<action>; an
// element's own id is the caller's to read), action, and where the author
// wrote it.
type RuleRef struct {
	ID      string
	Package string
	Action  string
	File    string
	Line    int
}

// Trace evaluates every policy set for in exactly as Evaluate does (same
// compiled program, store and input document, every package queried) with
// tracer attached. It returns no decision: a caller explaining one gets it
// from Evaluate.
func (e *Engine) Trace(ctx context.Context, in Input, tracer topdown.QueryTracer) error {
	env, err := e.b.Config.Environment(in.Request.Environment)
	if err != nil {
		return err
	}
	in.Request.Environment = env
	risk := e.risk.level(in.Request, in.Patch)
	input, err := e.input(in, risk)
	if err != nil {
		return err
	}
	body := ast.NewBody()
	for _, t := range e.queries.terms {
		body.Append(t.expr())
	}
	if len(body) == 0 {
		return nil
	}
	_, err = rego.New(
		rego.ParsedQuery(body),
		rego.Compiler(e.prog.compiler),
		rego.Store(e.queries.store),
		rego.StoreReadAST(true),
		rego.StrictBuiltinErrors(true),
		rego.ParsedInput(input),
		rego.QueryTracer(tracer),
	).Eval(ctx)
	if err != nil {
		return &EvalError{Err: err}
	}
	return nil
}

// RuleOf names the policy rule r (a node of a trace) stands for; ok is
// false for a rule that produces no violation (a helper) and for gov's own
// forwarding rules (see rename).
func (e *Engine) RuleOf(r *ast.Rule) (RuleRef, bool) {
	if r == nil || r.Location == nil || strings.HasPrefix(r.Location.File, "gov:") {
		return RuleRef{}, false
	}
	name := r.Head.Name.String()
	if len(r.Head.Reference) > 0 {
		name = r.Head.Reference[0].String()
	}
	for _, info := range e.prog.rules {
		if info.hidden == name {
			return ruleRef(info), true
		}
	}
	if name != ActionDeny && name != ActionRequireApproval && name != ActionWarn || r.Module == nil {
		return RuleRef{}, false
	}
	pkg := strings.TrimPrefix(r.Module.Package.Path.String(), "data.")
	for _, pp := range e.prog.packages {
		if pp.name != pkg {
			continue
		}
		if info, ok := pp.defaults[name]; ok {
			ref := ruleRef(info)
			ref.Line = r.Location.Row // each body of a complete rule where it is
			return ref, true
		}
	}
	return RuleRef{}, false
}

func ruleRef(info ruleInfo) RuleRef {
	id := info.id
	if id == "" {
		id = info.pkg + "." + info.action
	}
	return RuleRef{ID: id, Package: info.pkg, Action: info.action, File: info.file, Line: info.line}
}

// WorkflowWhy says why workflow name applies to a decision with these
// facts: one line per non-empty list of its `when` and the value that
// matched it. matched is false when its `when` does not hold (the workflow
// was then named by a rule or is the default_workflow).
func (e *Engine) WorkflowWhy(name, environment, risk string, rules, paths []string) (why []string, matched bool) {
	w := e.workflow(name)
	if w == nil {
		return nil, false
	}
	f := facts{environment: environment, risk: risk, rules: rules, paths: paths}
	if !w.when.matches(f) {
		return nil, false
	}
	c := w.when
	if len(c.environments) > 0 {
		why = append(why, fmt.Sprintf("when.environments %q: environment is %q", c.environments, environment))
	}
	if len(c.riskLevels) > 0 {
		why = append(why, fmt.Sprintf("when.risk_levels %q: risk level is %q", c.riskLevels, risk))
	}
	if len(c.rules) > 0 {
		for _, id := range rules {
			if g := firstIDGlob(c.rules, id); g != "" {
				why = append(why, fmt.Sprintf("when.rules %q matched rule %s", g, id))
				break
			}
		}
	}
	if len(c.paths) > 0 {
		if g, p := firstPathGlob(c.paths, paths); g != "" {
			why = append(why, fmt.Sprintf("when.paths %q matched %s", g, p))
		}
	}
	if len(why) == 0 {
		why = append(why, "its when is empty: it matches every change")
	}
	return why, true
}

func firstIDGlob(gs []idGlob, id string) string {
	for _, g := range gs {
		if g.match(id) {
			return g.pattern
		}
	}
	return ""
}

func firstPathGlob(gs []pathGlob, paths []string) (pattern, path string) {
	for _, p := range paths {
		for _, g := range gs {
			if g.match(p) {
				return g.pattern, p
			}
		}
	}
	return "", ""
}
