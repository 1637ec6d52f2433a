package gov.lib.secrets.findings_test

import data.gov.lib.secrets.findings
import data.gov.lib.util

_file(path, status, lines) := {"path": path, "status": status, "added": [{"line": n, "text": t} | some [n, t] in lines], "removed": []}

_finding := {"rule": "aws-access-key", "file": "app/settings.py", "line": 12, "fingerprint": "aws-access-key:app/settings.py:1f2e"}

test_findings_are_denied if {
	d := findings.deny with input as {"findings": [_finding], "patch": {"files": []}} with data.gov.config as {}
	d == {{"msg": "secret found by rule aws-access-key (fingerprint aws-access-key:app/settings.py:1f2e)", "file": "app/settings.py", "line": 12}}
}

test_finding_without_line if {
	d := findings.deny with input as {"findings": [{"rule": "r", "file": "f", "line": 0}], "patch": {"files": []}} with data.gov.config as {}
	d == {{"msg": "secret found by rule r (fingerprint )", "file": "f"}}
}

test_suppressed_ignored_and_disabled if {
	sup := object.union(_finding, {"suppressed": true})
	count(findings.deny) == 0 with input as {"findings": [sup], "patch": {"files": []}} with data.gov.config as {}
	cfg := {"library": {"families": {"secrets": {"ignore_rules": ["aws-access-key"]}}}}
	count(findings.deny) == 0 with input as {"findings": [_finding], "patch": {"files": []}} with data.gov.config as cfg
	off := {"library": {"families": {"secrets": {"enabled": false}}}}
	count(findings.deny) == 0 with input as {"findings": [_finding], "patch": {"files": []}} with data.gov.config as off
}

test_credential_files if {
	files := [
		_file("deploy/tls/server.key", "added", [[1, "-----BEGIN"]]),
		_file(".env", "added", [[1, "DB_PASSWORD=x"]]),
		_file("config/.env.production", "modified", []),
		_file(".env.example", "added", [[1, "DB_PASSWORD="]]),
		_file("old/id_rsa", "deleted", []),
		_file("src/keys.py", "added", [[1, "x"]]),
	]
	d := findings.deny with input as {"patch": {"files": files}} with data.gov.config as {}
	d == {
		{"msg": "deploy/tls/server.key is a key or credential file", "file": "deploy/tls/server.key", "line": 1},
		{"msg": ".env is a key or credential file", "file": ".env", "line": 1},
		{"msg": "config/.env.production is a key or credential file", "file": "config/.env.production"},
	}
	cfg := {"library": {"families": {"secrets": {"credential_files": ["**/*.py"]}}}}
	e := findings.deny with input as {"patch": {"files": files}} with data.gov.config as cfg
	e == {{"msg": "src/keys.py is a key or credential file", "file": "src/keys.py", "line": 1}}
}

_suppress := {"patch": {"files": [_file("app/x.py", "modified", [[3, `token = "abc"  # gov:allow generic-api-key -- test fixture`], [4, "y = 1"]])]}}

test_suppression_needs_approval_everywhere if {
	r := findings.require_approval with input as object.union(_suppress, {"request": {"environment": "dev"}}) with data.gov.config as {}
	r == {{"msg": `secret-scanner suppression added: token = "abc"  # gov:allow generic-api-key -- test fixture`, "file": "app/x.py", "line": 3}}
	count(findings.warn) == 0 with input as _suppress with data.gov.config as {}
}

test_suppression_warns_when_tuned if {
	cfg := {"library": {"families": {"secrets": {"require_approval_in": ["production"]}}}}
	count(findings.require_approval) == 0 with input as _suppress with data.gov.config as cfg
	count(findings.warn) == 1 with input as _suppress with data.gov.config as cfg
}

test_default_regex_is_the_default_globs if {
	findings.default_credential_regex == util.globs_regex(findings.default_credential_files)
}
