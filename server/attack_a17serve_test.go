package server

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// TestAttackA17ServeDeepNestingMemory: a 54 KB /v1/eval body whose
// metadata is 9,000 maps deep (encoding/json accepts up to 10,000) made
// the secret scan beside map keys copy the whole key path at every level:
// 837 MB allocated, most of it live at once, and 4 s of CPU for one
// request. A body may cost memory in proportion to its size, not to its
// square.
func TestAttackA17ServeDeepNestingMemory(t *testing.T) {
	s := newTestServer(t, Config{})
	h := s.Handler()
	diff := string(mustJSON(t, a13Diff("a.py", "x = 2")))
	const depth = 9000
	body := `{"environment":"staging","metadata":{"a":` + strings.Repeat(`{"a":`, depth) + `"v"` +
		strings.Repeat("}", depth) + `},"patch_content":` + diff + `}`
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	code, out := call(t, h, http.MethodPost, "/v1/eval", bearer(testToken), []byte(body))
	runtime.ReadMemStats(&after)
	if code != http.StatusOK && code/100 != 4 {
		t.Fatalf("%d %.200s", code, out)
	}
	const limit = 100 << 20
	if got := after.TotalAlloc - before.TotalAlloc; got > limit {
		t.Errorf("a %d byte body %d maps deep allocated %d MB (limit %d MB)", len(body), depth, got>>20, limit>>20)
	}
	if code, _ := call(t, h, http.MethodGet, "/healthz", nil, nil); code != http.StatusOK {
		t.Errorf("healthz %d after the deep body", code)
	}
}
