# Package gov.lib.kubernetes.workloads flags Kubernetes workloads made less
# safe by a patch: privileged containers, host namespaces, hostPath volumes,
# added Linux capabilities, images on :latest or without a digest, images
# from registries not allowed, and removed resource limits.
#
# An offending added line of a YAML/JSON file is reported. When the file's
# post-patch content is known (input.patch.files[].parsed: one document, or
# a list for a multi-document YAML) a line counts only if the decoded
# manifests confirm it (e.g. privileged: true of a container); otherwise
# the line alone decides.
#
# Parameters (library: families: kubernetes: ...):
#   enabled              false turns the family off
#   require_approval_in  environments where these rules require approval
#                        (default ["production"]); elsewhere they warn
#   allowed_registries   registries images may come from (e.g. ["ghcr.io/acme",
#                        "123456789.dkr.ecr.us-east-1.amazonaws.com"]);
#                        empty (the default) allows any

# METADATA
# scope: package
# custom:
#   applies_to:
#     languages: ["yaml", "json"]
package gov.lib.kubernetes.workloads

import data.gov.lib.util

_needles := ["privileged", "host", "add:", "image:", "ALL", "SYS_", "NET_", "DAC_", "BPF", "PERFMON"]

_patterns := {
	"privileged": `^\s*(-\s*)?privileged:\s*["']?true`,
	"host-namespace": `^\s*(-\s*)?host(Network|PID|IPC):\s*["']?true`,
	"host-path": `^\s*(-\s*)?hostPath:`,
	"capabilities": `^\s*(-\s*)?add:\s*\[\s*["']?[A-Z]|^\s*-\s*["']?(ALL|SYS_ADMIN|NET_ADMIN|NET_RAW|SYS_PTRACE|SYS_MODULE|DAC_OVERRIDE|DAC_READ_SEARCH|SYS_RAWIO|BPF|PERFMON)["']?\s*$`,
}

_messages := {
	"privileged": "privileged container",
	"host-namespace": "shares a host namespace",
	"host-path": "mounts a hostPath volume",
	"capabilities": "adds Linux capabilities",
}

_image := `^\s*(-\s*)?image:\s*["']?([^"'\s#]+)`

_mode := util.modes["kubernetes"]

_file_idx contains i if {
	_mode != "off"
	some i, f in input.patch.files
	f.language in {"yaml", "json"}
	not startswith(f.path, ".github/")
}

_files := {input.patch.files[i] | some i in _file_idx}

_candidates contains [input.patch.files[i], h] if {
	some i in _file_idx
	some h in util.lines_with({i}, _needles)
}

_found contains [rule, util.at(h, sprintf("%s: %s", [_messages[rule], util.excerpt(h[2])]))] if {
	some [f, h] in _candidates
	some rule, pattern in _patterns
	regex.match(pattern, h[2])
	_confirmed(rule, f)
}

_found contains [rule, util.at(h, sprintf("image %s %s", [image, why]))] if {
	some [f, h] in _candidates
	image := regex.find_all_string_submatch_n(_image, h[2], 1)[0][2]
	not contains(image, "@sha256:")
	not contains(image, "{{")
	[rule, why] := _unpinned(image)
}

_found contains ["image-registry", util.at(h, sprintf("image %s is not from an allowed registry (%s)", [image, concat(", ", allowed)]))] if {
	allowed := util.param("kubernetes", "allowed_registries", [])
	count(allowed) > 0
	some [_, h] in _candidates
	image := regex.find_all_string_submatch_n(_image, h[2], 1)[0][2]
	not contains(image, "{{")
	not _allowed(image, allowed)
}

_allowed(image, allowed) if {
	some r in allowed
	startswith(image, concat("", [trim_suffix(r, "/"), "/"]))
}

_unpinned(image) := ["image-latest", "uses the :latest tag"] if endswith(image, ":latest")

else := ["image-latest", "has no tag (means :latest)"] if not regex.match(`:[\w][\w.\-]*$`, image)

else := ["image-not-pinned", "is not pinned by digest (@sha256:...)"]

# Resource limits are removed when a removed line says limits: and no added
# line does; with known content, when some container has no limits left.
_found contains ["limits-removed", util.at_file(f, sprintf("removes resource limits in %s", [f.path]))] if {
	some f in _files
	f.status != "deleted"
	some l in f.removed
	regex.match(`^\s*limits:`, l.text)
	not _adds_limits(f)
	_confirmed("limits-removed", f)
}

