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

# modes pinned whole, every family, for the default and tuned configs in
# three environments, so that a cheaper way to compute it (it is read by
# every family on every evaluation) must give the same object.
_all_warn := {"secrets": "warn", "data": "warn", "protected-paths": "warn", "patch-risk": "warn", "code": "warn", "kubernetes": "warn", "cicd": "warn", "dependencies": "warn"}

_everywhere_approval := object.union(_all_warn, {"protected-paths": "require_approval", "cicd": "require_approval", "secrets": "require_approval"})

_all_approval := {fam: "require_approval" | some fam, _ in _all_warn}

test_modes_whole_defaults if {
	util.modes == _all_approval with input.request.environment as "production" with data.gov.config as {}
	util.modes == _everywhere_approval with input.request.environment as "staging" with data.gov.config as {}
	util.modes == _everywhere_approval with input as {} with data.gov.config as {}
	util.modes == _everywhere_approval with input.request.environment as "dev"
}

test_modes_whole_tuned if {
	cfg := {"library": {"families": {
		"code": {"require_approval_in": ["staging", "dev"]},
		"secrets": {"require_approval_in": ["production"]},
		"cicd": {"enabled": false, "require_approval_in": ["*"]},
		"data": {"enabled": true, "require_approval_in": ["*"]},
		"kubernetes": {"require_approval_in": []},
		"dependencies": {"enabled": false},
	}}}
	util.modes == object.union(_all_warn, {
		"code": "require_approval", "protected-paths": "require_approval",
		"cicd": "off", "data": "require_approval", "dependencies": "off",
	}) with input.request.environment as "staging" with data.gov.config as cfg
	util.modes == object.union(_all_warn, {
		"secrets": "require_approval", "protected-paths": "require_approval", "patch-risk": "require_approval",
		"cicd": "off", "data": "require_approval", "dependencies": "off",
	}) with input.request.environment as "production" with data.gov.config as cfg
}

test_glob_match if {
	util.glob_match(["**/crypto/**"], "crypto/aes.go")
	util.glob_match(["**/crypto/**"], "lib/crypto/aes.go")
	util.glob_match(["auth/**"], "auth/x/y.go")
	util.glob_match(["**/*.test.js", "x"], "web/a/b.test.js")
	util.glob_match(["**/*.test.js"], "b.test.js")
	util.glob_match(["a/**/b.go"], "a/b.go")
	util.glob_match(["a/**/b.go"], "a/x/y/b.go")
	util.glob_match(["**/.env.*"], "config/.env.production")
	util.glob_match(["src/*.{js,ts}"], "src/a.ts")
	util.glob_match(["file?.txt"], "file1.txt")
	not util.glob_match(["auth/**"], "authz/x.go")
	not util.glob_match(["*.go"], "a/b.go")
	not util.glob_match(["**/*.test.js"], "web/a.test.jsx")
	not util.glob_match(["a+b.txt"], "aab.txt")
	not util.glob_match([], "x")
}

