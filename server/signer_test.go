package server

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gov-policy/gov/evidence"
	"github.com/gov-policy/gov/internal/gittest"
)

// TestServeSIGTERMSignsPendingRecords: with --key, /v1/eval answers once
// the record is written and signs it in the background. Stopping the
// server (what SIGTERM does) while signatures are pending loses none:
// every request answered 200 has its record and evidence that verifies.
func TestServeSIGTERMSignsPendingRecords(t *testing.T) {
	audit := t.TempDir()
	dir := t.TempDir()
	gittest.WriteFiles(t, dir, map[string]string{"policies/requester.rego": requesterPolicy})
	signer, verify := testSigner(t)
	s := newTestServer(t, Config{Bundle: dir, AuditDir: audit, Signer: signer, SignQueueSize: 64})
	hold := make(chan struct{})
	s.signq.mu.Lock()
	s.signq.hold = hold // signatures wait until the stop has begun
	s.signq.mu.Unlock()
	base, stop := serve(t, s)
	client := &http.Client{Timeout: 20 * time.Second}
	var mu sync.Mutex
	answered := map[string]bool{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 10 {
				id := fmt.Sprintf("w%d-%d", w, i)
				body := fmt.Sprintf(`{"request_id":%q,"environment":"staging","patch_content":"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}`, id)
				req, _ := http.NewRequest(http.MethodPost, base+"/v1/eval", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+testToken)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					answered[id] = true
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	pending := s.signq.pending()
	if pending == 0 || len(answered) != 40 {
		t.Fatalf("%d answered, %d signatures pending; want 40 and some pending", len(answered), pending)
	}
	go func() { time.Sleep(200 * time.Millisecond); close(hold) }()
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	signed := map[string]bool{}
	_, err := evidence.Store{Dir: audit}.Walk(time.Time{}, func(e evidence.Entry, rec evidence.Record) error {
		bundle, err := os.ReadFile(evidence.BundlePath(e.Path))
		if err != nil {
			return fmt.Errorf("%s: %w", rec.Request.RequestID, err)
		}
		data, err := os.ReadFile(e.Path)
		if err != nil {
			return err
		}
		o := verify
		o.Record = data
		if _, err := evidence.Verify(bundle, o); err != nil {
			return fmt.Errorf("%s: %w", rec.Request.RequestID, err)
		}
		signed[rec.Request.RequestID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id := range answered {
		if !signed[id] {
			t.Errorf("request %s was answered 200 but its record has no verified evidence", id)
		}
	}
	t.Logf("%d answered, %d pending at the stop, %d signed", len(answered), pending, len(signed))
}
