package gov.lib.cicd.workflows_test

import data.gov.lib.cicd.workflows

_wf(added, parsed) := object.union(
	{
		"path": ".github/workflows/ci.yml", "language": "yaml", "status": "modified",
		"added": [{"line": n, "text": t} | some [n, t] in added], "removed": [],
	},
	_parsed(parsed),
)

_parsed(p) := {} if p == null

else := {"parsed": p}

_in(env, files) := {"request": {"environment": env}, "patch": {"files": files}}

_ra(files) := r if {
	r := workflows.require_approval with input as _in("staging", files) with data.gov.config as {}
}

_lines(r) := {[v.line, v.msg] | some v in r}

_sha := "8e5e7e5ab8b370d6c329ec480221332ada57f0ab"

_prt_added := [
	[3, "  pull_request_target:"],
	[12, sprintf("      - uses: actions/checkout@%s", [_sha])],
	[14, "          ref: ${{ github.event.pull_request.head.sha }}"],
]

test_prt_checkout_from_lines if {
	_lines(_ra([_wf(_prt_added, null)])) == {
		[3, "pull_request_target checks out the pull request head: pull_request_target:"],
		[14, "pull_request_target checks out the pull request head: ref: ${{ github.event.pull_request.head.sha }}"],
	}
}

_prt_doc(on, ref) := {"on": on, "jobs": {"test": {"steps": [{"uses": sprintf("actions/checkout@%s", [_sha]), "with": {"ref": ref}}, {"run": "make test"}]}}}

test_prt_checkout_from_parsed_workflow if {
	added := [[14, "          ref: ${{ github.event.pull_request.head.sha }}"]]
	every on in ["pull_request_target", ["push", "pull_request_target"], {"pull_request_target": null}, {"pull_request_target": {"types": ["opened"]}}] {
		count(_ra([_wf(added, _prt_doc(on, "${{ github.event.pull_request.head.sha }}"))])) == 1
	}
	count(_ra([_wf(added, _prt_doc("pull_request", "${{ github.event.pull_request.head.sha }}"))])) == 0
	count(_ra([_wf([[3, "  pull_request_target:"]], _prt_doc({"pull_request_target": null}, "main"))])) == 0
}

test_permissions if {
	added := [[5, "permissions: write-all"], [8, "  contents: write"], [9, "  id-token: write"], [10, "  pull-requests: read"]]
	_lines(_ra([_wf(added, null)])) == {
		[5, "grants write-all permissions: permissions: write-all"],
		[8, "grants a write permission: contents: write"],
		[9, "grants a write permission: id-token: write"],
	}
}

test_unpinned_actions if {
	added := [
		[10, "      - uses: actions/setup-python@v5"],
		[11, "      - uses: tj-actions/changed-files@main"],
		[12, sprintf("      - uses: actions/checkout@%s # v4", [_sha])],
		[13, "      - uses: ./.github/actions/build"],
		[14, "      - uses: docker://alpine@sha256:abc"],
	]
	_lines(_ra([_wf(added, null)])) == {
		[10, "action actions/setup-python@v5 is not pinned to a commit SHA"],
		[11, "action tj-actions/changed-files@main is not pinned to a commit SHA"],
	}
	cfg := {"library": {"families": {"cicd": {"trusted_owners": ["actions"]}}}}
	r := workflows.require_approval with input as _in("staging", [_wf(added, null)]) with data.gov.config as cfg
	count(r) == 1
}

test_secrets_echoed_and_script_injection if {
	added := [
		[20, "      - run: echo \"token=${{ secrets.DEPLOY_TOKEN }}\""],
		[21, "          printf '%s' \"${{ secrets.NPM_TOKEN }}\" > .npmrc"],
		[22, "        env:"],
		[23, "          TOKEN: ${{ secrets.DEPLOY_TOKEN }}"],
		[24, "      - run: echo \"${{ github.event.issue.title }}\""],
		[25, "          git checkout ${{ github.head_ref }}"],
		[26, "          ref: ${{ github.head_ref }}"],
		[27, "        if: contains(github.event.pull_request.title, 'x')"],
	]
	_lines(_ra([_wf(added, null)])) == {
		[20, "prints a secret to the log: - run: echo \"token=${{ secrets.DEPLOY_TOKEN }}\""],
		[21, "prints a secret to the log: printf '%s' \"${{ secrets.NPM_TOKEN }}\" > .npmrc"],
		[24, "interpolates untrusted input into a script: - run: echo \"${{ github.event.issue.title }}\""],
		[25, "interpolates untrusted input into a script: git checkout ${{ github.head_ref }}"],
	}
}

test_remote_script if {
	added := [[22, "      - run: curl -sSL https://example.com/upload.sh | bash"], [23, "      - run: curl -sSL -o x.sh https://example.com/x.sh"]]
	_lines(_ra([_wf(added, null)])) == {[22, "pipes a download into a shell: - run: curl -sSL https://example.com/upload.sh | bash"]}
}

test_modes_and_other_files if {
	files := [_wf([[5, "permissions: write-all"]], null)]
	cfg := {"library": {"families": {"cicd": {"require_approval_in": ["production"]}}}}
	count(workflows.warn) == 1 with input as _in("staging", files) with data.gov.config as cfg
	count(workflows.require_approval) == 0 with input as _in("staging", files) with data.gov.config as cfg
	off := {"library": {"families": {"cicd": {"enabled": false}}}}
	count(workflows.require_approval) == 0 with input as _in("staging", files) with data.gov.config as off
	other := object.union(files[0], {"path": "deploy/ci.yml"})
	count(_ra([other])) == 0
}
