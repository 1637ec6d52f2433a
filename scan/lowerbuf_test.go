package scan

import (
	"bytes"
	"testing"
)

// TestLargeScanLeavesNoBufferPooled: the lower-case copy of a large text (a
// whole big patch) is not kept for reuse, where it would stay allocated
// through the evaluation that follows the scan.
func TestLargeScanLeavesNoBufferPooled(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("value = compute(record) # token check\n"), (2*maxPooledLower)/38)
	s.candidates("", big)
	bp := s.lowerBuf.Get().(*[]byte)
	if cap(*bp) > maxPooledLower {
		t.Errorf("a %d MB lower-case buffer was pooled after scanning %d MB", cap(*bp)>>20, len(big)>>20)
	}
}
