package server

import (
	"net/http"
	"testing"

	"github.com/gov-policy/gov/internal/gittest"
)

// shallowConflict compiles, decides the reload canary (one change to
// app/main.py, no findings), and fails at evaluation on any other patch:
// a complete rule with conflicting values once a file other than the
// canary's is touched.
const shallowConflict = `package gov.custom.requester

g := 1 if { some f in input.patch.files; f.path != "app/main.py" }

g := 2 if { some f in input.patch.files; f.path != "app/main.py" }

warn contains "never" if g == 3
`

// A revision that cannot decide real requests passes the reload check
// (one canary patch) and is swapped in: every later decision is a 500.
func TestAttackA13ReloadCanaryTooShallow(t *testing.T) {
	repo := gittest.New(t)
	repo.Commit("policy", policyVersion("v1 by"))
	s := newTestServer(t, Config{Bundle: repo.Dir + "@master"})
	h := s.Handler()
	evalMessage(t, h)
	repo.Commit("policy", map[string]string{"policies/requester.rego": shallowConflict})
	err := s.Reload(t.Context())
	code, out := call(t, h, http.MethodPost, "/v1/eval", bearer(testToken), []byte(`{"requested_by":"bot","environment":"staging","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`))
	if err == nil && code != http.StatusOK {
		t.Errorf("revision that cannot decide was swapped in (reload error nil); /v1/eval now answers %d %s", code, out)
	}
}
