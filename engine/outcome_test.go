package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestDecisionJSONDerivesFromOutcome: allowed and approval_required are
// written from the decision, in the contract's order; evaluated_at stays
// RFC 3339; a JSON decision whose derived fields disagree (a record of the
// old bug) is read by its decision.
func TestDecisionJSONDerivesFromOutcome(t *testing.T) {
	d := Decision{Decision: RequireApproval, Reason: "r", EvaluatedAt: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), `{"decision":"require_approval","allowed":false,"approval_required":true,"reason":"r",`) ||
		!strings.Contains(string(out), `"evaluated_at":"2026-03-10T12:00:00Z"`) {
		t.Errorf("JSON %s", out)
	}
	var back Decision
	if err := json.Unmarshal(out, &back); err != nil || back.Decision != RequireApproval || !back.EvaluatedAt.Equal(d.EvaluatedAt) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"decision":"allow","allowed":true,"approval_required":true,"evaluated_at":""}`), &back); err != nil ||
		!back.Allowed() || back.ApprovalRequired() || !back.EvaluatedAt.IsZero() {
		t.Errorf("old record: %+v, %v", back, err)
	}
	if out, _ := json.Marshal(back); !strings.Contains(string(out), `"allowed":true,"approval_required":false`) {
		t.Errorf("old record written back: %s", out)
	}
}

// TestSummaryPassedDerives: summary.passed follows the outcome: allow
// passes, except under enforcement warn when strict would have blocked;
// approvals that allow make it pass; it survives a JSON round trip.
func TestSummaryPassedDerives(t *testing.T) {
	f := false
	warned := Decision{Decision: Allow, Enforcement: EnforcementWarn, Unenforced: Deny,
		Violations: []Violation{{Rule: "r", Action: ActionDeny, Enforced: &f}}}
	approved := Decision{Decision: RequireApproval}
	approved.Decision = Allow // what approvals do: the one outcome changes
	for name, tc := range map[string]struct {
		d    Decision
		want bool
	}{
		"allow": {Decision{Decision: Allow}, true}, "deny": {Decision{Decision: Deny}, false},
		"pending": {Decision{Decision: RequireApproval}, false}, "warn would deny": {warned, false},
		"approved": {approved, true},
	} {
		out, _ := json.Marshal(tc.d)
		if tc.d.Passed() != tc.want || !strings.Contains(string(out), `"summary":{"passed":`+map[bool]string{true: "true", false: "false"}[tc.want]) {
			t.Errorf("%s: Passed() %v, JSON %s; want %v", name, tc.d.Passed(), out, tc.want)
		}
		var back Decision
		if err := json.Unmarshal(out, &back); err != nil || back.Passed() != tc.want {
			t.Errorf("%s: after a round trip passed %v (%v)", name, back.Passed(), err)
		}
	}
}

// TestUnknownOutcomeFailsToDecode: a decision whose outcome is outside
// allow, deny and require_approval (a typo, another case, a violation
// action, nothing at all) is an error, never read as a decision that
// merely is not allow.
func TestUnknownOutcomeFailsToDecode(t *testing.T) {
	for _, js := range []string{
		`{"decision":"allowed"}`, `{"decision":"ALLOW"}`, `{"decision":"warn"}`, `{"decision":"approve"}`,
		`{"decision":""}`, `{"decision":null}`, `{"decision":1}`, `{"reason":"no outcome"}`,
	} {
		var d Decision
		if err := json.Unmarshal([]byte(js), &d); err == nil {
			t.Errorf("%s decoded as %q", js, d.Decision)
		}
	}
	for _, o := range []Outcome{Allow, Deny, RequireApproval} {
		var d Decision
		if err := json.Unmarshal([]byte(`{"decision":"`+o+`"}`), &d); err != nil || d.Decision != o {
			t.Errorf("%s: %q, %v", o, d.Decision, err)
		}
	}
	var o Outcome
	if err := json.Unmarshal([]byte(`"Deny"`), &o); err == nil {
		t.Errorf("an outcome alone decoded as %q", o)
	}
	if _, err := ParseOutcome("allow "); err == nil {
		t.Error(`ParseOutcome("allow ") succeeded`)
	}
}

// TestUnknownActionFailsClosed: a policy result whose action is not deny,
// require_approval or warn would count for nothing, i.e. allow; combining
// it is an evaluation error instead.
func TestUnknownActionFailsClosed(t *testing.T) {
	e := mustEngine(t, starterBundle(t))
	for _, action := range []string{"allow", "block", "", "Deny"} {
		d := &Decision{Enforcement: EnforcementStrict}
		rs := []result{{Violation: Violation{Rule: "custom/r", Action: action, Message: "m"}}}
		err := e.decide(d, Input{Request: Request{Environment: "production"}}, "low", rs)
		if err == nil || !strings.Contains(err.Error(), "unknown action") {
			t.Errorf("action %q: decision %q, error %v; want an unknown action error", action, d.Decision, err)
		}
	}
}

// TestExitCodeUnknownOutcomeFailsClosed: a decision whose outcome is not
// one of the three (a zero value, a value built in code without
// ParseOutcome) exits 2, never 0.
func TestExitCodeUnknownOutcomeFailsClosed(t *testing.T) {
	for _, o := range []Outcome{"", "allowed", "ALLOW", "block"} {
		if code := ExitCode(&Decision{Decision: o}); code != 2 {
			t.Errorf("ExitCode(%q) = %d, want 2", o, code)
		}
	}
	for o, want := range map[Outcome]int{Allow: 0, Deny: 1, RequireApproval: 3} {
		if code := ExitCode(&Decision{Decision: o}); code != want {
			t.Errorf("ExitCode(%q) = %d, want %d", o, code, want)
		}
	}
}
