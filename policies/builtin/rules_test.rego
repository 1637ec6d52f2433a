package gov.builtin.rules_test

import data.gov.builtin.rules

_patch := {
	"files": [
		{"path": "app/db.py", "status": "modified", "added": [
			{"line": 10, "text": "password = 'hunter2'"},
			{"line": 11, "text": "return None"},
		]},
		{"path": "README.md", "status": "modified", "added": []},
	],
	"stats": {"files": 2, "additions": 2, "deletions": 3},
}

_request := {
	"environment": "production",
	"service_name": "billing",
	"error_context": {"kind": "NullPointer", "count": 7},
}

_input := {"request": _request, "patch": _patch, "risk_level": "medium"}

_rule(conds) := [{"id": "r1", "message": "m", "action": "deny", "conditions": conds}]

_fires(cond) if {
	count(rules.deny) == 1 with input as _input with data.gov.rules as _rule([cond])
}

test_regex_on_patch_content_names_first_line if {
	r := _rule([{"field": "patch_content", "operator": "regex", "value": `password\s*=`}])
	v := rules.deny with input as _input with data.gov.rules as r
	v == {{"id": "r1", "msg": "m", "controls": [], "severity": "", "workflow": "", "file": "app/db.py", "line": 10}}
}

test_files_glob_names_file if {
	r := _rule([{"field": "files", "operator": "glob", "value": "**/*.md"}])
	some v in rules.deny with input as _input with data.gov.rules as r
	v.file == "README.md"
	v.line == 0
}

test_files_first_added_line if {
	r := _rule([{"field": "files", "operator": "equals", "value": "app/db.py"}])
	some v in rules.deny with input as _input with data.gov.rules as r
	v.line == 10
}

test_scalar_operators if {
	_fires({"field": "environment", "operator": "equals", "value": "production"})
	not _fires({"field": "environment", "operator": "equals", "value": "staging"})
	_fires({"field": "environment", "operator": "not_equals", "value": "staging"})
	not _fires({"field": "environment", "operator": "not_equals", "value": "production"})
	_fires({"field": "service_name", "operator": "in", "value": ["billing", "auth"]})
	not _fires({"field": "service_name", "operator": "in", "value": ["auth"]})
	_fires({"field": "service_name", "operator": "not_in", "value": ["auth"]})
	not _fires({"field": "service_name", "operator": "not_in", "value": ["billing"]})
	_fires({"field": "service_name", "operator": "contains", "value": "bill"})
	not _fires({"field": "service_name", "operator": "contains", "value": "x"})
	_fires({"field": "service_name", "operator": "regex", "value": "^bil+ing$"})
	not _fires({"field": "service_name", "operator": "regex", "value": "^ing"})
	_fires({"field": "service_name", "operator": "glob", "value": "bill*"})
	not _fires({"field": "service_name", "operator": "glob", "value": "pay*"})
}

test_numbers_and_dotted_fields if {
	_fires({"field": "error_context.count", "operator": "gt", "value": 5})
	not _fires({"field": "error_context.count", "operator": "gt", "value": 7})
	_fires({"field": "error_context.count", "operator": "lt", "value": 8})
	not _fires({"field": "error_context.count", "operator": "lt", "value": 7})
	_fires({"field": "error_context.kind", "operator": "equals", "value": "NullPointer"})
	not _fires({"field": "error_context.missing", "operator": "equals", "value": "x"})
	_fires({"field": "stats.deletions", "operator": "equals", "value": 3})
	_fires({"field": "lines_changed", "operator": "equals", "value": 5})
	_fires({"field": "risk_level", "operator": "in", "value": ["medium", "high"]})
}

test_located_negations if {
	_fires({"field": "patch_content", "operator": "not_in", "value": ["x"]})
	not _fires({"field": "patch_content", "operator": "not_equals", "value": "return None"})
	_fires({"field": "files", "operator": "not_equals", "value": "go.mod"})
	_fires({"field": "patch_content", "operator": "contains", "value": "None"})
	not _fires({"field": "patch_content", "operator": "contains", "value": "eval("})
}

