# Package gov.lib.dependencies.rules judges dependency changes of package
# manifests (npm, Go, Python, Maven, Cargo; see manifests.rego): new
# dependencies, version downgrades, dependencies from Git, URLs or local
# paths, packages from registries not allowed, and names shaped like
# typosquats of popular packages.
#
# Parameters (library: families: dependencies: ...):
#   enabled              false turns the family off
#   require_approval_in  environments where these rules require approval
#                        (default ["production"]); elsewhere they warn;
#                        dependencies/typosquat requires approval everywhere
#   allowed_registries   hosts packages may be resolved from (replaces
#                        default_registries)
#   typosquat_targets    extra popular package names to protect
#   typosquat_ignore     names never reported as typosquats

# METADATA
# scope: package
# custom:
#   applies_to:
#     paths: ["**/package.json", "**/go.mod", "**/requirements*.txt", "**/requirements/*.txt", "**/constraints.txt", "**/pyproject.toml", "**/pom.xml", "**/Cargo.toml", "**/package-lock.json", "**/npm-shrinkwrap.json", "**/yarn.lock", "**/pnpm-lock.yaml", "**/pip.conf"]
package gov.lib.dependencies.rules

import data.gov.lib.dependencies.manifests
import data.gov.lib.util

default_registries := [
	"registry.npmjs.org", "registry.yarnpkg.com", "pypi.org", "files.pythonhosted.org",
	"proxy.golang.org", "crates.io", "index.crates.io", "repo.maven.apache.org", "repo1.maven.org",
]

# default_targets are popular packages per ecosystem that attackers imitate.
default_targets := {
	"npm": [
		"react", "lodash", "express", "axios", "moment", "chalk", "commander", "request",
		"webpack", "typescript", "jquery", "eslint", "mongoose", "dotenv", "electron",
		"bluebird", "underscore", "yargs", "cross-env", "node-fetch", "body-parser", "jsonwebtoken",
	],
	"pypi": [
		"requests", "urllib3", "numpy", "pandas", "django", "flask", "boto3", "botocore",
		"setuptools", "cryptography", "pyyaml", "pillow", "scipy", "matplotlib", "jinja2",
		"python-dateutil", "beautifulsoup4", "sqlalchemy", "pytest", "colorama", "tensorflow",
	],
	"go": ["github.com/sirupsen/logrus", "github.com/gin-gonic/gin", "github.com/spf13/cobra", "github.com/stretchr/testify", "github.com/gorilla/mux"],
	"cargo": ["serde", "tokio", "reqwest", "clap", "regex", "hyper", "rand_core", "serde_json"],
	"maven": ["log4j-core", "jackson-databind", "commons-collections", "spring-core", "guava", "commons-lang3"],
}

_squat_affixes := ["-js", "js", "-node", "-py", "-python", "-dev", "2"]

_squat_prefixes := ["node-", "py-", "python-"]

_source := `git\+|git://|github:|gitlab:|bitbucket:|\bhttps?://|\bfile:|\blink:|\bgit\s*=|\bpath\s*=|^\s*-e\s|=>\s*(\.\.?/|/)|=>\s*\S+\s+v`

_mode := util.modes["dependencies"]

_added contains d if {
	_mode != "off"
	some d in manifests.deps
	d.side == "added"
}

_removed contains [d.file, d.name, d.version] if {
	some d in manifests.deps
	d.side == "removed"
}

_removed_names := {[file, name] | some [file, name, _] in _removed}

_new contains d if {
	some d in _added
	not [d.file, d.name] in _removed_names
}

_found contains ["new", util.at([d.file, d.line, d.text], sprintf("adds %s dependency %s %s", [d.eco, d.name, util.excerpt(d.version)]))] if {
	some d in _new
}

_found contains ["downgrade", util.at([d.file, d.line, d.text], sprintf("downgrades %s from %s to %s", [d.name, util.excerpt(old), util.excerpt(d.version)]))] if {
	some d in _added
	some [file, name, old] in _removed
	file == d.file
	name == d.name
	_version(d.version) < _version(old)
}

# _version is the numeric components of the first dotted number of v.
_version(v) := [to_number(x) | some x in split(regex.find_n(`\d+(\.\d+)*`, v, 1)[0], ".")]

_found contains ["source", util.at([d.file, d.line, d.text], sprintf("installs %s from Git, a URL or a path: %s", [d.name, util.excerpt(d.text)]))] if {
	some d in _added
	regex.match(_source, d.text)
}

# Lines that are not name/version pairs: go.mod replace directives,
# requirements.txt editable installs and bare URLs.
_found contains ["source", util.at([f.path, l.line, l.text], sprintf("installs a dependency from Git, a URL or a path: %s", [util.excerpt(l.text)]))] if {
	_mode != "off"
	some [f, eco] in manifests.manifests
	eco in {"go", "pypi"}
	some l in f.added
	regex.match(`=>|^\s*-e\s|^\s*(git\+|https?://)`, l.text)
	regex.match(_source, l.text)
}

