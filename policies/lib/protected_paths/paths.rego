# Package gov.lib.protected_paths.paths asks for approval of changes to
# protected paths: authentication, cryptography, payment code, CI workflows,
# CODEOWNERS, infrastructure and lock files; of deleting such a file; and of
# a lock file edited without its manifest.
#
# Parameters (library: families: "protected-paths": ...):
#   enabled              false turns the family off
#   paths                globs of protected paths (replaces default_paths);
#                        "*" within a segment, "**" across, a leading "**/"
#                        also matches at the top level
#   require_approval_in  environments where these rules require approval
#                        (default ["*"], every environment); elsewhere they warn
package gov.lib.protected_paths.paths

import data.gov.lib.util

default_paths := [
	"auth/**", "**/crypto/**", "**/payment*/**", ".github/workflows/**",
	"**/CODEOWNERS", "infra/**", "terraform/**",
	"**/package-lock.json", "**/yarn.lock", "**/pnpm-lock.yaml", "**/go.sum",
	"**/poetry.lock", "**/Pipfile.lock", "**/Cargo.lock", "**/Gemfile.lock", "**/composer.lock",
]

# default_regex is util.globs_regex(default_paths).
default_regex := `^(auth/.*|(.*/)?crypto/.*|(.*/)?payment[^/]*/.*|\.github/workflows/.*|(.*/)?CODEOWNERS|infra/.*|terraform/.*|(.*/)?package-lock\.json|(.*/)?yarn\.lock|(.*/)?pnpm-lock\.yaml|(.*/)?go\.sum|(.*/)?poetry\.lock|(.*/)?Pipfile\.lock|(.*/)?Cargo\.lock|(.*/)?Gemfile\.lock|(.*/)?composer\.lock)$`

# _lock_manifests maps a lock file's name to the manifests it locks.
_lock_manifests := {
	"package-lock.json": ["package.json"], "yarn.lock": ["package.json"],
	"pnpm-lock.yaml": ["package.json"], "go.sum": ["go.mod"],
	"poetry.lock": ["pyproject.toml"], "Pipfile.lock": ["Pipfile"],
	"Cargo.lock": ["Cargo.toml"], "Gemfile.lock": ["Gemfile", "gems.rb"],
	"composer.lock": ["composer.json"],
}

_regex := util.globs_regex(p) if {
	p := util.param("protected-paths", "paths", null)
	p != null
} else := default_regex

_mode := util.modes["protected-paths"]

# _hits are [i, path] for each changed file (input.patch.files[i]) whose
# path or old path is protected. Indexes, not the files: a set of file
# objects would read each file whole, removed lines included, and the
# engine could no longer leave those out of a large patch's input.
_hits contains [i, path] if {
	_mode != "off"
	some i, f in input.patch.files
	some path in util.paths(f)
	regex.match(_regex, path)
}

_changed contains util.at_file(f, sprintf("%s is a protected path", [path])) if {
	some [i, path] in _hits
	f := input.patch.files[i]
	f.status != "deleted"
}

_deleted contains util.at_file(f, sprintf("deletes protected file %s", [f.path])) if {
	some [i, _] in _hits
	f := input.patch.files[i]
	f.status == "deleted"
}

_changed_paths := {f.path | some f in input.patch.files}

_lock_only contains util.at_file(f, sprintf("%s changes without %s", [f.path, concat(" or ", manifests)])) if {
	_mode != "off"
	some f in input.patch.files
	f.status == "modified"
	manifests := _lock_manifests[util.basename(f.path)]
	dir := util.dirname(f.path)
	not _any_changed(dir, manifests)
}

_any_changed(dir, names) if {
	some n in names
	concat("/", [dir, n]) in _changed_paths
}

_any_changed("", names) if {
	some n in names
	n in _changed_paths
}

# METADATA
# title: Protected path changed
# description: >-
#   The patch changes authentication, cryptography, payment, CI, ownership,
#   infrastructure or lock files. Changes there need a human to sign off.
# custom:
#   id: protected-paths/protected-path
#   severity: medium
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "PCI-DSS:6.5.1", "ISO27001:A.8.32"]
require_approval contains v if {
	_mode == "require_approval"
	some v in _changed
}

# METADATA
# title: Protected path changed
# description: The patch changes a protected path.
# custom:
#   id: protected-paths/protected-path
#   severity: medium
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "PCI-DSS:6.5.1", "ISO27001:A.8.32"]
warn contains v if {
	_mode == "warn"
	some v in _changed
}

# METADATA
# title: Protected file deleted
# description: >-
#   The patch deletes a file under a protected path (a workflow, CODEOWNERS,
#   an auth or infrastructure file, a lock file).
# custom:
#   id: protected-paths/protected-file-deleted
#   severity: high
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "PCI-DSS:6.5.1", "ISO27001:A.8.32"]
require_approval contains v if {
	_mode == "require_approval"
	some v in _deleted
}

# METADATA
# title: Protected file deleted
# description: The patch deletes a file under a protected path.
# custom:
#   id: protected-paths/protected-file-deleted
#   severity: high
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "PCI-DSS:6.5.1", "ISO27001:A.8.32"]
warn contains v if {
	_mode == "warn"
	some v in _deleted
}

# METADATA
# title: Lock file changed without its manifest
# description: >-
#   A lock file changes while its manifest (package.json, go.mod,
#   pyproject.toml, Cargo.toml...) does not: resolved versions or sources
#   were edited by hand.
# custom:
#   id: protected-paths/lockfile-without-manifest
#   severity: high
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.28"]
require_approval contains v if {
	_mode == "require_approval"
	some v in _lock_only
}

# METADATA
# title: Lock file changed without its manifest
# description: A lock file changes while its manifest does not.
# custom:
#   id: protected-paths/lockfile-without-manifest
#   severity: high
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.28"]
warn contains v if {
	_mode == "warn"
	some v in _lock_only
}
