package scan

import "testing"

// TestBuiltinRegexesCompile compiles every built-in rule eagerly, as New
// does for extra rules: built-in regexes are compiled lazily at run time,
// where MustCompile must never panic.
func TestBuiltinRegexesCompile(t *testing.T) {
	for i, spec := range builtinRules() {
		if _, err := compileRule(spec, i, true); err != nil {
			t.Error(err)
		}
	}
}
