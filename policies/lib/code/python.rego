# Package gov.lib.code.python flags dangerous Python in added lines: eval/exec,
# shell commands, unsafe deserialization, disabled TLS verification, weak
# hashes and exceptions swallowed by a fix.
#
# Parameters (library: families: code: ...):
#   enabled              false turns the family off
#   require_approval_in  environments where these rules require approval
#                        (default ["production"]); elsewhere they warn
#   ignore_paths         globs of files not checked (e.g. ["scripts/dev/**"])

# METADATA
# scope: package
# custom:
#   applies_to:
#     languages: ["python"]
package gov.lib.code.python

import data.gov.lib.util

_languages := {"python"}

# _needles are substrings a line must hold before any rule's pattern is tried.
_needles := ["eval", "exec", "shell", "system", "popen", "getoutput", "pickle", "dill", "shelve", "marshal", "yaml", "verify", "unverified", "CERT_NONE", "check_hostname", "md5", "sha1", "MD5", "SHA1", "DES", "ARC4", "except"]

# _patterns maps a rule to the pattern of an offending line.
_patterns := {
	"python-eval": `(^|[^.\w])(eval|exec)\s*\(`,
	"python-shell-injection": `shell\s*=\s*True|\bos\.(system|popen)\s*\(|\b(commands|subprocess)\.get(status)?output\(`,
	"python-unsafe-deserialization": `\b(pickle|cPickle|dill|shelve|marshal|jsonpickle)\.(loads?|open|decode|Unpickler)\b|\byaml\.(load|load_all|unsafe_load)\s*\(`,
	"python-tls-verify-disabled": `\bverify\s*=\s*False|_create_unverified_context|CERT_NONE|check_hostname\s*=\s*False|PYTHONHTTPSVERIFY`,
	"python-weak-hash": `\bhashlib\.(md5|sha1)\s*\(|\bhashlib\.new\(\s*["'](md5|sha1)|\bCrypto\.(Hash\.(MD5|SHA1)|Cipher\.(DES|ARC4))|import (DES|ARC4)\b`,
	"python-broad-except": `^\s*except(\s+(Exception|BaseException)(\s+as\s+\w+)?)?\s*:\s*(pass|\.\.\.|continue)\s*(#.*)?$`,
}

# _safe maps a rule to the pattern of a line that is safe after all.
_safe := {"python-unsafe-deserialization": `Loader\s*=\s*(yaml\.)?C?SafeLoader`, "python-weak-hash": `usedforsecurity\s*=\s*False`}

_mode := util.modes.code

_files contains i if {
	_mode != "off"
	some i, f in input.patch.files
	f.language in _languages
	not util.glob_match(util.param("code", "ignore_paths", []), f.path)
}

_lines := util.lines_with(_files, _needles)

_found contains [rule, util.at(h, sprintf("%s: %s", [_messages[rule], util.excerpt(h[2])]))] if {
	some h in _lines
	some rule, pattern in _patterns
	regex.match(pattern, h[2])
	not _is_safe(rule, h[2])
}

_is_safe(rule, text) if regex.match(_safe[rule], text)

# A broad handler whose only statement, on the next added line, ignores the error.
_found contains ["python-broad-except", util.at(h, sprintf("%s: %s", [_messages["python-broad-except"], util.excerpt(h[2])]))] if {
	some h in _lines
	regex.match(`^\s*except(\s+(Exception|BaseException)(\s+as\s+\w+)?)?\s*:\s*(#.*)?$`, h[2])
	regex.match(`^\s*(pass|\.\.\.|continue|return( None)?)\s*(#.*)?$`, util.next_added(h[0], h[1]))
}

_messages := {
	"python-eval": "evaluates dynamic code",
	"python-shell-injection": "runs a shell command",
	"python-unsafe-deserialization": "unsafe deserialization",
	"python-tls-verify-disabled": "disables TLS verification",
	"python-weak-hash": "weak hash or cipher",
	"python-broad-except": "swallows errors",
}

