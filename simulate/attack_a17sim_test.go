package simulate

import (
	"fmt"
	"maps"
	"testing"
)

// TestAttackA17SimLateGatedReport: in a bundle with more than 64 gated
// packages, the last ones (past engine's maxGated) are evaluated on every
// patch and only their results dropped where their gate does not apply,
// so a candidate whose late Python-gated package fails on every request
// fails every request, not only the Python ones. The report must say so,
// as --evaluate-all does; the delta decided the others alike.
func TestAttackA17SimLateGatedReport(t *testing.T) {
	recs := generated(32)
	base := map[string]string{"gov.cue": v1Config}
	for i := range 70 {
		base[fmt.Sprintf("policies/g%03d.rego", i)] = "# METADATA\n# scope: package\n# custom:\n#   applies_to:\n#     languages: [\"go\"]\n" +
			fmt.Sprintf("package gov.g%03d\n\nwarn contains \"g%d\" if input.request.service_name == \"nope\"\n", i, i)
	}
	base["policies/zz.rego"] = gatedPy("gov.zz", `warn contains "zz"`, "")
	cand := maps.Clone(base)
	cand["policies/zz.rego"] = base["policies/zz.rego"] + "\nwarn contains \"e\" if to_number(input.request.service_name) > 0\n"
	r := simulateBoth(t, engineFor(t, bundleDir(t, cand)), engineFor(t, bundleDir(t, base)), recs)
	if r.Errors != len(recs) || r.Changed != len(recs) {
		t.Errorf("%d error(s), %d changed, want every request (%d) allow -> error:\n%s", r.Errors, r.Changed, len(recs), Text(r))
	}
}
