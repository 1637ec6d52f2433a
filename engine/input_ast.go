package engine

import (
	"github.com/gov-policy/gov/engine/patch"
	"github.com/open-policy-agent/opa/v1/ast"
)

// lineKeys are the keys of one {line, text} object, allocated once per
// input and shared by every line object (OPA never mutates input terms),
// instead of two key terms per line.
type lineKeys struct{ line, text *ast.Term }

// patchValue is input.patch built directly as OPA values, the same shape
// as patch.Patch.Input but without the intermediate maps and their
// conversion (about half the allocations on a 500-line patch).
func patchValue(p *patch.Patch) (ast.Value, error) {
	keys := lineKeys{line: ast.StringTerm("line"), text: ast.StringTerm("text")}
	files := make([]*ast.Term, len(p.Files))
	for i := range p.Files {
		f := &p.Files[i]
		kv := make([][2]*ast.Term, 0, 10)
		kv = append(kv,
			item("path", ast.StringTerm(f.Path)),
			item("status", ast.StringTerm(f.Status)),
			item("binary", ast.BooleanTerm(f.Binary)),
			item("added", keys.linesTerm(f.Added)),
			item("removed", keys.linesTerm(f.Removed)),
		)
		if f.OldPath != "" {
			kv = append(kv, item("old_path", ast.StringTerm(f.OldPath)))
		}
		if f.Language != "" {
			kv = append(kv, item("language", ast.StringTerm(f.Language)))
		}
		if f.NewContent != nil {
			kv = append(kv, item("new_content", ast.StringTerm(*f.NewContent)))
		}
		if f.Parsed != nil {
			v, err := ast.InterfaceToValue(f.Parsed)
			if err != nil {
				return nil, err
			}
			kv = append(kv, item("parsed", ast.NewTerm(v)))
		}
		if f.ParseError != "" {
			kv = append(kv, item("parse_error", ast.StringTerm(f.ParseError)))
		}
		files[i] = ast.ObjectTerm(kv...)
	}
	return ast.NewObject(
		item("files", ast.ArrayTerm(files...)),
		item("stats", ast.ObjectTerm(
			item("files", ast.IntNumberTerm(p.Stats.Files)),
			item("additions", ast.IntNumberTerm(p.Stats.Additions)),
			item("deletions", ast.IntNumberTerm(p.Stats.Deletions)),
		)),
	), nil
}

func item(key string, v *ast.Term) [2]*ast.Term { return [2]*ast.Term{ast.InternedTerm(key), v} }

// linesTerm builds [{line, text}]; the terms of all lines come from one
// slab and share the key terms, the dominant cost of a large patch being
// its per-line allocations.
func (k lineKeys) linesTerm(lines []patch.Line) *ast.Term {
	terms := make([]*ast.Term, len(lines))
	slab := make([]ast.Term, 2*len(lines))
	for i, l := range lines {
		text, obj := &slab[2*i], &slab[2*i+1]
		text.Value = ast.String(l.Text)
		obj.Value = ast.NewObject([2]*ast.Term{k.line, ast.IntNumberTerm(l.Line)}, [2]*ast.Term{k.text, text})
		terms[i] = obj
	}
	return ast.ArrayTerm(terms...)
}
