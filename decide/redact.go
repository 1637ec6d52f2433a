package decide

import (
	"encoding/base64"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/scan"
)

// Redactor masks the secrets found in one request wherever they appear.
// Its zero value (and nil) masks nothing.
type Redactor struct {
	scanner *scan.Scanner
	secrets []string
}

// Count is how many distinct secret strings the redactor masks.
func (r *Redactor) Count() int {
	if r == nil {
		return 0
	}
	return len(r.secrets)
}

// Folded is r masking also each secret's all-lower-case and all-upper-case
// forms, and the text a base64 secret decodes to: for output that shows values a policy computed (gov explain's
// bindings), where lower(line) is the common way to match without case
// and gives an upper-case key back whole.
func (r *Redactor) Folded() *Redactor {
	if r == nil {
		return nil
	}
	out := &Redactor{scanner: r.scanner, secrets: addAll(nil, r.secrets)}
	for _, s := range r.secrets {
		forms := []string{strings.ToLower(s), strings.ToUpper(s)}
		for _, d := range base64Texts(s) {
			// A secret found base64-encoded (a Kubernetes Secret's data)
			// that a rule decodes.
			forms = append(forms, d, strings.ToLower(d), strings.ToUpper(d))
		}
		out.secrets = addAll(out.secrets, forms)
	}
	return out
}

// base64Texts are the printable texts of eight bytes or more that s, or a
// word of it (the value of a "name: value" line), base64-decodes to.
func base64Texts(s string) []string {
	var out []string
	words := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(`:="',`, r) })
	for _, w := range append([]string{s}, words...) {
		if len(w) < 12 {
			continue
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			d, err := enc.DecodeString(w)
			if err != nil || len(d) < 8 || !utf8.Valid(d) {
				continue
			}
			if strings.IndexFunc(string(d), func(r rune) bool { return !unicode.IsPrint(r) && !unicode.IsSpace(r) }) < 0 {
				out = append(out, string(d))
				break
			}
		}
	}
	return out
}

// String masks every secret in s (scan.Mask form: at most four characters
// kept); overlapping occurrences are starred entirely.
func (r *Redactor) String(s string) string {
	if r == nil || len(r.secrets) == 0 || s == "" {
		return s
	}
	return evidence.MaskText(s, r.secrets, scan.Mask)
}

// Patch masks a unified diff line by line, keeping its structure: the
// scanner's own in-place redaction, then any other secret of the request.
func (r *Redactor) Patch(diff string) string {
	if r == nil || diff == "" {
		return diff
	}
	out := diff
	if r.scanner != nil {
		out = string(r.scanner.Redact([]byte(diff)))
	}
	var single []string
	for _, s := range r.secrets {
		if !strings.ContainsAny(s, "\r\n") {
			single = append(single, s)
		}
	}
	if len(single) == 0 {
		return out
	}
	return evidence.MaskText(out, single, scan.Mask)
}

// Error is err with its message masked; errors.Is and As still see err.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := r.String(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Redact returns a deep copy of v with every string in it (struct fields,
// map keys and values, slices, values behind pointers and interfaces)
// masked. It is structural: a field added to the decision later is masked
// without anyone remembering to.
func Redact[T any](r *Redactor, v T) T {
	if r.Count() == 0 {
		return v
	}
	rv := reflect.ValueOf(&v).Elem()
	out := r.value(rv)
	return out.Interface().(T)
}

// outcomeType is left alone by Redact: an outcome is one of three words,
// never a secret, and masking one (a "secret" that is a substring of
// "allow") would make the decision unreadable.
var outcomeType = reflect.TypeFor[engine.Outcome]()

func (r *Redactor) value(v reflect.Value) reflect.Value {
	if v.Type() == outcomeType {
		return v
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		m := r.String(s)
		if m == s {
			return v
		}
		nv := reflect.New(v.Type()).Elem()
		nv.SetString(m)
		return nv
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		nv := reflect.New(v.Type().Elem())
		nv.Elem().Set(r.value(v.Elem()))
		return nv
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		nv := reflect.New(v.Type()).Elem()
		nv.Set(r.value(v.Elem()))
		return nv
	case reflect.Struct:
		nv := reflect.New(v.Type()).Elem()
		nv.Set(v)
		for i := range v.NumField() {
			if f := nv.Field(i); f.CanSet() {
				f.Set(r.value(v.Field(i)))
			}
		}
		return nv
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		nv := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			nv.Index(i).Set(r.value(v.Index(i)))
		}
		return nv
	case reflect.Array:
		nv := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			nv.Index(i).Set(r.value(v.Index(i)))
		}
		return nv
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		nv := reflect.MakeMapWithSize(v.Type(), v.Len())
		it := v.MapRange()
		for it.Next() {
			nv.SetMapIndex(r.value(it.Key()), r.value(it.Value()))
		}
		return nv
	}
	return v
}

