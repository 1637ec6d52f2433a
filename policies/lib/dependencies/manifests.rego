# Package gov.lib.dependencies.manifests reads dependency lines of the
# package manifests of npm (package.json), Go (go.mod), Python
# (requirements*.txt, pyproject.toml), Maven (pom.xml) and Cargo
# (Cargo.toml) from a patch's added and removed lines: the records that
# rules.rego judges. When the post-patch content is known (parsed JSON or
# TOML), a package.json or Cargo.toml line counts only if its name is a
# declared dependency.
#
# Parameters: see rules.rego.
package gov.lib.dependencies.manifests

import data.gov.lib.util

# _not_deps are keys of manifests that look like "name": "version" but are not dependencies.
_not_deps := {
	"name", "version", "description", "main", "module", "types", "typings", "license", "private",
	"node", "npm", "yarn", "pnpm", "homepage", "author", "type", "edition", "rust-version",
	"readme", "repository", "documentation", "python", "requires-python", "build-backend",
	"resolver", "publish", "build", "packageManager", "workspace", "default", "features",
	"links", "exclude", "include", "members",
}

_spec := `^([~^<>=v\s]*\d|\*|latest|next|git|github:|gitlab:|bitbucket:|https?:|file:|link:|npm:|workspace:)`

# ecosystem names the package manager of a manifest path, if it is one.
ecosystem(path) := "npm" if util.basename(path) == "package.json"

else := "go" if util.basename(path) == "go.mod"

else := "pypi" if regex.match(`^(requirements.*|constraints)\.txt$|^pyproject\.toml$`, util.basename(path))

else := "pypi" if regex.match(`(^|/)requirements/[^/]+\.txt$`, path)

else := "maven" if util.basename(path) == "pom.xml"

else := "cargo" if util.basename(path) == "Cargo.toml"

manifests contains [f, eco] if {
	some f in input.patch.files
	eco := ecosystem(f.path)
}

# deps are {file, eco, side, name, version, line, text} for each dependency
# line on side "added" or "removed"; name is normalised (lower case, and
# "_" and "." as "-" for Python).
deps contains dep if {
	some [f, eco] in manifests
	some side in ["added", "removed"]
	some l in f[side]
	[name, version] := _parse(eco, f.path, l.text)
	not name in _not_deps
	_declared(f, side, name)
	dep := {"file": f.path, "eco": eco, "side": side, "name": _normal(eco, name), "version": version, "line": l.line, "text": l.text}
}

_normal("pypi", name) := lower(replace(replace(name, "_", "-"), ".", "-"))

_normal(eco, name) := lower(name) if eco != "pypi"

_parse("npm", _, text) := [m[1], m[3]] if {
	m := regex.find_all_string_submatch_n(`^\s*"(@?[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?)"\s*:\s*"([^"]*)"`, text, 1)[0]
	regex.match(_spec, m[3])
}

_parse("go", _, text) := [m[2], m[4]] if {
	m := regex.find_all_string_submatch_n(`^\s*(require\s+)?([a-z0-9][\w.\-]*\.[a-z]{2,}(/[\w.\-~]+)+)\s+(v[\w.\-+]+)`, text, 1)[0]
}

_parse("pypi", path, text) := [m[1], m[4]] if {
	not endswith(path, ".toml")
	m := regex.find_all_string_submatch_n(`^\s*([A-Za-z0-9][\w.\-]*)\s*(\[[^\]]*\])?\s*(==|>=|~=|<=|!=|===|>|<|@)?\s*([^\s;#,]*)`, text, 1)[0]
	not regex.match(`^\s*(-|git\+|https?://)`, text)
}

_parse("pypi", path, text) := [m[1], m[5]] if {
	endswith(path, ".toml")
	m := regex.find_all_string_submatch_n(`^\s*["']([A-Za-z0-9][\w.\-]*)\s*(\[[^\]]*\])?\s*((==|>=|~=|<=|!=|>|<|@)\s*([^"';,]*))?\s*(;[^"']*)?["']`, text, 1)[0]
}

_parse("pypi", path, text) := [m[1], _toml_version(m[2])] if {
	endswith(path, ".toml")
	m := regex.find_all_string_submatch_n(`^\s*([A-Za-z0-9][\w.\-]*)\s*=\s*(["'{].*)$`, text, 1)[0]
}

_parse("cargo", _, text) := [m[1], _toml_version(m[2])] if {
	m := regex.find_all_string_submatch_n(`^\s*([A-Za-z0-9][\w\-]*)\s*=\s*(["'{].*)$`, text, 1)[0]
}

_parse("maven", _, text) := [m[1], ""] if {
	m := regex.find_all_string_submatch_n(`<artifactId>\s*([\w.\-]+)\s*</artifactId>`, text, 1)[0]
}

_parse("maven", _, text) := [m[1], m[3]] if {
	m := regex.find_all_string_submatch_n(`<([\w\-]+(\.[\w\-]+)*)\.version>\s*([^<\s]+)\s*<`, text, 1)[0]
}

# _toml_version is the version of a TOML value: "1.2" or { version = "1.2", ... }.
_toml_version(v) := m[1] if {
	m := regex.find_all_string_submatch_n(`^["']([^"']*)["']`, v, 1)[0]
} else := m[1] if {
	m := regex.find_all_string_submatch_n(`version\s*=\s*["']([^"']*)["']`, v, 1)[0]
} else := ""

# _declared: with known content, a package.json or Cargo.toml name must be
# one of its dependencies (removed lines are judged by the line alone).
_declared(f, "removed", _)

_declared(f, "added", _) if object.get(f, "parsed", null) == null

_declared(f, "added", _) if not ecosystem(f.path) in {"npm", "cargo"}

_declared(f, "added", name) if {
	some section in ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies", "dev-dependencies", "build-dependencies"]
	f.parsed[section][name]
}
