# Package gov.lib.code.javascript flags dangerous JavaScript and TypeScript in added
# lines: eval, shell commands, unsafe deserialization, disabled TLS
# verification, weak hashes and empty catch blocks added by a fix.
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
#     languages: ["javascript", "typescript"]
package gov.lib.code.javascript

import data.gov.lib.util

_languages := {"javascript", "typescript"}

# _needles are substrings a line must hold before any rule's pattern is tried.
_needles := ["eval", "Function", "setTimeout", "setInterval", "vm.run", "exec", "shell", "serializ", "rejectUnauthorized", "TLS_REJECT", "strictSSL", "md5", "sha1", "MD5", "SHA1", "createCipher", "catch"]

# _patterns maps a rule to the pattern of an offending line.
_patterns := {
	"js-eval": `(^|[^.\w])eval\s*\(|\bnew\s+Function\s*\(|\bset(Timeout|Interval)\s*\(\s*["'\x60]|\bvm\.run(InNewContext|InThisContext|InContext)\(`,
	"js-shell-injection": `\bexecSync\s*\(|\bexec\s*\(\s*(\x60|["'][^"']*["']\s*\+)|child_process["']?\)?\.exec\(|\bshell:\s*true`,
	"js-unsafe-deserialization": `\bunserialize\s*\(|node-serialize`,
	"js-tls-verify-disabled": `rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED\s*=\s*["']?0|strictSSL\s*:\s*false`,
	"js-weak-hash": `create(Hash|Hmac)\(\s*["'](md5|sha1)["']|\bCryptoJS\.(MD5|SHA1)\b|createCipher(iv)?\(\s*["'](des|rc4)`,
	"js-empty-catch": `\bcatch\s*(\(\s*\w*\s*\))?\s*\{\s*\}|\.catch\(\s*(\(\s*\w*\s*\)|\w+)\s*=>\s*(\{\s*\}|null|undefined)\s*\)`,
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
_found contains ["js-empty-catch", util.at(h, sprintf("%s: %s", [_messages["js-empty-catch"], util.excerpt(h[2])]))] if {
	some h in _lines
	regex.match(`\bcatch\s*(\(\s*\w*\s*\))?\s*\{\s*$`, h[2])
	regex.match(`^\s*\}\s*;?\s*$`, util.next_added(h[0], h[1]))
}

_messages := {
	"js-eval": "evaluates dynamic code",
	"js-shell-injection": "runs a shell command",
	"js-unsafe-deserialization": "unsafe deserialization",
	"js-tls-verify-disabled": "disables TLS verification",
	"js-weak-hash": "weak hash or cipher",
	"js-empty-catch": "swallows errors",
}

# METADATA
# title: Dynamic code evaluation
# description: >-
#   Added code evaluates code built at run time (eval, exec, new Function);
#   input that reaches it runs as code.
# custom:
#   id: code/js-eval
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["js-eval", v] in _found
}

# METADATA
# title: Dynamic code evaluation
# description: Added code evaluates code built at run time (eval, exec, new Function).
# custom:
#   id: code/js-eval
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["js-eval", v] in _found
}

# METADATA
# title: Shell command injection
# description: >-
#   Added code runs a command through a shell (shell=True, os.system, sh -c,
#   child_process.exec, backticks with interpolation); input that reaches it
#   runs as shell.
# custom:
#   id: code/js-shell-injection
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["js-shell-injection", v] in _found
}

# METADATA
# title: Shell command injection
# description: Added code runs a command through a shell (shell=True, os.system, sh -c, child_process.exec, backticks with interpolation).
# custom:
#   id: code/js-shell-injection
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["js-shell-injection", v] in _found
}

# METADATA
# title: Unsafe deserialization
# description: >-
#   Added code deserializes data with a loader that can construct arbitrary
#   objects (pickle, yaml.load, ObjectInputStream, Marshal.load); untrusted
#   input becomes code execution.
# custom:
#   id: code/js-unsafe-deserialization
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["js-unsafe-deserialization", v] in _found
}

# METADATA
# title: Unsafe deserialization
# description: Added code deserializes data with a loader that can construct arbitrary objects (pickle, yaml.load, ObjectInputStream, Marshal.load).
# custom:
#   id: code/js-unsafe-deserialization
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["js-unsafe-deserialization", v] in _found
}

# METADATA
# title: TLS verification disabled
# description: >-
#   Added code disables TLS certificate or host name verification; traffic
#   can be intercepted.
# custom:
#   id: code/js-tls-verify-disabled
#   severity: high
#   controls: ["PCI-DSS:4.2.1", "HIPAA:164.312(e)(1)", "GDPR:Art.32", "ISO27001:A.8.24"]
require_approval contains v if {
	_mode == "require_approval"
	some ["js-tls-verify-disabled", v] in _found
}

# METADATA
# title: TLS verification disabled
# description: Added code disables TLS certificate or host name verification.
# custom:
#   id: code/js-tls-verify-disabled
#   severity: high
#   controls: ["PCI-DSS:4.2.1", "HIPAA:164.312(e)(1)", "GDPR:Art.32", "ISO27001:A.8.24"]
warn contains v if {
	_mode == "warn"
	some ["js-tls-verify-disabled", v] in _found
}

# METADATA
# title: Weak hash or cipher
# description: >-
#   Added code uses MD5, SHA-1, DES or RC4, which are broken for security
#   use (passwords, signatures, integrity).
# custom:
#   id: code/js-weak-hash
#   severity: medium
#   controls: ["PCI-DSS:6.2.4", "HIPAA:164.312(a)(2)(iv)", "GDPR:Art.32", "ISO27001:A.8.24"]
require_approval contains v if {
	_mode == "require_approval"
	some ["js-weak-hash", v] in _found
}

# METADATA
# title: Weak hash or cipher
# description: Added code uses MD5, SHA-1, DES or RC4, which are broken for security use (passwords, signatures, integrity).
# custom:
#   id: code/js-weak-hash
#   severity: medium
#   controls: ["PCI-DSS:6.2.4", "HIPAA:164.312(a)(2)(iv)", "GDPR:Art.32", "ISO27001:A.8.24"]
warn contains v if {
	_mode == "warn"
	some ["js-weak-hash", v] in _found
}

# METADATA
# title: Exception swallowed
# description: >-
#   Added code catches every exception and ignores it. A fix that hides the
#   error leaves the failure in place and its cause invisible.
# custom:
#   id: code/js-empty-catch
#   severity: medium
#   controls: ["SOC2:CC7.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["js-empty-catch", v] in _found
}

# METADATA
# title: Exception swallowed
# description: Added code catches every exception and ignores it.
# custom:
#   id: code/js-empty-catch
#   severity: medium
#   controls: ["SOC2:CC7.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["js-empty-catch", v] in _found
}
