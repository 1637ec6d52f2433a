package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gov-policy/gov/patch"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Finding is one secret-scanner finding as policies see it (never the secret).
type Finding struct {
	Rule        string `json:"rule"`
	File        string `json:"file"`
	Line        int    `json:"line"`
	Fingerprint string `json:"fingerprint"`
}

// Input is everything one evaluation looks at.
type Input struct {
	Request  Request
	Patch    *patch.Patch // parsed patch; nil is an empty patch
	Findings []Finding
	PR       map[string]any // input.pr, optional
	// Enforcement is "" or off|warn|strict: the --enforcement override,
	// which wins over the bundle's config.
	Enforcement string
	// Now is the evaluation time (exception expiry, evaluated_at); zero means time.Now().
	Now time.Time
	// Memo, when set, answers the policies' results for an input alike one
	// it saw (see Memo); nil evaluates every time.
	Memo *Memo
}

// result is a violation before exceptions and enforcement, with the
// workflow its policy asked for.
type result struct {
	Violation
	workflow string
	waived   bool
}

// outcome is what one query produced.
type outcome struct {
	results []result
	risk    string
}

// Evaluate decides on one request and patch. Any evaluation error is
// returned with a nil decision: the caller must fail closed.
func (e *Engine) Evaluate(ctx context.Context, in Input) (*Decision, error) {
	return e.evaluate(ctx, in, e.runMemo)
}

// evaluate is Evaluate with the policies' outcome for the request (its
// environment resolved) from policies.
func (e *Engine) evaluate(ctx context.Context, in Input, policies func(context.Context, Input, time.Time) (*outcome, error)) (*Decision, error) {
	start := time.Now()
	now := in.Now
	if now.IsZero() {
		now = start
	}
	// Environments are a closed set: an unknown one is an error and a
	// missing one the bundle's default, never "no environment".
	env, err := e.b.Config.Environment(in.Request.Environment)
	if err != nil {
		return nil, err
	}
	in.Request.Environment = env
	enforcement, err := e.enforcement(in)
	if err != nil {
		return nil, err
	}
	d := &Decision{
		RequestID:   in.Request.RequestID,
		Environment: env,
		Bundle:      BundleInfo{Source: e.b.Source, Ref: e.b.Ref, Revision: e.b.Revision},
		Enforcement: enforcement,
		Violations:  []Violation{},
		Summary:     Summary{PolicyTypesChecked: []string{}},
		EvaluatedAt: now.UTC().Truncate(time.Second),
	}
	if enforcement == EnforcementOff {
		d.Decision, d.Reason = Allow, "enforcement off"
		d.DurationMS = millis(time.Since(start))
		return d, nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultTimeout)
		defer cancel()
	}
	out, err := policies(ctx, in, now)
	if err != nil {
		return nil, err
	}
	results := e.applyExceptions(out.results, now)
	if err := e.decide(d, in, out.risk, results); err != nil {
		return nil, err
	}
	d.Summary.PolicyTypesChecked = append(d.Summary.PolicyTypesChecked, e.checked...)
	d.DurationMS = millis(time.Since(start))
	return d, nil
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// run evaluates the prepared query and turns its bindings into results.
func (e *Engine) run(ctx context.Context, in Input, now time.Time) (*outcome, error) {
	risk := e.risk.level(in.Request, in.Patch)
	q, drop, err := e.queries.forPatch(ctx, in.Patch)
	if err != nil {
		return nil, err
	}
	if len(q.terms) == 0 {
		return &outcome{risk: risk}, nil
	}
	input, err := e.input(in, risk)
	if err != nil {
		return nil, err
	}
	b, err := q.eval(ctx, input, now)
	if err != nil && q == e.queries.full && ctx.Err() == nil {
		// Past maxSubsets the full query evaluates the gated packages whose
		// gate excludes p too: one of them failing must not fail what the
		// query without them decides (as it did before the subsets ran out).
		if exact, perr := e.queries.exact(ctx, in.Patch); perr == nil && exact != nil {
			if len(exact.terms) == 0 {
				return &outcome{risk: risk}, nil
			}
			b, err = exact.eval(ctx, input, now)
			q = exact
		}
	}
	if err != nil {
		return nil, err
	}
	out := &outcome{risk: risk}
	override, err := e.eachResult(q, b, drop, func(_ int, r result) {
		out.results = append(out.results, r)
	})
	if err != nil {
		return nil, err
	}
	if override >= 0 {
		out.risk = riskLevels[override]
	}
	return out, nil
}

// eval runs q on input at now and returns its one result's bindings.
func (q *preparedQuery) eval(ctx context.Context, input ast.Value, now time.Time) (rego.Vars, error) {
	// Cancellation follows ctx through context.AfterFunc rather than the
	// goroutine and channel OPA would start for every evaluation, and OPA's
	// metrics, which nothing reads, are not collected.
	cancel := topdown.NewCancel()
	stop := context.AfterFunc(ctx, cancel.Cancel)
	defer stop()
	rs, err := q.query.Eval(ctx, rego.EvalParsedInput(input), rego.EvalTime(now),
		rego.EvalExternalCancel(cancel), rego.EvalMetrics(metrics.NoOp()))
	if err != nil {
		return nil, &EvalError{Err: err}
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("evaluate policies: query returned %d results, want 1", len(rs))
	}
	return rs[0].Bindings, nil
}

