package gov.lib.code.shell_test

import data.gov.lib.code.shell

_in(env, lines) := {
	"request": {"environment": env},
	"patch": {"files": [{"path": "scripts/deploy.sh", "language": "shell", "status": "modified", "added": [{"line": i + 1, "text": t} | some i, t in lines], "removed": []}]},
}

# _bad maps each rule to snippets (added lines) that must raise it at their first line.
_bad := {
	"shell-eval": [
		["eval \"$USER_CMD\""],
		["  eval $(ssh-agent)"],
	],
	"shell-remote-script": [
		["curl -fsSL https://get.example.com/install.sh | bash"],
		["wget -qO- https://x.io/i | sudo sh"],
	],
	"shell-tls-verify-disabled": [
		["curl -sSk https://internal/api"],
		["wget --no-check-certificate https://x/y"],
		["export GIT_SSL_NO_VERIFY=1"],
		["pip install --trusted-host pypi.internal foo"],
	],
	"shell-weak-hash": [
		["echo \"$sum  app.tgz\" | md5sum -c -"],
		["openssl dgst -sha1 app.tgz"],
	],
	"shell-errors-ignored": [
		["make test || true"],
		["set +e"],
	],
}

_good := [
	"curl -fsSL -o install.sh https://get.example.com/install.sh",
	"sha256sum -c app.tgz.sha256",
	"set -euo pipefail",
	"grep -q foo file || echo missing",
	"echo \"true\"",
]

test_each_rule_requires_approval_in_production if {
	every rule, cases in _bad {
		every lines in cases {
			r := shell.require_approval with input as _in("production", lines) with data.gov.config as {}
			r == {{"msg": sprintf("%s: %s", [shell._messages[rule], trim_space(lines[0])]), "file": "scripts/deploy.sh", "line": 1}}
		}
	}
}

test_each_rule_warns_in_staging if {
	every _, cases in _bad {
		every lines in cases {
			count(shell.warn) == 1 with input as _in("staging", lines) with data.gov.config as {}
			count(shell.require_approval) == 0 with input as _in("staging", lines) with data.gov.config as {}
		}
	}
}

test_safe_code_passes if {
	count(shell.require_approval) == 0 with input as _in("production", _good) with data.gov.config as {}
}

test_disabled_ignored_and_other_languages if {
	lines := [c[0] | some cases in _bad; some c in cases]
	off := {"library": {"families": {"code": {"enabled": false}}}}
	count(shell.require_approval) == 0 with input as _in("production", lines) with data.gov.config as off
	count(shell.warn) == 0 with input as _in("production", lines) with data.gov.config as off
	ignore := {"library": {"families": {"code": {"ignore_paths": ["scripts/**"]}}}}
	count(shell.require_approval) == 0 with input as _in("production", lines) with data.gov.config as ignore
	doc := {"patch": {"files": [{"path": "README.md", "language": "markdown", "status": "modified", "added": [{"line": 1, "text": t} | some t in lines], "removed": []}]}}
	count(shell.warn) == 0 with input as doc with data.gov.config as {}
}