# METADATA
# title: Dynamic code evaluation
# description: >-
#   Added code evaluates code built at run time (eval, exec, new Function);
#   input that reaches it runs as code.
# custom:
#   id: code/python-eval
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["python-eval", v] in _found
}

# METADATA
# title: Dynamic code evaluation
# description: Added code evaluates code built at run time (eval, exec, new Function).
# custom:
#   id: code/python-eval
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["python-eval", v] in _found
}

# METADATA
# title: Shell command injection
# description: >-
#   Added code runs a command through a shell (shell=True, os.system, sh -c,
#   child_process.exec, backticks with interpolation); input that reaches it
#   runs as shell.
# custom:
#   id: code/python-shell-injection
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["python-shell-injection", v] in _found
}

# METADATA
# title: Shell command injection
# description: Added code runs a command through a shell (shell=True, os.system, sh -c, child_process.exec, backticks with interpolation).
# custom:
#   id: code/python-shell-injection
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["python-shell-injection", v] in _found
}

# METADATA
# title: Unsafe deserialization
# description: >-
#   Added code deserializes data with a loader that can construct arbitrary
#   objects (pickle, yaml.load, ObjectInputStream, Marshal.load); untrusted
#   input becomes code execution.
# custom:
#   id: code/python-unsafe-deserialization
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["python-unsafe-deserialization", v] in _found
}

# METADATA
# title: Unsafe deserialization
# description: Added code deserializes data with a loader that can construct arbitrary objects (pickle, yaml.load, ObjectInputStream, Marshal.load).
# custom:
#   id: code/python-unsafe-deserialization
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["python-unsafe-deserialization", v] in _found
}

# METADATA
# title: TLS verification disabled
# description: >-
#   Added code disables TLS certificate or host name verification; traffic
#   can be intercepted.
# custom:
#   id: code/python-tls-verify-disabled
#   severity: high
#   controls: ["PCI-DSS:4.2.1", "HIPAA:164.312(e)(1)", "GDPR:Art.32", "ISO27001:A.8.24"]
require_approval contains v if {
	_mode == "require_approval"
	some ["python-tls-verify-disabled", v] in _found
}

# METADATA
# title: TLS verification disabled
# description: Added code disables TLS certificate or host name verification.
# custom:
#   id: code/python-tls-verify-disabled
#   severity: high
#   controls: ["PCI-DSS:4.2.1", "HIPAA:164.312(e)(1)", "GDPR:Art.32", "ISO27001:A.8.24"]
warn contains v if {
	_mode == "warn"
	some ["python-tls-verify-disabled", v] in _found
}

# METADATA
# title: Weak hash or cipher
# description: >-
#   Added code uses MD5, SHA-1, DES or RC4, which are broken for security
#   use (passwords, signatures, integrity).
# custom:
#   id: code/python-weak-hash
#   severity: medium
#   controls: ["PCI-DSS:6.2.4", "HIPAA:164.312(a)(2)(iv)", "GDPR:Art.32", "ISO27001:A.8.24"]
require_approval contains v if {
	_mode == "require_approval"
	some ["python-weak-hash", v] in _found
}

# METADATA
# title: Weak hash or cipher
# description: Added code uses MD5, SHA-1, DES or RC4, which are broken for security use (passwords, signatures, integrity).
# custom:
#   id: code/python-weak-hash
#   severity: medium
#   controls: ["PCI-DSS:6.2.4", "HIPAA:164.312(a)(2)(iv)", "GDPR:Art.32", "ISO27001:A.8.24"]
warn contains v if {
	_mode == "warn"
	some ["python-weak-hash", v] in _found
}

# METADATA
# title: Exception swallowed
# description: >-
#   Added code catches every exception and ignores it. A fix that hides the
#   error leaves the failure in place and its cause invisible.
# custom:
#   id: code/python-broad-except
#   severity: medium
#   controls: ["SOC2:CC7.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["python-broad-except", v] in _found
}

# METADATA
# title: Exception swallowed
# description: Added code catches every exception and ignores it.
# custom:
#   id: code/python-broad-except
#   severity: medium
#   controls: ["SOC2:CC7.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["python-broad-except", v] in _found
}
