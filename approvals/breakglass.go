package approvals

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gov-policy/gov/engine"
)

// breakGlass honours the break-glass label only when it is still on the PR,
// its latest "labeled" event was made by a holder of the break_glass
// permission, and that event was given for the PR's current head (a push
// needs the label again). Anything else is reported, never honoured.
func breakGlass(ctx context.Context, c *checker, in Input) (*BreakGlass, []Ignored, error) {
	label := in.BreakGlassLabel
	if label == "" {
		label = DefaultBreakGlassLabel
	}
	present := false
	for _, l := range in.PR.Labels {
		present = present || strings.EqualFold(l, label)
	}
	if !present {
		return nil, nil, nil
	}
	events := append([]LabelEvent(nil), in.PR.LabelEvents...)
	sort.SliceStable(events, func(i, j int) bool { return events[i].At.Before(events[j].At) })
	var added *LabelEvent
	for i := range events {
		if events[i].Added && strings.EqualFold(events[i].Label, label) {
			added = &events[i]
		}
	}
	if added == nil {
		return nil, []Ignored{{Reason: fmt.Sprintf("break-glass label %q is present but no labeled event shows who added it", label)}}, nil
	}
	p := person{id: added.ActorID, login: added.ActorLogin, bot: isBot(added.ActorLogin, added.ActorIsBot)}
	reject := func(why string) []Ignored {
		return []Ignored{{Login: p.login, UserID: p.id, Reason: fmt.Sprintf("break-glass label %q added by %s ignored: %s", label, p.login, why)}}
	}
	if p.id == 0 {
		return nil, reject("the event has no actor id"), nil
	}
	// Break-glass by the author or a committer of the PR is self-approval
	// with a louder name; with committers unknown it cannot be ruled out.
	switch {
	case p.id == in.PR.AuthorID:
		return nil, reject("the PR author cannot break glass on their own PR"), nil
	case containsID(in.PR.CommitAuthorIDs, p.id), containsID(in.PR.CoAuthorIDs, p.id), coAuthorNamed(in.PR.CoAuthorsUnresolved, p.login) != "":
		return nil, reject("a committer of this PR cannot break glass on it"), nil
	case in.PR.CommitsIncomplete:
		return nil, reject("committers unknown: GitHub did not list every commit of this PR"), nil
	}
	if p.bot && !in.AllowBots {
		return nil, reject("bots may not break glass unless the workflow sets allow_bots"), nil
	}
	roles := rolesWith(in.Roles, "break_glass")
	role, unverified, err := c.holdsAny(ctx, p, roles)
	if err != nil {
		return nil, nil, err
	}
	if role == "" {
		why := "holds no role with the break_glass permission"
		if len(roles) > 0 {
			why += " (" + strings.Join(roles, ", ") + ")"
		}
		if len(unverified) > 0 {
			why += "; " + strings.Join(unverified, "; ")
		}
		return nil, reject(why), nil
	}
	if added.HeadSHA != in.PR.HeadSHA {
		on := "an unknown head"
		if added.HeadSHA != "" {
			on = added.HeadSHA
		}
		return nil, []Ignored{{Login: p.login, UserID: p.id, Reason: fmt.Sprintf(
			"break-glass label present but not given for head %s: add it again (label %q added by %s at %s on %s)",
			in.PR.HeadSHA, label, p.login, added.At.UTC().Format(time.RFC3339), on)}}, nil
	}
	return &BreakGlass{Label: label, ByLogin: p.login, ByID: p.id, At: added.At, HeadSHA: added.HeadSHA}, nil, nil
}

// escalation asks for one escalation of the first unsatisfied stage once its
// timeout has passed, counted from the PR's creation for the first stage and
// from the previous stage's satisfaction for the others.
func escalation(in Input, stages []engine.StageResult, satisfiedAt []time.Time) *Escalation {
	k, start, due := escalationDue(in, stages, satisfiedAt)
	if due.IsZero() || !in.Now.After(due) {
		return nil
	}
	for _, n := range in.EscalatedStages {
		if n == k+1 {
			return nil
		}
	}
	roles := []string{in.Workflow.EscalateTo}
	if in.Workflow.EscalateTo == "" {
		roles = stages[k].ApproverRoles
	}
	var ms []string
	for _, r := range roles {
		if m := mentions(in.Roles[r]); m != "" {
			ms = append(ms, m)
		}
	}
	return &Escalation{
		Stage: k + 1, StageName: stages[k].Name, Role: strings.Join(roles, ", "),
		Mention: strings.Join(ms, " "), Since: start,
	}
}
