package approvals

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
)

// TestUnverifiableBlockerBlocks: a CHANGES_REQUESTED reviewer whose role
// cannot be checked (the team lookup fails in any way) still blocks the
// stage, and the result names the reviewer and why; an approver whose role
// cannot be checked is not counted.
func TestUnverifiableBlockerBlocks(t *testing.T) {
	failures := map[string]error{
		"server error":         errors.New("members of team acme/ghost: GitHub answered 500: Internal Server Error"),
		"forbidden":            errors.New("members of team acme/ghost: forbidden (403): the credentials lack the permission read:org"),
		"primary rate limit":   errors.New("members of team acme/ghost: GitHub primary rate limit exhausted"),
		"secondary rate limit": errors.New("members of team acme/ghost: GitHub secondary rate limit"),
		"timeout":              errors.New("members of team acme/ghost: context deadline exceeded (Client.Timeout exceeded while awaiting headers)"),
		"not found":            errors.New("members of team acme/ghost: not found (404)"),
		"cut-off list":         errors.New("members of team acme/ghost: the list ends early"),
	}
	for kind, failure := range failures {
		t.Run(kind, func(t *testing.T) {
			teams := newFakeTeams()
			teams.errs["acme/ghost"] = failure
			// bob (acme/sre) approves; gina, whose acme/ghost membership
			// cannot be checked, requests changes.
			in := withRoles(input(oneStage("sre"), approve(10, bob, "bob", 1),
				review(11, gina, "gina", ChangesRequested, head, 2)), "sre", "team:acme/ghost")
			res := mustEvaluate(t, in, teams)
			if res.Satisfied {
				t.Fatalf("satisfied although an unverifiable reviewer requested changes (ignored %s)", reasons(res))
			}
			want := `changes requested by gina (stage "SRE review"; gina could not be checked, so the request counts: team acme/ghost unverifiable: ` + failure.Error() + `)`
			if res.Pending != want {
				t.Errorf("pending = %q\nwant      %q", res.Pending, want)
			}
			if len(res.Blockers) != 1 || res.Blockers[0].Login != "gina" || res.Blockers[0].ReviewID != 11 || !strings.Contains(res.Blockers[0].Unverified, failure.Error()) {
				t.Errorf("blockers = %+v", res.Blockers)
			}

			// The same failure for an approver: not counted, says why.
			in = withRoles(input(oneStage("sre"), approve(10, gina, "gina", 1)), "sre", "team:acme/ghost")
			res = mustEvaluate(t, in, teams)
			if res.Satisfied || !strings.Contains(reasons(res), "gina#10: not in role sre; team acme/ghost unverifiable: "+failure.Error()) {
				t.Errorf("unverifiable approver: satisfied=%v ignored %s", res.Satisfied, reasons(res))
			}
		})
	}
}

// TestUserMembersComparedByID: a user: member is a numeric id, pinned in
// the bundle (user:LOGIN#ID) or resolved from the login; a login that
// cannot be resolved is unverifiable (never counts, still blocks).
func TestUserMembersComparedByID(t *testing.T) {
	security := func(member string, rs ...Review) Input {
		in := input(oneStage("security"), rs...)
		in.Roles["security"] = bundlesRole(member)
		return in
	}
	tests := []struct {
		name      string
		in        Input
		teams     func(*fakeTeams)
		satisfied bool
		ignored   string
		pending   string
		calls     map[string]int
	}{
		{
			name:    "a login taken over by another account does not inherit a pinned membership",
			in:      security("user:carol#3", approve(10, 333, "carol", 1)),
			ignored: "carol#10: not in role security",
			calls:   map[string]int{},
		},
		{
			name:      "the pinned account approves under its new login",
			in:        security("user:carol#3", approve(10, carol, "carol-renamed", 1)),
			satisfied: true,
			calls:     map[string]int{},
		},
		{
			name:    "a bare login counts as nobody: whoever holds it now does not approve (no lookup)",
			in:      security("user:carol", approve(10, carol, "carol", 1)),
			ignored: "carol#10: not in role security; user carol unverifiable: not pinned to a user id (write user:carol#ID)",
			calls:   map[string]int{},
		},
		{
			name:    "a renamed member's old login no longer names them",
			in:      security("user:carol", approve(10, carol, "carol-renamed", 1)),
			ignored: "carol-renamed#10: not in role security",
		},
		{
			name: "a request for changes by the holder of a bare login blocks (unverifiable)",
			in: withRoles(input(oneStage("sre"), approve(10, bob, "bob", 1),
				review(11, zed, "carol", ChangesRequested, head, 2)), "sre", "team:acme/sre", "user:carol"),
			pending: `changes requested by carol (stage "SRE review"; carol could not be checked, so the request counts: user carol unverifiable: not pinned to a user id (write user:carol#ID): a login can change hands)`,
		},
		{
			name:    "a pinned id that is not a number is unverifiable",
			in:      security("user:carol#x3", approve(10, carol, "carol", 1)),
			ignored: `carol#10: not in role security; user carol#x3 unverifiable: "x3" is not a numeric user id`,
		},
		{
			name: "a request for changes by someone outside every team does not block when all could be checked",
			in: withRoles(input(oneStage("sre"), approve(10, bob, "bob", 1),
				review(11, zed, "zed", ChangesRequested, head, 2)), "sre", "user:carol"),
			satisfied: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			teams := newFakeTeams()
			if tt.teams != nil {
				tt.teams(teams)
			}
			res := mustEvaluate(t, tt.in, teams)
			if res.Satisfied != tt.satisfied {
				t.Errorf("satisfied = %v, want %v (pending %q, ignored %s)", res.Satisfied, tt.satisfied, res.Pending, reasons(res))
			}
			if tt.ignored != "" && !strings.Contains(reasons(res), tt.ignored) {
				t.Errorf("ignored = %s\nwant %s", reasons(res), tt.ignored)
			}
			if tt.pending != "" && res.Pending != tt.pending {
				t.Errorf("pending = %q\nwant      %q", res.Pending, tt.pending)
			}
			if tt.calls != nil && !reflect.DeepEqual(teams.calls, tt.calls) {
				t.Errorf("calls = %v, want %v", teams.calls, tt.calls)
			}
		})
	}
}

func bundlesRole(members ...string) bundles.Role {
	return bundles.Role{Members: members, Permissions: []string{"approve"}}
}

// TestDeletedReviewerWords: a review whose author was deleted says so.
func TestDeletedReviewerWords(t *testing.T) {
	res := mustEvaluate(t, input(oneStage("sre"), approve(10, 0, "", 1)), newFakeTeams())
	if len(res.Ignored) != 1 || res.Ignored[0].Who() != "deleted account" ||
		res.Ignored[0].Reason != "the reviewer's account was deleted (GitHub shows no user)" {
		t.Errorf("ignored = %+v", res.Ignored)
	}
	if who := (Ignored{Reason: "x"}).Who(); who != "label" {
		t.Errorf("a label event without actor is %q", who)
	}
}

// TestPinnedMemberMention: escalations mention a pinned member by login.
func TestPinnedMemberMention(t *testing.T) {
	if got := mentions(bundlesRole("user:carol#3", "team:acme/sre")); got != "@carol @acme/sre" {
		t.Errorf("mentions = %q", got)
	}
}
