# Package gov.lib.data.sql flags destructive database changes in added lines
# of SQL files, migrations and SQL held in code: dropped or truncated tables,
# DELETE or UPDATE without WHERE (and unbounded ORM bulk operations), and
# dropped columns.
#
# Parameters (library: families: data: ...):
#   enabled              false turns the family off
#   require_approval_in  environments where these rules require approval
#                        (default ["production"]); elsewhere they warn
#   sensitive_fields     PHI/PII field names (see sensitive.rego)
package gov.lib.data.sql

import data.gov.lib.util

# _skip are languages whose lines are prose, not statements.
_skip := {"markdown", "text", "rst"}

# _needles are lower-case keywords a line must hold before any pattern is tried.
_needles := ["drop", "truncate", "delete", "update", "alter", "remove_column", "removefield", "deletemodel", "_all"]

_ddl := `(?i)(\b(drop\s+(table|database|schema|collection)|truncate\s+(table\s+)?[\w"\x60]+)|op\.drop_table\(|\bdrop_table\s|migrations\.DeleteModel\(|\.dropTable\(|\.dropCollection\(|\.drop\(\s*\)\s*;?\s*$)`

_dml := `(?i)\b(delete\s+from\s+[\w."\x60\[\]]+|update\s+[\w."\x60\[\]]+\s+set\b)`

_orm_bulk := `(\.objects\.all\(\)\.(delete|update)\(|\b[A-Z]\w*\.(delete_all|destroy_all|update_all)\b)`

_column := `(?i)(\bdrop\s+column\b|\balter\s+table\s+\S+\s+drop\s+\w|\bremove_column\b|op\.drop_column\(|migrations\.RemoveField\(|\.dropColumn\()`

_not_column := `(?i)drop\s+(constraint|index|primary|foreign|default|not\s+null|table)`

_mode := util.modes["data"]

_files contains i if {
	_mode != "off"
	some i, f in input.patch.files
	not object.get(f, "language", "") in _skip
}

_candidates := util.lines_with_lower(_files, _needles)

# _text[path][line] is the text of an added line of a file with candidates.
_text[path] := {l.line: l.text | some f in input.patch.files; f.path == path; some l in f.added} if {
	some [path, _, _] in _candidates
}

_destructive contains util.at(h, sprintf("destructive statement: %s", [util.excerpt(h[2])])) if {
	some h in _candidates
	regex.match(_ddl, h[2])
}

# A DML statement is unbounded when neither its line nor the added lines
# that continue it (up to the first ";", at most 5 lines) say WHERE. In code
# a statement continues only from a line that does not close a call: a
# triple-quoted string or a concatenation.
_unbounded contains util.at(h, sprintf("%s without WHERE: %s", [upper(m[1]), util.excerpt(h[2])])) if {
	some h in _candidates
	m := regex.find_all_string_submatch_n(`(?i)\b(delete|update)\b`, h[2], 1)[0]
	stmt := _statement(h[0], h[1])
	regex.match(_dml, stmt)
	not regex.match(`(?i)\bwhere\b`, stmt)
}

_unbounded contains util.at(h, sprintf("bulk ORM operation without a filter: %s", [util.excerpt(h[2])])) if {
	some h in _candidates
	regex.match(_orm_bulk, h[2])
}

_statement(path, line) := _text[path][line] if {
	not path in _sql_files
	contains(_text[path][line], ")")
}

else := concat(" ", [_text[path][line + i] | some i in numbers.range(0, end)]) if {
	ends := [i | some i in numbers.range(0, 5); contains(object.get(_text[path], line + i, ";"), ";")]
	end := min(ends)
}

_sql_files contains f.path if {
	some f in input.patch.files
	f.language == "sql"
}

_dropped_columns contains util.at(h, sprintf("drops a column: %s", [util.excerpt(h[2])])) if {
	some h in _candidates
	regex.match(_column, h[2])
	not regex.match(_not_column, h[2])
}

# METADATA
# title: Table dropped or truncated
# description: >-
#   An added statement or migration drops or truncates a table, schema or
#   database. Data loss is irreversible without a restore.
# custom:
#   id: data/destructive-ddl
#   severity: critical
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "HIPAA:164.312(c)(1)", "GDPR:Art.32", "ISO27001:A.8.32"]
require_approval contains v if {
	_mode == "require_approval"
	some v in _destructive
}

# METADATA
# title: Table dropped or truncated
# description: An added statement or migration drops or truncates a table.
# custom:
#   id: data/destructive-ddl
#   severity: critical
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "HIPAA:164.312(c)(1)", "GDPR:Art.32", "ISO27001:A.8.32"]
warn contains v if {
	_mode == "warn"
	some v in _destructive
}

# METADATA
# title: DELETE or UPDATE without WHERE
# description: >-
#   An added DELETE or UPDATE has no WHERE clause, or an ORM bulk delete or
#   update has no filter: it changes every row of the table.
# custom:
#   id: data/unbounded-dml
#   severity: high
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "HIPAA:164.312(c)(1)", "ISO27001:A.8.32"]
require_approval contains v if {
	_mode == "require_approval"
	some v in _unbounded
}

# METADATA
# title: DELETE or UPDATE without WHERE
# description: An added DELETE or UPDATE has no WHERE clause.
# custom:
#   id: data/unbounded-dml
#   severity: high
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "HIPAA:164.312(c)(1)", "ISO27001:A.8.32"]
warn contains v if {
	_mode == "warn"
	some v in _unbounded
}

# METADATA
# title: Column dropped
# description: >-
#   An added statement or migration drops a column; its data is lost and
#   running code that still reads it breaks.
# custom:
#   id: data/column-drop
#   severity: high
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "ISO27001:A.8.32"]
require_approval contains v if {
	_mode == "require_approval"
	some v in _dropped_columns
}

# METADATA
# title: Column dropped
# description: An added statement or migration drops a column.
# custom:
#   id: data/column-drop
#   severity: high
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "ISO27001:A.8.32"]
warn contains v if {
	_mode == "warn"
	some v in _dropped_columns
}
