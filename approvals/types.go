// Package approvals counts pull-request reviews against a multi-stage
// approval workflow: pure logic (facts in, result out), no HTTP.
//
// The counting rules, each one a named test case, are the security contract:
// only APPROVED reviews on the current head commit count; the PR author and
// the authors or committers of its commits never approve it; people are
// compared by numeric GitHub user id (a team's member ids, a user pinned as
// user:LOGIN#ID; a bare user:LOGIN counts as nobody); the latest review of a
// person wins (COMMENTED does not change it; DISMISSED leaves nothing); a
// role holder's CHANGES_REQUESTED blocks the stage; one person counts once
// per stage and in one stage only unless the workflow allows the same
// approver; bots count only with allow_bots and an app:<slug> member; a
// member that cannot be checked does not make an approval count, and a
// CHANGES_REQUESTED by someone who might be that member blocks all the
// same. Stages are satisfied in order:
// approvals for a later stage are counted and listed, but that stage is not
// satisfied until every earlier one is. Break-glass is honoured only from the
// label event of a holder of the break_glass permission, and only for the
// head commit it was added on.
package approvals

import (
	"context"
	"strings"
	"time"

	"github.com/gov-policy/gov/bundles"
	"github.com/gov-policy/gov/engine"
)

// Review states as the GitHub API spells them.
const (
	Approved         = "APPROVED"
	ChangesRequested = "CHANGES_REQUESTED"
	Commented        = "COMMENTED"
	Dismissed        = "DISMISSED"
)

// DefaultBreakGlassLabel is used when the bundle names none.
const DefaultBreakGlassLabel = "gov/break-glass"

// Review is one pull-request review.
type Review struct {
	ID          int64
	UserID      int64
	Login       string
	State       string
	CommitID    string
	SubmittedAt time.Time
	IsBot       bool
}

// LabelEvent is one labeled (Added) or unlabeled issue event.
type LabelEvent struct {
	Label      string
	ActorID    int64
	ActorLogin string
	ActorIsBot bool
	Added      bool
	At         time.Time
	// HeadSHA is the PR head the label was added on, when known (GitHub's
	// issue events carry none; gov binds it from the labeled event).
	HeadSHA string
}

// PR holds the pull-request facts approvals depend on.
type PR struct {
	Number      int
	AuthorID    int64
	AuthorLogin string
	HeadSHA     string
	// CommitAuthorIDs are the GitHub user ids of the authors and committers
	// of the PR's commits (0 for a commit not linked to an account is left out).
	CommitAuthorIDs    []int64
	CommitAuthorLogins []string
	// CoAuthorIDs are the accounts named in the commits' Co-authored-by
	// trailers (resolved from GitHub noreply addresses ID+login@...).
	CoAuthorIDs []int64
	// CoAuthorsUnresolved are the trailers that name no account gov can
	// tie to an id: a reviewer whose login matches one is not counted.
	CoAuthorsUnresolved []CoAuthor
	// CommitsIncomplete is set when GitHub listed fewer commits than the PR
	// has (it lists at most 250): committers are unknown, so no review counts.
	CommitsIncomplete bool
	Labels            []string
	CreatedAt         time.Time
	LabelEvents       []LabelEvent
}

// CoAuthor is a Co-authored-by trailer: the name and the email as written.
type CoAuthor struct {
	Name, Email string
}

// Matches reports whether login may be the account a trailer names: the
// name, or the email's local part (the login in a noreply address),
// compared without case.
func (c CoAuthor) Matches(login string) bool {
	if login == "" {
		return false
	}
	local, _, _ := strings.Cut(c.Email, "@")
	if _, l, ok := strings.Cut(local, "+"); ok {
		local = l
	}
	return strings.EqualFold(c.Name, login) || strings.EqualFold(local, login)
}

// Membership answers the question role holding needs, by numeric user id.
// An error means "cannot confirm": an approval is not counted, a request
// for changes still blocks, and the reason says why. (A user: member is
// never looked up: only a pinned user:LOGIN#ID names someone.)
type Membership interface {
	// TeamMembers returns the ids of the active members of team org/slug:
	// the complete list (every page), or an error, never a partial list.
	TeamMembers(ctx context.Context, org, slug string) ([]int64, error)
}

// Input is everything Evaluate looks at.
type Input struct {
	PR      PR
	Reviews []Review
	// Workflow is the workflow the engine selected (Decision.Workflow), with
	// the stages that apply to this change.
	Workflow engine.WorkflowResult
	Roles    map[string]bundles.Role
	// AllowBots and AllowSameApprover come from the bundle's workflow.
	AllowBots, AllowSameApprover bool
	// BreakGlassLabel defaults to DefaultBreakGlassLabel.
	BreakGlassLabel string
	Now             time.Time
	// EscalatedStages are the (1-based) stage numbers already escalated,
	// found from earlier escalation comments.
	EscalatedStages []int
}

// Result is the outcome of counting.
type Result struct {
	// Stages are the workflow's stages with ApprovedBy, Reviews (the
	// reviews that counted) and Satisfied filled.
	Stages []engine.StageResult
	// Satisfied is true when every stage is satisfied or break-glass applies.
	Satisfied bool
	// Pending says what is missing (empty when Satisfied).
	Pending    string
	BreakGlass *BreakGlass
	// Ignored lists every review (and break-glass label) that did not count, and why.
	Ignored []Ignored
	// Blockers are the requests for changes that hold a stage back.
	Blockers []Blocker
	Escalate *Escalation
	// EscalationDue is when the first stage not satisfied passes its
	// timeout (zero when it has none, or when nothing is pending): gov
	// serve's escalation timer looks at the PR again then.
	EscalationDue time.Time
}

// Blocker is a CHANGES_REQUESTED review that blocks a stage: its author
// holds the stage's role, or it could not be checked whether they do
// (Unverified says why; such a request blocks all the same).
type Blocker struct {
	Stage      string
	Login      string
	UserID     int64
	ReviewID   int64
	Unverified string
}

// BreakGlass records who applied the break-glass label, when, and the
// head commit it was given for (the only one it allows).
type BreakGlass struct {
	Label   string
	ByLogin string
	ByID    int64
	At      time.Time
	HeadSHA string
}

// Ignored is a review or label event that did not count.
type Ignored struct {
	Login    string
	UserID   int64
	ReviewID int64 // 0 for a label event
	Reason   string
}

// Who names the author of what was ignored for people: the login; for a
// review without one, a deleted account (GitHub shows such reviews with no
// user); for a label event without one, "label".
func (ig Ignored) Who() string {
	switch {
	case ig.Login != "":
		return ig.Login
	case ig.ReviewID != 0:
		return "deleted account"
	default:
		return "label"
	}
}

// Escalation asks the caller to post one escalation comment.
type Escalation struct {
	// Stage is the 1-based stage number; StageName its name.
	Stage     int
	StageName string
	Role      string
	// Mention lists the role's members as @-mentions (users and teams).
	Mention string
	Since   time.Time
}
