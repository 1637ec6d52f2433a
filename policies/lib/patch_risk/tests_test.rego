package gov.lib.patch_risk.tests_test

import data.gov.lib.patch_risk.tests
import data.gov.lib.util

_file(path, status, added, removed) := {
	"path": path, "status": status,
	"added": [{"line": n, "text": t} | some [n, t] in added],
	"removed": [{"line": n, "text": t} | some [n, t] in removed],
}

_deny(files) := d if {
	d := tests.deny with input as {"request": {"environment": "staging"}, "patch": {"files": files}} with data.gov.config as {}
}

test_deleting_tests_is_denied if {
	every path in [
		"tests/test_api.py", "pkg/api/handler_test.go", "handler_test.go", "app/test_models.py",
		"web/button.test.js", "web/button.test.ts", "spec/user_spec.rb", "svc/src/test/java/AppTest.java",
		"svc/tests/helpers.py", "web/__tests__/app.jsx", "core/UserServiceTest.java",
	] {
		_deny([_file(path, "deleted", [], [])]) == {{"msg": sprintf("deletes test file %s", [path]), "file": path}}
	}
}

test_modifying_tests_and_deleting_code_pass if {
	count(_deny([_file("pkg/api/handler_test.go", "modified", [[3, "x := 1"]], [])])) == 0
	every path in ["app/models.py", "testing.md", "src/main/App.java", "latest_results.go"] {
		count(_deny([_file(path, "deleted", [], [])])) == 0
	}
}

test_skipped_tests_are_denied if {
	skips := [
		"@pytest.mark.skip(reason=\"flaky\")", "    @unittest.skip(\"later\")", "    self.skipTest(\"db down\")",
		"\tt.Skip(\"flaky on CI\")", "  it.skip('renders', () => {", "describe.skip('api', () => {",
		"  xit('works', () => {", "    @Disabled", "  @Ignore(\"broken\")", "    skip \"until fixed\"",
		"    pending", "@pytest.mark.xfail",
	]
	every s in skips {
		_deny([_file("tests/test_x.py", "modified", [[5, s]], [])]) == {{"msg": sprintf("skips a test: %s", [trim_space(s)]), "file": "tests/test_x.py", "line": 5}}
	}
}

test_skip_words_elsewhere_pass if {
	count(_deny([_file("app/jobs.py", "modified", [[5, "@pytest.mark.skip"]], [])])) == 0
	count(_deny([_file("tests/test_x.py", "modified", [[5, "    skipped = items.skip(3)"], [6, "exit_code = 0"]], [])])) == 0
}

test_disabled_and_tuned if {
	off := {"library": {"families": {"patch-risk": {"enabled": false}}}}
	count(tests.deny) == 0 with input as {"patch": {"files": [_file("tests/test_a.py", "deleted", [], [])]}} with data.gov.config as off
	cfg := {"library": {"families": {"patch-risk": {"test_paths": ["qa/**"]}}}}
	count(tests.deny) == 1 with input as {"patch": {"files": [_file("qa/smoke.py", "deleted", [], [])]}} with data.gov.config as cfg
	count(tests.deny) == 0 with input as {"patch": {"files": [_file("tests/test_a.py", "deleted", [], [])]}} with data.gov.config as cfg
}

test_default_regex_is_the_default_globs if {
	tests.default_test_regex == util.globs_regex(tests.default_test_paths)
}
