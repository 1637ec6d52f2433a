package engine

import (
	"slices"

	"github.com/gov-policy/gov/patch"
	"github.com/open-policy-agent/opa/v1/ast"
)

// inputKeys are the key terms of the input document's objects, built once
// per Engine and shared by every evaluation (OPA never mutates input terms,
// and ast.InternedTerm allocates a new term for a key it has not interned).
type inputKeys struct {
	byName     map[string]*ast.Term
	line, text *ast.Term
	empty      *ast.Term // "", the text of an empty line
}

func newInputKeys() *inputKeys {
	names := [...]string{
		"request", "patch", "findings", "pr", "risk_level",
		"request_id", "action_type", "environment", "service_name", "language", "requested_by",
		"error_context", "patch_content", "metadata",
		"rule", "file", "line", "fingerprint",
		"files", "stats", "additions", "deletions",
		"path", "status", "binary", "added", "removed", "old_path", "new_content", "parsed", "parse_error",
		"text",
	}
	k := &inputKeys{byName: make(map[string]*ast.Term, len(names))}
	for _, name := range names {
		k.byName[name] = ast.StringTerm(name)
	}
	k.line, k.text = k.byName["line"], k.byName["text"]
	k.empty = ast.StringTerm("")
	return k
}

// item is one key-value pair of an input object.
func (k *inputKeys) item(key string, v *ast.Term) [2]*ast.Term {
	t, ok := k.byName[key]
	if !ok {
		t = ast.StringTerm(key)
	}
	return [2]*ast.Term{t, v}
}

// patchValue is input.patch built directly as OPA values, the same shape
// as patch.Patch.Input but without the intermediate maps and their
// conversion (about half the allocations on a 500-line patch).
func patchValue(p *patch.Patch) (ast.Value, error) { return newInputKeys().patch(p) }

func (k *inputKeys) patch(p *patch.Patch) (ast.Value, error) { return k.patchFor(p, false) }

// patchFor is patch; dropRemoved builds every file's removed as [] (for
// policies that cannot read them: see removedUnread).
func (k *inputKeys) patchFor(p *patch.Patch, dropRemoved bool) (ast.Value, error) {
	nums := newLineNumbers(p)
	files := make([]*ast.Term, len(p.Files))
	for i := range p.Files {
		f := &p.Files[i]
		removed := f.Removed
		if dropRemoved {
			removed = nil
		}
		kv := make([][2]*ast.Term, 0, 10)
		kv = append(kv,
			k.item("path", ast.StringTerm(f.Path)),
			k.item("status", ast.StringTerm(f.Status)),
			k.item("binary", ast.BooleanTerm(f.Binary)),
			k.item("added", k.linesTerm(f.Added, nums)),
			k.item("removed", k.linesTerm(removed, nums)),
		)
		if f.OldPath != "" {
			kv = append(kv, k.item("old_path", ast.StringTerm(f.OldPath)))
		}
		if f.Language != "" {
			kv = append(kv, k.item("language", ast.StringTerm(f.Language)))
		}
		if f.NewContent != nil {
			kv = append(kv, k.item("new_content", ast.StringTerm(*f.NewContent)))
		}
		if f.Parsed != nil {
			v, err := ast.InterfaceToValue(f.Parsed)
			if err != nil {
				return nil, err
			}
			kv = append(kv, k.item("parsed", ast.NewTerm(v)))
		}
		if f.ParseError != "" {
			kv = append(kv, k.item("parse_error", ast.StringTerm(f.ParseError)))
		}
		files[i] = ast.ObjectTerm(kv...)
	}
	return ast.NewObject(
		k.item("files", ast.ArrayTerm(files...)),
		k.item("stats", ast.ObjectTerm(
			k.item("files", ast.IntNumberTerm(p.Stats.Files)),
			k.item("additions", ast.IntNumberTerm(p.Stats.Additions)),
			k.item("deletions", ast.IntNumberTerm(p.Stats.Deletions)),
		)),
	), nil
}

// linesTerm builds [{line, text}]; the terms of all lines come from one
// slab and share the key terms, the dominant cost of a large patch being
// its per-line allocations. Line numbers come from nums; an empty line's
// text is one shared term.
func (k *inputKeys) linesTerm(lines []patch.Line, nums *lineNumbers) *ast.Term {
	terms := make([]*ast.Term, len(lines))
	slab := make([]ast.Term, 2*len(lines))
	for i, l := range lines {
		text, obj := &slab[2*i], &slab[2*i+1]
		if l.Text == "" {
			text = k.empty
		} else {
			text.Value = ast.String(l.Text)
		}
		obj.Value = ast.NewObject([2]*ast.Term{k.line, nums.term(l.Line)}, [2]*ast.Term{k.text, text})
		terms[i] = obj
	}
	return ast.ArrayTerm(terms...)
}

// lineNumbers shares the number term of each line number among the lines
// of a patch: OPA interns only small integers (up to 512), and past them
// every line of a long file allocated its own term and number (44 of the
// ~444 bytes a line costs). OPA never mutates input terms. The cache holds
// at most one entry per line of the patch, so a patch naming a huge line
// number does not make it allocate more than its own size.
type lineNumbers struct {
	terms []*ast.Term
	limit int // the patch's count of lines
}

func newLineNumbers(p *patch.Patch) *lineNumbers {
	n := 0
	for i := range p.Files {
		n += len(p.Files[i].Added) + len(p.Files[i].Removed)
	}
	return &lineNumbers{limit: n}
}

func (c *lineNumbers) term(n int) *ast.Term {
	if n < 0 || n >= c.limit {
		return ast.IntNumberTerm(n)
	}
	if n >= len(c.terms) {
		c.terms = slices.Grow(c.terms, n+1-len(c.terms))[:n+1]
	}
	t := c.terms[n]
	if t == nil {
		t = ast.IntNumberTerm(n)
		c.terms[n] = t
	}
	return t
}
