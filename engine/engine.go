package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/patch"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// defaultTimeout bounds one evaluation when the caller's context has no deadline.
const defaultTimeout = 10 * time.Second

// Engine holds the compiled policies and the prepared query of one bundle
// revision. It is safe for concurrent use by several goroutines.
type Engine struct {
	b          *bundles.Bundle
	prog       *program
	queries    *queries
	checked    []string
	exceptions []exception
	workflows  []workflowMatcher
	keys       *inputKeys
	risk       *riskScorer
	prune      *pruneState
}

// queryTerm is one binding of the prepared query: the elements of one
// package's action rule (or its risk_level), wrapped in a one-element list
// so that an undefined document is told apart from an empty set.
type queryTerm struct {
	name string
	pkg  *policyPackage
	rule string // deny, require_approval, warn, risk_level
	// info is the one renamed rule the term queries (see rename), nil
	// when it queries the package's whole set.
	info *ruleInfo
}

// ref is the rule the term reads: the renamed rule, else the package's.
func (t queryTerm) ref() string {
	if t.info != nil {
		return t.info.hidden
	}
	return t.rule
}

// emptyBuiltin reports a built-in package whose sets are empty by
// construction for b, which is then not queried (each is about a tenth of
// an evaluation) but still listed as checked: every element of
// gov.builtin.rules comes from one of data.gov.rules, and
// gov.builtin.environment asks only for environments that set
// require_approval.
func emptyBuiltin(pkg string, b *bundles.Bundle) bool {
	switch pkg {
	case "gov.builtin.rules":
		return len(b.Rules) == 0
	case "gov.builtin.environment":
		for _, env := range b.Config.Environments {
			if env.RequireApproval {
				return false
			}
		}
		return true
	}
	return false
}

// New compiles the bundle's Rego with the built-in modules, writes the
// bundle's data to a store and prepares the query that collects every
// package's deny, require_approval and warn sets and the risk level overrides.
func New(ctx context.Context, b *bundles.Bundle) (*Engine, error) {
	return newEngine(ctx, b, true, nil)
}

// NewFor is New for evaluating one patch, p, as gov eval does: the
// library's gated packages that do not apply to p are not compiled at all
// (about half of the library's compile time for a one-language patch).
// Evaluating a patch that needs one of them fails (closed) rather than
// skipping it.
func NewFor(ctx context.Context, b *bundles.Bundle, p *patch.Patch) (*Engine, error) {
	if p == nil {
		p = &patch.Patch{}
	}
	return newEngine(ctx, b, true, p)
}

// newEngine is New; gates false queries every package whatever its
// applies_to (the reference the gates are tested against); only, when set,
// is the one patch the engine is for (see NewFor).
func newEngine(ctx context.Context, b *bundles.Bundle, gates bool, only *patch.Patch) (*Engine, error) {
	if b == nil {
		return nil, fmt.Errorf("engine: no bundle")
	}
	if err := checkRules(b.Rules); err != nil {
		return nil, err
	}
	prog, err := compileProgram(b, only)
	if err != nil {
		return nil, err
	}
	e := &Engine{b: b, prog: prog, keys: newInputKeys(), prune: &pruneState{}}
	if e.risk, err = newRiskScorer(b.Config.Risk); err != nil {
		return nil, fmt.Errorf("gov.cue: risk.high_risk_paths: %w", err)
	}
	if e.exceptions, err = compileExceptions(b.Exceptions); err != nil {
		return nil, err
	}
	if e.workflows, err = compileWorkflows(b.Workflows); err != nil {
		return nil, err
	}
	e.checked = append(e.checked, prog.skipped...)
	var terms []queryTerm
	var omitted []*policyPackage
	for _, pp := range prog.packages {
		if len(pp.actions) > 0 {
			e.checked = append(e.checked, pp.name)
		}
		if pp.omitted {
			omitted = append(omitted, pp)
			continue
		}
		for _, rule := range [...]string{ActionDeny, ActionRequireApproval, ActionWarn, "risk_level"} {
			if (rule == "risk_level" && !pp.riskOverride) || (rule != "risk_level" && !pp.actions[rule]) {
				continue
			}
			if heads := pp.heads[rule]; len(heads) > 0 {
				for _, i := range heads {
					terms = append(terms, queryTerm{name: fmt.Sprintf("t%d", len(terms)), pkg: pp, rule: rule, info: &prog.rules[i]})
				}
				continue
			}
			terms = append(terms, queryTerm{name: fmt.Sprintf("t%d", len(terms)), pkg: pp, rule: rule})
		}
	}
	slices.Sort(e.checked)
	// The store keeps OPA values so that policies reading data.gov do not
	// convert it from Go values on every evaluation.
	store := inmem.NewFromObjectWithOpts(map[string]any{"gov": b.Data()}, inmem.OptReturnASTValuesOnRead(true))
	if e.queries, err = newQueries(ctx, prog.compiler, store, terms, gates, omitted); err != nil {
		return nil, err
	}
	return e, nil
}

// expr is the query expression binding t.name: the renamed rule itself,
// a partial set gov wrote (see rename) and so always defined, else the
// one-element list [x | x := ref], defined even when ref is not (a
// conditional risk_level override, a complete rule an author wrote). The
// comprehension was about a tenth of an evaluation of the whole library.
func (t queryTerm) expr() *ast.Expr {
	ref := t.pkg.path.Append(ast.StringTerm(t.ref()))
	if t.info != nil {
		return ast.Equality.Expr(ast.VarTerm(t.name), ast.RefTerm(ref...))
	}
	return ast.Equality.Expr(ast.VarTerm(t.name), listOf(ref))
}

// value is what t bound in a query's bindings, and whether it is defined.
func (t queryTerm) value(b rego.Vars) (any, bool) {
	if t.info != nil {
		v, ok := b[t.name]
		return v, ok
	}
	return single(b[t.name])
}

// listOf is the comprehension [x | x := ref], defined even when ref is not.
func listOf(ref ast.Ref) *ast.Term {
	x := ast.VarTerm("x")
	return ast.ArrayComprehensionTerm(x, ast.NewBody(ast.Assign.Expr(x, ast.NewTerm(ref))))
}

// Bundle returns the bundle the engine was built from.
func (e *Engine) Bundle() *bundles.Bundle { return e.b }

// withBundle shares the compiled policies with another bundle value of the
// same revision (a cache hit reached through a different source or ref).
func (e *Engine) withBundle(b *bundles.Bundle) *Engine {
	if b == e.b {
		return e
	}
	c := *e
	c.b = b
	return &c
}

var knownOperators = map[string]bool{
	"equals": true, "not_equals": true, "in": true, "not_in": true, "contains": true,
	"regex": true, "glob": true, "gt": true, "lt": true,
}

// checkRules rejects declarative rules the Rego evaluator would silently
// never fire (an unknown action or operator), so that they fail closed.
func checkRules(rules []bundles.Rule) error {
	for i, r := range rules {
		if r.Action != ActionDeny && r.Action != ActionRequireApproval && r.Action != ActionWarn {
			return fmt.Errorf("rules[%d] (%s): unknown action %q", i, r.ID, r.Action)
		}
		for j, c := range r.Conditions {
			if !knownOperators[c.Operator] {
				return fmt.Errorf("rules[%d] (%s): conditions[%d]: unknown operator %q", i, r.ID, j, c.Operator)
			}
			if c.Field == "" {
				return fmt.Errorf("rules[%d] (%s): conditions[%d]: empty field", i, r.ID, j)
			}
		}
	}
	return nil
}
