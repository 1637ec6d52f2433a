package engine

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gov-policy/gov/bundles"
)

// TestMemoKeepsWhatPoliciesRead: two requests that differ only in
// request_id are one input to the memo unless a rule can read request_id,
// however it reads it. A memo that keyed only on the fields it saw named
// as input.request.<field> would answer the second request with the
// first one's allow.
func TestMemoKeepsWhatPoliciesRead(t *testing.T) {
	p := mkPatch(modified("src/app.py", added(1, "x = 1")...))
	for _, tc := range []struct {
		name, body string
		narrow     bool // the analysis keeps input.request only (it may keep more: never less)
	}{
		{"a reference", `input.request.request_id == "r2"`, true},
		{"a dynamic key", `some k; input.request[k] == "r2"`, false},
		{"object.get with a path", `object.get(input, ["request", "request_id"], "") == "r2"`, true},
		{"object.get with a dynamic path", `some k in ["request_id"]; object.get(input, ["request", k], "") == "r2"`, false},
		{"object.get of a part", `object.get(input.request, "request_id", "") == "r2"`, true},
		{"input bound to a local", `x := input; x.request.request_id == "r2"`, false},
		{"input bound to a local, then object.get", `x := input.request; object.get(x, "action_type", "") == ""; x.request_id == "r2"`, false},
		{"walk", `walk(input, [_, "r2"])`, false},
		{"json.marshal", `contains(json.marshal(input), "r2")`, false},
		{"a function of input", `f(input)`, false},
		{"an imported input", `req.request_id == "r2"`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			imp := ""
			if tc.name == "an imported input" {
				imp = "import input.request as req\n\n"
			}
			src := "package gov.reads\n\n" + imp + "deny contains \"r2\" if {\n\t" + tc.body + "\n}\n\nf(x) if x.request.request_id == \"r2\"\n"
			e := mustEngine(t, policyBundle(map[string]string{"policies/reads.rego": src}))
			m := NewMemo(0)
			for i, id := range []string{"r1", "r2", "r1", "r2"} {
				in := Input{Request: Request{RequestID: id, Environment: "production", ErrorContext: map[string]any{"round": i / 2}}, Patch: p, Memo: m}
				d := mustEval(t, e, in)
				want := Allow
				if id == "r2" {
					want = Deny
				}
				if d.Decision != want {
					t.Fatalf("%s: %s, want %s (memo hits, misses: %v)", id, d.Decision, want, fmtStats(m))
				}
			}
			// The second round differs from the first in error_context only:
			// answered from the memo when the rule reads input.request alone,
			// evaluated again when it reads the whole input.
			wantHits := int64(0)
			if tc.narrow {
				wantHits = 2
			}
			if hits, misses := m.Stats(); hits != wantHits || misses != 4-wantHits {
				t.Errorf("memo hits, misses %d, %d, want %d, %d", hits, misses, wantHits, 4-wantHits)
			}
		})
	}
}

func fmtStats(m *Memo) [2]int64 {
	h, n := m.Stats()
	return [2]int64{h, n}
}

