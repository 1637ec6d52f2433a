# Package gov.starter.tests denies patches that delete tests: a healing
# change must not make a failure go away by removing the test that sees it.
package gov.starter.tests

file_globs := [
	"tests/**", "**/tests/**", "**/*_test.go", "**/test_*.py", "**/*.test.js",
	"**/*.test.ts", "**/*_spec.rb", "**/src/test/**",
]

# METADATA
# title: Test deleted
# description: Deleting a test file is not an acceptable fix.
# custom:
#   id: starter/deleted-test
#   severity: high
#   controls: ["SOC2:CC8.1"]
deny contains v if {
	some f in input.patch.files
	f.status == "deleted"
	is_test(f.path)
	v := {"msg": sprintf("deletes test file %s", [f.path]), "file": f.path}
}

# is_test matches the test path globs; a leading "**/" also matches at the top level.
is_test(path) if {
	some p in file_globs
	glob.match(p, ["/"], path)
}

is_test(path) if {
	some p in file_globs
	startswith(p, "**/")
	glob.match(substring(p, 3, -1), ["/"], path)
}
