package engine

import "github.com/open-policy-agent/opa/v1/ast"

// InputDocument returns the Rego input document exactly as policies see it
// for in, as plain JSON-shaped values (`gov eval --print-input`; handy for
// writing policy tests).
func (e *Engine) InputDocument(in Input) (any, error) {
	v, err := e.keys.input(in, e.risk.level(in.Request, in.Patch))
	if err != nil {
		return nil, err
	}
	return ast.JSON(v)
}
