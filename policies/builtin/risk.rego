# Package gov.builtin.risk gives the risk level gov computed (engine/risk.go,
# from gov.cue's risk settings) as data.gov.builtin.risk.level, the name
# policies used before it became input.risk_level.
package gov.builtin.risk

level := input.risk_level
