package policies

import (
	"strings"
	"testing"
)

// TestLibraryListsModulesAndTests checks that every library module has a
// _test.rego beside it and that tests are not served as modules.
func TestLibraryListsModulesAndTests(t *testing.T) {
	mods, tests := Library(), LibraryTests()
	if len(mods) < 8 {
		t.Fatalf("Library() has %d modules, want at least 8", len(mods))
	}
	for name := range mods {
		if !strings.HasPrefix(name, "lib/") || strings.HasSuffix(name, "_test.rego") {
			t.Errorf("Library() serves %s", name)
		}
		if _, ok := tests[strings.TrimSuffix(name, ".rego")+"_test.rego"]; !ok {
			t.Errorf("%s has no _test.rego", name)
		}
	}
	for name := range tests {
		if _, ok := mods[name]; ok {
			t.Errorf("Library() includes test file %s", name)
		}
	}
}

// TestLibraryRego runs the library's Rego tests with OPA's tester over the
// built-in and library modules, and checks every test passes and every
// library module is at least 90% covered.
func TestLibraryRego(t *testing.T) {
	runRegoTests(t, Library(), 50, Builtin(), Library(), LibraryTests())
}