test_array_contains if {
	inp := object.union(_input, {"request": {"metadata": {"tags": ["a", "b"]}}})
	r := _rule([{"field": "metadata.tags", "operator": "contains", "value": "b"}])
	count(rules.deny) == 1 with input as inp with data.gov.rules as r
}

test_all_conditions_must_hold if {
	r := _rule([
		{"field": "environment", "operator": "equals", "value": "production"},
		{"field": "patch_content", "operator": "contains", "value": "eval("},
	])
	count(rules.deny) == 0 with input as _input with data.gov.rules as r
}

test_actions_and_fields if {
	rs := [
		{"id": "a", "action": "require_approval", "controls": ["SOC2:CC8.1"], "workflow": "wf", "conditions": [{"field": "language", "operator": "equals", "value": null}]},
		{"id": "b", "message": "", "action": "warn", "severity": "low", "conditions": []},
	]
	ra := rules.require_approval with input as _input with data.gov.rules as rs
	ra == {{"id": "a", "msg": "a", "controls": ["SOC2:CC8.1"], "severity": "", "workflow": "wf"}}
	w := rules.warn with input as _input with data.gov.rules as rs
	w == {{"id": "b", "msg": "b", "controls": [], "severity": "low", "workflow": ""}}
	count(rules.deny) == 0 with input as _input with data.gov.rules as rs
}

# _lines is an input whose only file adds the given lines.
_lines(texts) := {"request": _request, "patch": {
	"files": [{"path": "a.py", "status": "modified", "added": [{"line": n + 1, "text": t} | some n, t in texts]}],
	"stats": {"files": 1, "additions": count(texts), "deletions": 0},
}}

_fires_on(texts, cond) if {
	count(rules.deny) == 1 with input as _lines(texts) with data.gov.rules as _rule([cond])
}

# The joined-text shortcut must decide exactly as a line-by-line search.
test_patch_content_matches_line_by_line if {
	lines := ["x = 1", "password", "= 'p'", "", "end"]
	_fires_on(lines, {"field": "patch_content", "operator": "regex", "value": `^= '`})
	_fires_on(lines, {"field": "patch_content", "operator": "regex", "value": `^end$`})
	_fires_on(lines, {"field": "patch_content", "operator": "regex", "value": `^$`})
	_fires_on(lines, {"field": "patch_content", "operator": "regex", "value": `\Apassword\z`})
	_fires_on(lines, {"field": "patch_content", "operator": "regex", "value": `\bpass`})
	_fires_on(lines, {"field": "patch_content", "operator": "regex", "value": `(?i)PASSWORD`})
	not _fires_on(lines, {"field": "patch_content", "operator": "regex", "value": `password\s*=`})
	not _fires_on(lines, {"field": "patch_content", "operator": "regex", "value": `(?s)password.=`})
	_fires_on(lines, {"field": "patch_content", "operator": "regex", "value": `1$`})
	not _fires_on(lines, {"field": "patch_content", "operator": "regex", "value": `^1`})
	not _fires_on(lines, {"field": "patch_content", "operator": "contains", "value": "password\n="})
	_fires_on(lines, {"field": "patch_content", "operator": "contains", "value": "= '"})
	not _fires_on(lines, {"field": "patch_content", "operator": "contains", "value": 1})
}

test_patch_content_without_added_lines if {
	not _fires_on([], {"field": "patch_content", "operator": "regex", "value": `x*`})
	not _fires_on([], {"field": "patch_content", "operator": "regex", "value": `(`})
	not _fires_on([], {"field": "patch_content", "operator": "contains", "value": ""})
	_fires_on([""], {"field": "patch_content", "operator": "regex", "value": `x*`})
	_fires_on([""], {"field": "patch_content", "operator": "contains", "value": ""})
}

test_patch_content_names_first_matching_line if {
	r := _rule([{"field": "patch_content", "operator": "regex", "value": `token`}])
	some v in rules.deny with input as _lines(["a", "token1", "b", "token2"]) with data.gov.rules as r
	v.line == 2
}
