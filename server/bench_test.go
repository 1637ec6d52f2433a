package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"
)

// BenchmarkEval is one POST /v1/eval through the handler: decode, parse the
// diff, scan it, evaluate bench/serve.sh's bundle (bench/policy, the built-in
// library off) and encode the answer.
func BenchmarkEval(b *testing.B) {
	h, body := benchEvalHandler(b)
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		benchEvalOnce(b, h, body)
	}
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user+sys CPU time so far: on a shared machine
// CPU per request is steadier than wall time per request.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEvalParallel is BenchmarkEval from GOMAXPROCS goroutines at once
// (bench/serve.sh's 8 and 64 clients).
func BenchmarkEvalParallel(b *testing.B) {
	h, body := benchEvalHandler(b)
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchEvalOnce(b, h, body)
		}
	})
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
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
