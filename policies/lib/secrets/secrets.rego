# Package gov.lib.secrets.findings denies secrets in a patch: every finding
# of gov's secret scanner in added lines (input.findings, masked and
# fingerprinted by the scanner, never the secret itself) and added key or
# credential files; it asks for approval when a patch silences a scanner.
#
# Parameters (library: families: secrets: ...):
#   enabled              false turns the family off
#   ignore_rules         scanner rule ids not denied (e.g. ["generic-api-key"])
#   credential_files     globs of key and credential files (replaces the default list)
#   require_approval_in  environments where secrets/suppression-added requires
#                        approval (default ["*"]); elsewhere it warns
package gov.lib.secrets.findings

import data.gov.lib.util

default_credential_files := [
	"**/*.pem", "**/*.key", "**/*.p12", "**/*.pfx", "**/*.jks", "**/*.keystore",
	"**/id_rsa", "**/id_dsa", "**/id_ecdsa", "**/id_ed25519", "**/.env",
	"**/.env.*", "**/.npmrc", "**/.pypirc", "**/.netrc", "**/credentials.json",
	"**/*.tfstate", "**/.aws/credentials", "**/.docker/config.json",
]

# default_credential_regex is util.globs_regex(default_credential_files).
default_credential_regex := `^((.*/)?[^/]*\.pem|(.*/)?[^/]*\.key|(.*/)?[^/]*\.p12|(.*/)?[^/]*\.pfx|(.*/)?[^/]*\.jks|(.*/)?[^/]*\.keystore|(.*/)?id_rsa|(.*/)?id_dsa|(.*/)?id_ecdsa|(.*/)?id_ed25519|(.*/)?\.env|(.*/)?\.env\.[^/]*|(.*/)?\.npmrc|(.*/)?\.pypirc|(.*/)?\.netrc|(.*/)?credentials\.json|(.*/)?[^/]*\.tfstate|(.*/)?\.aws/credentials|(.*/)?\.docker/config\.json)$`

_credential_regex := util.globs_regex(p) if {
	p := util.param("secrets", "credential_files", null)
	p != null
} else := default_credential_regex

# Templates and examples of credential files hold no secrets.
_example_suffixes := [".example", ".sample", ".template", ".dist", ".tmpl"]

# _markers silence secret scanners (gov, gitleaks, detect-secrets, trufflehog, GitGuardian).
_markers := ["gov:allow", "gitleaks:allow", "pragma: allowlist secret", "trufflehog:ignore", "ggignore"]

_mode := util.modes["secrets"]

# METADATA
# title: Secret in added lines
# description: >-
#   The secret scanner found a credential in an added line. Secrets never
#   belong in code: rotate it and load it from a secret store.
# custom:
#   id: secrets/finding
#   severity: critical
#   controls: ["SOC2:CC6.1", "PCI-DSS:8.6.2", "HIPAA:164.312(a)(1)", "ISO27001:A.8.28", "GDPR:Art.32"]
deny contains v if {
	util.enabled("secrets")
	some f in input.findings
	not f.suppressed
	not f.rule in util.param("secrets", "ignore_rules", [])
	v := object.union(
		{"msg": sprintf("secret found by rule %s (fingerprint %s)", [f.rule, object.get(f, "fingerprint", "")]), "file": f.file},
		_line(f),
	)
}

_line(f) := {"line": f.line} if f.line > 0

else := {}

# METADATA
# title: Key or credential file added
# description: >-
#   A private key, keystore, .env, .npmrc or cloud credentials file is added
#   or changed. Such files hold secrets and must not be committed.
# custom:
#   id: secrets/credential-file
#   severity: high
#   controls: ["SOC2:CC6.1", "PCI-DSS:8.6.2", "HIPAA:164.312(a)(1)", "GDPR:Art.32"]
deny contains v if {
	util.enabled("secrets")
	some f in input.patch.files
	f.status != "deleted"
	regex.match(_credential_regex, f.path)
	not _example(f.path)
	v := util.at_file(f, sprintf("%s is a key or credential file", [f.path]))
}

_example(path) if {
	some s in _example_suffixes
	endswith(path, s)
}

# _suppressions are added lines that silence a secret scanner.
_suppressions := util.lines_with(util.all_files, _markers) if _mode != "off"

# METADATA
# title: Secret-scanner suppression added
# description: >-
#   An added line silences a secret scanner (gov:allow, gitleaks:allow,
#   pragma: allowlist secret). A bot must not waive its own findings.
# custom:
#   id: secrets/suppression-added
#   severity: high
#   controls: ["SOC2:CC6.1", "SOC2:CC8.1", "ISO27001:A.8.28"]
require_approval contains v if {
	_mode == "require_approval"
	some h in _suppressions
	v := util.at(h, sprintf("secret-scanner suppression added: %s", [util.excerpt(h[2])]))
}

# METADATA
# title: Secret-scanner suppression added
# description: An added line silences a secret scanner.
# custom:
#   id: secrets/suppression-added
#   severity: high
#   controls: ["SOC2:CC6.1", "SOC2:CC8.1", "ISO27001:A.8.28"]
warn contains v if {
	_mode == "warn"
	some h in _suppressions
	v := util.at(h, sprintf("secret-scanner suppression added: %s", [util.excerpt(h[2])]))
}
