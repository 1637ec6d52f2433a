package gov.lib.dependencies.rules_test

import data.gov.lib.dependencies.rules

_file(path, added, removed) := {
	"path": path, "status": "modified",
	"added": [{"line": n, "text": t} | some [n, t] in added],
	"removed": [{"line": n, "text": t} | some [n, t] in removed],
}

_in(env, files) := {"request": {"environment": env}, "patch": {"files": files}}

_ra(files) := {[v.line, v.msg] | some v in r} if {
	r := rules.require_approval with input as _in("production", files) with data.gov.config as {}
}

test_bump_is_quiet if {
	f := _file("services/web/package.json", [[3, "  \"version\": \"2.3.2\","], [11, "    \"express\": \"4.19.2\""]], [[3, "  \"version\": \"2.3.1\","], [11, "    \"express\": \"4.18.2\""]])
	_ra([f]) == set()
}

test_new_dependency_and_typosquat if {
	f := _file("web/package.json", [[11, "    \"expresss\": \"^4.19.2\","], [12, "    \"zod\": \"3.22.4\","], [13, "    \"lodash-js\": \"1.0.0\""]], [])
	_ra([f]) == {
		[11, "adds npm dependency expresss ^4.19.2"], [11, "expresss looks like a typosquat of express"],
		[12, "adds npm dependency zod 3.22.4"],
		[13, "adds npm dependency lodash-js 1.0.0"], [13, "lodash-js looks like a typosquat of lodash"],
	}
}

test_typosquat_shapes if {
	every pair in [["reqeusts", "requests"], ["requets", "requests"], ["python-numpy", "numpy"], ["requestss", "requests"], ["colourama", "colorama"]] {
		[name, target] := pair
		f := _file("requirements.txt", [[1, sprintf("%s==1.0", [name])]], [])
		[1, sprintf("%s looks like a typosquat of %s", [name, target])] in _ra([f])
	}
	every name in ["requests", "httpx", "pandas-stubs", "flask-cors"] {
		f := _file("requirements.txt", [[1, sprintf("%s==1.0", [name])]], [])
		count({m | some [_, m] in _ra([f]); contains(m, "typosquat")}) == 0
	}
}

test_typosquat_everywhere_and_tuned if {
	f := _file("Cargo.toml", [[9, "serde_jsonn = \"1.0\""]], [])
	r := rules.require_approval with input as _in("dev", [f]) with data.gov.config as {}
	{v.msg | some v in r} == {"serde_jsonn looks like a typosquat of serde_json"}
	w := rules.warn with input as _in("dev", [f]) with data.gov.config as {}
	{v.msg | some v in w} == {"adds cargo dependency serde_jsonn 1.0"}
	ignore := {"library": {"families": {"dependencies": {"typosquat_ignore": ["serde_jsonn"]}}}}
	count(rules.require_approval) == 0 with input as _in("dev", [f]) with data.gov.config as ignore
	g := _file("go.mod", [[5, "\tgithub.com/acme/intrnal v1.0.0"]], [])
	extra := {"library": {"families": {"dependencies": {"typosquat_targets": ["github.com/acme/internal"]}}}}
	count(rules.require_approval) == 1 with input as _in("dev", [g]) with data.gov.config as extra
}

test_downgrade if {
	f := _file("go.mod", [[5, "\tgithub.com/gin-gonic/gin v1.8.1"]], [[5, "\tgithub.com/gin-gonic/gin v1.9.1"]])
	_ra([f]) == {[5, "downgrades github.com/gin-gonic/gin from v1.9.1 to v1.8.1"]}
	up := _file("pom.xml", [[7, "    <jackson.version>2.15.0</jackson.version>"]], [[7, "    <jackson.version>2.9.10</jackson.version>"]])
	_ra([up]) == set()
}

test_git_url_and_path_sources if {
	files := [
		_file("package.json", [[9, "    \"left-pad\": \"git+https://github.com/x/left-pad.git\""]], []),
		_file("go.mod", [[12, "replace github.com/acme/db => ../db"], [13, "replace github.com/gorilla/mux => github.com/evil/mux v1.8.0"]], []),
		_file("requirements.txt", [[4, "-e git+https://github.com/x/y.git#egg=y"]], []),
		_file("Cargo.toml", [[8, "mylib = { git = \"https://github.com/x/mylib\" }"]], []),
	]
	r := _ra(files)
	{l | some [l, m] in r; contains(m, "from Git, a URL or a path")} == {9, 12, 13, 4, 8}
}

test_registries if {
	lock := _file("web/package-lock.json", [
		[30, "      \"resolved\": \"https://registry.npmjs.org/express/-/express-4.19.2.tgz\","],
		[40, "      \"resolved\": \"https://npm.evil.example/left-pad/-/left-pad-1.0.0.tgz\","],
	], [])
	req := _file("requirements.txt", [[1, "--extra-index-url https://pypi.evil.example/simple"]], [])
	_ra([lock, req]) == {
		[40, "resolves packages from npm.evil.example, not an allowed registry"],
		[1, "resolves packages from pypi.evil.example, not an allowed registry"],
	}
	cfg := {"library": {"families": {"dependencies": {"allowed_registries": ["npm.evil.example", "pypi.evil.example", "registry.npmjs.org"]}}}}
	count(rules.require_approval) == 0 with input as _in("production", [lock, req]) with data.gov.config as cfg
}

test_disabled if {
	f := _file("package.json", [[11, "    \"expresss\": \"^4.19.2\""]], [])
	off := {"library": {"families": {"dependencies": {"enabled": false}}}}
	count(rules.require_approval) == 0 with input as _in("production", [f]) with data.gov.config as off
	count(rules.warn) == 0 with input as _in("production", [f]) with data.gov.config as off
}