// pairNames is how many of a string's nearest enclosing map keys it is
// scanned beside.
const pairNames = 3

// pairValueMax is how much of a string's first line is scanned beside a name.
const pairValueMax = 4096

// visitPairs calls fn with every string in v's maps beside each of its
// nearest enclosing keys (pairNames of them), as the assignment lines a
// scanner rule reads (name = "value" and name=value): a secret whose rule
// needs its name beside it (db_password, aws_secret_access_key) sent in
// error_context or metadata as a key and its value, a key and a list of
// values, a key over {"value": ...}, or Kubernetes' env form
// {"name": ..., "value": ...} is strings that match nothing on their own.
func visitPairs(v any, fn func(string)) {
	pair := func(name string, val reflect.Value) {
		if val.Kind() != reflect.String {
			return
		}
		// The value's first line, at most pairValueMax bytes: the secret a
		// name-needing rule reads follows the name at once, and a long log
		// (scanned on its own already) is not scanned twice more.
		s, _, _ := strings.Cut(val.String(), "\n")
		if s = s[:min(len(s), pairValueMax)]; s != "" {
			fn(name + " = \"" + s + "\"\n" + name + "=" + s)
		}
	}
	var walk func(v reflect.Value, names []string)
	walk = func(v reflect.Value, names []string) {
		switch v = elem(v); v.Kind() {
		case reflect.String:
			for i := len(names) - 1; i >= 0 && i >= len(names)-pairNames; i-- {
				pair(names[i], v)
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i), names)
				}
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i), names)
				// A name and its value as neighbouring items (an argv, a
				// flat env list): the item before a string, when it is a
				// word, is a name it is scanned beside.
				if i > 0 {
					if prev := elem(v.Index(i - 1)); prev.Kind() == reflect.String && listName(prev.String()) {
						pair(strings.TrimLeft(prev.String(), "-"), elem(v.Index(i)))
					}
				}
			}
		case reflect.Map:
			var name, value reflect.Value
			it := v.MapRange()
			for it.Next() {
				k := elem(it.Key())
				if k.Kind() != reflect.String {
					walk(it.Value(), names)
					continue
				}
				// Only the pairNames nearest keys are read: keeping the
				// whole path copied it at every level, memory quadratic
				// in the nesting (800 MB for a 50 KB body 9,000 maps deep).
				walk(it.Value(), append(names[max(0, len(names)-pairNames+1):len(names):len(names)], k.String()))
				switch strings.ToLower(k.String()) {
				case "name", "key":
					name = elem(it.Value())
				case "value":
					value = elem(it.Value())
				}
			}
			if name.Kind() == reflect.String {
				pair(name.String(), value)
			}
		}
	}
	walk(reflect.ValueOf(v), nil)
}

// listName reports whether a list item may name the item after it: one
// word of at most 128 bytes (an environment variable, a flag).
func listName(s string) bool {
	return s != "" && len(s) <= 128 && !strings.ContainsFunc(s, unicode.IsSpace)
}

// elem is v with interfaces and pointers unwrapped (invalid when nil).
func elem(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// visitStrings calls fn with every string in v (the same walk as Redact).
func visitStrings(v any, fn func(string)) {
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			if s := v.String(); s != "" {
				fn(s)
			}
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				walk(it.Key())
				walk(it.Value())
			}
		}
	}
	walk(reflect.ValueOf(v))
}

func addAll(to, from []string) []string {
	for _, s := range from {
		if !slices.Contains(to, s) {
			to = append(to, s)
		}
	}
	return to
}

// withDecoded adds the percent-decoded form of every secret that has one: a
// password found percent-encoded in a URL is printed decoded elsewhere (a
// driver's error in error_context), and that form is the secret too.
func withDecoded(secrets []string) []string {
	for _, s := range secrets {
		if !strings.Contains(s, "%") {
			continue
		}
		if d, err := url.PathUnescape(s); err == nil && d != s && len(d) >= 4 {
			secrets = addAll(secrets, []string{d})
		}
	}
	return secrets
}
