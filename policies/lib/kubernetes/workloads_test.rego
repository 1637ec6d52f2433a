package gov.lib.kubernetes.workloads_test

import data.gov.lib.kubernetes.workloads

_file(path, added, removed, parsed) := object.union(
	{
		"path": path, "language": "yaml", "status": "modified",
		"added": [{"line": n, "text": t} | some [n, t] in added],
		"removed": [{"line": n, "text": t} | some [n, t] in removed],
	},
	_parsed(parsed),
)

_parsed(p) := {} if p == null

else := {"parsed": p}

_in(env, files) := {"request": {"environment": env}, "patch": {"files": files}}

_ra(files) := r if {
	r := workloads.require_approval with input as _in("production", files) with data.gov.config as {}
}

_deployment(container, extra) := {
	"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
	"spec": {"template": {"spec": object.union({"containers": [container]}, extra)}},
}

_going_privileged := [
	[20, "          securityContext:"],
	[21, "            privileged: true"],
	[22, "      hostNetwork: true"],
	[30, "        - name: docker-sock"],
	[31, "          hostPath:"],
	[32, "            path: /var/run/docker.sock"],
	[25, "              add: [\"NET_ADMIN\"]"],
	[26, "                - SYS_ADMIN"],
]

test_line_fallback_without_content if {
	r := _ra([_file("deploy/api.yaml", _going_privileged, [], null)])
	{[v.line, v.msg] | some v in r} == {
		[21, "privileged container: privileged: true"],
		[22, "shares a host namespace: hostNetwork: true"],
		[31, "mounts a hostPath volume: hostPath:"],
		[25, "adds Linux capabilities: add: [\"NET_ADMIN\"]"],
		[26, "adds Linux capabilities: - SYS_ADMIN"],
	}
}

test_parsed_manifest_confirms if {
	c := {"name": "api", "image": "api@sha256:abc", "securityContext": {"privileged": true, "capabilities": {"add": ["NET_ADMIN"]}}}
	doc := _deployment(c, {"hostNetwork": true, "volumes": [{"name": "docker-sock", "hostPath": {"path": "/var/run/docker.sock"}}]})
	r := _ra([_file("deploy/api.yaml", _going_privileged, [], [{"kind": "ConfigMap"}, doc])])
	count(r) == 5
}

test_parsed_manifest_refutes if {
	# The lines are there, but not as settings of a workload (e.g. a ConfigMap of examples).
	doc := {"apiVersion": "v1", "kind": "ConfigMap", "data": {"example": "privileged: true"}}
	count(_ra([_file("deploy/examples.yaml", _going_privileged, [], doc)])) == 0
	pod := {"kind": "Pod", "spec": {"containers": [{"name": "a", "securityContext": {"privileged": false}}], "hostPID": false}}
	count(_ra([_file("deploy/pod.yaml", [[3, "    privileged: true"], [4, "  hostPID: true"]], [], pod)])) == 0
}

test_cronjob_and_pod_specs if {
	cj := {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"hostPID": true, "containers": []}}}}}}
	count(_ra([_file("deploy/cron.yaml", [[9, "          hostPID: true"]], [], cj)])) == 1
	pod := {"kind": "Pod", "spec": {"containers": [{"name": "a", "securityContext": {"privileged": true}}]}}
	count(_ra([_file("deploy/pod.yaml", [[3, "      privileged: true"]], [], pod)])) == 1
}

test_images if {
	added := [
		[10, "        image: nginx:latest"],
		[11, "        image: \"redis\""],
		[12, "      - image: ghcr.io/acme/api:1.4.2"],
		[13, "        image: ghcr.io/acme/api:1.4.2@sha256:0123abcd"],
		[14, "        image: {{ .Values.image }}"],
	]
	r := _ra([_file("deploy/api.yaml", added, [], null)])
	{[v.line, v.msg] | some v in r} == {
		[10, "image nginx:latest uses the :latest tag"],
		[11, "image redis has no tag (means :latest)"],
		[12, "image ghcr.io/acme/api:1.4.2 is not pinned by digest (@sha256:...)"],
	}
}

test_allowed_registries if {
	cfg := {"library": {"families": {"kubernetes": {"allowed_registries": ["ghcr.io/acme/"]}}}}
	added := [[10, "        image: docker.io/evil/miner@sha256:00ff"], [11, "        image: ghcr.io/acme/api@sha256:00ff"]]
	r := workloads.require_approval with input as _in("production", [_file("k8s/a.yaml", added, [], null)]) with data.gov.config as cfg
	r == {{"msg": "image docker.io/evil/miner@sha256:00ff is not from an allowed registry (ghcr.io/acme/)", "file": "k8s/a.yaml", "line": 10}}
}

test_limits_removed if {
	removed := [[26, "            limits:"], [27, "              cpu: \"1\""]]
	r := _ra([_file("deploy/api.yaml", [[20, "        image: api@sha256:00"]], removed, null)])
	r == {{"msg": "removes resource limits in deploy/api.yaml", "file": "deploy/api.yaml", "line": 20}}
	moved := [[30, "            limits:"]]
	count(_ra([_file("deploy/api.yaml", moved, removed, null)])) == 0
	kept := _deployment({"name": "api", "image": "x@sha256:0", "resources": {"limits": {"cpu": "1"}}}, {})
	count(_ra([_file("deploy/api.yaml", [], removed, kept)])) == 0
	gone := _deployment({"name": "api", "image": "x@sha256:0", "resources": {}}, {})
	count(_ra([_file("deploy/api.yaml", [], removed, gone)])) == 1
}

test_warns_outside_production_and_disabled if {
	files := [_file("deploy/api.yaml", _going_privileged, [], null)]
	count(workloads.warn) == 5 with input as _in("staging", files) with data.gov.config as {}
	off := {"library": {"families": {"kubernetes": {"enabled": false}}}}
	count(workloads.require_approval) == 0 with input as _in("production", files) with data.gov.config as off
	wf := [object.union(_file(".github/workflows/ci.yml", [[3, "    privileged: true"]], [], null), {"path": ".github/workflows/ci.yml"})]
	count(_ra(wf)) == 0
}
