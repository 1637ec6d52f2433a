package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	yaml "go.yaml.in/yaml/v3"
)

// decode decodes the content of a .yaml/.yml, .json or .toml file into plain
// Rego-ready values (map[string]any, []any, string, bool, nil, int, int64,
// uint64, float64, json.Number). Other files decode to nil, nil.
func decode(name string, content []byte) (any, error) {
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml":
		return decodeYAML(content)
	case ".json":
		return decodeJSON(content)
	case ".toml":
		return decodeTOML(content)
	}
	return nil, nil
}

// decodeYAML returns the one document of a YAML stream, or a list of its
// documents when there are several; empty documents are skipped.
func decodeYAML(content []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(content))
	var docs []any
	for {
		var doc any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("yaml: %s", oneLine(strings.TrimPrefix(err.Error(), "yaml: ")))
		}
		if doc != nil {
			docs = append(docs, plain(doc))
		}
	}
	switch len(docs) {
	case 0:
		return nil, nil
	case 1:
		return docs[0], nil
	}
	return docs, nil
}

// decodeJSON decodes one JSON value, numbers as json.Number.
func decodeJSON(content []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("json: %s", oneLine(err.Error()))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("json: unexpected data after the top-level value at offset %d", dec.InputOffset())
	}
	return v, nil
}

// decodeTOML decodes a TOML document; dates and times become strings.
func decodeTOML(content []byte) (any, error) {
	var v map[string]any
	if err := toml.Unmarshal(content, &v); err != nil {
		return nil, fmt.Errorf("toml: %s", oneLine(err.Error()))
	}
	return plain(v), nil
}

// plain rewrites decoded YAML/TOML values into the types OPA converts
// directly: maps with non-string keys get string keys, dates and times become
// RFC 3339 strings, and non-finite floats become strings.
func plain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = plain(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = plain(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = plain(e)
		}
		return x
	case []map[string]any: // TOML arrays of tables
		list := make([]any, len(x))
		for i, e := range x {
			list[i] = plain(e)
		}
		return list
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return x
	case time.Time:
		return x.Format(time.RFC3339Nano)
	}
	return v
}

// oneLine keeps the first line of a decoder's message.
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
