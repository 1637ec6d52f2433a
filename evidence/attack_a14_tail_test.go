package evidence

import (
	"strings"
	"testing"
	"time"
)

// TestAttackA14TailDeletedChainVerifies: the insert-only trigger lets a
// session that sets gov.prune delete records, and the head row was an
// ordinary row: deleting the newest record and moving the head back to the
// row before it left a chain that verified, with no prune row. The head now
// only moves forward (gov audit prune appends its prune row after what it
// removed), so the rewind is refused, and a deletion alone is found.
func TestAttackA14TailDeletedChainVerifies(t *testing.T) {
	s, url := openPG(t)
	for i, id := range []string{"t-1", "t-2", "t-3"} {
		if _, err := s.Write(record(id, t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	err := sql(t, url, "BEGIN", "SET LOCAL gov.prune = 'on'",
		"DELETE FROM gov_audit WHERE seq = (SELECT max(seq) FROM gov_audit)",
		"UPDATE gov_audit_head SET seq = s.seq, hash = s.hash FROM (SELECT seq, hash FROM gov_audit ORDER BY seq DESC LIMIT 1) s",
		"COMMIT")
	if err == nil || !strings.Contains(err.Error(), "only moves forward") {
		t.Fatalf("moving the chain's head back: %v, want it refused", err)
	}
	for _, stmt := range []string{"DELETE FROM gov_audit_head", "TRUNCATE gov_audit_head"} {
		if err := sql(t, url, stmt); err == nil {
			t.Errorf("%s: accepted, want it refused", stmt)
		}
	}
	// The deletion alone (the head left where it is) is found.
	if err := sql(t, url, "BEGIN", "SET LOCAL gov.prune = 'on'",
		"DELETE FROM gov_audit WHERE seq = (SELECT max(seq) FROM gov_audit)", "COMMIT"); err != nil {
		t.Fatal(err)
	}
	r, err := s.VerifyChain()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) == 0 {
		t.Errorf("the newest record was deleted and the chain verifies: %+v", r)
	}
}
