package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// BenchmarkEval is one POST /v1/eval through the handler: decode, parse the
// diff, scan it, evaluate with the built-in library off (bench/serve.sh's setup).
func BenchmarkEval(b *testing.B) {
	dir := b.TempDir()
	for p, c := range map[string]string{"gov.cue": "library: enabled: false\n", "policies/requester.rego": requesterPolicy} {
		if err := os.MkdirAll(dir+"/policies", 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(dir+"/"+p, []byte(c), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	s, err := New(b.Context(), Config{Bundle: dir, APIToken: testToken})
	if err != nil {
		b.Fatal(err)
	}
	diff, err := os.ReadFile("../testdata/patches/auth-change.diff")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"environment":"staging","requested_by":"bot","patch_content":` + string(mustMarshal(b, string(diff))) + `}`)
	h := s.Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		req, _ := http.NewRequest(http.MethodPost, "/v1/eval", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

func mustMarshal(b *testing.B, v any) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return out
}
