package gov.starter.protected_test

import data.gov.starter.protected

_file(path, lines) := {"path": path, "status": "modified", "added": [{"line": n, "text": "x"} | some n in lines], "removed": []}

_ra(files) := r if {
	r := protected.require_approval with input as {"patch": {"files": files}}
}

test_workflow_change_requires_approval if {
	_ra([_file(".github/workflows/ci.yml", [12, 13])]) == {{"msg": ".github/workflows/ci.yml is a protected path", "file": ".github/workflows/ci.yml", "line": 12}}
}

test_codeowners_in_any_directory if {
	count(_ra([_file("CODEOWNERS", [1])])) == 1
	count(_ra([_file("docs/CODEOWNERS", [1])])) == 1
	count(_ra([_file(".github/CODEOWNERS", [])])) == 1
}

test_auth_and_infra if {
	count(_ra([_file("auth/session.go", [4]), _file("infra/main.tf", [9])])) == 2
}

test_deleted_file_has_no_line if {
	some v in _ra([_file("infra/old.tf", [])])
	not v.line
}

test_rename_out_of_protected_path if {
	f := object.union(_file("lib/session.go", []), {"old_path": "auth/session.go", "status": "renamed"})
	some v in _ra([f])
	v.msg == "auth/session.go is a protected path"
	v.file == "lib/session.go"
}

test_ordinary_paths_pass if {
	count(_ra([_file("app/main.py", [3]), _file("docs/auth.md", [1]), _file("authz/x.go", [1])])) == 0
}
