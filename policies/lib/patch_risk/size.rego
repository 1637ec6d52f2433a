# Package gov.lib.patch_risk.size flags patches whose reach is larger than a
# healing fix needs: many files, many lines, several services, or changes
# outside the module named by the request's error_context.
#
# Parameters (library: families: "patch-risk": ...):
#   enabled              false turns the family off
#   max_files            most changed files before patch-risk/too-many-files (default 20)
#   max_lines            most added+removed lines before patch-risk/too-many-lines (default 500)
#   max_services         most services touched before patch-risk/many-services (default 1)
#   service_roots        globs of service directories (default services/*, apps/*,
#                        packages/*, cmd/*); a file belongs to the one it is under
#   require_approval_in  environments where these rules require approval
#                        (default ["production"]); elsewhere they warn
#   test_paths           see tests.rego; tests are never "outside the module"
package gov.lib.patch_risk.size

import data.gov.lib.patch_risk.tests
import data.gov.lib.util

default_service_roots := ["services/*", "apps/*", "packages/*", "cmd/*"]

# default_service_regex is util.globs_prefix_regex(default_service_roots).
default_service_regex := `^(services/[^/]*|apps/[^/]*|packages/[^/]*|cmd/[^/]*)/`

_service_regex := util.globs_prefix_regex(r) if {
	r := util.param("patch-risk", "service_roots", null)
	r != null
} else := default_service_regex

_mode := util.modes["patch-risk"]

_files := object.get(input, ["patch", "stats", "files"], 0)

_lines := object.get(input, ["patch", "stats", "additions"], 0) + object.get(input, ["patch", "stats", "deletions"], 0)

_too_many_files contains {"msg": sprintf("changes %d files (at most %d)", [_files, max])} if {
	max := util.param("patch-risk", "max_files", 20)
	_files > max
}

_too_many_lines contains {"msg": sprintf("changes %d lines (at most %d)", [_lines, max])} if {
	max := util.param("patch-risk", "max_lines", 500)
	_lines > max
}

# _services are the service directories the changed files are under.
_services contains svc if {
	some f in input.patch.files
	some path in util.paths(f)
	svc := regex.find_all_string_submatch_n(_service_regex, path, 1)[0][1]
}

_many_services contains {"msg": sprintf("touches %d services: %s (at most %d)", [count(_services), concat(", ", sort(_services)), max])} if {
	max := util.param("patch-risk", "max_services", 1)
	count(_services) > max
}

# _module is the directory of the failing code: error_context.module, else
# the directory of error_context.file; undefined at the top level.
_module := trim_suffix(input.request.error_context.module, "/") if {
	input.request.error_context.module != ""
} else := util.dirname(input.request.error_context.file)

_outside contains util.at_file(f, sprintf("%s is outside %s, the module of the failure", [f.path, _module])) if {
	_module != ""
	some f in input.patch.files
	not startswith(f.path, concat("", [_module, "/"]))
	not tests.is_test(f.path)
}

# METADATA
# title: Patch too large
# description: >-
#   The patch changes more files or lines than max_files / max_lines. A
#   healing fix is small; a large one needs a human to read it.
# custom:
#   id: patch-risk/too-large
#   severity: medium
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "ISO27001:A.8.32"]
require_approval contains v if {
	_mode == "require_approval"
	some set in [_too_many_files, _too_many_lines]
	some v in set
}

# METADATA
# title: Patch too large
# description: The patch changes more files or lines than max_files / max_lines.
# custom:
#   id: patch-risk/too-large
#   severity: medium
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "ISO27001:A.8.32"]
warn contains v if {
	_mode == "warn"
	some set in [_too_many_files, _too_many_lines]
	some v in set
}

# METADATA
# title: Several services touched
# description: >-
#   The patch touches more services than max_services; a fix for one
#   failure should stay in the failing service.
# custom:
#   id: patch-risk/many-services
#   severity: medium
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "ISO27001:A.8.32"]
require_approval contains v if {
	_mode == "require_approval"
	some v in _many_services
}

# METADATA
# title: Several services touched
# description: The patch touches more services than max_services.
# custom:
#   id: patch-risk/many-services
#   severity: medium
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM", "ISO27001:A.8.32"]
warn contains v if {
	_mode == "warn"
	some v in _many_services
}

# METADATA
# title: Change outside the failing module
# description: >-
#   The patch changes files outside the directory of the failure named in
#   error_context (module, else the directory of file); tests excepted.
# custom:
#   id: patch-risk/outside-failing-module
#   severity: medium
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some v in _outside
}

# METADATA
# title: Change outside the failing module
# description: The patch changes files outside the directory of the failure.
# custom:
#   id: patch-risk/outside-failing-module
#   severity: medium
#   controls: ["SOC2:CC8.1", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some v in _outside
}
