package frameworks

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"

	"github.com/gov-policy/gov/internal/cuefile"
)

// loader validates catalog files against schema.cue's #Catalog. One is
// built per Load and never shared.
type loader struct {
	ctx    *cue.Context
	schema cue.Value
}

func newLoader() (*loader, error) {
	ctx := cuecontext.New()
	src, err := catalogFS.ReadFile("schema.cue")
	if err != nil {
		return nil, fmt.Errorf("frameworks: read embedded schema: %w", err)
	}
	f, err := parser.ParseFile("schema.cue", src)
	if err != nil {
		return nil, fmt.Errorf("frameworks: parse embedded schema: %w", err)
	}
	v := ctx.BuildFile(f)
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("frameworks: build embedded schema: %w", err)
	}
	return &loader{ctx: ctx, schema: v.LookupPath(cue.MakePath(cue.Def("Catalog")))}, nil
}

// controlDoc is a control as one file writes it; nil fields are not set.
type controlDoc struct {
	Title       *string   `json:"title"`
	Description *string   `json:"description"`
	Evidence    *[]string `json:"evidence"`
	Policies    *[]string `json:"policies"`
}

// frameworkDoc is the top level of a catalog file.
type frameworkDoc struct {
	Framework   string  `json:"framework"`
	Name        *string `json:"name"`
	Version     *string `json:"version"`
	Description *string `json:"description"`
	Prefix      *string `json:"prefix"`
}

// apply validates one catalog file and merges it into c.
func (l *loader) apply(c *Catalog, name string, src []byte, builtin bool) error {
	data, err := l.build(name, src)
	if err != nil {
		return err
	}
	u := l.schema.Unify(data)
	if err := u.Validate(cue.Concrete(true)); err != nil {
		return cueError(err, name, data)
	}
	var doc frameworkDoc
	if err := u.Decode(&doc); err != nil {
		return fmt.Errorf("%s: %w", name, oneLine(err))
	}
	f := c.lookup(doc.Framework)
	if f == nil {
		f = &Framework{ID: doc.Framework, Prefix: builtinPrefix(doc.Framework)}
		if f.Prefix == "" {
			f.Prefix = strings.ToUpper(doc.Framework)
		}
		c.frameworks = append(c.frameworks, f)
	}
	f.Sources = append(f.Sources, name)
	if doc.Prefix != nil && *doc.Prefix != f.Prefix {
		if builtinPrefix(f.ID) != "" {
			return fmt.Errorf("%s: prefix: %s is a built-in framework; its prefix stays %s", pos(data, name, "prefix"), f.ID, f.Prefix)
		}
		f.Prefix = *doc.Prefix
	}
	set(&f.Name, doc.Name)
	set(&f.Version, doc.Version)
	set(&f.Description, doc.Description)
	iter, err := u.LookupPath(cue.ParsePath("controls")).Fields()
	if err != nil {
		return fmt.Errorf("%s: controls: %w", name, oneLine(err))
	}
	for iter.Next() {
		id := iter.Selector().Unquoted()
		var cd controlDoc
		if err := iter.Value().Decode(&cd); err != nil {
			return fmt.Errorf("%s: controls.%q: %w", name, id, oneLine(err))
		}
		f.merge(id, cd, pos(data, name, "controls", id))
	}
	return nil
}

// merge sets the fields cd sets on control id, adding it when new.
func (f *Framework) merge(id string, cd controlDoc, source string) {
	i := -1
	for j := range f.Controls {
		if f.Controls[j].ID == id {
			i = j
		}
	}
	if i < 0 {
		f.Controls = append(f.Controls, Control{ID: id})
		i = len(f.Controls) - 1
	}
	ctl := &f.Controls[i]
	ctl.Source = source
	set(&ctl.Title, cd.Title)
	set(&ctl.Description, cd.Description)
	if cd.Evidence != nil {
		ctl.Evidence = *cd.Evidence
	}
	if cd.Policies != nil {
		ctl.Policies = *cd.Policies
	}
}

func set(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

// build turns a catalog file into a CUE value, keeping source positions.
func (l *loader) build(name string, src []byte) (cue.Value, error) {
	val, err := cuefile.Build(l.ctx, name, src)
	if errors.Is(err, cuefile.ErrUnsupported) {
		return cue.Value{}, fmt.Errorf("%s: unsupported catalog format (want .cue, .yaml, .yml or .json)", name)
	}
	if err != nil {
		return cue.Value{}, cueError(err, name, cue.Value{})
	}
	if err := val.Err(); err != nil {
		return cue.Value{}, cueError(err, name, val)
	}
	if val.IncompleteKind() != cue.StructKind {
		return cue.Value{}, fmt.Errorf("%s: top level must be an object, got %v", name, val.IncompleteKind())
	}
	return val, nil
}

// pos is file:line:column of the value at the path in the file's data,
// else of its nearest enclosing value, else the file name.
func pos(data cue.Value, name string, elems ...string) string {
	for n := len(elems); n >= 0; n-- {
		if v := lookup(data, elems[:n]); v.Exists() && v.Pos().IsValid() {
			return v.Pos().String()
		}
	}
	return name
}

// lookup finds the value at a path of error elements (quoted labels and
// list indexes).
func lookup(data cue.Value, elems []string) cue.Value {
	sels := make([]cue.Selector, len(elems))
	for i, e := range elems {
		sels[i] = cue.Str(e)
		if k, err := strconv.Atoi(e); err == nil {
			sels[i] = cue.Index(k)
		} else if u, err := strconv.Unquote(e); err == nil {
			sels[i] = cue.Str(u)
		}
	}
	return data.LookupPath(cue.MakePath(sels...))
}

// cueError turns a CUE error into one line: file:line:column, the path of
// the key at fault and what is wrong with it.
func cueError(err error, name string, data cue.Value) error {
	errs := cueerrors.Errors(err)
	if len(errs) == 0 {
		return fmt.Errorf("%s: %w", name, oneLine(err))
	}
	e := errs[0]
	var elems []string
	for _, p := range e.Path() {
		if !strings.HasPrefix(p, "#") {
			elems = append(elems, p)
		}
	}
	format, args := e.Msg()
	msg := fmt.Sprintf(format, args...)
	where := ""
	if strings.Contains(msg, "empty disjunction") {
		// The schema's alternatives are all listed; say what was given instead.
		where = pos(data, name, elems...)
		msg = fmt.Sprintf("%v is not one of decisions, approvals, signatures, scans", lookup(data, elems))
	}
	for _, p := range cueerrors.Positions(e) {
		if where != "" {
			break
		}
		if p.Filename() == name {
			where = p.String()
			break
		}
	}
	if where == "" {
		where = pos(data, name, elems...)
	}
	if msg == "field not allowed" && len(elems) > 0 {
		msg = fmt.Sprintf("unknown key %q", elems[len(elems)-1])
		elems = elems[:len(elems)-1]
	}
	if len(elems) > 0 {
		return fmt.Errorf("%s: %s: %s", where, strings.Join(elems, "."), msg)
	}
	return fmt.Errorf("%s: %s", where, msg)
}

// oneLine flattens an error's message to one line.
func oneLine(err error) error {
	return fmt.Errorf("%s", strings.Join(strings.Fields(err.Error()), " "))
}
