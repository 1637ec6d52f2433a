package gov.lib.util_test

import data.gov.lib.util

_cfg(fam, params) := {"library": {"families": {fam: params}}}

test_param_and_enabled if {
	util.param("code", "max", 3) == 3 with data.gov.config as {}
	util.param("code", "max", 3) == 7 with data.gov.config as _cfg("code", {"max": 7})
	util.enabled("code") with data.gov.config as {}
	util.enabled("code") with data.gov.config as _cfg("code", {"enabled": true})
	not util.enabled("code") with data.gov.config as _cfg("code", {"enabled": false})
}

test_mode_defaults if {
	util.mode("code") == "require_approval" with input.request.environment as "production" with data.gov.config as {}
	util.mode("code") == "warn" with input.request.environment as "staging" with data.gov.config as {}
	util.mode("code") == "warn" with input as {} with data.gov.config as {}
	util.mode("cicd") == "require_approval" with input.request.environment as "dev" with data.gov.config as {}
	util.mode("protected-paths") == "require_approval" with input as {} with data.gov.config as {}
}

test_mode_tuned if {
	cfg := _cfg("code", {"require_approval_in": ["staging"]})
	util.mode("code") == "require_approval" with input.request.environment as "staging" with data.gov.config as cfg
	util.mode("code") == "warn" with input.request.environment as "production" with data.gov.config as cfg
	util.mode("code") == "off" with data.gov.config as _cfg("code", {"enabled": false})
	util.mode("cicd") == "warn" with input.request.environment as "dev" with data.gov.config as _cfg("cicd", {"require_approval_in": []})
}

test_glob_match if {
	util.glob_match(["**/crypto/**"], "crypto/aes.go")
	util.glob_match(["**/crypto/**"], "lib/crypto/aes.go")
	util.glob_match(["auth/**"], "auth/x/y.go")
	not util.glob_match(["auth/**"], "authz/x.go")
	not util.glob_match([], "x")
}

test_paths if {
	util.paths({"path": "a"}) == {"a"}
	util.paths({"path": "b", "old_path": "a"}) == {"a", "b"}
}

test_violations if {
	util.at(["a.py", 3, "x"], "m") == {"msg": "m", "file": "a.py", "line": 3}
	util.at_file({"path": "a", "added": [{"line": 4, "text": ""}]}, "m") == {"msg": "m", "file": "a", "line": 4}
	util.at_file({"path": "a", "added": []}, "m") == {"msg": "m", "file": "a"}
	util.added([{"path": "a", "added": [{"line": 1, "text": "t"}]}]) == {["a", 1, "t"]}
}

test_docs if {
	util.docs({"parsed": [{"a": 1}, null, {"b": 2}]}) == [{"a": 1}, {"b": 2}]
	util.docs({"parsed": {"a": 1}}) == [{"a": 1}]
	util.docs({"path": "x"}) == []
}

test_names if {
	util.basename("a/b/c.go") == "c.go"
	util.basename("c.go") == "c.go"
	util.dirname("a/b/c.go") == "a/b"
	util.dirname("c.go") == ""
}

test_next_added if {
	files := [{"path": "a", "added": [{"line": 3, "text": "x"}, {"line": 4, "text": "y"}, {"line": 9, "text": "z"}]}]
	util.next_added("a", 3) == "y" with input.patch.files as files
	not util.next_added("a", 4) with input.patch.files as files
	not util.next_added("b", 3) with input.patch.files as files
}
