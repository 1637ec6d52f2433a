package engine

import "github.com/open-policy-agent/opa/v1/ast"

// InputDocument returns the Rego input document exactly as policies see it
// for in, as plain JSON-shaped values (`gov eval --print-input`; handy for
// writing policy tests).
func InputDocument(in Input) (any, error) {
	v, err := inputValue(in)
	if err != nil {
		return nil, err
	}
	return ast.JSON(v)
}
