package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// DecodeRequest decodes a request file (JSON, or YAML when name ends in
// .yaml/.yml). Unknown fields and wrong types are errors naming the file,
// line and field.
func DecodeRequest(name string, data []byte) (Request, error) {
	var req Request
	if !utf8.Valid(data) {
		return req, fmt.Errorf("%s: invalid UTF-8", name)
	}
	js := data
	if lower := strings.ToLower(name); strings.HasSuffix(lower, ".yaml") || strings.HasSuffix(lower, ".yml") {
		var err error
		if js, err = yaml.YAMLToJSONStrict(data); err != nil { // strict: a key given twice is an error
			return req, fmt.Errorf("%s: %s", name, yamlError(err))
		}
		// Positions below refer to the JSON form of a YAML file; name the field instead.
		name += " (as JSON)"
	}
	if len(bytes.TrimSpace(js)) == 0 || string(bytes.TrimSpace(js)) == "null" {
		return req, fmt.Errorf("%s: request is empty", name)
	}
	if json.Valid(js) {
		w := keyWalker{js: js, fields: make([]rawField, 0, 9)}
		if err := w.value(true); err != nil {
			return req, fmt.Errorf("%s: %w", name, err)
		}
		if fast, ok := w.request(); ok {
			return fast, nil
		}
		// One JSON value whose keys the walk found all Request's:
		// nothing for the decoder below to refuse that Unmarshal accepts
		// (TestDecodeRequestUnmarshalMatchesDecoder holds them equal).
		if err := json.Unmarshal(js, &req); err != nil {
			return req, fmt.Errorf("%s: %s", name, reqDescribeJSONError(js, err))
		}
		return req, nil
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("%s: %s", name, reqDescribeJSONError(js, err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return req, fmt.Errorf("%s: unexpected data after the request object", name)
	}
	return req, nil
}

func reqDescribeJSONError(data []byte, err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return fmt.Sprintf("line %d: field %q: expected %s, got %s",
			reqLineAt(data, typeErr.Offset), typeErr.Field, typeErr.Type, typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("line %d: %s", reqLineAt(data, syntaxErr.Offset), syntaxErr.Error())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		key, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return "unknown field " + describeKey(key)
	}
	return reqOneLine(err.Error())
}

func reqLineAt(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

func reqOneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// yamlQuoted is a quoted piece of a YAML error message.
var yamlQuoted = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`"[^"]*"|'[^']*'|` + "`[^`]*`")
})

// yamlError hides the quoted parts of a YAML error (and anything after an
// unbalanced quote): the YAML parser quotes anchor names, keys and values,
// and any of them may be a secret.
func yamlError(err error) string {
	msg := reqOneLine(err.Error())
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	msg = yamlQuoted().ReplaceAllString(msg, "(not shown)")
	if i := strings.IndexAny(msg, "'\"`"); i >= 0 {
		msg = strings.TrimRight(msg[:i], " :") + " (details not shown)"
	}
	return msg
}
