package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"unicode/utf16"
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
	// fields, when not nil, gets the top-level object's keys and their
	// values' JSON text (for request); object is whether it was an object.
	fields []rawField
	object bool
}

// unquote is the JSON string s (quotes included; valid JSON, valid UTF-8)
// as encoding/json reads it: its escapes replaced, a \u escape of a UTF-16
// surrogate pair read as one character and a lone surrogate as U+FFFD.
func unquote(s []byte) string {
	s = s[1 : len(s)-1]
	if bytes.IndexByte(s, '\\') < 0 {
		return string(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			j := bytes.IndexByte(s[i:], '\\')
			if j < 0 {
				j = len(s) - i
			}
			b.Write(s[i : i+j])
			i += j
			continue
		}
		c := s[i+1]
		i += 2
		switch c {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r := hex4(s[i:])
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if d := utf16.DecodeRune(r, hex4(s[i+2:])); d != utf8.RuneError {
						b.WriteRune(d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
		default: // '"', '\\', '/'
			b.WriteByte(c)
		}
	}
	return b.String()
}

// hex4 is the value of the four hexadecimal digits s begins with (valid JSON).
func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// rawField is a top-level key and its value's JSON text.
type rawField struct {
	key string
	raw []byte
}

// request is the Request the walked document decodes to, read from the
// top-level values the walk kept: what json.Unmarshal gives, without
// scanning the document twice more (its own validity check and its
// decode) or reflecting over Request. Every key is a field, once (the
// walk refused anything else). A string is unquoted as encoding/json
// unquotes it (the document is valid UTF-8: DecodeRequest checked it); a
// null leaves its field zero; a map field's object is decoded on its own
// by json.Unmarshal. ok is false for anything else (a top level that is
// not an object, a value of another type): the caller decodes the whole
// document, for json.Unmarshal's error. FuzzDecodeRequestMatchesDecoder
// holds it equal to the decoder.
func (w *keyWalker) request() (req Request, ok bool) {
	if !w.object || w.fields == nil {
		return req, false
	}
	for _, f := range w.fields {
		var str *string
		var obj *map[string]any
		switch f.key {
		case "request_id":
			str = &req.RequestID
		case "action_type":
			str = &req.ActionType
		case "environment":
			str = &req.Environment
		case "service_name":
			str = &req.ServiceName
		case "language":
			str = &req.Language
		case "requested_by":
			str = &req.RequestedBy
		case "patch_content":
			str = &req.PatchContent
		case "error_context":
			obj = &req.ErrorContext
		case "metadata":
			obj = &req.Metadata
		default:
			return Request{}, false
		}
		raw := f.raw
		switch {
		case string(raw) == "null":
		case str != nil && raw[0] == '"':
			*str = unquote(raw)
		case obj != nil && raw[0] == '{':
			if json.Unmarshal(raw, obj) != nil {
				return Request{}, false
			}
		default:
			return Request{}, false
		}
	}
	return req, true
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
		w.object = w.object || top
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
			w.space()
			start := w.i
			if err := w.value(false); err != nil {
				return err
			}
			if top && w.fields != nil {
				w.fields = append(w.fields, rawField{key, bytes.TrimRight(w.js[start:w.i], " \t\n\r")})
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