// TestMemoAnswersUnreadDifferences: requests that differ only in what no
// rule reads (request_id, error_context, the time) are evaluated once;
// the answer is the one evaluating each gives.
func TestMemoAnswersUnreadDifferences(t *testing.T) {
	p := mkPatch(modified("tools/build.py", added(1, "x")...))
	e := mustEngine(t, policyBundle(map[string]string{"policies/paths.rego": pathPolicy}))
	m := NewMemo(0)
	for i, id := range []string{"a", "b", "c"} {
		in := Input{Request: Request{RequestID: id, ErrorContext: map[string]any{"n": i}}, Patch: p, Now: testNow.Add(time.Duration(i) * time.Hour)}
		want := mustEval(t, e, in)
		in.Memo = m
		got := mustEval(t, e, in)
		if got.Decision != want.Decision || !equalStrings(ruleIDs(got), ruleIDs(want)) || got.RequestID != id {
			t.Errorf("%s: with the memo %s %v (%s), without %s %v", id, got.Decision, ruleIDs(got), got.RequestID, want.Decision, ruleIDs(want))
		}
	}
	if hits, misses := m.Stats(); hits != 2 || misses != 1 {
		t.Errorf("memo hits, misses %d, %d, want 2, 1", hits, misses)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMemoAppliesExceptionsPerRequest: the memo holds the policies'
// results, not decisions: an exception live for one request and expired
// for the next, on the same input, waives only the first, whichever was
// evaluated first, and waiving one (in place) changes no remembered result.
func TestMemoAppliesExceptionsPerRequest(t *testing.T) {
	p := mkPatch(modified("tools/build.py", added(1, "x")...))
	b := policyBundle(map[string]string{"policies/paths.rego": pathPolicy})
	b.Exceptions = []bundles.Exception{{Rule: "paths/touched", Expires: "2026-03-10", Reason: "legacy", ApprovedBy: "user:carol"}}
	e := mustEngine(t, b)
	m := NewMemo(0)
	live, expired := testNow, testNow.AddDate(0, 0, 2)
	for _, now := range []time.Time{expired, live, expired, live} {
		d := mustEval(t, e, Input{Patch: p, Now: now, Memo: m})
		want := Deny
		if now.Equal(live) {
			want = Allow
		}
		if d.Decision != want {
			t.Errorf("at %s: %s %v, want %s", now.Format(time.DateOnly), d.Decision, ruleIDs(d), want)
		}
	}
	if hits, _ := m.Stats(); hits != 3 {
		t.Errorf("memo hits %d, want 3", hits)
	}
}

// TestMemoOffForTimeDependentPolicies: a rule reading the clock
// (time.now_ns, the evaluation time) decides per request time, so the
// memo is not used for its engine.
func TestMemoOffForTimeDependentPolicies(t *testing.T) {
	src := "package gov.clock\n\ndeny contains \"late\" if time.now_ns() > " + strconv.FormatInt(testNow.UnixNano(), 10) + "\n"
	e := mustEngine(t, policyBundle(map[string]string{"policies/clock.rego": src}))
	m := NewMemo(0)
	if m.Off(e) == "" {
		t.Fatal("memo used for a policy calling time.now_ns")
	}
	p := mkPatch(modified("a.py", added(1, "x")...))
	for _, now := range []time.Time{testNow, testNow.Add(time.Hour)} {
		d := mustEval(t, e, Input{Patch: p, Now: now, Memo: m})
		want := Allow
		if now.After(testNow) {
			want = Deny
		}
		if d.Decision != want {
			t.Errorf("at %s: %s, want %s", now, d.Decision, want)
		}
	}
}

// TestMemoForgetsErrors: an evaluation that fails (here, its context
// ended while it ran) is not remembered: the same input evaluated again
// is decided.
func TestMemoForgetsErrors(t *testing.T) {
	src := "package gov.slow\n\ndeny contains \"slow\" if count([y | some y in numbers.range(1, 200000); y > 0]) > 0\n"
	e := mustEngine(t, policyBundle(map[string]string{"policies/slow.rego": src}))
	p := mkPatch(modified("a.py", added(1, "x")...))
	m := NewMemo(0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if d, err := e.Evaluate(ctx, Input{Patch: p, Now: testNow, Memo: m}); err == nil {
		t.Fatalf("evaluated under an ended context: %s", d.Decision)
	}
	if d := mustEval(t, e, Input{Patch: p, Memo: m}); d.Decision != Deny {
		t.Errorf("after a failed evaluation: %s, want deny", d.Decision)
	}
	if hits, misses := m.Stats(); hits != 0 || misses != 2 {
		t.Errorf("memo hits, misses %d, %d, want 0, 2", hits, misses)
	}
}

// TestMemoBounded: past its size the memo forgets entries and keeps
// answering correctly.
func TestMemoBounded(t *testing.T) {
	e := mustEngine(t, policyBundle(map[string]string{"policies/paths.rego": pathPolicy}))
	m := NewMemo(2)
	for i := range 5 {
		for _, path := range []string{"tools/a.py", "src/a.py"} {
			p := mkPatch(modified(path, added(i+1, "x")...))
			want := Allow
			if path == "tools/a.py" {
				want = Deny
			}
			if d := mustEval(t, e, Input{Patch: p, Memo: m}); d.Decision != want {
				t.Errorf("%s line %d: %s, want %s", path, i+1, d.Decision, want)
			}
		}
	}
	m.mu.Lock()
	n := len(m.entries)
	m.mu.Unlock()
	if n > 2 {
		t.Errorf("%d entries, want at most 2", n)
	}
}

// TestMemoEvaluatesOnceUnderConcurrency: requests alike asked at once
// are evaluated once, the others wait for that answer, so the count of
// answers does not depend on timing (gov simulate reports it).
func TestMemoEvaluatesOnceUnderConcurrency(t *testing.T) {
	// Slow enough (milliseconds) for the requests to overlap.
	src := "package gov.slow\n\ndeny contains \"slow\" if count([y | some y in numbers.range(1, 20000); y > 0]) > 0\n"
	e := mustEngine(t, policyBundle(map[string]string{"policies/slow.rego": src}))
	p := mkPatch(modified("a.py", added(1, "x")...))
	start := make(chan struct{})
	m := NewMemo(0)
	const n = 16
	got := make([]Outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			d, err := e.Evaluate(context.Background(), Input{Request: Request{RequestID: strconv.Itoa(i)}, Patch: p, Now: testNow, Memo: m})
			if err == nil {
				got[i] = d.Decision
			}
		})
	}
	close(start)
	wg.Wait()
	for i, d := range got {
		if d != Deny {
			t.Errorf("request %d: %q, want deny", i, d)
		}
	}
	if hits, misses := m.Stats(); hits != n-1 || misses != 1 {
		t.Errorf("memo hits, misses %d, %d, want %d, 1", hits, misses, n-1)
	}
}
