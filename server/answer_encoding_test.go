package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gov-policy/gov/engine"
)

// TestEvalAnswerEncodedAsMarshal: the answer to /v1/eval is the decision as
// json.Marshal writes it (compact, HTML characters and U+2028/U+2029
// escaped), though it is written without json.Marshal's second pass over
// Decision.MarshalJSON's output. A requester's text comes back in a
// message, so it must not come back able to close a script or a line.
func TestEvalAnswerEncodedAsMarshal(t *testing.T) {
	s := newTestServer(t, Config{})
	body := []byte(`{"requested_by":"<script>&x='\u2028\u2029'</script>","environment":"staging","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`)
	code, out := call(t, s.Handler(), http.MethodPost, "/v1/eval", bearer(testToken), body)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, out)
	}
	if !strings.Contains(string(out), `requested by \u003cscript\u003e\u0026x='\u2028\u2029'\u003c/script\u003e`) {
		t.Errorf("the requester's text is not in the answer escaped: %s", out)
	}
	if bytes.ContainsAny(out, "<>&\u2028\u2029") {
		t.Errorf("answer holds an unescaped HTML character or line separator: %s", out)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(compact.Bytes(), '\n'), out) {
		t.Errorf("answer is not compact JSON and a newline:\n%s", out)
	}
	var d engine.Decision
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(&d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decisionJSON(&d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("decisionJSON differs from json.Marshal:\n%s\n%s", got, want)
	}
}
