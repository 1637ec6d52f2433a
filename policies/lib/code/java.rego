# Package gov.lib.code.java flags dangerous Java in added lines: shell commands,
# unsafe deserialization, disabled TLS verification, weak hashes and
# ciphers, and exceptions swallowed by a fix.
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
#     languages: ["java", "kotlin", "scala", "groovy"]
package gov.lib.code.java

import data.gov.lib.util

_languages := {"java", "kotlin", "scala", "groovy"}

# _needles are substrings a line must hold before any rule's pattern is tried.
_needles := ["exec(", "ProcessBuilder", "ObjectInputStream", "readObject", "XMLDecoder", "DefaultTyping", "Yaml", "XStream", "Hostname", "Trust", "getInstance", "DigestUtils", "catch"]

# _patterns maps a rule to the pattern of an offending line.
_patterns := {
	"java-shell-injection": `Runtime\.getRuntime\(\)\.exec\(|new\s+ProcessBuilder\(\s*(List\.of\(|Arrays\.asList\()?\s*"(sh|bash|/bin/sh|/bin/bash|cmd|cmd\.exe|powershell)"`,
	"java-unsafe-deserialization": `new\s+ObjectInputStream\(|\.readObject\(\)|new\s+XMLDecoder\(|(enable|activate)DefaultTyping\(|new\s+Yaml\(\)\.load\(|new\s+XStream\(\)`,
	"java-tls-verify-disabled": `NoopHostnameVerifier|ALLOW_ALL_HOSTNAME_VERIFIER|TrustAllStrategy|TrustSelfSignedStrategy|InsecureTrustManagerFactory|setHostnameVerifier\(\s*\(\s*\w+\s*,\s*\w+\s*\)\s*->\s*true`,
	"java-weak-hash": `MessageDigest\.getInstance\(\s*"(MD5|MD2|SHA-?1)"|Cipher\.getInstance\(\s*"(DES|DESede|RC4|RC2|Blowfish|AES/ECB)|DigestUtils\.(md5|sha1)(Hex)?\(`,
	"java-empty-catch": `catch\s*\(\s*(final\s+)?(Exception|Throwable|RuntimeException)\s+\w+\s*\)\s*\{\s*\}`,
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
_found contains ["java-empty-catch", util.at(h, sprintf("%s: %s", [_messages["java-empty-catch"], util.excerpt(h[2])]))] if {
	some h in _lines
	regex.match(`catch\s*\(\s*(final\s+)?(Exception|Throwable|RuntimeException)\s+\w+\s*\)\s*\{\s*$`, h[2])
	regex.match(`^\s*\}\s*$`, util.next_added(h[0], h[1]))
}

_messages := {
	"java-shell-injection": "runs a shell command",
	"java-unsafe-deserialization": "unsafe deserialization",
	"java-tls-verify-disabled": "disables TLS verification",
	"java-weak-hash": "weak hash or cipher",
	"java-empty-catch": "swallows errors",
}

# METADATA
# title: Shell command injection
# description: >-
#   Added code runs a command through a shell (shell=True, os.system, sh -c,
#   child_process.exec, backticks with interpolation); input that reaches it
#   runs as shell.
# custom:
#   id: code/java-shell-injection
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["java-shell-injection", v] in _found
}

# METADATA
# title: Shell command injection
# description: Added code runs a command through a shell (shell=True, os.system, sh -c, child_process.exec, backticks with interpolation).
# custom:
#   id: code/java-shell-injection
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["java-shell-injection", v] in _found
}

# METADATA
# title: Unsafe deserialization
# description: >-
#   Added code deserializes data with a loader that can construct arbitrary
#   objects (pickle, yaml.load, ObjectInputStream, Marshal.load); untrusted
#   input becomes code execution.
# custom:
#   id: code/java-unsafe-deserialization
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["java-unsafe-deserialization", v] in _found
}

# METADATA
# title: Unsafe deserialization
# description: Added code deserializes data with a loader that can construct arbitrary objects (pickle, yaml.load, ObjectInputStream, Marshal.load).
# custom:
#   id: code/java-unsafe-deserialization
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["java-unsafe-deserialization", v] in _found
}

# METADATA
# title: TLS verification disabled
# description: >-
#   Added code disables TLS certificate or host name verification; traffic
#   can be intercepted.
# custom:
#   id: code/java-tls-verify-disabled
#   severity: high
#   controls: ["PCI-DSS:4.2.1", "HIPAA:164.312(e)(1)", "GDPR:Art.32", "ISO27001:A.8.24"]
require_approval contains v if {
	_mode == "require_approval"
	some ["java-tls-verify-disabled", v] in _found
}

# METADATA
# title: TLS verification disabled
# description: Added code disables TLS certificate or host name verification.
# custom:
#   id: code/java-tls-verify-disabled
#   severity: high
#   controls: ["PCI-DSS:4.2.1", "HIPAA:164.312(e)(1)", "GDPR:Art.32", "ISO27001:A.8.24"]
warn contains v if {
	_mode == "warn"
	some ["java-tls-verify-disabled", v] in _found
}

# METADATA
# title: Weak hash or cipher
# description: >-
#   Added code uses MD5, SHA-1, DES or RC4, which are broken for security
#   use (passwords, signatures, integrity).
# custom:
#   id: code/java-weak-hash
#   severity: medium
#   controls: ["PCI-DSS:6.2.4", "HIPAA:164.312(a)(2)(iv)", "GDPR:Art.32", "ISO27001:A.8.24"]
require_approval contains v if {
	_mode == "require_approval"
	some ["java-weak-hash", v] in _found
}

# METADATA
# title: Weak hash or cipher
# description: Added code uses MD5, SHA-1, DES or RC4, which are broken for security use (passwords, signatures, integrity).
# custom:
#   id: code/java-weak-hash
#   severity: medium
#   controls: ["PCI-DSS:6.2.4", "HIPAA:164.312(a)(2)(iv)", "GDPR:Art.32", "ISO27001:A.8.24"]
warn contains v if {
	_mode == "warn"
	some ["java-weak-hash", v] in _found
}

# METADATA
# title: Exception swallowed
# description: >-
#   Added code catches every exception and ignores it. A fix that hides the
#   error leaves the failure in place and its cause invisible.
# custom:
#   id: code/java-empty-catch
#   severity: medium
#   controls: ["SOC2:CC7.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["java-empty-catch", v] in _found
}

# METADATA
# title: Exception swallowed
# description: Added code catches every exception and ignores it.
# custom:
#   id: code/java-empty-catch
#   severity: medium
#   controls: ["SOC2:CC7.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["java-empty-catch", v] in _found
}
