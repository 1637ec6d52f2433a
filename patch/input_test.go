package patch

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// decodeJSONValue unmarshals b with numbers as json.Number.
func decodeJSONValue(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestInputMatchesJSON checks that Input, built by hand, has exactly the
// shape and values of the JSON encoding of Patch, and that OPA accepts it.
func TestInputMatchesJSON(t *testing.T) {
	names, err := filepath.Glob(filepath.Join(patchesDir, "*.diff"))
	if err != nil || len(names) < 10 {
		t.Fatalf("samples: %v (%d found)", err, len(names))
	}
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			p, err := Parse(readPatch(t, filepath.Base(name)))
			if err != nil {
				t.Fatal(err)
			}
			// Content only where the patch applies to the sample repo.
			if err := p.LoadContent(repoDir); err != nil && filepath.Base(name) != "large-500.diff" {
				t.Fatal(err)
			}
			in := p.Input()
			fromInput, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			fromPatch, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := decodeJSONValue(t, fromInput), decodeJSONValue(t, fromPatch); !reflect.DeepEqual(got, want) {
				t.Errorf("Input differs from the JSON encoding\ninput: %s\njson:  %s", fromInput, fromPatch)
			}
			if _, err := ast.InterfaceToValue(in); err != nil {
				t.Errorf("OPA rejects the input: %v", err)
			}
		})
	}
}

func TestInputValues(t *testing.T) {
	p, err := Parse(readPatch(t, "rename.diff"))
	if err != nil {
		t.Fatal(err)
	}
	in := p.Input()
	files := in["files"].([]any)
	f := files[0].(map[string]any)
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"path", f["path"], "services/user_service/helpers.py"},
		{"old_path", f["old_path"], "services/user_service/utils.py"},
		{"status", f["status"], "renamed"},
		{"language", f["language"], "python"},
		{"binary", f["binary"], false},
		{"added line", f["added"].([]any)[0].(map[string]any)["line"], 20},
		{"removed text", f["removed"].([]any)[0].(map[string]any)["text"], `    return f"{first} {last}"`},
		{"stats files", in["stats"].(map[string]any)["files"], 1},
		{"stats additions", in["stats"].(map[string]any)["additions"], 1},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
	for _, key := range []string{"new_content", "parsed", "parse_error"} {
		if _, ok := f[key]; ok {
			t.Errorf("key %q present without LoadContent", key)
		}
	}

	bin, err := Parse(readPatch(t, "binary-change.diff"))
	if err != nil {
		t.Fatal(err)
	}
	bf := bin.Input()["files"].([]any)[0].(map[string]any)
	if added, ok := bf["added"].([]any); !ok || len(added) != 0 || bf["binary"] != true {
		t.Errorf("binary file: added = %#v, binary = %v; want an empty list and true", bf["added"], bf["binary"])
	}
	if _, ok := bf["language"]; ok {
		t.Errorf("binary png has a language: %v", bf["language"])
	}
}
