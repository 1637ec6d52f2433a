# Package gov.lib.data.sensitive flags added code that reads protected
# health information or personal data fields (HIPAA, GDPR, PCI DSS) and
# added log or print statements that write secrets or such fields.
#
# Parameters (library: families: data: ...):
#   sensitive_fields     field names of PHI/PII (replaces the default list;
#                        letters, digits and "_" only)
#   require_approval_in  see sql.rego

# METADATA
# scope: package
# custom:
#   applies_to:
#     languages: ["python", "go", "javascript", "typescript", "java", "kotlin", "scala", "ruby", "php", "csharp", "rust", "sql", "shell", "swift", "c", "cpp", "groovy"]
package gov.lib.data.sensitive

import data.gov.lib.util

default_fields := [
	"ssn", "social_security_number", "date_of_birth", "dob", "birth_date",
	"diagnosis", "diagnoses", "medical_record_number", "mrn", "health_record",
	"insurance_id", "prescription", "credit_card", "card_number", "cvv",
	"iban", "passport_number", "drivers_license", "tax_id", "national_id",
]

# _secret_terms are values that must never be logged, beyond the fields.
_secret_terms := ["password", "passwd", "secret", "token", "api_key", "apikey", "private_key", "authorization"]

# _code are the languages whose added lines are checked.
_code := {
	"python", "go", "javascript", "typescript", "java", "kotlin", "scala", "ruby",
	"php", "csharp", "rust", "sql", "shell", "swift", "c", "cpp", "groovy",
}

_logging := `(?i)(\blog(ger|ging)?\.\w+\(|\bconsole\.(log|info|warn|error|debug)\(|\bprint(ln|f)?\s*\(|\bputs\b|\bfmt\.(f|s)?print|\bslog\.\w+\(|system\.(out|err)\.print|\bzap\.\w+\(|\blogrus\.\w+\(|\becho\b)`

_fields := util.param("data", "sensitive_fields", default_fields)

_field_re := sprintf(`(?i)(^|[^a-z0-9])(%s)([^a-z0-9]|$)`, [concat("|", _fields)])

_logged_re := sprintf(`(?i)(^|[^a-z0-9])(%s)([^a-z0-9]|$)`, [concat("|", array.concat(_fields, _secret_terms))])

_mode := util.modes["data"]

_files contains i if {
	_mode != "off"
	some i, f in input.patch.files
	object.get(f, "language", "") in _code
}

# _lines are the added code lines that name a sensitive field or a secret.
_lines := util.lines_with_lower(_files, [lower(t) | some t in array.concat(_fields, _secret_terms)])

_logged contains [h, regex.find_all_string_submatch_n(_logged_re, h[2], 1)[0][2]] if {
	some h in _lines
	regex.match(_logging, h[2])
	regex.match(_logged_re, h[2])
}

_access contains util.at(h, sprintf("reads sensitive field %s", [m[2]])) if {
	some h in _lines
	m := regex.find_all_string_submatch_n(_field_re, h[2], 1)[0]
	not h in _logged_lines
}

_logged_lines := {x[0] | some x in _logged}

_log_hits contains util.at(h, sprintf("logs sensitive value %s: %s", [term, util.excerpt(h[2])])) if {
	some [h, term] in _logged
}

# METADATA
# title: PHI or PII field accessed
# description: >-
#   Added code reads a field holding protected health information or
#   personal data (SSN, date of birth, diagnosis, card number...). Access to
#   such data needs review under HIPAA, GDPR and PCI DSS.
# custom:
#   id: data/sensitive-field-access
#   severity: medium
#   controls: ["HIPAA:164.312(a)(1)", "HIPAA:164.312(b)", "GDPR:Art.25", "GDPR:Art.32", "PCI-DSS:6.3.2"]
require_approval contains v if {
	_mode == "require_approval"
	some v in _access
}

# METADATA
# title: PHI or PII field accessed
# description: Added code reads a field holding health or personal data.
# custom:
#   id: data/sensitive-field-access
#   severity: medium
#   controls: ["HIPAA:164.312(a)(1)", "HIPAA:164.312(b)", "GDPR:Art.25", "GDPR:Art.32", "PCI-DSS:6.3.2"]
warn contains v if {
	_mode == "warn"
	some v in _access
}

# METADATA
# title: Sensitive value logged
# description: >-
#   An added log or print statement writes a secret (password, token, key)
#   or a PHI/PII field. Logs are widely readable and long-lived.
# custom:
#   id: data/sensitive-logging
#   severity: high
#   controls: ["HIPAA:164.312(b)", "GDPR:Art.32", "PCI-DSS:8.6.2", "SOC2:CC6.1", "ISO27001:A.8.28"]
require_approval contains v if {
	_mode == "require_approval"
	some v in _log_hits
}

# METADATA
# title: Sensitive value logged
# description: An added log or print statement writes a secret or PHI/PII field.
# custom:
#   id: data/sensitive-logging
#   severity: high
#   controls: ["HIPAA:164.312(b)", "GDPR:Art.32", "PCI-DSS:8.6.2", "SOC2:CC6.1", "ISO27001:A.8.28"]
warn contains v if {
	_mode == "warn"
	some v in _log_hits
}
