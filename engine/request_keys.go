package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// requestFields are the JSON names of Request's fields.
var requestFields = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeFor[Request]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = true
	}
	return m
}()

// quotableKey is a key short and plain enough to name in an error; any other
// key may be a secret and is described by its line only.
var quotableKey = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-z_][a-z0-9_]{0,30}$`)
})

// describeKey names key in an error without echoing a possible secret.
func describeKey(key string) string {
	if quotableKey().MatchString(key) {
		return fmt.Sprintf("%q", key)
	}
	return "(not shown)"
}

// checkRequestKeys refuses keys that encoding/json would resolve silently
// but that another reader (a proxy, a logger, a policy author) may read
// differently: a key twice in one object (encoding/json keeps the last) and
// a top-level key that matches a field only when case is ignored.
func checkRequestKeys(js []byte) error {
	if !json.Valid(js) {
		return nil // syntax errors are reported by the real decode
	}
	w := keyWalker{js: js}
	return w.value(true)
}

// keyWalker reads one valid JSON document (json.Valid checked it) byte by
// byte, checking every object in it: what walking it with json.Decoder.Token
// checked, without decoding every value into an interface (most of a
// request's decode time; TestCheckRequestKeysMatchesDecoder holds them equal).
type keyWalker struct {
	js []byte
	i  int
}

func (w *keyWalker) space() {
	for w.i < len(w.js) {
		switch w.js[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// skipStr moves past the string at w.i (its opening quote) and reports
// whether it holds an escape or a non-ASCII byte.
func (w *keyWalker) skipStr() (plain bool) {
	plain = true
	for w.i++; w.js[w.i] != '"'; w.i++ {
		switch c := w.js[w.i]; {
		case c == '\\':
			plain = false
			w.i++
		case c >= utf8.RuneSelf:
			plain = false
		}
	}
	w.i++
	return plain
}

// key reads the string at w.i (its opening quote) and returns it unquoted
// as encoding/json reads it.
func (w *keyWalker) key() string {
	start := w.i
	plain := w.skipStr()
	raw := w.js[start:w.i]
	if plain {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s) // valid JSON: cannot fail
	return s
}

// value reads one JSON value at w.i (after white space) and the white space after it.
func (w *keyWalker) value(top bool) error {
	w.space()
	switch w.js[w.i] {
	case '[':
		w.i++
		w.space()
		for w.js[w.i] != ']' {
			if err := w.value(false); err != nil {
				return err
			}
			if w.js[w.i] == ',' {
				w.i++
			}
		}
		w.i++
	case '{':
		w.i++
		w.space()
		seen := map[string]bool{}
		for w.js[w.i] != '}' {
			key := w.key()
			if seen[key] {
				return fmt.Errorf("line %d: key %s appears twice in one object", reqLineAt(w.js, int64(w.i)), describeKey(key))
			}
			seen[key] = true
			if top && !requestFields[key] {
				line := reqLineAt(w.js, int64(w.i))
				for f := range requestFields {
					if strings.EqualFold(f, key) {
						return fmt.Errorf("line %d: a key differs from field %q only by case", line, f)
					}
				}
				return fmt.Errorf("line %d: unknown field %s", line, describeKey(key))
			}
			w.space()
			w.i++ // ':'
			if err := w.value(false); err != nil {
				return err
			}
			if w.js[w.i] == ',' {
				w.i++
				w.space()
			}
		}
		w.i++
	case '"':
		w.skipStr()
	default: // number, true, false, null
		for w.i < len(w.js) && !strings.ContainsRune(",]} \t\n\r", rune(w.js[w.i])) {
			w.i++
		}
	}
	w.space()
	return nil
}
