// Command loadclient sends one JSON request body over and over to an HTTP
// endpoint on loopback from C concurrent clients, for at most N requests or
// D of time, and prints requests/s and p50/p99 latency. Used by bench/serve.sh.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	target := flag.String("url", "", "endpoint (loopback only)")
	bodyFile := flag.String("body", "", "request body file (JSON)")
	token := flag.String("token", "", "bearer token, if any")
	name := flag.String("name", "", "label printed with the results")
	conc := flag.Int("c", 1, "concurrent clients")
	n := flag.Int("n", 10000, "requests at most")
	maxTime := flag.Duration("d", 20*time.Second, "time at most")
	warm := flag.Int("warmup", 200, "requests sent first and not measured")
	unique := flag.String("unique", "", "replace this string of the body by a number unique to each request (a distinct record per request)")
	flag.Parse()
	if err := run(*target, *bodyFile, *token, *name, *unique, *conc, *n, *warm, *maxTime); err != nil {
		fmt.Fprintln(os.Stderr, "loadclient:", err)
		os.Exit(1)
	}
}

func run(target, bodyFile, token, name, unique string, conc, n, warm int, maxTime time.Duration) error {
	u, err := url.Parse(target)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		return fmt.Errorf("-url %q: want a loopback http URL", target)
	}
	body, err := os.ReadFile(bodyFile)
	if err != nil {
		return err
	}
	if unique != "" && !bytes.Contains(body, []byte(unique)) {
		return fmt.Errorf("-unique %q: not found in %s, so every request would share one body", unique, bodyFile)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: conc * 2, MaxIdleConnsPerHost: conc * 2}}
	var sent atomic.Int64
	send := func() error {
		b := body
		if unique != "" {
			b = bytes.Replace(body, []byte(unique), fmt.Appendf(nil, "%s-%d", unique, sent.Add(1)), 1)
		}
		req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(b))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return err
	}
	for range warm {
		if err := send(); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	var next, failures atomic.Int64
	lat := make([][]time.Duration, conc)
	deadline := time.Now().Add(maxTime)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && time.Now().Before(deadline) {
				t0 := time.Now()
				if err := send(); err != nil {
					failures.Add(1)
					continue
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return fmt.Errorf("no request succeeded (%d failures)", failures.Load())
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(float64(len(all)-1)*p)].Microseconds()) / 1000 }
	// name c requests failures req/s p50_ms p99_ms
	fmt.Printf("%s %d %d %d %.0f %.3f %.3f\n", name, conc, len(all), failures.Load(), float64(len(all))/elapsed.Seconds(), pct(0.50), pct(0.99))
	return nil
}
