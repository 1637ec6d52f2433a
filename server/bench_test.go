package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/gov-policy/gov/internal/pgtest"
)

// BenchmarkEval is one POST /v1/eval through the handler: decode, parse the
// diff, scan it, evaluate bench/serve.sh's bundle (bench/policy, the built-in
// library off) and encode the answer.
func BenchmarkEval(b *testing.B) {
	h, body := benchEvalHandler(b)
	b.ReportAllocs()
	cpu0 := pgtest.SelfCPU()
	for b.Loop() {
		benchEvalOnce(b, h, body)
	}
	b.ReportMetric(float64(pgtest.SelfCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkEvalParallel is BenchmarkEval from GOMAXPROCS goroutines at once
// (bench/serve.sh's 8 and 64 clients).
func BenchmarkEvalParallel(b *testing.B) {
	h, body := benchEvalHandler(b)
	b.ReportAllocs()
	cpu0 := pgtest.SelfCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchEvalOnce(b, h, body)
		}
	})
	b.ReportMetric(float64(pgtest.SelfCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

func benchEvalHandler(b *testing.B) (http.Handler, []byte) {
	s, err := New(b.Context(), Config{Bundle: "../bench/policy", APIToken: testToken})
	if err != nil {
		b.Fatal(err)
	}
	diff, err := os.ReadFile("../testdata/patches/auth-change.diff")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"request_id":"bench-1","action_type":"code_fix","environment":"staging","service_name":"user_service",` +
		`"language":"python","requested_by":"healer-bot","patch_content":` + string(mustMarshal(b, string(diff))) + `}`)
	return s.Handler(), body
}

func benchEvalOnce(b *testing.B, h http.Handler, body []byte) {
	rec := httptest.NewRecorder()
	req, _ := http.NewRequest(http.MethodPost, "/v1/eval", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Errorf("status %d: %s", rec.Code, rec.Body)
	}
}

func mustMarshal(b *testing.B, v any) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return out
}
