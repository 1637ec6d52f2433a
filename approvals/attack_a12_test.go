package approvals

import (
	"strings"
	"testing"

	"github.com/gov-policy/gov/bundles"
)

// TestAttackA12RoleBotBlockerIgnored: the sre role holds the security
// scanner App (app:sec-scanner) besides team acme/sre. The workflow does
// not set allow_bots (bots do not approve). sec-scanner[bot] requests
// changes; bob (acme/sre) approves. A role holder's CHANGES_REQUESTED
// blocks the stage: allow_bots is about counting approvals, not about
// silencing a role member's objection.
func TestAttackA12RoleBotBlockerIgnored(t *testing.T) {
	in := input(oneStage("sre"),
		Review{ID: 20, UserID: 900, Login: "sec-scanner[bot]", State: ChangesRequested, CommitID: head, SubmittedAt: at(5), IsBot: true},
		approve(21, bob, "bob", 10),
	)
	in.Roles["sre"] = bundles.Role{Members: []string{"team:acme/sre", "app:sec-scanner"}, Permissions: []string{"approve"}}
	res := mustEvaluate(t, in, newFakeTeams())
	if res.Satisfied {
		t.Fatalf("VULNERABLE: sre role member sec-scanner[bot] requested changes, yet the stage is satisfied by bob (blockers %+v)", res.Blockers)
	}
}

// TestAttackA12GuardUnknownRoleNoMembers (guard): a stage naming a role
// the bundle does not define, and a stage whose role has no members, with
// min_approvals 0: neither is satisfied by nobody.
func TestAttackA12GuardUnknownRoleNoMembers(t *testing.T) {
	for _, role := range []string{"no-such-role", "empty"} {
		wf := oneStage(role)
		wf.Stages[0].MinApprovals = 0
		in := input(wf, approve(21, bob, "bob", 10))
		in.Roles["empty"] = bundles.Role{Permissions: []string{"approve"}}
		if res := mustEvaluate(t, in, newFakeTeams()); res.Satisfied {
			t.Fatalf("role %q, min_approvals 0: satisfied by %v", role, approvedBy(res))
		}
	}
}

// TestAttackA12GuardRenamedReviewerKeepsID (guard): bob (id 2) requested
// changes as "bob", then renamed himself "bobby" and... a new account
// took the login "bob" (id 77) and approves. The blocker is keyed by id:
// still blocks; the newcomer is not in acme/sre.
func TestAttackA12GuardRenamedReviewerKeepsID(t *testing.T) {
	in := input(oneStage("sre"),
		review(20, bob, "bobby", ChangesRequested, head, 5),
		approve(21, 77, "bob", 10),
		approve(22, frank, "frank", 11),
	)
	res := mustEvaluate(t, in, newFakeTeams())
	if res.Satisfied {
		t.Fatalf("satisfied despite bob's (id 2) request for changes: %v", approvedBy(res))
	}
}

// TestAttackA12RecycledLoginApproves: the security role names user:carol
// (no pinned id). carol (id 3) renamed her account; someone else (id 999)
// registered the free login "carol" and approves. THREATS.md (Who): "a
// login now owned by someone else" must not count. gov resolves a bare
// login to whoever holds it now, so the newcomer counts.
func TestAttackA12RecycledLoginApproves(t *testing.T) {
	m := newFakeTeams()
	m.logins["carol"] = 999 // the login's new owner
	in := input(oneStage("security"), approve(21, 999, "carol", 10))
	res := mustEvaluate(t, in, m)
	if res.Satisfied {
		t.Fatalf("VULNERABLE: the new owner (id 999) of login carol approved for role security: %v", approvedBy(res))
	}
}

// TestAttackA12AuthorBreaksOwnGlass: carol (security, break_glass) opened
// the PR herself and adds the break-glass label to it on its head. The PR
// author never approves her own change; break-glass by the author is the
// same self-approval with a louder name, and must not bypass the
// approvals of her own PR.
func TestAttackA12AuthorBreaksOwnGlass(t *testing.T) {
	in := input(oneStage("sre"))
	in.PR.AuthorID, in.PR.AuthorLogin = carol, "carol"
	in.PR.CommitAuthorIDs = []int64{carol}
	in.PR.Labels = []string{DefaultBreakGlassLabel}
	in.PR.LabelEvents = []LabelEvent{{Label: DefaultBreakGlassLabel, ActorID: carol, ActorLogin: "carol", Added: true, At: at(5), HeadSHA: head}}
	res := mustEvaluate(t, in, newFakeTeams())
	if res.Satisfied || res.BreakGlass != nil {
		t.Fatalf("VULNERABLE: the PR author broke glass on her own PR: %+v", res.BreakGlass)
	}
}

// TestAttackA12GuardBreakGlassNonHolderAndBot (guard): the label added by
// bob (approve, no break_glass) or by a bot without allow_bots on the
// head is not honoured.
func TestAttackA12GuardBreakGlassNonHolderAndBot(t *testing.T) {
	for _, ev := range []LabelEvent{
		{Label: DefaultBreakGlassLabel, ActorID: bob, ActorLogin: "bob", Added: true, At: at(5), HeadSHA: head},
		{Label: "GOV/Break-Glass", ActorID: healer, ActorLogin: "healer-bot[bot]", ActorIsBot: true, Added: true, At: at(5), HeadSHA: head},
	} {
		in := input(oneStage("sre"))
		in.Roles["healer"] = bundles.Role{Members: []string{"app:healer-bot"}, Permissions: []string{"approve", "break_glass"}}
		in.PR.Labels = []string{DefaultBreakGlassLabel}
		in.PR.LabelEvents = []LabelEvent{ev}
		if res := mustEvaluate(t, in, newFakeTeams()); res.Satisfied || res.BreakGlass != nil {
			t.Fatalf("label by %s honoured: %+v", ev.ActorLogin, res.BreakGlass)
		}
	}
}

// TestCoAuthorNeverApproves: a co-author resolved to an id, or a reviewer
// whose login matches a trailer gov could not resolve, does not approve.
func TestCoAuthorNeverApproves(t *testing.T) {
	for _, tt := range []struct {
		name string
		mod  func(*PR)
		want string
	}{
		{"resolved id", func(p *PR) { p.CoAuthorIDs = []int64{bob} }, "co-author: named in a Co-authored-by trailer"},
		{"unresolved trailer matching the login", func(p *PR) { p.CoAuthorsUnresolved = []CoAuthor{{Name: "Bob B", Email: "bob@corp.example"}} }, "may be a co-author"},
	} {
		in := input(oneStage("sre"), approve(21, bob, "bob", 10))
		tt.mod(&in.PR)
		res := mustEvaluate(t, in, newFakeTeams())
		if res.Satisfied || !strings.Contains(reasons(res), tt.want) {
			t.Errorf("%s: satisfied %v, ignored %s", tt.name, res.Satisfied, reasons(res))
		}
	}
}