# Registries: lock files' resolved URLs, pip index URLs, Maven repository URLs.
_found contains ["registry", util.at([f.path, l.line, l.text], sprintf("resolves packages from %s, not an allowed registry", [util.excerpt(host)]))] if {
	_mode != "off"
	some f in input.patch.files
	regex.match(`(^|/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|requirements[^/]*\.txt|constraints\.txt|pom\.xml|pip\.conf)$`, f.path)
	some l in f.added
	regex.match(`resolved|index-url|<url>`, l.text)
	m := regex.find_all_string_submatch_n(`(?:"?resolved"?\s*:?\s*"|--(?:extra-)?index-url[=\s]+|<url>\s*)https?://([^/"\s:<]+)`, l.text, 1)[0]
	host := lower(m[1])
	not host in util.param("dependencies", "allowed_registries", default_registries)
}

_found contains ["typosquat", util.at([d.file, d.line, d.text], sprintf("%s looks like a typosquat of %s", [d.name, target]))] if {
	some d in _new
	not d.name in util.param("dependencies", "typosquat_ignore", [])
	targets := array.concat(object.get(default_targets, d.eco, []), util.param("dependencies", "typosquat_targets", []))
	not d.name in targets
	some target in targets
	count(target) >= 5
	_squats(d.name, target)
}

_squats(name, target) if _edit1(name, target)

_squats(name, target) if {
	some s in _squat_affixes
	name == concat("", [target, s])
}

_squats(name, target) if {
	some p in _squat_prefixes
	name == concat("", [p, target])
}

# _edit1 holds when a and b differ by one substitution, insertion, deletion
# or swap of adjacent characters.
_edit1(a, b) if {
	count(a) == count(b)
	diffs := [i | some i in numbers.range(0, count(a) - 1); substring(a, i, 1) != substring(b, i, 1)]
	_one_change(a, b, diffs)
}

_edit1(a, b) if {
	count(a) == count(b) + 1
	some i in numbers.range(0, count(a) - 1)
	concat("", [substring(a, 0, i), substring(a, i + 1, -1)]) == b
}

_edit1(a, b) if {
	count(b) == count(a) + 1
	some i in numbers.range(0, count(b) - 1)
	concat("", [substring(b, 0, i), substring(b, i + 1, -1)]) == a
}

_one_change(_, _, diffs) if count(diffs) == 1

_one_change(a, b, [i, j]) if {
	j == i + 1
	substring(a, i, 1) == substring(b, j, 1)
	substring(a, j, 1) == substring(b, i, 1)
}

# METADATA
# title: Typosquat-shaped dependency
# description: >-
#   A new dependency's name is one edit away from a popular package, or the
#   popular name with a -js, -python, node- or similar affix: the shape of
#   typosquatting attacks. It asks for approval in every environment.
# custom:
#   id: dependencies/typosquat
#   severity: critical
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode != "off"
	some ["typosquat", v] in _found
}

# METADATA
# title: New dependency
# description: >-
#   The patch adds a dependency to a package manifest. New third-party code
#   needs a review of its source, license and maintenance.
# custom:
#   id: dependencies/new-dependency
#   severity: medium
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["new", v] in _found
}

# METADATA
# title: New dependency
# description: >-
#   The patch adds a dependency to a package manifest.
# custom:
#   id: dependencies/new-dependency
#   severity: medium
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["new", v] in _found
}

# METADATA
# title: Dependency downgraded
# description: >-
#   The patch moves a dependency to a lower version, which can reintroduce
#   fixed vulnerabilities.
# custom:
#   id: dependencies/version-downgrade
#   severity: medium
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.3", "ISO27001:A.8.8", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["downgrade", v] in _found
}

# METADATA
# title: Dependency downgraded
# description: >-
#   The patch moves a dependency to a lower version, which can reintroduce
#   fixed vulnerabilities.
# custom:
#   id: dependencies/version-downgrade
#   severity: medium
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.3", "ISO27001:A.8.8", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["downgrade", v] in _found
}

# METADATA
# title: Dependency from Git, a URL or a path
# description: >-
#   A dependency is installed from a Git repository, a URL or a local path
#   instead of a registry: unreviewed, unpinned code that bypasses registry
#   checks.
# custom:
#   id: dependencies/git-url-dependency
#   severity: high
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["source", v] in _found
}

# METADATA
# title: Dependency from Git, a URL or a path
# description: >-
#   A dependency is installed from a Git repository, a URL or a local path
#   instead of a registry: unreviewed, unpinned code that bypasses registry
#   checks.
# custom:
#   id: dependencies/git-url-dependency
#   severity: high
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["source", v] in _found
}

# METADATA
# title: Package registry not allowed
# description: >-
#   Packages are resolved from a registry or index outside
#   allowed_registries.
# custom:
#   id: dependencies/untrusted-registry
#   severity: high
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["registry", v] in _found
}

# METADATA
# title: Package registry not allowed
# description: >-
#   Packages are resolved from a registry or index outside
#   allowed_registries.
# custom:
#   id: dependencies/untrusted-registry
#   severity: high
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.28", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["registry", v] in _found
}