test_globs_regex if {
	util.globs_prefix_regex(["services/*"]) == `^(services/[^/]*)/`
	util.globs_regex(["a/**", "**/*.go"]) == `^(a/.*|(.*/)?[^/]*\.go)$`
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

test_without_config if {
	util.config == {} with data.gov.config as {}
	util.enabled("code") with data.gov.config as {}
	util.mode("code") == "warn" with data.gov.config as {}
}

test_lines_with if {
	files := [
		{"path": "a.py", "added": [{"line": 1, "text": "x = eval(s)"}, {"line": 2, "text": "y = 1"}, {"line": 3, "text": "EVAL"}]},
		{"path": "b.py", "added": [{"line": 1, "text": "z = 2"}]},
	]
	util.lines_with({0, 1}, ["eval", "nothing"]) == {["a.py", 1, "x = eval(s)"]} with input.patch.files as files
	util.lines_with_lower({0, 1}, ["eval"]) == {["a.py", 1, "x = eval(s)"], ["a.py", 3, "EVAL"]} with input.patch.files as files
	util.blobs == ["x = eval(s)\ny = 1\nEVAL", "z = 2"] with input.patch.files as files
	util.all_files == {0, 1} with input.patch.files as files
}

# lines_with pinned on needles holding regular-expression characters, a
# needle inside another, an empty needle list and files without any needle:
# needles are text, never patterns, and a cheaper search must find exactly
# these lines.
test_lines_with_needles_as_text if {
	files := [
		{"path": "a.c", "added": [{"line": 1, "text": "p = a.b(c)"}, {"line": 2, "text": "if (x|y) {"}, {"line": 3, "text": "q = a+b*c"}]},
		{"path": "b.c", "added": [{"line": 4, "text": "ab^c$ [d] ? \\ end"}, {"line": 5, "text": "axb(c"}]},
		{"path": "c.c", "added": []},
		{"path": "d.c", "added": [{"line": 1, "text": "Token = API_KEY"}, {"line": 2, "text": "passwd passwords"}]},
	]
	util.lines_with({0, 1, 2, 3}, ["a.b(", "(x|y)", "+b*", "^c$", "[d]", "? \\"]) == {
		["a.c", 1, "p = a.b(c)"], ["a.c", 2, "if (x|y) {"], ["a.c", 3, "q = a+b*c"], ["b.c", 4, "ab^c$ [d] ? \\ end"],
	} with input.patch.files as files
	util.lines_with({1}, ["^c$"]) == {["b.c", 4, "ab^c$ [d] ? \\ end"]} with input.patch.files as files
	util.lines_with({1}, ["[d] ?"]) == {["b.c", 4, "ab^c$ [d] ? \\ end"]} with input.patch.files as files
	util.lines_with({0, 1, 2, 3}, [".", "zzz"]) == {["a.c", 1, "p = a.b(c)"]} with input.patch.files as files
	util.lines_with({0, 1, 2, 3}, []) == set() with input.patch.files as files
	util.lines_with({1, 3}, ["nowhere", "a.b"]) == set() with input.patch.files as files
	util.lines_with_lower({0, 1, 2, 3}, ["token", "api_key", "passwd", "password"]) == {
		["d.c", 1, "Token = API_KEY"], ["d.c", 2, "passwd passwords"],
	} with input.patch.files as files
	util.lines_with_lower({0, 3}, ["x|y", "a+b"]) == {["a.c", 2, "if (x|y) {"], ["a.c", 3, "q = a+b*c"]} with input.patch.files as files
	util.lines_with_lower({0, 1}, ["nothing"]) == set() with input.patch.files as files
}

test_excerpt_masks_credentials if {
	# A token in a Git URL, a URL password, an AWS key id in code: masked whole.
	util.excerpt("  git+https://ghp_R2d2C3po4Bb8Ee1Ff2Gg3Hh4Ii5Jj6Kk7Ll@github.com/acme/lib.git ") == "git+****"
	util.excerpt(`url = "postgres://app:pA55-w0rd.x@db:5432/app"`) == `url = "post****"`
	util.excerpt(`x = eval("AKIA2345ABCD6789EFGH")`) == `x = eval("AKIA****")`
	util.excerpt(`db = "mysql://app:hunter2@db/app"`) == `db = "mysql://app:****@db/app"`
}

# Words a digit count misses: an AWS key id with one digit, an all-letter
# Hugging Face token, a long mixed-case token without digits.
test_excerpt_masks_tokens_with_few_digits if {
	util.excerpt(`eval("AKIACERQUIHHBNDGAXZM")`) == `eval("AKIA****")`
	util.excerpt(`eval("AKIACERQUIHHBNDG6XZM")`) == `eval("AKIA****")`
	util.excerpt(`token = "hf_xQnBvRtLpZkWmYcJdHsGfAeUoIyTrEqWzXcV"`) == `token = "hf_x****"`
	util.excerpt(`k = "xoxb-bWtpLmQrZsYnVcXkJhGfDsAq"`) == `k = "xoxb****"`
	util.excerpt(`k = "QnBvRtLpZkWmYcJdHsGfAeUoIyTrEqWzXcVb"`) == `k = "QnBv****"`
}

test_excerpt_keeps_code if {
	util.excerpt(`   Cipher c = Cipher.getInstance("DES/CBC/PKCS5Padding");`) == `Cipher c = Cipher.getInstance("DES/CBC/PKCS5Padding");`
	util.excerpt("curl -sSL https://releases.example.com/v1.2.3/install.sh | sh") == "curl -sSL https://releases.example.com/v1.2.3/install.sh | sh"
	count(util.excerpt(concat("", ["x = ", concat(" ", [s | some _ in numbers.range(1, 60); s := "abc"])]))) == 163
}
