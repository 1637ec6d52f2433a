# Package gov.builtin.risk computes the risk level of a change.
#
# level = levels[min(3, max(size, paths) + production + critical_service)]
# with levels = low, medium, high, critical and
#   size             2 when additions+deletions >= risk.high_lines (default 300),
#                    1 when >= risk.medium_lines (default 50), else 0;
#   paths            2 when a changed path (or its old path) matches
#                    risk.high_risk_paths or a default high-risk path, else 0;
#   production       1 when the environment is "production";
#   critical_service 1 when service_name is in risk.critical_services.
# A policy may override the result by defining risk_level in its package.
package gov.builtin.risk

levels := ["low", "medium", "high", "critical"]

default_paths := ["auth/**", "infra/**", ".github/workflows/**", "**/migrations/**"]

level := levels[score]

score := min([3, ((max([_size, _paths]) + _production) + _critical_service)])

_config := object.get(data.gov.config, "risk", {})

_threshold(key, fallback) := n if {
	n := object.get(_config, key, 0)
	n > 0
}

else := fallback

_changed := input.patch.stats.additions + input.patch.stats.deletions

_size := 2 if _changed >= _threshold("high_lines", 300)

else := 1 if _changed >= _threshold("medium_lines", 50)

else := 0

_risk_paths := array.concat(default_paths, object.get(_config, "high_risk_paths", []))

_paths := 2 if {
	some f in input.patch.files
	some p in _risk_paths
	some x in [f.path, object.get(f, "old_path", "")]
	_glob(p, x)
}

else := 0

_production := 1 if input.request.environment == "production"

else := 0

_critical_service := 1 if input.request.service_name in object.get(_config, "critical_services", [])

else := 0

_glob(p, x) if glob.match(p, ["/"], x)

_glob(p, x) if {
	startswith(p, "**/")
	glob.match(substring(p, 3, -1), ["/"], x)
}
