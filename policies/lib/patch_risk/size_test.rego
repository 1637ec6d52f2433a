package gov.lib.patch_risk.size_test

import data.gov.lib.patch_risk.size
import data.gov.lib.util

_in(env, paths, adds, ctx) := {
	"request": {"environment": env, "error_context": ctx},
	"patch": {
		"files": [{"path": p, "status": "modified", "added": [{"line": 1, "text": "x"}], "removed": []} | some p in paths],
		"stats": {"files": count(paths), "additions": adds, "deletions": 0},
	},
}

_msgs(set) := {v.msg | some v in set}

test_too_large_in_production if {
	paths := [sprintf("services/api/f%d.py", [i]) | some i in numbers.range(1, 21)]
	inp := _in("production", paths, 600, {})
	r := size.require_approval with input as inp with data.gov.config as {}
	_msgs(r) == {"changes 21 files (at most 20)", "changes 600 lines (at most 500)"}
	count(size.warn) == 0 with input as inp with data.gov.config as {}
}

test_too_large_warns_in_staging_and_tunes if {
	inp := _in("staging", ["services/api/a.py"], 120, {})
	count(size.warn) == 0 with input as inp with data.gov.config as {}
	cfg := {"library": {"families": {"patch-risk": {"max_lines": 100}}}}
	w := size.warn with input as inp with data.gov.config as cfg
	w == {{"msg": "changes 120 lines (at most 100)"}}
}

test_many_services if {
	inp := _in("production", ["services/api/a.py", "services/billing/b.py", "apps/web/c.ts", "README.md"], 3, {})
	r := size.require_approval with input as inp with data.gov.config as {}
	_msgs(r) == {"touches 3 services: apps/web, services/api, services/billing (at most 1)"}
	cfg := {"library": {"families": {"patch-risk": {"max_services": 3}}}}
	count(size.require_approval) == 0 with input as inp with data.gov.config as cfg
	roots := {"library": {"families": {"patch-risk": {"service_roots": ["svc/*"]}}}}
	count(size.require_approval) == 0 with input as inp with data.gov.config as roots
}

test_one_service_passes if {
	inp := _in("production", ["services/api/a.py", "services/api/db/b.py", "deploy/api.yaml"], 3, {})
	count(size.require_approval) == 0 with input as inp with data.gov.config as {}
}

test_outside_failing_module if {
	ctx := {"file": "services/user_service/handlers.py", "line": 17}
	inp := _in("staging", ["services/user_service/handlers.py", "services/user_service/db/models.py", "services/auth/tokens.py", "tests/test_handlers.py"], 4, ctx)
	w := size.warn with input as inp with data.gov.config as {}
	w == {
		{"msg": "services/auth/tokens.py is outside services/user_service, the module of the failure", "file": "services/auth/tokens.py", "line": 1},
		{"msg": "touches 2 services: services/auth, services/user_service (at most 1)"},
	}
}

test_module_from_error_context if {
	ctx := {"module": "services/user_service/", "file": "services/user_service/db/models.py"}
	inp := _in("production", ["services/user_service/handlers.py", "lib/util.py"], 2, ctx)
	r := size.require_approval with input as inp with data.gov.config as {}
	_msgs(r) == {"lib/util.py is outside services/user_service, the module of the failure"}
}

test_no_module_no_rule if {
	count(size.warn) == 0 with input as _in("staging", ["a.py", "lib/b.py"], 2, {"file": "main.py"}) with data.gov.config as {}
	count(size.warn) == 0 with input as _in("staging", ["a.py", "lib/b.py"], 2, {}) with data.gov.config as {}
}

test_disabled if {
	off := {"library": {"families": {"patch-risk": {"enabled": false}}}}
	paths := [sprintf("services/s%d/f.py", [i]) | some i in numbers.range(1, 30)]
	inp := _in("production", paths, 900, {"file": "services/s1/f.py"})
	count(size.require_approval) == 0 with input as inp with data.gov.config as off
	count(size.warn) == 0 with input as inp with data.gov.config as off
}

test_default_regex_is_the_default_globs if {
	size.default_service_regex == util.globs_prefix_regex(size.default_service_roots)
}
