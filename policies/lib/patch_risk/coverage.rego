# Package gov.lib.patch_risk.coverage denies patches that lower or remove a
# coverage threshold in coverage configuration files and CI workflows
# (family patch-risk, see tests.rego; it denies in every environment). It
# is the library's one reader of removed lines outside the kubernetes and
# dependencies families, so it is gated on the files it reads: on a patch
# without them the input is built without removed lines (engine/prune.go).

# METADATA
# scope: package
# custom:
#   applies_to:
#     paths: ["**/.coveragerc", "**/setup.cfg", "**/tox.ini", "**/pyproject.toml", "**/pytest.ini", "**/package.json", "**/codecov.yml", "**/.codecov.yml", "**/codecov.yaml", "**/.nycrc", "**/.nycrc.json", "**/.c8rc.json", "**/.simplecov", "**/Makefile", "**/build.gradle", "**/build.gradle.kts", "**/pom.xml", "**/.testcoverage.yml", "**/jest.conf.*", "**/jest.config.*", "**/vitest.conf.*", "**/vitest.config.*", "**/karma.conf.*", "**/karma.config.*", ".github/workflows/**"]
package gov.lib.patch_risk.coverage

import data.gov.lib.util

_on if util.enabled("patch-risk")

# _thresholds matches "<key> = <number>" of coverage settings:
# fail_under, --cov-fail-under, jest coverageThreshold, simplecov, codecov.
_thresholds := `(?i)(fail[_-]under|minimum_coverage|min[_-]?coverage|coverage[_-]?threshold|\b(lines|branches|functions|statements|target)\b)["']?\s*[:=]?\s*["']?(\d+(\.\d+)?)%?`

_coverage_files := {
	".coveragerc", "setup.cfg", "tox.ini", "pyproject.toml", "pytest.ini", "package.json",
	"codecov.yml", ".codecov.yml", "codecov.yaml", ".nycrc", ".nycrc.json", ".c8rc.json",
	".simplecov", "Makefile", "build.gradle", "build.gradle.kts", "pom.xml", ".testcoverage.yml",
}

# _settings are [file, key, value, line] of coverage thresholds on the
# given side ("added" or "removed") of coverage configuration files and CI.
_settings(side) := {[f.path, lower(m[1]), to_number(m[3]), l.line] |
	some f in input.patch.files
	_coverage_config(f.path)
	some l in f[side]
	some m in regex.find_all_string_submatch_n(_thresholds, l.text, -1)
}

_coverage_config(path) if util.basename(path) in _coverage_files

_coverage_config(path) if regex.match(`(^|/)(jest|vitest|karma)\.conf(ig)?\.[a-z]+$`, path)

_coverage_config(path) if startswith(path, ".github/workflows/")

_old := _settings("removed")

_new := _settings("added")

# METADATA
# title: Coverage threshold lowered
# description: >-
#   The patch lowers or removes a coverage threshold (fail_under,
#   --cov-fail-under, coverageThreshold, minimum_coverage, codecov target).
# custom:
#   id: patch-risk/coverage-threshold-lowered
#   severity: high
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "ISO27001:A.8.29"]
deny contains v if {
	_on
	some [file, key, was, _] in _old
	some [file2, key2, now, line] in _new
	file2 == file
	key2 == key
	now < was
	v := {"msg": sprintf("lowers coverage threshold %s from %v to %v", [key, was, now]), "file": file, "line": line}
}

# METADATA
# title: Coverage threshold lowered
# description: The patch removes a coverage threshold.
# custom:
#   id: patch-risk/coverage-threshold-lowered
#   severity: high
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "ISO27001:A.8.29"]
deny contains v if {
	_on
	some [file, key, was, _] in _old
	not _kept(file, key)
	v := {"msg": sprintf("removes coverage threshold %s (was %v)", [key, was]), "file": file}
}

_kept(file, key) if {
	some x in _new
	x[0] == file
	x[1] == key
}