// eachResult calls fn with every result q bound in b and the index of
// its term, term by term in q's order, leaving out the packages in drop,
// and returns the highest risk_level override's rank (-1: none).
func (e *Engine) eachResult(q *preparedQuery, b rego.Vars, drop map[*policyPackage]bool, fn func(int, result)) (int, error) {
	override := -1
	for i, t := range q.terms {
		if drop[t.pkg] {
			continue
		}
		v, ok := q.value(i, b)
		where := t.pkg.name + "." + t.rule
		if t.rule == "risk_level" {
			if !ok {
				continue // a conditional override that does not apply
			}
			s, _ := v.(string)
			if !validRisk(s) {
				return 0, fmt.Errorf("%s is %v, want one of low, medium, high, critical", where, v)
			}
			override = max(override, riskRank(s))
			continue
		}
		if !ok {
			return 0, fmt.Errorf("%s is undefined, want a set", where)
		}
		elems, ok := v.([]any)
		if !ok {
			return 0, fmt.Errorf("%s is %s, want a set", where, kind(v))
		}
		for _, x := range elems {
			r, err := e.element(t, x)
			if err != nil {
				return 0, err
			}
			fn(i, r)
		}
	}
	return override, nil
}

// single unwraps the one-element list a query term binds.
func single(v any) (any, bool) {
	list, ok := v.([]any)
	if !ok || len(list) != 1 {
		return nil, false
	}
	return list[0], true
}

// input builds the Rego input document directly as OPA values.
// input.patch has the shape of patch.Patch.Input (see patchValue);
// input.risk_level is the computed risk level.
func (k *inputKeys) input(in Input, risk string) (ast.Value, error) {
	return k.inputFor(in, risk, false)
}

// inputFor is input; dropRemoved builds every file's removed as [].
func (k *inputKeys) inputFor(in Input, risk string, dropRemoved bool) (ast.Value, error) {
	p := in.Patch
	if p == nil {
		p = &patch.Patch{}
	}
	pv, err := k.patchFor(p, dropRemoved)
	if err != nil {
		return nil, fmt.Errorf("build policy input: %w", err)
	}
	findings := make([]*ast.Term, len(in.Findings))
	for i, f := range in.Findings {
		findings[i] = ast.ObjectTerm(
			k.item("rule", ast.StringTerm(f.Rule)), k.item("file", ast.StringTerm(f.File)),
			k.item("line", ast.IntNumberTerm(f.Line)), k.item("fingerprint", ast.StringTerm(f.Fingerprint)),
		)
	}
	r := in.Request
	errCtx, err := objectValue(r.ErrorContext)
	if err != nil {
		return nil, fmt.Errorf("build policy input: error_context: %w", err)
	}
	meta, err := objectValue(r.Metadata)
	if err != nil {
		return nil, fmt.Errorf("build policy input: metadata: %w", err)
	}
	doc := []([2]*ast.Term){
		k.item("request", ast.ObjectTerm(
			k.item("request_id", ast.StringTerm(r.RequestID)), k.item("action_type", ast.StringTerm(r.ActionType)),
			k.item("environment", ast.StringTerm(r.Environment)), k.item("service_name", ast.StringTerm(r.ServiceName)),
			k.item("language", ast.StringTerm(r.Language)), k.item("requested_by", ast.StringTerm(r.RequestedBy)),
			k.item("error_context", errCtx), k.item("patch_content", ast.StringTerm(r.PatchContent)),
			k.item("metadata", meta),
		)),
		k.item("patch", ast.NewTerm(pv)),
		k.item("findings", ast.ArrayTerm(findings...)),
		k.item("risk_level", ast.StringTerm(risk)),
	}
	if in.PR != nil {
		pr, err := ast.InterfaceToValue(in.PR)
		if err != nil {
			return nil, fmt.Errorf("build policy input: pr: %w", err)
		}
		doc = append(doc, k.item("pr", ast.NewTerm(pr)))
	}
	return ast.NewObject(doc...), nil
}

// objectValue is m as an OPA object term; nil and empty maps share the
// interned empty object.
func objectValue(m map[string]any) (*ast.Term, error) {
	if len(m) == 0 {
		return ast.InternedEmptyObject, nil
	}
	v, err := ast.InterfaceToValue(m)
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(v), nil
}

// kind names the JSON type of a query value for error messages.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// EvalError is an error OPA raised while evaluating (a builtin error, a
// conflict, a timeout), reported on one line.
type EvalError struct{ Err error }

func (e *EvalError) Error() string {
	return "evaluate policies: " + strings.Join(strings.Fields(e.Err.Error()), " ")
}

func (e *EvalError) Unwrap() error { return e.Err }
