package gov.builtin.risk_test

import data.gov.builtin.risk

_files(paths) := [{"path": p, "added": []} | some p in paths]

_input(env, service, paths, changed) := {
	"request": {"environment": env, "service_name": service},
	"patch": {"files": _files(paths), "stats": {"files": count(paths), "additions": changed, "deletions": 0}},
}

_level(inp, cfg) := l if {
	l := risk.level with input as inp with data.gov.config as cfg
}

test_small_staging_change_is_low if {
	_level(_input("staging", "api", ["app/x.py"], 3), {}) == "low"
}

test_size_thresholds if {
	_level(_input("staging", "api", ["app/x.py"], 50), {}) == "medium"
	_level(_input("staging", "api", ["app/x.py"], 300), {}) == "high"
	_level(_input("staging", "api", ["app/x.py"], 10), {"risk": {"medium_lines": 10}}) == "medium"
	_level(_input("staging", "api", ["app/x.py"], 20), {"risk": {"medium_lines": 10, "high_lines": 20}}) == "high"
}

test_production_raises if {
	_level(_input("production", "api", ["app/x.py"], 3), {}) == "medium"
}

test_paths if {
	_level(_input("staging", "api", ["auth/login.go"], 1), {}) == "high"
	_level(_input("staging", "api", ["db/migrations/001.sql"], 1), {}) == "high"
	_level(_input("staging", "api", ["migrations/001.sql"], 1), {}) == "high"
	_level(_input("staging", "api", ["pay/x.go"], 1), {"risk": {"high_risk_paths": ["pay/**"]}}) == "high"
}

test_critical_is_capped if {
	cfg := {"risk": {"critical_services": ["billing"]}}
	_level(_input("production", "billing", ["infra/main.tf"], 1000), cfg) == "critical"
	_level(_input("staging", "billing", ["app/x.py"], 1), cfg) == "medium"
}

test_old_path_counts if {
	inp := {
		"request": {"environment": "staging"},
		"patch": {"files": [{"path": "lib/x.go", "old_path": "auth/x.go", "added": []}], "stats": {"files": 1, "additions": 0, "deletions": 0}},
	}
	_level(inp, {}) == "high"
}
