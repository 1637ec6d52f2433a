// Package cuefile builds CUE values from .cue, .yaml/.yml and .json files
// with CUE's own decoders, so that validation errors keep file:line:column.
package cuefile

import (
	"errors"
	"path"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/parser"
	cuejson "cuelang.org/go/encoding/json"
	cueyaml "cuelang.org/go/encoding/yaml"
)

// ErrUnsupported is returned for a file name whose extension is none of
// .cue, .yaml, .yml and .json.
var ErrUnsupported = errors.New("unsupported format (want .cue, .yaml, .yml or .json)")

// Build parses src as the format its name's extension says and builds it in
// ctx. A parse error is returned as CUE reports it (with positions), for
// the caller to format; the value's own errors are left to the caller too.
func Build(ctx *cue.Context, name string, src []byte) (cue.Value, error) {
	switch path.Ext(name) {
	case ".cue":
		f, err := parser.ParseFile(name, src)
		if err != nil {
			return cue.Value{}, err
		}
		return ctx.BuildFile(f), nil
	case ".yaml", ".yml":
		f, err := cueyaml.Extract(name, src)
		if err != nil {
			return cue.Value{}, err
		}
		return ctx.BuildFile(f), nil
	case ".json":
		e, err := cuejson.Extract(name, src)
		if err != nil {
			return cue.Value{}, err
		}
		return ctx.BuildExpr(e), nil
	}
	return cue.Value{}, ErrUnsupported
}
