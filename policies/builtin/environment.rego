# Package gov.builtin.environment asks for approval of every change to an
# environment whose gov.cue entry sets require_approval.
package gov.builtin.environment

# METADATA
# title: Environment requires approval
# description: Changes to an environment with require_approval need an approval workflow.
# custom:
#   id: gov.builtin.environment/require-approval
#   severity: medium
require_approval contains msg if {
	env := input.request.environment
	data.gov.config.environments[env].require_approval == true
	msg := sprintf("%s changes require approval", [env])
}
