package engine

import (
	"fmt"

	"github.com/gov-policy/gov/bundles"
	"github.com/open-policy-agent/opa/v1/ast"
)

// InputDocument returns the Rego input document exactly as policies of
// bundle b see it for in, as plain JSON-shaped values (`gov eval
// --print-input`; handy for writing policy tests). It needs only b's
// configuration (input.risk_level), not its policies, so it works on a
// bundle whose policies do not compile.
func InputDocument(b *bundles.Bundle, in Input) (any, error) {
	env, err := b.Config.Environment(in.Request.Environment)
	if err != nil {
		return nil, err
	}
	in.Request.Environment = env // as Evaluate resolves it
	risk, err := newRiskScorer(b.Config.Risk)
	if err != nil {
		return nil, fmt.Errorf("gov.cue: risk.high_risk_paths: %w", err)
	}
	v, err := newInputKeys().input(in, risk.level(in.Request, in.Patch))
	if err != nil {
		return nil, err
	}
	return ast.JSON(v)
}
