# Package gov.lib.kubernetes.network flags network exposure added by a
# patch: rules open to any address (0.0.0.0/0 or ::/0) in Kubernetes,
# Terraform or other config, deleted NetworkPolicies, and Services exposed
# as LoadBalancer or NodePort. Known post-patch content (parsed) confirms
# Kubernetes findings as in workloads.rego.
#
# Parameters (library: families: kubernetes: ...): see workloads.rego.

# METADATA
# scope: package
# custom:
#   applies_to:
#     languages: ["yaml", "json", "terraform", "toml"]
package gov.lib.kubernetes.network

import data.gov.lib.util

_open_cidr := `(^|[^0-9.])0\.0\.0\.0/0|(^|[^0-9a-fA-F:])::/0`

_comment := `^\s*(#|//)`

_mode := util.modes["kubernetes"]

_config_files contains f if {
	_mode != "off"
	some f in input.patch.files
	f.language in {"yaml", "json", "terraform", "toml"}
	not startswith(f.path, ".github/")
}

_found contains ["open-cidr", util.at([f.path, l.line, l.text], sprintf("opens access to any address: %s", [util.excerpt(l.text)]))] if {
	some f in _config_files
	some l in f.added
	contains(l.text, "/0")
	regex.match(_open_cidr, l.text)
	not regex.match(_comment, l.text)
}

_found contains ["network-policy-deleted", util.at_file(f, sprintf("deletes NetworkPolicy %s", [f.path]))] if {
	some f in _config_files
	some l in f.removed
	contains(l.text, "NetworkPolicy")
	regex.match(`^\s*kind:\s*["']?NetworkPolicy`, l.text)
	not _still_has_policy(f)
}

_still_has_policy(f) if {
	f.status != "deleted"
	some l in f.added
	contains(l.text, "NetworkPolicy")
	regex.match(`^\s*kind:\s*["']?NetworkPolicy`, l.text)
}

_still_has_policy(f) if {
	f.status != "deleted"
	some d in util.docs(f)
	d.kind == "NetworkPolicy"
}

_found contains ["public-service", util.at([f.path, l.line, l.text], sprintf("exposes a Service outside the cluster: %s", [util.excerpt(l.text)]))] if {
	some f in _config_files
	some l in f.added
	contains(l.text, "type:")
	regex.match(`^\s*type:\s*["']?(LoadBalancer|NodePort)\b`, l.text)
	_is_service(f)
}

_is_service(f) if object.get(f, "parsed", null) == null

_is_service(f) if {
	some d in util.docs(f)
	d.kind == "Service"
	d.spec.type in {"LoadBalancer", "NodePort"}
}

# METADATA
# title: Network open to any address
# description: >-
#   An added ingress or egress rule, firewall, security group or
#   NetworkPolicy allows 0.0.0.0/0 or ::/0: any address on the internet.
# custom:
#   id: kubernetes/open-cidr
#   severity: high
#   controls: ["SOC2:CC6.6", "PCI-DSS:1.3.1", "ISO27001:A.8.20", "HIPAA:164.312(e)(1)", "GDPR:Art.32"]
require_approval contains v if {
	_mode == "require_approval"
	some ["open-cidr", v] in _found
}

# METADATA
# title: Network open to any address
# description: >-
#   An added ingress or egress rule, firewall, security group or
#   NetworkPolicy allows 0.0.0.0/0 or ::/0: any address on the internet.
# custom:
#   id: kubernetes/open-cidr
#   severity: high
#   controls: ["SOC2:CC6.6", "PCI-DSS:1.3.1", "ISO27001:A.8.20", "HIPAA:164.312(e)(1)", "GDPR:Art.32"]
warn contains v if {
	_mode == "warn"
	some ["open-cidr", v] in _found
}

# METADATA
# title: NetworkPolicy deleted
# description: >-
#   The patch deletes a Kubernetes NetworkPolicy, removing the isolation it
#   gave the pods it selected.
# custom:
#   id: kubernetes/network-policy-deleted
#   severity: high
#   controls: ["SOC2:CC6.6", "PCI-DSS:1.3.1", "ISO27001:A.8.20", "HIPAA:164.312(e)(1)", "GDPR:Art.32"]
require_approval contains v if {
	_mode == "require_approval"
	some ["network-policy-deleted", v] in _found
}

# METADATA
# title: NetworkPolicy deleted
# description: >-
#   The patch deletes a Kubernetes NetworkPolicy, removing the isolation it
#   gave the pods it selected.
# custom:
#   id: kubernetes/network-policy-deleted
#   severity: high
#   controls: ["SOC2:CC6.6", "PCI-DSS:1.3.1", "ISO27001:A.8.20", "HIPAA:164.312(e)(1)", "GDPR:Art.32"]
warn contains v if {
	_mode == "warn"
	some ["network-policy-deleted", v] in _found
}

# METADATA
# title: Service exposed outside the cluster
# description: >-
#   A Service becomes type LoadBalancer or NodePort, reachable from outside
#   the cluster.
# custom:
#   id: kubernetes/public-service
#   severity: medium
#   controls: ["SOC2:CC6.6", "PCI-DSS:1.3.1", "ISO27001:A.8.20", "HIPAA:164.312(e)(1)", "GDPR:Art.32"]
require_approval contains v if {
	_mode == "require_approval"
	some ["public-service", v] in _found
}

# METADATA
# title: Service exposed outside the cluster
# description: >-
#   A Service becomes type LoadBalancer or NodePort, reachable from outside
#   the cluster.
# custom:
#   id: kubernetes/public-service
#   severity: medium
#   controls: ["SOC2:CC6.6", "PCI-DSS:1.3.1", "ISO27001:A.8.20", "HIPAA:164.312(e)(1)", "GDPR:Art.32"]
warn contains v if {
	_mode == "warn"
	some ["public-service", v] in _found
}
