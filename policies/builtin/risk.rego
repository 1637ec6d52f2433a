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

# The thresholds are rules, not function calls, so that each is computed
# once per evaluation.
_high_lines := n if {
	n := object.get(_config, "high_lines", 0)
	n > 0
}

else := 300

_medium_lines := n if {
	n := object.get(_config, "medium_lines", 0)
	n > 0
}

else := 50

_changed := input.patch.stats.additions + input.patch.stats.deletions

_size := 2 if _changed >= _high_lines

else := 1 if _changed >= _medium_lines

else := 0

_risk_paths := array.concat(default_paths, object.get(_config, "high_risk_paths", []))

# _risk_globs are the high-risk path globs, a leading "**/" also without it
# (it matches at the top level too), computed once so that the per-file test
# is one builtin call rather than a function call.
_risk_globs contains p if some p in _risk_paths

_risk_globs contains substring(p, 3, -1) if {
	some p in _risk_paths
	startswith(p, "**/")
}

_paths := 2 if {
	some f in input.patch.files
	some x in [f.path, object.get(f, "old_path", "")]
	some p in _risk_globs
	glob.match(p, ["/"], x)
}

else := 0

_production := 1 if input.request.environment == "production"

else := 0

_critical_service := 1 if input.request.service_name in object.get(_config, "critical_services", [])

else := 0
