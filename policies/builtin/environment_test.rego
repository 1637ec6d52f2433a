package gov.builtin.environment_test

import data.gov.builtin.environment

_config := {"environments": {"production": {"require_approval": true}, "staging": {}}}

test_production_requires_approval if {
	r := environment.require_approval with input.request.environment as "production" with data.gov.config as _config
	r == {"production changes require approval"}
}

test_staging_does_not if {
	r := environment.require_approval with input.request.environment as "staging" with data.gov.config as _config
	count(r) == 0
}

test_unknown_environment_does_not if {
	r := environment.require_approval with input.request.environment as "dev" with data.gov.config as _config
	count(r) == 0
}
