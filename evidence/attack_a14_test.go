package evidence

import (
	"testing"
	"time"
)

// TestAttackA14WriteHangsWhileHeadLocked: a session that holds the chain's
// head (an operator's transaction left open, a prune stuck) makes every
// Write wait for it without end: no error, so gov serve answers nothing
// (past its write timeout the client is cut off) while /readyz, which only
// pings, says ready, and every later Write queues behind the stuck batch.
// A Write must fail (closed) within the store's write timeout, and the
// store must write again once the head is free.
func TestAttackA14WriteHangsWhileHeadLocked(t *testing.T) {
	s, release := headLocked(t, time.Second)
	done := make(chan error, 1)
	go func() {
		_, err := s.Write(record("a14-locked", t0.Add(time.Second)))
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Write reported success while the chain's head was locked by another session")
		}
	case <-time.After(10 * time.Second):
		release()
		<-done
		t.Fatal("Write still waiting 10s after the chain's head was locked (write timeout 1s): no answer, no error")
	}
	release()
	if _, err := s.Write(record("a14-after", t0.Add(2*time.Second))); err != nil {
		t.Fatalf("Write once the head is free: %v", err)
	}
	if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 {
		t.Fatalf("chain: %+v %v", r, err)
	}
}
