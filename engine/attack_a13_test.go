package engine

import "testing"

// gov eval, gov pr and gov pr --all-open exit with ExitCode: an outcome
// outside the closed set (the zero value, a word no decision has) must be
// an error (2), never the exit code of allow.
func TestAttackA13ExitCodeUnknownOutcome(t *testing.T) {
	for _, o := range []Outcome{"", "ALLOW", "allowed", "approve", "bogus"} {
		if got := ExitCode(&Decision{Decision: o}); got != 2 {
			t.Errorf("ExitCode(%q) = %d, want 2", o, got)
		}
	}
	for o, want := range map[Outcome]int{Allow: 0, Deny: 1, RequireApproval: 3} {
		if got := ExitCode(&Decision{Decision: o}); got != want {
			t.Errorf("ExitCode(%q) = %d, want %d", o, got, want)
		}
	}
	if got := ExitCode(nil); got != 2 {
		t.Errorf("ExitCode(nil) = %d, want 2", got)
	}
}
