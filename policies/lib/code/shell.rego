# Package gov.lib.code.shell flags dangerous shell in added lines of scripts,
# Dockerfiles and Makefiles: eval, remote scripts piped into a shell,
# disabled TLS verification, weak hashes and errors ignored by a fix.
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
#     languages: ["shell", "dockerfile", "makefile"]
package gov.lib.code.shell

import data.gov.lib.util

_languages := {"shell", "dockerfile", "makefile"}

# _needles are substrings a line must hold before any rule's pattern is tried.
_needles := ["eval", "curl", "wget", "GIT_SSL", "sslVerify", "TLS_REJECT", "trusted-host", "md5", "sha1", "||", "set +e"]

# _patterns maps a rule to the pattern of an offending line.
_patterns := {
	"shell-eval": `(^|[;&|(\s])eval\s+["']?\$`,
	"shell-remote-script": `\b(curl|wget)\b[^|]*\|\s*(sudo\s+)?(ba|z|da)?sh\b`,
	"shell-tls-verify-disabled": `\bcurl\b.*\s-[a-zA-Z]*k[a-zA-Z]*(\s|$)|\bcurl\b.*--insecure|\bwget\b.*--no-check-certificate|GIT_SSL_NO_VERIFY|sslVerify\s+false|NODE_TLS_REJECT_UNAUTHORIZED=0|--trusted-host`,
	"shell-weak-hash": `\b(md5sum|sha1sum)\b|\bopenssl\s+(md5|sha1|dgst\s+-(md5|sha1))\b`,
	"shell-errors-ignored": `\|\|\s*(true|:)\s*(;|$|&&)|^\s*set\s+\+e\b`,
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

_messages := {
	"shell-eval": "evaluates dynamic code",
	"shell-remote-script": "pipes a download into a shell",
	"shell-tls-verify-disabled": "disables TLS verification",
	"shell-weak-hash": "weak hash or cipher",
	"shell-errors-ignored": "swallows errors",
}

# METADATA
# title: Dynamic code evaluation
# description: >-
#   Added code evaluates code built at run time (eval, exec, new Function);
#   input that reaches it runs as code.
# custom:
#   id: code/shell-eval
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["shell-eval", v] in _found
}

# METADATA
# title: Dynamic code evaluation
# description: Added code evaluates code built at run time (eval, exec, new Function).
# custom:
#   id: code/shell-eval
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["shell-eval", v] in _found
}

# METADATA
# title: Remote script piped to a shell
# description: >-
#   Added code downloads a script and pipes it straight into a shell;
#   whoever controls the URL runs code.
# custom:
#   id: code/shell-remote-script
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["shell-remote-script", v] in _found
}

# METADATA
# title: Remote script piped to a shell
# description: Added code downloads a script and pipes it straight into a shell.
# custom:
#   id: code/shell-remote-script
#   severity: high
#   controls: ["PCI-DSS:6.2.4", "ISO27001:A.8.28", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["shell-remote-script", v] in _found
}

# METADATA
# title: TLS verification disabled
# description: >-
#   Added code disables TLS certificate or host name verification; traffic
#   can be intercepted.
# custom:
#   id: code/shell-tls-verify-disabled
#   severity: high
#   controls: ["PCI-DSS:4.2.1", "HIPAA:164.312(e)(1)", "GDPR:Art.32", "ISO27001:A.8.24"]
require_approval contains v if {
	_mode == "require_approval"
	some ["shell-tls-verify-disabled", v] in _found
}

# METADATA
# title: TLS verification disabled
# description: Added code disables TLS certificate or host name verification.
# custom:
#   id: code/shell-tls-verify-disabled
#   severity: high
#   controls: ["PCI-DSS:4.2.1", "HIPAA:164.312(e)(1)", "GDPR:Art.32", "ISO27001:A.8.24"]
warn contains v if {
	_mode == "warn"
	some ["shell-tls-verify-disabled", v] in _found
}

# METADATA
# title: Weak hash or cipher
# description: >-
#   Added code uses MD5, SHA-1, DES or RC4, which are broken for security
#   use (passwords, signatures, integrity).
# custom:
#   id: code/shell-weak-hash
#   severity: medium
#   controls: ["PCI-DSS:6.2.4", "HIPAA:164.312(a)(2)(iv)", "GDPR:Art.32", "ISO27001:A.8.24"]
require_approval contains v if {
	_mode == "require_approval"
	some ["shell-weak-hash", v] in _found
}

# METADATA
# title: Weak hash or cipher
# description: Added code uses MD5, SHA-1, DES or RC4, which are broken for security use (passwords, signatures, integrity).
# custom:
#   id: code/shell-weak-hash
#   severity: medium
#   controls: ["PCI-DSS:6.2.4", "HIPAA:164.312(a)(2)(iv)", "GDPR:Art.32", "ISO27001:A.8.24"]
warn contains v if {
	_mode == "warn"
	some ["shell-weak-hash", v] in _found
}

# METADATA
# title: Exception swallowed
# description: >-
#   Added code catches every exception and ignores it. A fix that hides the
#   error leaves the failure in place and its cause invisible.
# custom:
#   id: code/shell-errors-ignored
#   severity: medium
#   controls: ["SOC2:CC7.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["shell-errors-ignored", v] in _found
}

# METADATA
# title: Exception swallowed
# description: Added code catches every exception and ignores it.
# custom:
#   id: code/shell-errors-ignored
#   severity: medium
#   controls: ["SOC2:CC7.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["shell-errors-ignored", v] in _found
}
