// Package docgen renders docs/configuration.md, the reference of every key
// a bundle's configuration files take, from the CUE schema that validates
// them (bundles/schema/schema.cue): the schema is the one source, so the
// reference cannot drift from what gov accepts. Each field's doc comment is
// its description; "Default:" and "Example:" lines in it are read as such.
package docgen

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/format"

	"github.com/gov-policy/gov/bundles"
)

// files are the bundle's configuration files in the order documented.
var files = []struct{ name, def string }{
	{"gov.cue", "#GovFile"},
	{"roles.cue", "#RolesFile"},
	{"workflows.cue", "#WorkflowsFile"},
	{"rules.cue", "#RulesFile"},
	{"exceptions.cue", "#ExceptionsFile"},
}

// entry is one documented key.
type entry struct {
	key, typ, def, desc string
	examples            []string
	leaf                bool // a value, not a struct of documented keys
}

// Render returns the reference for the schema source src.
func Render(src []byte) ([]byte, error) {
	schema := cuecontext.New().CompileBytes(src, cue.Filename("schema.cue"))
	if err := schema.Err(); err != nil {
		return nil, fmt.Errorf("schema.cue: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(header)
	for _, f := range files {
		def := schema.LookupPath(cue.ParsePath(f.def))
		if !def.Exists() {
			return nil, fmt.Errorf("schema.cue: no definition %s", f.def)
		}
		var entries []entry
		if err := walk(schema, def, "", &entries); err != nil {
			return nil, fmt.Errorf("schema.cue %s: %w", f.def, err)
		}
		fmt.Fprintf(&b, "\n## %s\n\n| Key | Type | Default | Example | Description |\n|---|---|---|---|---|\n", f.name)
		for _, e := range entries {
			if e.leaf && len(e.examples) == 0 {
				ex, ok := defaultExample(e)
				if !ok {
					return nil, fmt.Errorf("schema.cue %s: %s has no Example: line and no default to show", f.def, e.key)
				}
				e.examples = []string{ex}
			}
			if err := checkExamples(def, e); err != nil {
				return nil, fmt.Errorf("schema.cue %s: %s: %w", f.def, e.key, err)
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", e.key, cell(e.typ), cell(e.def), exampleCell(e.examples), cell(e.desc))
		}
		if f.name == "rules.cue" {
			writeRuleFields(&b, schema)
		}
	}
	return b.Bytes(), nil
}

const header = `# Configuration reference

<!-- Generated from bundles/schema/schema.cue by ` + "`go test ./internal/docgen -update`" + `; do not edit. -->

Every file of a bundle is optional and may be written as CUE, YAML or JSON with the same base name
(` + "`gov.yaml`, `roles.json`" + `, ...). Every schema is closed: a key not listed here is an error naming
file:line:column and the key. ` + "`<name>`" + ` stands for a key you choose, ` + "`[]`" + ` for each element of a list.
`

// walk appends the documented keys of struct v under prefix.
func walk(schema, v cue.Value, prefix string, out *[]entry) error {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return err
	}
	for it.Next() {
		f := it.Value()
		key := prefix + strings.TrimSuffix(it.Selector().String(), "?")
		desc, def, examples := comments(f)
		if desc == "" {
			return fmt.Errorf("%s has no doc comment", key)
		}
		if d, ok := f.Default(); ok && def == "" && isScalar(d) {
			def = fmt.Sprint(d)
		}
		if d, _ := f.Default(); def == "" && !it.IsOptional() && d.Validate(cue.Concrete(true)) != nil {
			def = "required" // no value unless the file gives one
		}
		e := entry{key: key, typ: typeOf(schema, f), def: def, desc: desc, examples: examples}
		children, err := nested(schema, f, key, out, e)
		if err != nil {
			return err
		}
		if !children {
			e.leaf = true
			*out = append(*out, e)
		}
	}
	return nil
}

// nested documents what is inside f (a struct, a map of structs, a list of
// structs), reporting whether it did. A documented struct keeps its own
// row ahead of its keys.
func nested(schema, f cue.Value, key string, out *[]entry, self entry) (bool, error) {
	var inner cue.Value
	var sub string
	switch f.IncompleteKind() {
	case cue.StructKind:
		if p := f.LookupPath(cue.MakePath(cue.AnyString)); p.Exists() {
			inner, sub = p, key+".<name>."
			if p.IncompleteKind() != cue.StructKind {
				return false, nil
			}
		} else {
			inner, sub = f, key+"."
		}
	case cue.ListKind:
		el := f.LookupPath(cue.MakePath(cue.AnyIndex))
		if !el.Exists() || el.IncompleteKind() != cue.StructKind {
			return false, nil
		}
		inner, sub = el, key+"[]."
	default:
		return false, nil
	}
	if !hasFields(inner) {
		// when: #Conditions | *{}: the keys are the non-default branch's.
		op, args := inner.Expr()
		found := false
		for _, a := range args {
			if op == cue.OrOp && hasFields(a) {
				inner, found = a, true
				break
			}
		}
		if !found {
			return false, nil // an open struct ({...}): a value, not keys
		}
	}
	*out = append(*out, self)
	return true, walk(schema, inner, sub, out)
}

// comments splits a field's doc comment into its description, the
// "Default:" value and "Example:" lines.
func comments(v cue.Value) (desc, def string, examples []string) {
	var lines []string
	for _, cg := range v.Doc() {
		for _, l := range strings.Split(strings.TrimSpace(cg.Text()), "\n") {
			l = strings.TrimSpace(l)
			switch {
			case strings.HasPrefix(l, "Default:"):
				def = strings.TrimSpace(strings.TrimPrefix(l, "Default:"))
			case strings.HasPrefix(l, "Example:"):
				examples = append(examples, strings.TrimSpace(strings.TrimPrefix(l, "Example:")))
			case l != "":
				lines = append(lines, l)
			}
		}
	}
	return strings.Join(lines, " "), def, examples
}

func hasFields(v cue.Value) bool {
	it, err := v.Fields(cue.Optional(true))
	return err == nil && it.Next()
}

func isScalar(v cue.Value) bool {
	switch v.Kind() {
	case cue.StringKind, cue.IntKind, cue.FloatKind, cue.NumberKind, cue.BoolKind:
		return true
	}
	return false
}

var defaultMark = regexp.MustCompile(`\s*\|\s*\*[^|]+$`)

// typeOf describes the values a field takes, as the schema writes them
// (references to definitions resolved, the default's marker dropped).
func typeOf(schema, v cue.Value) string {
	switch v.IncompleteKind() {
	case cue.StructKind:
		if p := v.LookupPath(cue.MakePath(cue.AnyString)); p.Exists() {
			return "map of " + typeOf(schema, p)
		}
		return "struct"
	case cue.ListKind:
		if el := v.LookupPath(cue.MakePath(cue.AnyIndex)); el.Exists() {
			return "list of " + typeOf(schema, el)
		}
		return "list"
	}
	src := syntax(v)
	if strings.HasPrefix(src, "#") {
		src = syntax(schema.LookupPath(cue.ParsePath(src)))
	}
	if strings.Contains(src, "| *") && regexp.MustCompile(`^[a-z]`).MatchString(src) {
		src = defaultMark.ReplaceAllString(src, "") // bool | *true: the default has its column
	}
	src = defaultStar.ReplaceAllString(src, "$1")
	if strings.HasPrefix(src, "=~") || strings.HasPrefix(src, "!=") {
		src = "string & " + src
	}
	return "`" + src + "`"
}

// defaultStar is the marker of a default among literals (*"strict").
var defaultStar = regexp.MustCompile(`(^|\|\s*)\*`)

func syntax(v cue.Value) string {
	b, err := format.Node(v.Syntax(cue.Raw()))
	if err != nil {
		return v.IncompleteKind().String()
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

// checkExamples compiles each example written from the file's top level
// (audit: dir: "...") and unifies it with the file's schema: an example
// the schema would refuse (a typo, a wrong type, a closed key) fails the
// generation. Examples of a list element or map entry (name: "SRE review")
// have no top level to check against and are left as written.
func checkExamples(def cue.Value, e entry) error {
	top, _, _ := strings.Cut(e.key, ".")
	top, _, _ = strings.Cut(top, "[")
	for _, x := range e.examples {
		if !strings.HasPrefix(x, top+":") {
			continue
		}
		v := cuecontext.New().CompileString(x)
		if err := v.Err(); err != nil {
			return fmt.Errorf("example %q does not compile: %w", x, err)
		}
		if err := def.Unify(v).Validate(); err != nil {
			return fmt.Errorf("example %q is refused by the schema: %w", x, err)
		}
	}
	return nil
}

// defaultExample writes a key's default as its example (audit.retention_days:
// 365 -> audit: retention_days: 365); false for keys under a name or list
// element, whose example must be written out.
func defaultExample(e entry) (string, bool) {
	if e.def == "" || e.def == "required" || strings.ContainsAny(e.key, "<[") || strings.Contains(e.def, "<") {
		return "", false
	}
	return strings.ReplaceAll(e.key, ".", ": ") + ": " + e.def, true
}

// exampleCell shows examples as code in a table cell.
func exampleCell(examples []string) string {
	var parts []string
	for _, x := range examples {
		parts = append(parts, "`"+strings.ReplaceAll(x, "|", `\|`)+"`")
	}
	return strings.Join(parts, "<br>")
}

// cell escapes a Markdown table cell.
func cell(s string) string {
	if s == "" {
		return "—"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

// writeRuleFields lists the closed sets a declarative condition takes.
func writeRuleFields(b *bytes.Buffer, schema cue.Value) {
	b.WriteString("\nA condition's `field` is one of (another is an error with a suggestion):\n\n| Field | Values |\n|---|---|\n")
	for _, f := range bundles.RuleFields() {
		fmt.Fprintf(b, "| `%s` | %s |\n", f.Name, f.Kind)
	}
	fmt.Fprintf(b, "\n`operator` is one of %s.\n", strings.ReplaceAll(syntax(schema.LookupPath(cue.ParsePath("#Operator"))), `"`, "`"))
}

// ReadSchema reads the schema source from the repository.
func ReadSchema(root string) ([]byte, error) {
	return os.ReadFile(root + "/bundles/schema/schema.cue")
}
