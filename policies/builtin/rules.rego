# Package gov.builtin.rules evaluates the declarative rules of rules.cue
# (data.gov.rules, the seed's format) so that one engine, OPA, decides
# everything. A rule fires when all its conditions hold; its violation names
# the first file:line matched by a patch_content or files condition.
#
# Fields: request fields (environment, service_name, language, action_type,
# requested_by, request_id), dotted paths into the request (error_context.x,
# metadata.x), stats.files|additions|deletions, lines_changed, risk_level
# (input.risk_level, the level gov computed), patch_content (each added line) and files (each
# changed path). On patch_content and files a positive operator holds when
# some line/path satisfies it; not_equals and not_in hold when none does.
package gov.builtin.rules

# _located are the fields whose matches have a file (and line).
_located := {"patch_content", "files"}

# _base maps a negated operator to the operator whose absence it asserts.
_base := {"not_equals": "equals", "not_in": "in"}

deny contains v if {
	some i in _fired
	data.gov.rules[i].action == "deny"
	v := _violation(i)
}

require_approval contains v if {
	some i in _fired
	data.gov.rules[i].action == "require_approval"
	v := _violation(i)
}

warn contains v if {
	some i in _fired
	data.gov.rules[i].action == "warn"
	v := _violation(i)
}

# _fired holds the index of each rule whose conditions all hold.
_fired contains i if {
	some i, r in data.gov.rules
	every j, c in r.conditions {
		_holds(i, j, c)
	}
}

_violation(i) := object.union(_base_violation(data.gov.rules[i]), _location(i))

_base_violation(r) := {
	"id": r.id,
	"msg": _message(r),
	"controls": object.get(r, "controls", []),
	"severity": object.get(r, "severity", ""),
	"workflow": object.get(r, "workflow", ""),
}

_message(r) := r.message if r.message != ""

else := r.id

# _location is the smallest [file, line] hit of the first located, positive
# condition of rule i, or {} when no condition names a location.
_location(i) := {"file": h[0], "line": h[1]} if {
	js := {j | some j, c in data.gov.rules[i].conditions; _hits[i][j]; not _base[c.operator]}
	h := min(_hits[i][min(js)])
}

else := {}

# _located_conditions holds [i, j, op, value, field] for each condition j of
# rule i on a located field, a negated operator replaced by its base.
_located_conditions contains [i, j, object.get(_base, c.operator, c.operator), c.value, c.field] if {
	some i, r in data.gov.rules
	some j, c in r.conditions
	c.field in _located
}

# _hits[i][j] holds [file, line] for each added line (patch_content) or
# changed path (files) that satisfies condition j of rule i. Each operator
# has its own clause so the per-line test is a builtin, not a function call.
_hits[i][j] contains [f.path, l.line] if {
	some [i, j, "regex", v, "patch_content"] in _located_conditions
	some f in input.patch.files
	some l in f.added
	regex.match(v, l.text)
}

_hits[i][j] contains [f.path, l.line] if {
	some [i, j, "contains", v, "patch_content"] in _located_conditions
	is_string(v)
	some f in input.patch.files
	some l in f.added
	contains(l.text, v)
}

_hits[i][j] contains [f.path, l.line] if {
	some [i, j, op, v, "patch_content"] in _located_conditions
	not op in {"regex", "contains"}
	some f in input.patch.files
	some l in f.added
	_test(op, l.text, v)
}

_hits[i][j] contains [f.path, _first_line(f)] if {
	some [i, j, op, v, "files"] in _located_conditions
	some f in input.patch.files
	_test(op, f.path, v)
}

_first_line(f) := f.added[0].line if count(f.added) > 0

else := 0

_holds(i, j, c) if {
	c.field in _located
	not _base[c.operator]
	_hits[i][j]
}

_holds(i, j, c) if {
	c.field in _located
	_base[c.operator]
	not _hits[i][j]
}

_holds(_, _, c) if {
	not c.field in _located
	_test(c.operator, _value(c.field), c.value)
}

_value("risk_level") := input.risk_level

_value("lines_changed") := input.patch.stats.additions + input.patch.stats.deletions

_value(field) := object.get(input.patch.stats, trim_prefix(field, "stats."), null) if startswith(field, "stats.")

_value(field) := object.get(input.request, split(field, "."), null) if {
	not field in {"risk_level", "lines_changed"}
	not startswith(field, "stats.")
}

_test("equals", x, v) if x == v

_test("not_equals", x, v) if x != v

_test("in", x, v) if x in v

_test("not_in", x, v) if not x in v

_test("contains", x, v) if {
	is_string(x)
	is_string(v)
	contains(x, v)
}

_test("contains", x, v) if {
	is_array(x)
	v in x
}

_test("regex", x, v) if {
	is_string(x)
	regex.match(v, x)
}

_test("glob", x, v) if {
	is_string(x)
	_glob(v, x)
}

_test("gt", x, v) if {
	is_number(x)
	is_number(v)
	x > v
}

_test("lt", x, v) if {
	is_number(x)
	is_number(v)
	x < v
}

# _glob matches a path glob ("*" within a segment, "**" across segments); a
# leading "**/" also matches at the top level.
_glob(p, x) if glob.match(p, ["/"], x)

_glob(p, x) if {
	startswith(p, "**/")
	glob.match(substring(p, 3, -1), ["/"], x)
}
