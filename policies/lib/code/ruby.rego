# Package gov.lib.code.ruby flags dangerous Ruby in added lines: eval, shell
# commands with interpolation, unsafe deserialization, disabled TLS
# verification, weak hashes and rescues that swallow errors.
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
#     languages: ["ruby"]
package gov.lib.code.ruby

import data.gov.lib.util

_languages := {"ruby"}

# _needles are substrings a line must hold before any rule's pattern is tried.
_needles := ["eval", "send(", "system", "exec", "spawn", "popen", "Open3", "`", "%x", "Marshal", "YAML", "Psych", "Oj.", "VERIFY_NONE", "verify", "MD5", "SHA1", "md5", "sha1", "rescue"]

# _patterns maps a rule to the pattern of an offending line.
_patterns := {
	"ruby-eval": `(^|[^.\w])eval[\(\s]|\b(instance|class|module)_eval\s*\(?\s*["'%]|\.send\(\s*params`,
	"ruby-shell-injection": `(\bsystem|\bexec|\bspawn|IO\.popen|Open3\.\w+)\s*\(?\s*["'][^"']*#\{|\x60[^\x60]*#\{[^\x60]*\x60|%x[\(\{\[]`,
	"ruby-unsafe-deserialization": `\bMarshal\.(load|restore)\b|\b(YAML|Psych)\.(load|unsafe_load)\b|\bOj\.load\b`,
	"ruby-tls-verify-disabled": `VERIFY_NONE|verify(_ssl)?:\s*false`,
	"ruby-weak-hash": `Digest::(MD5|SHA1)\b|OpenSSL::Digest\.new\(\s*["'](md5|sha1)`,
	"ruby-broad-rescue": `\brescue\s+nil\b|\brescue(\s+(Exception|StandardError))?(\s*=>\s*\w+)?\s*;\s*(nil|end)\b`,
}

# _safe maps a rule to the pattern of a line that is safe after all.
_safe := {}

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
_found contains ["ruby-broad-rescue", util.at(h, sprintf("%s: %s", [_messages["ruby-broad-rescue"], util.excerpt(h[2])]))] if {
	some h in _lines
	regex.match(`^\s*rescue(\s+(Exception|StandardError))?(\s*=>\s*\w+)?\s*$`, h[2])
	regex.match(`^\s*(nil|end|next)\s*$`, util.next_added(h[0], h[1]))
}

_messages := {
	"ruby-eval": "evaluates dynamic code",
	"ruby-shell-injection": "runs a shell command",
	"ruby-unsafe-deserialization": "unsafe deserialization",
	"ruby-tls-verify-disabled": "disables TLS verification",
	"ruby-weak-hash": "weak hash or cipher",
	"ruby-broad-rescue": "swallows errors",
}

# METADATA
# title: Dynamic code evaluation
# description: >-
#   Added code evaluates code built at run time (eval, exec, new Function);
#   input that reaches it runs as code.
# custom:
#   id: code/ruby-eval
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["ruby-eval", v] in _found
}

# METADATA
# title: Dynamic code evaluation
# description: Added code evaluates code built at run time (eval, exec, new Function).
# custom:
#   id: code/ruby-eval
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["ruby-eval", v] in _found
}

# METADATA
# title: Shell command injection
# description: >-
#   Added code runs a command through a shell (shell=True, os.system, sh -c,
#   child_process.exec, backticks with interpolation); input that reaches it
#   runs as shell.
# custom:
#   id: code/ruby-shell-injection
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["ruby-shell-injection", v] in _found
}

# METADATA
# title: Shell command injection
# description: Added code runs a command through a shell (shell=True, os.system, sh -c, child_process.exec, backticks with interpolation).
# custom:
#   id: code/ruby-shell-injection
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["ruby-shell-injection", v] in _found
}

# METADATA
# title: Unsafe deserialization
# description: >-
#   Added code deserializes data with a loader that can construct arbitrary
#   objects (pickle, yaml.load, ObjectInputStream, Marshal.load); untrusted
#   input becomes code execution.
# custom:
#   id: code/ruby-unsafe-deserialization
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["ruby-unsafe-deserialization", v] in _found
}

# METADATA
# title: Unsafe deserialization
# description: Added code deserializes data with a loader that can construct arbitrary objects (pickle, yaml.load, ObjectInputStream, Marshal.load).
# custom:
#   id: code/ruby-unsafe-deserialization
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["ruby-unsafe-deserialization", v] in _found
}

# METADATA
# title: TLS verification disabled
# description: >-
#   Added code disables TLS certificate or host name verification; traffic
#   can be intercepted.
# custom:
#   id: code/ruby-tls-verify-disabled
#   severity: high
#   controls: ["PCI-DSS:4.2.1", "HIPAA:164.312(e)(1)", "GDPR:Art.32", "ISO27001:A.8.24"]
require_approval contains v if {
	_mode == "require_approval"
	some ["ruby-tls-verify-disabled", v] in _found
}

# METADATA
# title: TLS verification disabled
# description: Added code disables TLS certificate or host name verification.
# custom:
#   id: code/ruby-tls-verify-disabled
#   severity: high
#   controls: ["PCI-DSS:4.2.1", "HIPAA:164.312(e)(1)", "GDPR:Art.32", "ISO27001:A.8.24"]
warn contains v if {
	_mode == "warn"
	some ["ruby-tls-verify-disabled", v] in _found
}

# METADATA
# title: Weak hash or cipher
# description: >-
#   Added code uses MD5, SHA-1, DES or RC4, which are broken for security
#   use (passwords, signatures, integrity).
# custom:
#   id: code/ruby-weak-hash
#   severity: medium
#   controls: ["PCI-DSS:6.2.4", "HIPAA:164.312(a)(2)(iv)", "GDPR:Art.32", "ISO27001:A.8.24"]
require_approval contains v if {
	_mode == "require_approval"
	some ["ruby-weak-hash", v] in _found
}

# METADATA
# title: Weak hash or cipher
# description: Added code uses MD5, SHA-1, DES or RC4, which are broken for security use (passwords, signatures, integrity).
# custom:
#   id: code/ruby-weak-hash
#   severity: medium
#   controls: ["PCI-DSS:6.2.4", "HIPAA:164.312(a)(2)(iv)", "GDPR:Art.32", "ISO27001:A.8.24"]
warn contains v if {
	_mode == "warn"
	some ["ruby-weak-hash", v] in _found
}

# METADATA
# title: Exception swallowed
# description: >-
#   Added code catches every exception and ignores it. A fix that hides the
#   error leaves the failure in place and its cause invisible.
# custom:
#   id: code/ruby-broad-rescue
#   severity: medium
#   controls: ["SOC2:CC7.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["ruby-broad-rescue", v] in _found
}

# METADATA
# title: Exception swallowed
# description: Added code catches every exception and ignores it.
# custom:
#   id: code/ruby-broad-rescue
#   severity: medium
#   controls: ["SOC2:CC7.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["ruby-broad-rescue", v] in _found
}
