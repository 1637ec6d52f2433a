# Package gov.lib.cicd.workflows flags GitHub Actions workflow edits that
# let untrusted code or input reach secrets: pull_request_target with a
# checkout of the pull request's head, write-all or added write permissions,
# actions not pinned to a commit SHA, secrets echoed to the log, untrusted
# event fields interpolated into scripts, and remote scripts piped into a
# shell. Known post-patch content (parsed) decides the
# pull_request_target rule; otherwise added lines do.
#
# Parameters (library: families: cicd: ...):
#   enabled              false turns the family off
#   require_approval_in  environments where these rules require approval
#                        (default ["*"], every environment); elsewhere they warn
#   trusted_owners       globs of action owners exempt from SHA pinning
#                        (e.g. ["actions", "my-org"]); default none

# METADATA
# scope: package
# custom:
#   applies_to:
#     paths: [".github/workflows/*.yml", ".github/workflows/*.yaml"]
package gov.lib.cicd.workflows

import data.gov.lib.util

_head_ref := `github\.event\.pull_request\.head\.(sha|ref)|github\.head_ref`

_uses := `^\s*(-\s*)?uses:\s*["']?([^@\s"']+)@([^\s"'#]+)`

_untrusted := `\$\{\{\s*(github\.event\.(issue|pull_request|comment|review|review_comment|pages|head_commit|commits|discussion|workflow_run)\.[\w.\[\]*]*(title|body|message|name|label|email|ref)|github\.head_ref)\b`

_mode := util.modes["cicd"]

# _files are the indexes in input.patch.files of the workflow files (not
# the files: a set of file objects reads each whole, removed lines
# included, and the engine could no longer leave those out of a large
# patch's input).
_files contains i if {
	_mode != "off"
	some i, f in input.patch.files
	regex.match(`^\.github/workflows/[^/]+\.ya?ml$`, f.path)
}

_lines contains [i, [f.path, l.line, l.text]] if {
	some i in _files
	f := input.patch.files[i]
	some l in f.added
}

# pull_request_target with a checkout of the head: decided on the parsed
# workflow when known, else on the added lines; reported at an added line
# naming the trigger or the head ref.
_found contains ["prt", util.at(h, sprintf("pull_request_target checks out the pull request head: %s", [util.excerpt(h[2])]))] if {
	some [i, h] in _lines
	regex.match(`pull_request_target|github\.event\.pull_request\.head|github\.head_ref`, h[2])
	_prt_checkout(input.patch.files[i])
}

_prt_checkout(f) if {
	some d in util.docs(f)
	_triggered_by_prt(object.get(d, "on", null))
	some job in d.jobs
	some step in job.steps
	startswith(step.uses, "actions/checkout@")
	regex.match(_head_ref, step["with"].ref)
}

_prt_checkout(f) if {
	object.get(f, "parsed", null) == null
	some l in f.added
	contains(l.text, "pull_request_target")
	some m in f.added
	regex.match(_head_ref, m.text)
}

_triggered_by_prt("pull_request_target")

_triggered_by_prt(on) if "pull_request_target" in on

_triggered_by_prt(on) if on.pull_request_target

_found contains ["write-all", util.at(h, sprintf("grants write-all permissions: %s", [util.excerpt(h[2])]))] if {
	some [_, h] in _lines
	contains(h[2], "write-all")
	regex.match(`^\s*permissions:\s*["']?write-all`, h[2])
}

_found contains ["write-permission", util.at(h, sprintf("grants a write permission: %s", [util.excerpt(h[2])]))] if {
	some [_, h] in _lines
	contains(h[2], "write")
	regex.match(`^\s*(contents|packages|id-token|actions|deployments|pull-requests|security-events|checks|statuses|issues|pages|attestations|discussions):\s*["']?write`, h[2])
}

_found contains ["unpinned-action", util.at(h, sprintf("action %s@%s is not pinned to a commit SHA", [m[2], m[3]]))] if {
	some [_, h] in _lines
	contains(h[2], "uses:")
	m := regex.find_all_string_submatch_n(_uses, h[2], 1)[0]
	not regex.match(`^[0-9a-f]{40}$`, m[3])
	not startswith(m[2], "./")
	not startswith(m[2], "docker://")
	not util.glob_match(util.param("cicd", "trusted_owners", []), split(m[2], "/")[0])
}

_found contains ["secret-echoed", util.at(h, sprintf("prints a secret to the log: %s", [util.excerpt(h[2])]))] if {
	some [_, h] in _lines
	contains(h[2], "secrets.")
	regex.match(`(?i)\b(echo|printf|print|write-host|write-output|cat|tee)\b[^#]*\$\{\{\s*secrets\.`, h[2])
}

_found contains ["script-injection", util.at(h, sprintf("interpolates untrusted input into a script: %s", [util.excerpt(h[2])]))] if {
	some [_, h] in _lines
	contains(h[2], "${{")
	regex.match(_untrusted, h[2])
	_in_script(h[2])
}

# _in_script holds for a run: line or a line of a run block (not a key: line).
_in_script(text) if regex.match(`^\s*(-\s*)?run:`, text)

_in_script(text) if not regex.match(`^\s*(-\s*)?[\w-]+:(\s|$)`, text)

_found contains ["remote-script", util.at(h, sprintf("pipes a download into a shell: %s", [util.excerpt(h[2])]))] if {
	some [_, h] in _lines
	contains(h[2], "|")
	regex.match(`\b(curl|wget)\b[^|]*\|\s*(sudo\s+)?(ba|z|da)?sh\b`, h[2])
}

