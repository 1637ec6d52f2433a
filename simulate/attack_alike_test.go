package simulate

import (
	"strings"
	"testing"
	"time"

	"github.com/gov-policy/gov/evidence"
)

// Attacks on deciding a request alike from the packages that differ
// alone (engine.Delta.Alike): each candidate changes an outcome in a way
// the comparison must see, and the report must be the one evaluating
// every request in full (simulateBoth), with the change reported. The
// bundles have the library off, and a Python-gated package whose
// require_approval fires on Python fixes ("None" in an added line).

// gatedPy is a Python-gated package asking approval for each added line
// holding "None", with the element body given.
func gatedPy(pkg, head, body string) string {
	return `# METADATA
# scope: package
# custom:
#   applies_to:
#     languages: ["python"]
package ` + pkg + `

` + head + ` if {
	some f in input.patch.files
	some l in f.added
	contains(l.text, "None")
` + body + `}
`
}

const opsWorkflow = `workflows: ops: stages: [{name: "ops", approver_roles: ["sre"], min_approvals: 1}]
`

const sreRole = `roles: sre: {members: ["user:alice"], permissions: ["approve"]}
`

func TestAttackAlikeHiddenChanges(t *testing.T) {
	recs := generated(48)
	// A record with an environment the bundles do not define fails to
	// evaluate under both: it is an error, never unchanged.
	bad := recs[3]
	bad.Request.Environment = "moon"
	bad.Request.RequestID = "req-unknown-env"
	recs = append(recs, bad)

	withWorkflow := func(files map[string]string) map[string]string {
		files["gov.cue"] = v1Config
		files["workflows.cue"] = opsWorkflow
		files["roles.cue"] = sreRole
		return files
	}
	asks := func(workflow string) string {
		return gatedPy("gov.custom.py", "require_approval contains {\"msg\": \"None returned\", \"workflow\": \""+workflow+"\"}", "")
	}
	for _, tc := range []struct {
		name                string
		baseline, candidate map[string]string
		// errors: requests failing under the candidate (besides the unknown environment)
		errors bool
	}{
		{
			// The decision stays require_approval; the workflow the rule
			// names is one the bundle does not define: an error.
			name:      "only the workflow a rule names",
			baseline:  withWorkflow(map[string]string{"policies/py.rego": asks("ops")}),
			candidate: withWorkflow(map[string]string{"policies/py.rego": asks("nowhere")}),
			errors:    true,
		},
		{
			// An exception waives custom/*; the candidate renames the
			// rule in its METADATA only: the same message now counts.
			name: "only the rule id an exception names",
			baseline: map[string]string{"gov.cue": v1Config, "exceptions.cue": exceptionFor("custom/*"), "policies/keep.rego": keepRego,
				"policies/py.rego": withRuleID("custom/none")},
			candidate: map[string]string{"gov.cue": v1Config, "exceptions.cue": exceptionFor("custom/*"), "policies/keep.rego": keepRego,
				"policies/py.rego": withRuleID("other/none")},
		},
		{
			// The candidate's package fails on every Python patch.
			name:      "an error under the candidate only",
			baseline:  map[string]string{"gov.cue": v1Config, "policies/py.rego": gatedPy("gov.custom.py", `warn contains "None returned"`, "")},
			candidate: map[string]string{"gov.cue": v1Config, "policies/py.rego": gatedPy("gov.custom.py", `warn contains "None returned"`, "\tto_number(input.request.service_name) > 0\n")},
			errors:    true,
		},
		{
			// The change is in a helper package read by the gated one.
			name: "a change read through another package",
			baseline: map[string]string{"gov.cue": v1Config, "policies/helper.rego": "package gov.helper\n\nlevel := \"warn\"\n",
				"policies/py.rego": gatedPy("gov.custom.py", `require_approval contains "None returned"`, "\tdata.gov.helper.level == \"deny\"\n")},
			candidate: map[string]string{"gov.cue": v1Config, "policies/helper.rego": "package gov.helper\n\nlevel := \"deny\"\n",
				"policies/py.rego": gatedPy("gov.custom.py", `require_approval contains "None returned"`, "\tdata.gov.helper.level == \"deny\"\n")},
		},
		{
			// The change is a rule added to the gated package's document
			// from a subpackage.
			name:      "a change through a package prefix",
			baseline:  map[string]string{"gov.cue": v1Config, "policies/py.rego": gatedPy("gov.custom.py", `require_approval contains "None returned"`, "\tnot data.gov.custom.py.sub.off\n")},
			candidate: map[string]string{"gov.cue": v1Config, "policies/py.rego": gatedPy("gov.custom.py", `require_approval contains "None returned"`, "\tnot data.gov.custom.py.sub.off\n"), "policies/sub.rego": "package gov.custom.py.sub\n\noff := true\n"},
		},
		{
			// Only the enforcement: the candidate's message is the same,
			// its action not (deny -> warn).
			name:      "only the action",
			baseline:  map[string]string{"gov.cue": v1Config, "policies/py.rego": gatedPy("gov.custom.py", `deny contains "None returned"`, "")},
			candidate: map[string]string{"gov.cue": v1Config, "policies/py.rego": gatedPy("gov.custom.py", `warn contains "None returned"`, "")},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			baseline := engineFor(t, bundleDir(t, tc.baseline))
			candidate := engineFor(t, bundleDir(t, tc.candidate))
			r := simulateBoth(t, candidate, baseline, recs)
			if r.Compared == 0 {
				t.Errorf("no request decided alike by comparing (%+v): the attack does not reach Alike", r.Delta)
			}
			if r.Changed == 0 {
				t.Errorf("no change reported:\n%s", Text(r))
			}
			wantErrors := 1 // the unknown environment
			if tc.errors {
				wantErrors = 1 + countPython(recs)
			}
			if r.Errors != wantErrors {
				t.Errorf("%d error(s), want %d:\n%s", r.Errors, wantErrors, Text(r))
			}
			found := false
			for _, c := range r.Changes {
				found = found || (c.RequestID == "req-unknown-env" && c.From == Error && c.To == Error)
			}
			if !found {
				t.Errorf("the request with an unknown environment is not reported error -> error:\n%s", Text(r))
			}
		})
	}
}

// exceptionFor waives rule (a pattern) on every path for 30 days from
// now (after every generated record).
func exceptionFor(rule string) string {
	expires := time.Now().AddDate(0, 0, 30).Format(time.DateOnly)
	return "exceptions: [{rule: \"" + rule + "\", paths: [\"**\"], expires: \"" + expires + "\", reason: \"r\", approved_by: \"user:carol\"}]\n"
}

// keepRego keeps a custom/ rule in both bundles (an exception's pattern
// must name some rule); it never fires.
const keepRego = "package gov.keep\n\n# METADATA\n# custom:\n#   id: custom/keep\ndeny contains \"never\" if input.request.service_name == \"\"\n"

// withRuleID is the gated package asking approval, its rule named id.
func withRuleID(id string) string {
	return strings.Replace(gatedPy("gov.custom.py", `require_approval contains {"msg": "None returned", "file": "src/x.py"}`, ""),
		"package gov.custom.py\n\n", "package gov.custom.py\n\n# METADATA\n# custom:\n#   id: "+id+"\n", 1)
}

// countPython counts the records adding a line with "None" to a Python file.
func countPython(recs []evidence.Record) int {
	n := 0
	for _, r := range recs {
		if strings.Contains(r.Request.PatchContent, ".py\n") && strings.Contains(r.Request.PatchContent, "\n+    if item is None") {
			n++
		}
	}
	return n
}
