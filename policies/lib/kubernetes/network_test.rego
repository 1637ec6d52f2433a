package gov.lib.kubernetes.network_test

import data.gov.lib.kubernetes.network

_file(path, lang, status, added, removed) := {
	"path": path, "language": lang, "status": status,
	"added": [{"line": n, "text": t} | some [n, t] in added],
	"removed": [{"line": n, "text": t} | some [n, t] in removed],
}

_in(env, files) := {"request": {"environment": env}, "patch": {"files": files}}

_ra(files) := r if {
	r := network.require_approval with input as _in("production", files) with data.gov.config as {}
}

test_open_cidr if {
	files := [
		_file("deploy/netpol.yaml", "yaml", "modified", [[14, "        - ipBlock:"], [15, "            cidr: 0.0.0.0/0"]], []),
		_file("infra/sg.tf", "terraform", "modified", [[8, "    cidr_blocks = [\"0.0.0.0/0\"]"], [9, "    ipv6_cidr_blocks = [\"::/0\"]"], [10, "  # never 0.0.0.0/0 here"]], []),
		_file("infra/vpc.tf", "terraform", "modified", [[3, "  cidr_block = \"10.0.0.0/16\""], [4, "  cidr = \"10.0.0.0/0\""]], []),
	]
	r := _ra(files)
	{[v.file, v.line] | some v in r} == {["deploy/netpol.yaml", 15], ["infra/sg.tf", 8], ["infra/sg.tf", 9]}
	some v in r
	v.msg == "opens access to any address: cidr: 0.0.0.0/0"
}

test_network_policy_deleted if {
	del := _file("deploy/netpol.yaml", "yaml", "deleted", [], [[1, "apiVersion: networking.k8s.io/v1"], [2, "kind: NetworkPolicy"]])
	_ra([del]) == {{"msg": "deletes NetworkPolicy deploy/netpol.yaml", "file": "deploy/netpol.yaml"}}
	edited := _file("deploy/all.yaml", "yaml", "modified", [[40, "kind: Service"]], [[40, "kind: NetworkPolicy"]])
	count(_ra([edited])) == 1
	kept := object.union(edited, {"parsed": [{"kind": "NetworkPolicy"}]})
	count(_ra([kept])) == 0
	moved := _file("deploy/all.yaml", "yaml", "modified", [[3, "kind: NetworkPolicy"]], [[40, "kind: NetworkPolicy"]])
	count(_ra([moved])) == 0
}

test_public_service if {
	f := _file("deploy/svc.yaml", "yaml", "modified", [[9, "  type: LoadBalancer"]], [[9, "  type: ClusterIP"]])
	_ra([f]) == {{"msg": "exposes a Service outside the cluster: type: LoadBalancer", "file": "deploy/svc.yaml", "line": 9}}
	svc := object.union(f, {"parsed": {"kind": "Service", "spec": {"type": "LoadBalancer"}}})
	count(_ra([svc])) == 1
	other := object.union(f, {"parsed": {"kind": "ConfigMap", "data": {"type": "LoadBalancer"}}})
	count(_ra([other])) == 0
}

test_warn_disabled_and_workflows if {
	files := [_file("k8s/np.yaml", "yaml", "modified", [[3, "    cidr: 0.0.0.0/0"]], [])]
	count(network.warn) == 1 with input as _in("staging", files) with data.gov.config as {}
	off := {"library": {"families": {"kubernetes": {"enabled": false}}}}
	count(network.require_approval) == 0 with input as _in("production", files) with data.gov.config as off
	count(_ra([_file(".github/workflows/x.yml", "yaml", "modified", [[3, "    cidr: 0.0.0.0/0"]], [])])) == 0
	count(_ra([_file("app/x.py", "python", "modified", [[3, "ANY = '0.0.0.0/0'"]], [])])) == 0
}