_adds_limits(f) if {
	some l in f.added
	regex.match(`^\s*limits:`, l.text)
}

# _confirmed holds when f's content is unknown, or its manifests show the rule's problem.
_confirmed(_, f) if object.get(f, "parsed", null) == null

_confirmed("privileged", f) if {
	some c in _containers(f)
	c.securityContext.privileged == true
}

_confirmed("host-namespace", f) if {
	some s in _pod_specs(f)
	some k in ["hostNetwork", "hostPID", "hostIPC"]
	s[k] == true
}

_confirmed("host-path", f) if {
	some s in _pod_specs(f)
	some v in s.volumes
	v.hostPath
}

_confirmed("capabilities", f) if {
	some c in _containers(f)
	count(c.securityContext.capabilities.add) > 0
}

_confirmed("limits-removed", f) if {
	some c in _containers(f)
	not c.resources.limits
}

# _pod_specs are the pod specs of f's workload manifests.
_pod_specs(f) := [s |
	some d in util.docs(f)
	s := _pod_spec(d)
]

_pod_spec(d) := d.spec if d.kind == "Pod"

else := d.spec.jobTemplate.spec.template.spec if d.kind == "CronJob"

else := d.spec.template.spec

_containers(f) := [c |
	some s in _pod_specs(f)
	some k in ["containers", "initContainers", "ephemeralContainers"]
	some c in object.get(s, k, [])
]

# METADATA
# title: Privileged container
# description: >-
#   A container is made privileged: it gets every device and capability of
#   the node, so escaping the container is trivial.
# custom:
#   id: kubernetes/privileged
#   severity: critical
#   controls: ["SOC2:CC6.1", "SOC2:CC8.1", "PCI-DSS:2.2.1", "ISO27001:A.8.9", "HIPAA:164.312(a)(1)"]
require_approval contains v if {
	_mode == "require_approval"
	some ["privileged", v] in _found
}

# METADATA
# title: Privileged container
# description: >-
#   A container is made privileged: it gets every device and capability of
#   the node, so escaping the container is trivial.
# custom:
#   id: kubernetes/privileged
#   severity: critical
#   controls: ["SOC2:CC6.1", "SOC2:CC8.1", "PCI-DSS:2.2.1", "ISO27001:A.8.9", "HIPAA:164.312(a)(1)"]
warn contains v if {
	_mode == "warn"
	some ["privileged", v] in _found
}

# METADATA
# title: Host namespace shared
# description: >-
#   A pod is given the node's network, PID or IPC namespace (hostNetwork,
#   hostPID, hostIPC), which exposes the node and its other pods.
# custom:
#   id: kubernetes/host-namespace
#   severity: high
#   controls: ["SOC2:CC6.1", "SOC2:CC8.1", "PCI-DSS:2.2.1", "ISO27001:A.8.9", "HIPAA:164.312(a)(1)"]
require_approval contains v if {
	_mode == "require_approval"
	some ["host-namespace", v] in _found
}

# METADATA
# title: Host namespace shared
# description: >-
#   A pod is given the node's network, PID or IPC namespace (hostNetwork,
#   hostPID, hostIPC), which exposes the node and its other pods.
# custom:
#   id: kubernetes/host-namespace
#   severity: high
#   controls: ["SOC2:CC6.1", "SOC2:CC8.1", "PCI-DSS:2.2.1", "ISO27001:A.8.9", "HIPAA:164.312(a)(1)"]
warn contains v if {
	_mode == "warn"
	some ["host-namespace", v] in _found
}

# METADATA
# title: hostPath volume
# description: >-
#   A pod mounts a directory of the node (hostPath); a compromised container
#   can read or change the node's files.
# custom:
#   id: kubernetes/host-path
#   severity: high
#   controls: ["SOC2:CC6.1", "SOC2:CC8.1", "PCI-DSS:2.2.1", "ISO27001:A.8.9", "HIPAA:164.312(a)(1)"]
require_approval contains v if {
	_mode == "require_approval"
	some ["host-path", v] in _found
}

