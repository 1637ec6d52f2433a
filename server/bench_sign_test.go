package server

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkEvalRecordSign8 is POST /v1/eval over loopback from 8 clients at
// once, recorded in an audit directory: unsigned, signed on the request
// path, and signed by the background sign queue (gov serve --key). It
// reports requests/s and latencies; the time includes the shutdown, so
// the queue's deferred signatures are paid for.
func BenchmarkEvalRecordSign8(b *testing.B) {
	for _, mode := range []string{"record", "sign-inline", "sign-queue"} {
		b.Run(mode, func(b *testing.B) {
			cfg := Config{Bundle: benchBundleDir(b), APIToken: testToken, AuditDir: b.TempDir()}
			if mode != "record" {
				cfg.Signer, _ = testSigner(b)
			}
			s, err := New(b.Context(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			if mode == "sign-inline" {
				s.signq = nil // what gov serve did before the queue
			}
			benchClients(b, s, 8)
		})
	}
}

func benchBundleDir(b *testing.B) string {
	dir := b.TempDir()
	if err := os.MkdirAll(dir+"/policies", 0o755); err != nil {
		b.Fatal(err)
	}
	for p, c := range map[string]string{"gov.cue": "library: enabled: false\n", "policies/requester.rego": requesterPolicy} {
		if err := os.WriteFile(dir+"/"+p, []byte(c), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// benchClients serves cfg on loopback and sends b.N distinct requests from
// n clients, then stops the server (its shutdown counted in the time: a
// signer that only defers work does not look faster than it is).
func benchClients(b *testing.B, s *Server, n int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String() + "/v1/eval"
	diff, err := os.ReadFile("../testdata/patches/auth-change.diff")
	if err != nil {
		b.Fatal(err)
	}
	patch := mustMarshal(b, string(diff))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	var next atomic.Int64
	lat := make([][]time.Duration, n)
	var wg sync.WaitGroup
	b.ResetTimer()
	for c := range n {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				body := fmt.Appendf(nil, `{"request_id":"bench-%d","environment":"staging","requested_by":"bot","patch_content":%s}`, i, patch)
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+testToken)
				req.Header.Set("Content-Type", "application/json")
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_ = resp.Body.Close()
				lat[c] = append(lat[c], time.Since(start))
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "req/s")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	}
}

// BenchmarkEvalSignCost is one /v1/eval at a time through the handler,
// recorded: unsigned, signed on the request path, and with the sign queue
// (the request's own latency; the signatures are made meanwhile).
func BenchmarkEvalSignCost(b *testing.B) {
	for _, mode := range []string{"record", "sign-inline", "sign-queue"} {
		b.Run(mode, func(b *testing.B) {
			cfg := Config{Bundle: benchBundleDir(b), APIToken: testToken, AuditDir: b.TempDir()}
			if mode != "record" {
				cfg.Signer, _ = testSigner(b)
			}
			s, err := New(b.Context(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			if mode == "sign-inline" {
				s.signq = nil
			}
			diff, err := os.ReadFile("../testdata/patches/auth-change.diff")
			if err != nil {
				b.Fatal(err)
			}
			patch := mustMarshal(b, string(diff))
			h := s.Handler()
			i := 0
			for b.Loop() {
				i++
				body := fmt.Appendf(nil, `{"request_id":"bench-%d","environment":"staging","requested_by":"bot","patch_content":%s}`, i, patch)
				req, _ := http.NewRequest(http.MethodPost, "/v1/eval", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+testToken)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			if s.signq != nil {
				b.StopTimer()
				s.signq.drain(context.Background())
			}
		})
	}
}
