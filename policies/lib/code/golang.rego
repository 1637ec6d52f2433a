# Package gov.lib.code.golang flags dangerous Go in added lines: shell commands,
# disabled TLS verification, weak hashes and ciphers, and errors swallowed
# by a fix.
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
#     languages: ["go"]
package gov.lib.code.golang

import data.gov.lib.util

_languages := {"go"}

# _needles are substrings a line must hold before any rule's pattern is tried.
_needles := ["exec.Command", "InsecureSkipVerify", "md5", "sha1", "crypto/", "des.", "rc4.", "recover()", "_ = err", "err != nil"]

# _patterns maps a rule to the pattern of an offending line.
_patterns := {
	"go-shell-injection": `exec\.Command(Context)?\(\s*(\w+,\s*)?"(sh|bash|zsh|/bin/sh|/bin/bash|cmd|cmd\.exe|powershell)"\s*,\s*"(-c|/c|-Command)"`,
	"go-tls-verify-disabled": `InsecureSkipVerify\s*[:=]\s*true`,
	"go-weak-hash": `\b(md5|sha1)\.(New|Sum)\(|"crypto/(md5|sha1|des|rc4)"|\b(des|rc4)\.New(Triple)?(DES)?Cipher\(`,
	"go-swallowed-error": `^\s*_\s*=\s*err\s*$|recover\(\)\s*\}\s*\(\)|^\s*if\s+err\s*!=\s*nil\s*\{\s*\}\s*$`,
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
_found contains ["go-swallowed-error", util.at(h, sprintf("%s: %s", [_messages["go-swallowed-error"], util.excerpt(h[2])]))] if {
	some h in _lines
	regex.match(`^\s*if\s+err\s*!=\s*nil\s*\{\s*$`, h[2])
	regex.match(`^\s*(\}|return nil|return nil, nil|return)\s*$`, util.next_added(h[0], h[1]))
}

_messages := {
	"go-shell-injection": "runs a shell command",
	"go-tls-verify-disabled": "disables TLS verification",
	"go-weak-hash": "weak hash or cipher",
	"go-swallowed-error": "swallows errors",
}

# METADATA
# title: Shell command injection
# description: >-
#   Added code runs a command through a shell (shell=True, os.system, sh -c,
#   child_process.exec, backticks with interpolation); input that reaches it
#   runs as shell.
# custom:
#   id: code/go-shell-injection
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["go-shell-injection", v] in _found
}

# METADATA
# title: Shell command injection
# description: Added code runs a command through a shell (shell=True, os.system, sh -c, child_process.exec, backticks with interpolation).
# custom:
#   id: code/go-shell-injection
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["go-shell-injection", v] in _found
}

# METADATA
# title: TLS verification disabled
# description: >-
#   Added code disables TLS certificate or host name verification; traffic
#   can be intercepted.
# custom:
#   id: code/go-tls-verify-disabled
#   severity: high
#   controls: ["PCI-DSS:4.2.1", "HIPAA:164.312(e)(1)", "GDPR:Art.32", "ISO27001:A.8.24"]
require_approval contains v if {
	_mode == "require_approval"
	some ["go-tls-verify-disabled", v] in _found
}

# METADATA
# title: TLS verification disabled
# description: Added code disables TLS certificate or host name verification.
# custom:
#   id: code/go-tls-verify-disabled
#   severity: high
#   controls: ["PCI-DSS:4.2.1", "HIPAA:164.312(e)(1)", "GDPR:Art.32", "ISO27001:A.8.24"]
warn contains v if {
	_mode == "warn"
	some ["go-tls-verify-disabled", v] in _found
}

# METADATA
# title: Weak hash or cipher
# description: >-
#   Added code uses MD5, SHA-1, DES or RC4, which are broken for security
#   use (passwords, signatures, integrity).
# custom:
#   id: code/go-weak-hash
#   severity: medium
#   controls: ["PCI-DSS:6.2.4", "HIPAA:164.312(a)(2)(iv)", "GDPR:Art.32", "ISO27001:A.8.24"]
require_approval contains v if {
	_mode == "require_approval"
	some ["go-weak-hash", v] in _found
}

# METADATA
# title: Weak hash or cipher
# description: Added code uses MD5, SHA-1, DES or RC4, which are broken for security use (passwords, signatures, integrity).
# custom:
#   id: code/go-weak-hash
#   severity: medium
#   controls: ["PCI-DSS:6.2.4", "HIPAA:164.312(a)(2)(iv)", "GDPR:Art.32", "ISO27001:A.8.24"]
warn contains v if {
	_mode == "warn"
	some ["go-weak-hash", v] in _found
}

# METADATA
# title: Exception swallowed
# description: >-
#   Added code catches every exception and ignores it. A fix that hides the
#   error leaves the failure in place and its cause invisible.
# custom:
#   id: code/go-swallowed-error
#   severity: medium
#   controls: ["SOC2:CC7.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["go-swallowed-error", v] in _found
}

# METADATA
# title: Exception swallowed
# description: Added code catches every exception and ignores it.
# custom:
#   id: code/go-swallowed-error
#   severity: medium
#   controls: ["SOC2:CC7.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["go-swallowed-error", v] in _found
}
