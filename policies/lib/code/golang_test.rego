package gov.lib.code.golang_test

import data.gov.lib.code.golang

_in(env, lines) := {
	"request": {"environment": env},
	"patch": {"files": [{"path": "services/inventory/store.go", "language": "go", "status": "modified", "added": [{"line": i + 1, "text": t} | some i, t in lines], "removed": []}]},
}

# _bad maps each rule to snippets (added lines) that must raise it at their first line.
_bad := {
	"go-shell-injection": [
		["\tout, err := exec.Command(\"sh\", \"-c\", \"git log \"+ref).Output()"],
		["\tcmd := exec.CommandContext(ctx, \"bash\", \"-c\", script)"],
	],
	"go-tls-verify-disabled": [
		["\t\tTLSClientConfig: &tls.Config{InsecureSkipVerify: true},"],
		["\tcfg.InsecureSkipVerify = true"],
	],
	"go-weak-hash": [
		["\tsum := md5.Sum([]byte(password))"],
		["\t\"crypto/sha1\""],
		["\tblock, err := des.NewCipher(key)"],
	],
	"go-swallowed-error": [
		["\t_ = err"],
		["\tdefer func() { recover() }()"],
		["\tif err != nil {", "\t\treturn nil", "\t}"],
		["\tif err != nil {}"],
	],
}

_good := [
	"\tout, err := exec.Command(\"git\", \"log\", ref).Output()",
	"\tsum := sha256.Sum256(data)",
	"\t\"crypto/sha256\"",
	"\tif err != nil {",
	"\t\treturn fmt.Errorf(\"reserve: %w\", err)",
	"\tInsecureSkipVerify: false,",
	"\tif r := recover(); r != nil {",
]

test_each_rule_requires_approval_in_production if {
	every rule, cases in _bad {
		every lines in cases {
			r := golang.require_approval with input as _in("production", lines) with data.gov.config as {}
			r == {{"msg": sprintf("%s: %s", [golang._messages[rule], trim_space(lines[0])]), "file": "services/inventory/store.go", "line": 1}}
		}
	}
}

test_each_rule_warns_in_staging if {
	every _, cases in _bad {
		every lines in cases {
			count(golang.warn) == 1 with input as _in("staging", lines) with data.gov.config as {}
			count(golang.require_approval) == 0 with input as _in("staging", lines) with data.gov.config as {}
		}
	}
}

test_safe_code_passes if {
	count(golang.require_approval) == 0 with input as _in("production", _good) with data.gov.config as {}
}

test_disabled_ignored_and_other_languages if {
	lines := [c[0] | some cases in _bad; some c in cases]
	off := {"library": {"families": {"code": {"enabled": false}}}}
	count(golang.require_approval) == 0 with input as _in("production", lines) with data.gov.config as off
	count(golang.warn) == 0 with input as _in("production", lines) with data.gov.config as off
	ignore := {"library": {"families": {"code": {"ignore_paths": ["services/**"]}}}}
	count(golang.require_approval) == 0 with input as _in("production", lines) with data.gov.config as ignore
	doc := {"patch": {"files": [{"path": "README.md", "language": "markdown", "status": "modified", "added": [{"line": 1, "text": t} | some t in lines], "removed": []}]}}
	count(golang.warn) == 0 with input as doc with data.gov.config as {}
}
