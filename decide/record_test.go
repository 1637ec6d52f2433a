package decide_test

import (
	"os"
	"testing"

	"github.com/gov-policy/gov/decide"
	"github.com/gov-policy/gov/engine"
	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/patch"
)

// TestRecordKeepsPatchWithoutSecrets: a request in which the scanner finds
// no secret is recorded with its patch byte for byte (not re-masked), the
// digest of that patch, and the patch a record replays still parses.
func TestRecordKeepsPatchWithoutSecrets(t *testing.T) {
	p := pipeline(t)
	p.AuditDir = t.TempDir()
	diff, err := os.ReadFile("../testdata/patches/large-500.diff")
	if err != nil {
		t.Fatal(err)
	}
	pt, err := patch.ParseString(string(diff))
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(t.Context(), decide.Input{Request: engine.Request{Environment: "staging", PatchContent: string(diff)}, Patch: pt})
	if err != nil {
		t.Fatal(err)
	}
	if res.Redactor.Count() != 0 || len(res.Findings) != 0 {
		t.Fatalf("%d secrets, %d findings in the sample patch, want none", res.Redactor.Count(), len(res.Findings))
	}
	rec, err := evidence.Store{Dir: p.AuditDir}.Read(res.Record)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Request.PatchContent != string(diff) {
		t.Error("the recorded patch differs from the request's")
	}
	if rec.PatchDigest != evidence.PatchDigest(diff) {
		t.Errorf("record digest %s, want %s", rec.PatchDigest, evidence.PatchDigest(diff))
	}
}