# METADATA
# title: hostPath volume
# description: >-
#   A pod mounts a directory of the node (hostPath); a compromised container
#   can read or change the node's files.
# custom:
#   id: kubernetes/host-path
#   severity: high
#   controls: ["SOC2:CC6.1", "SOC2:CC8.1", "PCI-DSS:2.2.1", "ISO27001:A.8.9", "HIPAA:164.312(a)(1)"]
warn contains v if {
	_mode == "warn"
	some ["host-path", v] in _found
}

# METADATA
# title: Linux capabilities added
# description: >-
#   A container is granted extra Linux capabilities (SYS_ADMIN, NET_ADMIN,
#   ALL...), widening what a compromise can do.
# custom:
#   id: kubernetes/added-capabilities
#   severity: high
#   controls: ["SOC2:CC6.1", "SOC2:CC8.1", "PCI-DSS:2.2.1", "ISO27001:A.8.9", "HIPAA:164.312(a)(1)"]
require_approval contains v if {
	_mode == "require_approval"
	some ["capabilities", v] in _found
}

# METADATA
# title: Linux capabilities added
# description: >-
#   A container is granted extra Linux capabilities (SYS_ADMIN, NET_ADMIN,
#   ALL...), widening what a compromise can do.
# custom:
#   id: kubernetes/added-capabilities
#   severity: high
#   controls: ["SOC2:CC6.1", "SOC2:CC8.1", "PCI-DSS:2.2.1", "ISO27001:A.8.9", "HIPAA:164.312(a)(1)"]
warn contains v if {
	_mode == "warn"
	some ["capabilities", v] in _found
}

# METADATA
# title: Image on :latest
# description: >-
#   A container image uses :latest or no tag: what runs changes without a
#   change to the manifest and cannot be audited or rolled back.
# custom:
#   id: kubernetes/image-latest
#   severity: medium
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.9", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["image-latest", v] in _found
}

# METADATA
# title: Image on :latest
# description: >-
#   A container image uses :latest or no tag: what runs changes without a
#   change to the manifest and cannot be audited or rolled back.
# custom:
#   id: kubernetes/image-latest
#   severity: medium
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.9", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["image-latest", v] in _found
}

# METADATA
# title: Image not pinned by digest
# description: >-
#   A container image is referenced by tag, not by digest (@sha256:...);
#   tags can be moved to other content.
# custom:
#   id: kubernetes/image-not-pinned
#   severity: low
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.9", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["image-not-pinned", v] in _found
}

# METADATA
# title: Image not pinned by digest
# description: >-
#   A container image is referenced by tag, not by digest (@sha256:...);
#   tags can be moved to other content.
# custom:
#   id: kubernetes/image-not-pinned
#   severity: low
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.9", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["image-not-pinned", v] in _found
}

# METADATA
# title: Image from a registry not allowed
# description: >-
#   A container image comes from a registry outside allowed_registries.
# custom:
#   id: kubernetes/image-registry
#   severity: high
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.9", "SOX:ITGC-CM"]
require_approval contains v if {
	_mode == "require_approval"
	some ["image-registry", v] in _found
}

# METADATA
# title: Image from a registry not allowed
# description: >-
#   A container image comes from a registry outside allowed_registries.
# custom:
#   id: kubernetes/image-registry
#   severity: high
#   controls: ["SOC2:CC8.1", "PCI-DSS:6.3.2", "ISO27001:A.8.9", "SOX:ITGC-CM"]
warn contains v if {
	_mode == "warn"
	some ["image-registry", v] in _found
}

# METADATA
# title: Resource limits removed
# description: >-
#   The patch removes resource limits of a container; one runaway pod can
#   then starve the node.
# custom:
#   id: kubernetes/limits-removed
#   severity: medium
#   controls: ["SOC2:A1.1", "ISO27001:A.8.6", "SOC2:CC8.1"]
require_approval contains v if {
	_mode == "require_approval"
	some ["limits-removed", v] in _found
}

# METADATA
# title: Resource limits removed
# description: >-
#   The patch removes resource limits of a container; one runaway pod can
#   then starve the node.
# custom:
#   id: kubernetes/limits-removed
#   severity: medium
#   controls: ["SOC2:A1.1", "ISO27001:A.8.6", "SOC2:CC8.1"]
warn contains v if {
	_mode == "warn"
	some ["limits-removed", v] in _found
}