# METADATA
# title: pull_request_target checks out the head
# description: >-
#   A workflow runs on pull_request_target, with the base repository's
#   secrets and write token, and checks out the pull request's head: code
#   from any fork runs with those secrets.
# custom:
#   id: cicd/pull-request-target-checkout
#   severity: critical
#   controls: ["SOC2:CC8.1", "SOC2:CC6.1", "PCI-DSS:6.5.1", "ISO27001:A.8.32", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["prt", v] in _found
}

# METADATA
# title: pull_request_target checks out the head
# description: >-
#   A workflow runs on pull_request_target, with the base repository's
#   secrets and write token, and checks out the pull request's head: code
#   from any fork runs with those secrets.
# custom:
#   id: cicd/pull-request-target-checkout
#   severity: critical
#   controls: ["SOC2:CC8.1", "SOC2:CC6.1", "PCI-DSS:6.5.1", "ISO27001:A.8.32", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["prt", v] in _found
}

# METADATA
# title: write-all permissions
# description: >-
#   A workflow or job is given permissions: write-all, so every step can
#   push code, publish packages and change the repository.
# custom:
#   id: cicd/write-all-permissions
#   severity: high
#   controls: ["SOC2:CC8.1", "SOC2:CC6.1", "PCI-DSS:6.5.1", "ISO27001:A.8.32", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["write-all", v] in _found
}

# METADATA
# title: write-all permissions
# description: >-
#   A workflow or job is given permissions: write-all, so every step can
#   push code, publish packages and change the repository.
# custom:
#   id: cicd/write-all-permissions
#   severity: high
#   controls: ["SOC2:CC8.1", "SOC2:CC6.1", "PCI-DSS:6.5.1", "ISO27001:A.8.32", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["write-all", v] in _found
}

# METADATA
# title: Write permission granted
# description: >-
#   A workflow or job is granted a write permission (contents, packages, id-
#   token...). A bot's patch should not widen what CI may do.
# custom:
#   id: cicd/write-permission
#   severity: medium
#   controls: ["SOC2:CC8.1", "SOC2:CC6.1", "PCI-DSS:6.5.1", "ISO27001:A.8.32", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["write-permission", v] in _found
}

# METADATA
# title: Write permission granted
# description: >-
#   A workflow or job is granted a write permission (contents, packages, id-
#   token...).
# custom:
#   id: cicd/write-permission
#   severity: medium
#   controls: ["SOC2:CC8.1", "SOC2:CC6.1", "PCI-DSS:6.5.1", "ISO27001:A.8.32", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["write-permission", v] in _found
}

# METADATA
# title: Action not pinned to a commit SHA
# description: >-
#   A step uses an action by tag or branch instead of a full commit SHA;
#   whoever controls the tag controls the job.
# custom:
#   id: cicd/unpinned-action
#   severity: medium
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.32", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["unpinned-action", v] in _found
}

# METADATA
# title: Action not pinned to a commit SHA
# description: >-
#   A step uses an action by tag or branch instead of a full commit SHA;
#   whoever controls the tag controls the job.
# custom:
#   id: cicd/unpinned-action
#   severity: medium
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.32", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["unpinned-action", v] in _found
}

# METADATA
# title: Secret printed to the log
# description: >-
#   A step echoes or prints a secret; logs are readable by everyone with
#   read access and kept for months.
# custom:
#   id: cicd/secret-echoed
#   severity: high
#   controls: ["SOC2:CC6.1", "PCI-DSS:8.6.2", "ISO27001:A.8.28", "GDPR:Art.32"]
require_approval contains v if {
	_mode == "require_approval"
	some ["secret-echoed", v] in _found
}

# METADATA
# title: Secret printed to the log
# description: >-
#   A step echoes or prints a secret; logs are readable by everyone with
#   read access and kept for months.
# custom:
#   id: cicd/secret-echoed
#   severity: high
#   controls: ["SOC2:CC6.1", "PCI-DSS:8.6.2", "ISO27001:A.8.28", "GDPR:Art.32"]
warn contains v if {
	_mode == "warn"
	some ["secret-echoed", v] in _found
}

# METADATA
# title: Untrusted input in a script
# description: >-
#   A run script interpolates attacker-controlled event fields (issue or PR
#   title, body, branch name) with ${{ }}; they run as shell.
# custom:
#   id: cicd/script-injection
#   severity: high
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.2.4", "ISO27001:A.8.28"]
require_approval contains v if {
	_mode == "require_approval"
	some ["script-injection", v] in _found
}

# METADATA
# title: Untrusted input in a script
# description: >-
#   A run script interpolates attacker-controlled event fields (issue or PR
#   title, body, branch name) with ${{ }}; they run as shell.
# custom:
#   id: cicd/script-injection
#   severity: high
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.2.4", "ISO27001:A.8.28"]
warn contains v if {
	_mode == "warn"
	some ["script-injection", v] in _found
}

# METADATA
# title: Remote script piped to a shell
# description: >-
#   A step downloads a script and pipes it into a shell, running whatever
#   the URL serves with the job's secrets.
# custom:
#   id: cicd/remote-script
#   severity: high
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.28"]
require_approval contains v if {
	_mode == "require_approval"
	some ["remote-script", v] in _found
}

# METADATA
# title: Remote script piped to a shell
# description: >-
#   A step downloads a script and pipes it into a shell, running whatever
#   the URL serves with the job's secrets.
# custom:
#   id: cicd/remote-script
#   severity: high
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.28"]
warn contains v if {
	_mode == "warn"
	some ["remote-script", v] in _found
}
