package gov.bench

deny contains msg if {
	some f in input.patch.files
	f.status == "deleted"
	regex.match(`(^|/)(tests?/|test_[^/]*\.py$|[^/]*_test\.go$)`, f.path)
	msg := sprintf("%s: deleting a test is not allowed", [f.path])
}

require_approval contains msg if {
	some f in input.patch.files
	regex.match(`^(\.github/workflows/|auth/|infra/)`, f.path)
	msg := sprintf("%s: protected path", [f.path])
}
