package gov.lib.patch_risk.coverage_test

import data.gov.lib.patch_risk.coverage

_file(path, status, added, removed) := {
	"path": path, "status": status,
	"added": [{"line": n, "text": t} | some [n, t] in added],
	"removed": [{"line": n, "text": t} | some [n, t] in removed],
}

_deny(files) := d if {
	d := coverage.deny with input as {"request": {"environment": "staging"}, "patch": {"files": files}} with data.gov.config as {}
}

test_lowered_thresholds if {
	files := [
		_file("setup.cfg", "modified", [[12, "fail_under = 70"]], [[12, "fail_under = 85"]]),
		_file("jest.config.js", "modified", [[8, "      branches: 50,"], [9, "      lines: 90,"]], [[8, "      branches: 80,"], [9, "      lines: 90,"]]),
		_file(".github/workflows/ci.yml", "modified", [[20, "      - run: pytest --cov=app --cov-fail-under=60"]], [[20, "      - run: pytest --cov=app --cov-fail-under=80"]]),
	]
	_deny(files) == {
		{"msg": "lowers coverage threshold fail_under from 85 to 70", "file": "setup.cfg", "line": 12},
		{"msg": "lowers coverage threshold branches from 80 to 50", "file": "jest.config.js", "line": 8},
		{"msg": "lowers coverage threshold fail-under from 80 to 60", "file": ".github/workflows/ci.yml", "line": 20},
	}
}

test_removed_threshold if {
	_deny([_file("pyproject.toml", "modified", [], [[30, "fail_under = 90"]])]) == {{"msg": "removes coverage threshold fail_under (was 90)", "file": "pyproject.toml"}}
}

test_raised_threshold_and_other_files_pass if {
	count(_deny([_file(".coveragerc", "modified", [[3, "fail_under = 95"]], [[3, "fail_under = 90"]])])) == 0
	count(_deny([_file("app/config.py", "modified", [[3, "lines = 10"]], [[3, "lines = 50"]])])) == 0
}

test_coverage_disabled if {
	off := {"library": {"families": {"patch-risk": {"enabled": false}}}}
	files := [_file("pyproject.toml", "modified", [], [[30, "fail_under = 90"]])]
	count(coverage.deny) == 0 with input as {"patch": {"files": files}} with data.gov.config as off
}
