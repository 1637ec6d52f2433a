package gov.builtin.risk_test

import data.gov.builtin.risk

test_level_is_the_computed_level if {
	risk.level == "high" with input as {"risk_level": "high"}
}

test_level_undefined_without_input if {
	not risk.level with input as {}
}
