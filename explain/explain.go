// Package explain answers "why" for one decision: the policy version, each
// rule that fired with the input values it read (OPA's trace condensed to
// the rule bodies that succeeded), exceptions and enforcement, the workflow
// and the `when` that chose it, and for a pull request each review counted
// or ignored. It decides nothing: the decision comes from the decide
// pipeline or an audit record, and everything it returns is redacted.
package explain

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/decide"
	"github.com/gov-policy/gov/engine"
)

// Explanation is the answer; its JSON form is what `gov explain --format
// json` prints.
type Explanation struct {
	Decision      engine.Outcome `json:"decision"`
	Reason        string         `json:"reason"`
	PendingReason string         `json:"pending_reason,omitempty"`
	// Record is the digest of the audit record explained, when one was.
	Record      string             `json:"record,omitempty"`
	Policy      engine.BundleInfo  `json:"policy"`
	Environment string             `json:"environment,omitempty"`
	RiskLevel   string             `json:"risk_level"`
	Enforcement Enforcement        `json:"enforcement"`
	Rules       []Rule             `json:"rules"`
	Workflow    *Workflow          `json:"workflow,omitempty"`
	Reviews     []Review           `json:"reviews,omitempty"`
	BreakGlass  *engine.BreakGlass `json:"break_glass,omitempty"`
	Notes       []string           `json:"notes,omitempty"`
}

// Enforcement is the level applied and where it came from.
type Enforcement struct {
	Level string `json:"level"`
	From  string `json:"from"`
}

// Rule is one violation of the decision and why its rule fired.
type Rule struct {
	ID       string   `json:"id"`
	Action   string   `json:"action"`
	Message  string   `json:"message"`
	Severity string   `json:"severity,omitempty"`
	Controls []string `json:"controls,omitempty"`
	// Source is where the rule is written (file:line in the bundle, the
	// library or rules.cue).
	Source string `json:"source,omitempty"`
	// Target is the patch location the violation names (file:line).
	Target string `json:"target,omitempty"`
	// Counted is false when an exception waives the violation or
	// enforcement warn does not enforce it; Exception and Enforced say which.
	Counted   bool   `json:"counted"`
	Exception string `json:"exception,omitempty"`
	Enforced  bool   `json:"enforced"`
	// Reads are the input values the rule body read; Bindings the values
	// of its named variables when it succeeded (Rego rules, from the trace).
	Reads    []Read `json:"reads,omitempty"`
	Bindings []Read `json:"bindings,omitempty"`
	// Conditions are a declarative rule's conditions with the value each read.
	Conditions []Condition `json:"conditions,omitempty"`
	// Traced is false when the trace did not reproduce this violation
	// (an audit record whose bundle was not at hand, or a masked patch).
	Traced bool `json:"traced"`
}

// Read is one value a rule read: an input path, or a variable's name.
// Via names the helper rule that read it for the rule (its name and
// file:line), "" when the rule's own body did.
type Read struct {
	Path  string `json:"path"`
	Value any    `json:"value"`
	Via   string `json:"via,omitempty"`
	// ref is the input reference Path prints: its keys are masked one by
	// one before it is printed (maskPaths), as Rego's quoting of a key
	// (escaped quotes, backslashes) hides a secret from the redactor.
	ref ast.Ref
}

// Condition is one condition of a declarative rule and the value it read.
type Condition struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
	Read     any    `json:"read"`
}

// Workflow is the approval workflow chosen and why.
type Workflow struct {
	Name   string               `json:"name"`
	Why    []string             `json:"why"`
	Stages []engine.StageResult `json:"stages"`
}

// Review is one pull-request review (or break-glass label) and whether it
// counted, with the reason.
type Review struct {
	Login    string `json:"login"`
	ReviewID int64  `json:"review_id,omitempty"`
	Stage    string `json:"stage,omitempty"`
	// Status is counted, ignored or blocking.
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// Input is one decision to explain.
type Input struct {
	// Decision is the decided (gov eval) or recorded (audit record) decision.
	Decision *engine.Decision
	// Eval is what was evaluated: the request, patch, findings and PR
	// facts, and the --enforcement override of gov eval ("" for a record).
	Eval engine.Input
	// Bundle and Engine are the policy the decision was made under; with
	// a nil Engine no rule is traced.
	Bundle *bundles.Bundle
	Engine *engine.Engine
	// Redactor masks the request's secrets; everything returned passes it.
	Redactor *decide.Redactor
	Record   string
	// Notes are the caller's (why the trace was skipped, ...).
	Notes []string
}

// Explain builds the explanation of in.Decision. An error tracing the
// policies is returned (redacted), never an explanation that leaves rules out.
func Explain(ctx context.Context, in Input) (*Explanation, error) {
	d := in.Decision
	if d == nil {
		return nil, fmt.Errorf("explain: no decision")
	}
	x := &Explanation{
		Decision: d.Decision, Reason: d.Reason, PendingReason: d.PendingReason, Record: in.Record,
		Policy: d.Bundle, Environment: d.Environment, RiskLevel: d.RiskLevel,
		Enforcement: enforcementOf(d, in), Rules: []Rule{}, BreakGlass: d.BreakGlass, Notes: in.Notes,
	}
	var fired []*firing
	if in.Engine != nil && d.Enforcement != engine.EnforcementOff {
		var err error
		if fired, err = trace(ctx, in.Engine, in.Eval); err != nil {
			return nil, in.Redactor.Error(fmt.Errorf("explain: tracing the policies: %w", err))
		}
	}
	rules, err := ruleSources(in.Bundle)
	if err != nil {
		return nil, err
	}
	for _, v := range d.Violations {
		x.Rules = append(x.Rules, explainRule(v, fired, rules, in))
	}
	maskPaths(x.Rules, in.Redactor)
	x.Workflow = explainWorkflow(d, fired, in)
	x.Reviews = reviews(d)
	// Folded: bindings are values the policy computed, lower(line) among them.
	x = decide.Redact(in.Redactor.Folded(), x)
	shorten(x)
	return x, nil
}

// enforcementOf says where the decision's enforcement level came from, in
// the order the engine resolves it.
func enforcementOf(d *engine.Decision, in Input) Enforcement {
	e := Enforcement{Level: d.Enforcement}
	if in.Eval.Enforcement != "" {
		e.From = "the --enforcement override"
		return e
	}
	if in.Bundle == nil {
		e.From = "the bundle (not at hand)"
		return e
	}
	cfg := in.Bundle.Config
	want, from := cfg.Environments[d.Environment].Enforcement, fmt.Sprintf("gov.cue environments.%s.enforcement", d.Environment)
	if want == "" {
		want, from = cfg.Enforcement, "gov.cue enforcement"
	}
	if want == "" {
		want, from = engine.EnforcementStrict, "the default (strict)"
	}
	if want != d.Enforcement {
		from = fmt.Sprintf("an --enforcement override (the bundle says %s)", want)
	}
	e.From = from
	return e
}

// maskPaths prints each input path a rule read with every string key
// masked as it is, before Rego quotes it.
func maskPaths(rules []Rule, red *decide.Redactor) {
	for i := range rules {
		for j := range rules[i].Reads {
			rd := &rules[i].Reads[j]
			if rd.ref == nil {
				continue
			}
			ref := rd.ref.Copy()
			for k := 1; k < len(ref); k++ {
				if s, ok := ref[k].Value.(ast.String); ok {
					ref[k] = ast.StringTerm(red.String(string(s)))
				}
			}
			rd.Path = ref.String()
		}
	}
}
