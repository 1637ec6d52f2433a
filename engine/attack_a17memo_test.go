package engine

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"testing"
	"time"
)

// TestAttackA17MemoJWTTime: io.jwt.decode_verify without a "time"
// constraint checks exp/nbf against the evaluation time, not the input.
// Two recorded requests carrying the same break-glass token, one before
// and one after it expires, are the same input to the memo; a memo that
// does not count decode_verify as time-dependent answers the later
// request with the earlier one's allow (a fresh evaluation denies).
func TestAttackA17MemoJWTTime(t *testing.T) {
	exp := testNow.Add(time.Hour)
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(`{"sub":"break-glass","exp":`+strconv.FormatInt(exp.Unix(), 10)+`}`))
	mac := hmac.New(sha256.New, []byte("test-only-key"))
	mac.Write([]byte(signing))
	token := signing + "." + enc.EncodeToString(mac.Sum(nil))

	src := `package gov.breakglass

deny contains "break-glass token not valid now" if {
	[valid, _, _] := io.jwt.decode_verify(input.request.metadata.token, {"secret": "test-only-key"})
	not valid
}
`
	e := mustEngine(t, policyBundle(map[string]string{"policies/breakglass.rego": src}))
	p := mkPatch(modified("src/app.py", added(1, "x = 1")...))
	m := NewMemo(0)
	for _, now := range []time.Time{testNow, exp.Add(time.Minute)} {
		in := Input{
			Request: Request{RequestID: now.String(), Environment: "production", Metadata: map[string]any{"token": token}},
			Patch:   p, Now: now,
		}
		fresh := mustEval(t, e, in)
		in.Memo = m
		got := mustEval(t, e, in)
		if got.Decision != fresh.Decision {
			t.Fatalf("at %s: memo decision %s, fresh evaluation %s (memo hits, misses %v)", now, got.Decision, fresh.Decision, fmtStats(m))
		}
	}
	if why := m.Off(e); why == "" {
		t.Errorf("memo used for an engine calling io.jwt.decode_verify, whose result depends on the time")
	}
}

// attackMemoReads evaluates requests r1, r2, r1, r2 (differing only in
// request_id) fresh and through one memo, for modules whose rules deny
// r2 only; the memo must give each request its fresh decision.
func attackMemoReads(t *testing.T, modules map[string]string) {
	t.Helper()
	p := mkPatch(modified("src/app.py", added(1, "x = 1")...))
	e := mustEngine(t, policyBundle(modules))
	m := NewMemo(0)
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("evaluation through the memo panicked: %v", r)
		}
	}()
	for _, id := range []string{"r1", "r2", "r1", "r2"} {
		in := Input{Request: Request{RequestID: id, Environment: "production"}, Patch: p}
		fresh := mustEval(t, e, in)
		in.Memo = m
		got := mustEval(t, e, in)
		if id == "r2" && fresh.Decision != Deny {
			t.Fatalf("%s: fresh decision %s, the module does not read request_id as meant", id, fresh.Decision)
		}
		if got.Decision != fresh.Decision {
			t.Fatalf("%s: memo decision %s, fresh evaluation %s (memo hits, misses %v)", id, got.Decision, fresh.Decision, fmtStats(m))
		}
	}
}

// TestAttackA17MemoBindingPanics: a local bound to input written with the
// input on the left (input.request = x) or bound twice is ordinary Rego;
// the memo's analysis of the modules must not panic on it (a panic in a
// gov simulate worker ends the whole run instead of a report).
func TestAttackA17MemoBindingPanics(t *testing.T) {
	for name, body := range map[string]string{
		"input on the left": "input.request = x\n\tobject.get(x, \"request_id\", \"\") == \"r2\"",
		"bound twice":       "x = input.request\n\tx = input.request\n\tx.request_id == \"r2\"",
	} {
		t.Run(name, func(t *testing.T) {
			src := "package gov.reads\n\ndeny contains \"r2\" if {\n\t" + body + "\n}\n"
			attackMemoReads(t, map[string]string{"policies/reads.rego": src})
		})
	}
}
