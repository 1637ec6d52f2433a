package docgen

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md")

const docPath = "../../docs/configuration.md"

// TestConfigDocsCurrent is the CI check that docs/configuration.md is what
// the schema says: a key added to the schema without regenerating the
// reference (or without a doc comment) fails here.
func TestConfigDocsCurrent(t *testing.T) {
	src, err := ReadSchema("../..")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Render(src)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(docPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/docgen -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("docs/configuration.md is not current: run go test ./internal/docgen -update")
	}
}

// TestUndocumentedKeyFails shows the check catches a key without a doc
// comment, so the reference stays complete.
func TestUndocumentedKeyFails(t *testing.T) {
	src, err := ReadSchema("../..")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(src), "\tdefault_workflow?: string", "\tdefault_workflow?: string\n\tnew_key?: string", 1)
	if _, err := Render([]byte(bad)); err == nil || !strings.Contains(err.Error(), "new_key has no doc comment") {
		t.Fatalf("got %v, want an error naming new_key", err)
	}
}

// TestReferenceNamesEveryKey checks a sample of keys and facts users look
// up, against the schema's real names (the README once said "conditions"
// where the key is `when`).
func TestReferenceNamesEveryKey(t *testing.T) {
	src, err := ReadSchema("../..")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Render(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| `enforcement` | `\"strict\" \\| \"warn\" \\| \"off\"` | \"strict\" |",
		"`environments.<name>.require_approval`",
		"`audit.retention_days` | `int & >=0` | 365 |",
		"`workflows.<name>.when.environments`",
		"`workflows.<name>.stages[].min_approvals` | `int & >=1` | 1 |",
		"`rules[].conditions[].field`",
		"`exceptions[].expires`",
		"`roles.<name>.members`",
		"`risk.medium_lines` | `int & >=0` | 50 |",
		"| `service_name` | string |",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("reference lacks %q", want)
		}
	}
}

// TestBadExampleFails: an example the schema refuses (here a typo in the
// key) stops the generation, so the reference never shows one.
func TestBadExampleFails(t *testing.T) {
	src, err := ReadSchema("../..")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(src), `// Example: audit: dir: "/var/lib/gov/audit"`, `// Example: audit: directory: "/var/lib/gov/audit"`, 1)
	if bad == string(src) {
		t.Fatal("the audit.dir example moved: update the test")
	}
	if _, err := Render([]byte(bad)); err == nil || !strings.Contains(err.Error(), "refused by the schema") {
		t.Fatalf("got %v, want the example refused", err)
	}
}
