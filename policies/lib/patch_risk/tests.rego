# Package gov.lib.patch_risk.tests denies patches that make failures go away
# instead of fixing them: deleting test files and skipping tests
# (coverage.rego: lowering or removing coverage thresholds). These rules
# deny in every environment.
#
# Parameters (library: families: "patch-risk": ...):
#   enabled     false turns the family off
#   test_paths  globs of test files (replaces default_test_paths)
#   (size.rego documents the family's other parameters)
package gov.lib.patch_risk.tests

import data.gov.lib.util

default_test_paths := [
	"**/tests/**", "**/test/**", "**/spec/**",
	"**/__tests__/**", "**/*_test.go", "**/test_*.py", "**/*_test.py",
	"**/*.test.js", "**/*.test.ts", "**/*.test.jsx", "**/*.test.tsx",
	"**/*.spec.js", "**/*.spec.ts", "**/*_spec.rb", "**/*_test.rb",
	"**/src/test/**", "**/*Test.java", "**/*Tests.java", "**/*_test.sh", "**/*.bats",
]

# default_test_regex is util.globs_regex(default_test_paths).
default_test_regex := `^((.*/)?tests/.*|(.*/)?test/.*|(.*/)?spec/.*|(.*/)?__tests__/.*|(.*/)?[^/]*_test\.go|(.*/)?test_[^/]*\.py|(.*/)?[^/]*_test\.py|(.*/)?[^/]*\.test\.js|(.*/)?[^/]*\.test\.ts|(.*/)?[^/]*\.test\.jsx|(.*/)?[^/]*\.test\.tsx|(.*/)?[^/]*\.spec\.js|(.*/)?[^/]*\.spec\.ts|(.*/)?[^/]*_spec\.rb|(.*/)?[^/]*_test\.rb|(.*/)?src/test/.*|(.*/)?[^/]*Test\.java|(.*/)?[^/]*Tests\.java|(.*/)?[^/]*_test\.sh|(.*/)?[^/]*\.bats)$`

_test_regex := util.globs_regex(p) if {
	p := util.param("patch-risk", "test_paths", null)
	p != null
} else := default_test_regex

_skip := `(@pytest\.mark\.(skip|xfail)|@unittest\.(skip|expectedFailure)|\bpytest\.skip\(|\.skipTest\(|\bt\.Skip(f|Now)?\(|\b(it|test|describe|context)\.skip\b|\bx(it|describe|test|context)\s*[\(\s]|@Disabled\b|@Ignore\b|^\s*(skip|pending)\b|^\s*skip\s+["'])`

# is_test holds for a path of a test file.
is_test(path) if regex.match(_test_regex, path)

_on if util.enabled("patch-risk")

_test_files contains i if {
	some i, f in input.patch.files
	is_test(f.path)
}

_skip_needles := ["skip", "Skip", "xit", "xdescribe", "xtest", "xcontext", "Disabled", "Ignore", "pending", "xfail", "expectedFailure"]

# METADATA
# title: Test deleted
# description: >-
#   The patch deletes a test file. Deleting the test that sees a failure is
#   not a fix.
# custom:
#   id: patch-risk/deleted-test
#   severity: high
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "PCI-DSS:6.2.4", "ISO27001:A.8.29"]
deny contains v if {
	_on
	some f in input.patch.files
	f.status == "deleted"
	is_test(f.path)
	v := {"msg": sprintf("deletes test file %s", [f.path]), "file": f.path}
}

# METADATA
# title: Test skipped
# description: >-
#   An added line in a test file skips or disables a test (pytest.mark.skip,
#   t.Skip, it.skip, xit, @Disabled, @Ignore...).
# custom:
#   id: patch-risk/skipped-test
#   severity: high
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "PCI-DSS:6.2.4", "ISO27001:A.8.29"]
deny contains v if {
	_on
	some [file, line, text] in util.lines_with(_test_files, _skip_needles)
	regex.match(_skip, text)
	v := {"msg": sprintf("skips a test: %s", [util.excerpt(text)]), "file": file, "line": line}
}
