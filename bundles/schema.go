package bundles

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"

	"github.com/gov-policy/gov/internal/cuefile"
)

//go:embed schema/*.cue
var schemaFS embed.FS

// validator decodes bundle config files against the embedded CUE schemas.
// One is built per Load (or per Log walk) and never shared between goroutines.
type validator struct {
	ctx    *cue.Context
	schema cue.Value
	// added dates the lines of the bundle being loaded (exception expiry
	// ceilings); nil outside Git.
	added addedDates
}

func newValidator() (*validator, error) {
	ctx := cuecontext.New()
	src, err := schemaFS.ReadFile("schema/schema.cue")
	if err != nil {
		return nil, fmt.Errorf("read embedded schema: %w", err)
	}
	f, err := parser.ParseFile("schema.cue", src)
	if err != nil {
		return nil, fmt.Errorf("parse embedded schema: %w", err)
	}
	v := ctx.BuildFile(f)
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("build embedded schema: %w", err)
	}
	return &validator{ctx: ctx, schema: v}, nil
}

// configFile is one decoded config file: its name in the bundle (or "" when
// the file is absent) and its data as written, for locating later errors.
type configFile struct {
	name string
	data cue.Value
}

// pos returns "file:line:col" of the value at elems in the file, falling
// back to the nearest enclosing value that has a position, then to the name.
func (c configFile) pos(elems []string) string {
	if c.name == "" {
		return "(defaults)"
	}
	for n := len(elems); n >= 0; n-- {
		if v := c.lookup(elems[:n]); v.Exists() && v.Pos().IsValid() {
			return v.Pos().String()
		}
	}
	return c.name
}

// decode validates src (a .cue, .yaml/.yml or .json file named name) against
// the schema definition def and decodes the result, defaults filled, into out.
// An empty name decodes the defaults alone.
func (v *validator) decode(name string, src []byte, def string, out any) (configFile, error) {
	data := v.ctx.CompileString("{}")
	if name != "" {
		var err error
		if data, err = v.build(name, src); err != nil {
			return configFile{}, err
		}
	}
	cf := configFile{name: name, data: data}
	u := v.schema.LookupPath(cue.MakePath(cue.Def(def))).Unify(data)
	if err := u.Validate(cue.Concrete(true)); err != nil {
		return cf, formatCUEError(err, cf)
	}
	// Going through JSON is several times faster than Value.Decode.
	raw, err := u.MarshalJSON()
	if err != nil {
		return cf, fmt.Errorf("%s: %w", name, oneLine(err))
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return cf, fmt.Errorf("%s: %w", name, err)
	}
	return cf, nil
}

// build turns a config file into a CUE value, keeping source positions.
func (v *validator) build(name string, src []byte) (cue.Value, error) {
	val, err := cuefile.Build(v.ctx, name, src)
	if errors.Is(err, cuefile.ErrUnsupported) {
		return cue.Value{}, fmt.Errorf("%s: unsupported config format", name)
	}
	if err != nil {
		// The YAML decoder's errors have neither position nor path, only
		// the parser's "file:line: message" as their text: keep it.
		if es := cueerrors.Errors(err); len(es) > 0 && !es[0].Position().IsValid() && len(es[0].Path()) == 0 {
			return cue.Value{}, oneLine(err)
		}
		return cue.Value{}, formatCUEError(err, configFile{name: name})
	}
	if err := val.Err(); err != nil {
		return cue.Value{}, formatCUEError(err, configFile{name: name, data: val})
	}
	if val.IncompleteKind() != cue.StructKind {
		return cue.Value{}, fmt.Errorf("%s: top level must be an object, got %v", name, val.IncompleteKind())
	}
	return val, nil
}
