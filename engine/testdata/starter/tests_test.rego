package gov.starter.tests_test

import data.gov.starter.tests

_deny(path, status) := d if {
	d := tests.deny with input as {"patch": {"files": [{"path": path, "status": status, "added": [], "removed": []}]}}
}

test_deleting_tests_is_denied if {
	every path in [
		"tests/test_api.py", "pkg/api/handler_test.go", "handler_test.go", "app/test_models.py",
		"web/button.test.js", "web/button.test.ts", "spec/user_spec.rb", "svc/src/test/java/AppTest.java",
		"svc/tests/helpers.py",
	] {
		_deny(path, "deleted") == {{"msg": sprintf("deletes test file %s", [path]), "file": path}}
	}
}

test_modifying_tests_is_allowed if {
	count(_deny("pkg/api/handler_test.go", "modified")) == 0
}

test_deleting_other_files_is_allowed if {
	every path in ["app/models.py", "testing.md", "src/main/App.java", "latest_results.go"] {
		count(_deny(path, "deleted")) == 0
	}
}
