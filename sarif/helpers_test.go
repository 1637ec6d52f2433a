package sarif

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	gosarif "github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/gov-policy/gov/patch"
)

// repoRoot is the directory holding go.mod above the package.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// schema compiles the OASIS SARIF 2.1.0 schema from ../shared/reference
// beside the repository (no network). A missing file fails the test.
func schema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(repoRoot(t), "..", "shared", "reference", "sarif-schema-2.1.0.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("SARIF schema needed by the tests: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(SchemaURI, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(SchemaURI)
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	return sch
}

// encode writes r with Write, validates it against the schema and returns
// the bytes and the document decoded as plain JSON.
func encode(t testing.TB, sch *jsonschema.Schema, r *gosarif.Report) ([]byte, map[string]any) {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("SARIF does not validate against the 2.1.0 schema: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), doc
}

// dig walks a decoded JSON document by keys and indexes.
func dig(t testing.TB, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("dig %v: at %q not an object: %v", path, k, v)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("dig %v: at [%d] not a long enough array: %v", path, k, v)
			}
			v = l[k]
		}
	}
	return v
}

func mustParse(t testing.TB, diff string) *patch.Patch {
	t.Helper()
	p, err := patch.Parse([]byte(diff))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func boolPtr(b bool) *bool { return &b }
