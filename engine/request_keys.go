package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
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
	dec := json.NewDecoder(bytes.NewReader(js))
	return walkKeys(dec, js, true)
}

// walkKeys reads one JSON value from dec, checking every object in it.
func walkKeys(dec *json.Decoder, js []byte, top bool) error {
	tok, err := dec.Token()
	if err != nil {
		return nil // syntax errors are reported by the real decode
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch delim {
	case '[':
		for dec.More() {
			if err := walkKeys(dec, js, false); err != nil {
				return err
			}
		}
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil
			}
			key, _ := kt.(string)
			line := reqLineAt(js, dec.InputOffset())
			if seen[key] {
				return fmt.Errorf("line %d: key %s appears twice in one object", line, describeKey(key))
			}
			seen[key] = true
			if top && !requestFields[key] {
				for f := range requestFields {
					if strings.EqualFold(f, key) {
						return fmt.Errorf("line %d: a key differs from field %q only by case", line, f)
					}
				}
				return fmt.Errorf("line %d: unknown field %s", line, describeKey(key))
			}
			if err := walkKeys(dec, js, false); err != nil {
				return err
			}
		}
	}
	_, _ = dec.Token() // the closing delimiter; a syntax error is reported by the real decode
	return nil
}
