package server

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// A secret in the path of a file that also holds a found secret: the
// findings (rule, file, line) are recorded without redaction, so the path's
// secret lands raw in the audit record.
func TestAttackA13RecordFindingPathSecret(t *testing.T) {
	pat := a13Kind(t, "github-pat")
	aws := a13Kind(t, "aws-access-key-id")
	audit := t.TempDir()
	s := newTestServer(t, Config{AuditDir: audit})
	path := "cfg/" + aws.Secret + "/settings.py"
	diff := "diff --git a/" + path + " b/" + path + "\nnew file mode 100644\n--- /dev/null\n+++ b/" + path + "\n@@ -0,0 +1,1 @@\n+TOKEN = \"" + pat.Secret + "\"\n"
	body := mustJSON(t, map[string]any{"environment": "staging", "patch_content": diff})
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), body)
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, out)
	}
	a13NoRaw(t, "200 answer", string(out), pat.Secret, aws.Secret)
	n := 0
	_ = filepath.WalkDir(audit, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
			b, _ := os.ReadFile(p)
			a13NoRaw(t, "audit file "+filepath.Base(p), string(b), pat.Secret, aws.Secret)
		}
		return nil
	})
	if n == 0 {
		t.Fatal("nothing recorded")
	}
}
