package gov.lib.protected_paths.paths_test

import data.gov.lib.protected_paths.paths
import data.gov.lib.util

_file(path, status, lines) := {"path": path, "status": status, "added": [{"line": n, "text": "x"} | some n in lines], "removed": []}

_in(env, files) := {"request": {"environment": env}, "patch": {"files": files}}

_ra(env, files) := r if {
	r := paths.require_approval with input as _in(env, files) with data.gov.config as {}
}

test_protected_paths_everywhere if {
	files := [
		_file(".github/workflows/ci.yml", "modified", [12, 13]),
		_file("auth/session.go", "modified", [4]),
		_file("lib/crypto/aes.go", "modified", [1]),
		_file("services/payments/charge.py", "modified", [2]),
		_file("docs/CODEOWNERS", "modified", [1]),
		_file("infra/main.tf", "added", [1]),
		_file("terraform/vpc/main.tf", "modified", [8]),
	]
	r := _ra("staging", files)
	count(r) == 7
	{"msg": ".github/workflows/ci.yml is a protected path", "file": ".github/workflows/ci.yml", "line": 12} in r
	{"msg": "services/payments/charge.py is a protected path", "file": "services/payments/charge.py", "line": 2} in r
}

test_ordinary_paths_pass if {
	files := [_file("app/main.py", "modified", [3]), _file("docs/auth.md", "modified", [1]), _file("authz/x.go", "modified", [1])]
	count(_ra("production", files)) == 0
}

test_rename_out_of_protected_path if {
	f := object.union(_file("lib/session.go", "renamed", []), {"old_path": "auth/session.go"})
	_ra("staging", [f]) == {{"msg": "auth/session.go is a protected path", "file": "lib/session.go"}}
}

test_deleted_protected_file if {
	r := _ra("staging", [_file("CODEOWNERS", "deleted", [])])
	r == {{"msg": "deletes protected file CODEOWNERS", "file": "CODEOWNERS"}}
}

test_lock_file_without_manifest if {
	r := _ra("staging", [_file("services/web/package-lock.json", "modified", [3])])
	{"msg": "services/web/package-lock.json changes without package.json", "file": "services/web/package-lock.json", "line": 3} in r
	s := _ra("staging", [_file("Gemfile.lock", "modified", [3])])
	{"msg": "Gemfile.lock changes without Gemfile or gems.rb", "file": "Gemfile.lock", "line": 3} in s
}

test_lock_file_with_manifest if {
	r := _ra("staging", [_file("web/package-lock.json", "modified", [3]), _file("web/package.json", "modified", [9])])
	r == {{"msg": "web/package-lock.json is a protected path", "file": "web/package-lock.json", "line": 3}}
	s := _ra("staging", [_file("go.sum", "modified", [3]), _file("go.mod", "modified", [9])])
	s == {{"msg": "go.sum is a protected path", "file": "go.sum", "line": 3}}
}

test_tuned_paths_and_modes if {
	cfg := {"library": {"families": {"protected-paths": {"paths": ["db/**"], "require_approval_in": ["production"]}}}}
	files := [_file("db/schema.sql", "modified", [1]), _file("auth/x.go", "modified", [1]), _file("db/old.sql", "deleted", [])]
	count(paths.require_approval) == 0 with input as _in("staging", files) with data.gov.config as cfg
	w := paths.warn with input as _in("staging", files) with data.gov.config as cfg
	w == {{"msg": "db/schema.sql is a protected path", "file": "db/schema.sql", "line": 1}, {"msg": "deletes protected file db/old.sql", "file": "db/old.sql"}}
	lock := [_file("go.sum", "modified", [2])]
	count(paths.warn) == 1 with input as _in("staging", lock) with data.gov.config as cfg
	count(paths.require_approval) == 3 with input as _in("production", array.concat(files, lock)) with data.gov.config as cfg
	off := {"library": {"families": {"protected-paths": {"enabled": false}}}}
	count(paths.require_approval) == 0 with input as _in("production", array.concat(files, lock)) with data.gov.config as off
}

test_default_regex_is_the_default_globs if {
	paths.default_regex == util.globs_regex(paths.default_paths)
}
