package approvals

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gov-policy/gov/engine"
)

// candidate is an eligible approval and the stages whose roles it holds.
type candidate struct {
	r      Review
	stages []bool
}

// Evaluate counts the reviews of in against its workflow. It fails only when
// ctx is done; everything else that prevents an approval from counting is
// reported in Result.Ignored.
func Evaluate(ctx context.Context, in Input, m Membership) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	c := newChecker(m, in.Roles, in.AllowBots)
	stages := in.Workflow.Stages
	latest, ignored := latestReviews(in.Reviews)
	res := Result{Ignored: ignored}

	var cands []candidate
	var blockers []Review
	for _, r := range sortedByTime(latest) {
		switch r.State {
		case ChangesRequested:
			blockers = append(blockers, r)
			continue
		case Approved:
		default:
			continue
		}
		if why := eligibility(r, in.PR, in.AllowBots); why != "" {
			res.Ignored = append(res.Ignored, ignore(r, why))
			continue
		}
		p := person{id: r.UserID, login: r.Login, bot: isBot(r.Login, r.IsBot)}
		cand := candidate{r: r, stages: make([]bool, len(stages))}
		var why []string
		qualifies := false
		for i, s := range stages {
			role, unverified, err := c.holdsAny(ctx, p, s.ApproverRoles)
			if err != nil {
				return Result{}, err
			}
			cand.stages[i] = role != ""
			qualifies = qualifies || role != ""
			why = append(why, unverified...)
		}
		if !qualifies {
			res.Ignored = append(res.Ignored, ignore(r, notInRole(stages, why)))
			continue
		}
		cands = append(cands, cand)
	}

	blockedBy, err := stageBlockers(ctx, c, stages, blockers)
	if err != nil {
		return Result{}, err
	}
	counted := assign(stages, cands, in.AllowSameApprover)
	res.Stages = make([]engine.StageResult, len(stages))
	satisfiedAt := make([]time.Time, len(stages))
	prevOK, prevAt := true, in.PR.CreatedAt
	for i, s := range stages {
		s.ApprovedBy = []string{}
		var times []time.Time
		for _, r := range counted[i] {
			s.ApprovedBy = append(s.ApprovedBy, r.Login)
			s.Reviews = append(s.Reviews, engine.StageReview{Login: r.Login, UserID: r.UserID, ReviewID: r.ID, SubmittedAt: r.SubmittedAt.UTC()})
			times = append(times, r.SubmittedAt)
		}
		s.Satisfied = prevOK && len(counted[i]) >= max(s.MinApprovals, 1) && len(blockedBy[i]) == 0
		if s.Satisfied {
			sort.Slice(times, func(a, b int) bool { return times[a].Before(times[b]) })
			at := times[max(s.MinApprovals, 1)-1]
			if at.Before(prevAt) {
				at = prevAt
			}
			satisfiedAt[i], prevAt = at, at
		}
		prevOK = s.Satisfied
		res.Stages[i] = s
	}
	for _, b := range blockedBy {
		res.Blockers = append(res.Blockers, b...)
	}
	res.Ignored = append(res.Ignored, alreadyCounted(stages, cands, counted, res.Stages, in.AllowSameApprover)...)
	res.Satisfied = len(stages) > 0 && res.Stages[len(stages)-1].Satisfied

	bg, bgIgnored, err := breakGlass(ctx, c, in)
	if err != nil {
		return Result{}, err
	}
	res.BreakGlass = bg
	res.Ignored = append(res.Ignored, bgIgnored...)
	if bg != nil {
		res.Satisfied = true
	}
	if !res.Satisfied {
		res.Pending = pending(res.Stages, blockedBy, len(stages) == 0)
		res.Escalate = escalation(in, res.Stages, satisfiedAt)
		_, _, res.EscalationDue = escalationDue(in, res.Stages, satisfiedAt)
	}
	sort.SliceStable(res.Ignored, func(i, j int) bool { return res.Ignored[i].ReviewID < res.Ignored[j].ReviewID })
	return res, nil
}

func notInRole(stages []engine.StageResult, unverified []string) string {
	seen := map[string]bool{}
	var roles []string
	for _, s := range stages {
		for _, r := range s.ApproverRoles {
			if !seen[r] {
				seen[r] = true
				roles = append(roles, r)
			}
		}
	}
	why := "not in role " + strings.Join(roles, ", ")
	if len(unverified) > 0 {
		why += "; " + strings.Join(unverified, "; ")
	}
	return why
}

// stageBlockers lists, per stage, the requests for changes that block it:
// by a holder of the stage's role, or by someone of whom that cannot be
// checked (a team not listed, a login not resolved). An unverifiable
// blocker blocks: not knowing must never let a change in.
func stageBlockers(ctx context.Context, c *checker, stages []engine.StageResult, blockers []Review) ([][]Blocker, error) {
	out := make([][]Blocker, len(stages))
	for _, r := range blockers {
		p := person{id: r.UserID, login: r.Login, bot: isBot(r.Login, r.IsBot)}
		for i, s := range stages {
			role, unverified, err := c.holdsAny(ctx, p, s.ApproverRoles)
			if err != nil {
				return nil, err
			}
			if role != "" || len(unverified) > 0 {
				out[i] = append(out[i], Blocker{Stage: s.Name, Login: r.Login, UserID: r.UserID, ReviewID: r.ID,
					Unverified: strings.Join(unverified, "; ")})
			}
		}
	}
	return out, nil
}

// assign gives each stage its approvals. Without AllowSameApprover a person
// counts in one stage only: stages are filled in order up to min_approvals,
// preferring people who qualify for fewer later stages; any approval left
// over is listed in the first stage its author qualifies for.
func assign(stages []engine.StageResult, cands []candidate, same bool) [][]Review {
	out := make([][]Review, len(stages))
	used := make([]bool, len(cands))
	later := func(ci, i int) int {
		n := 0
		for _, q := range cands[ci].stages[i+1:] {
			if q {
				n++
			}
		}
		return n
	}
	for i, s := range stages {
		var idx []int
		for ci, cd := range cands {
			if cd.stages[i] && (same || !used[ci]) {
				idx = append(idx, ci)
			}
		}
		if same {
			for _, ci := range idx {
				out[i] = append(out[i], cands[ci].r)
				used[ci] = true
			}
			continue
		}
		sort.SliceStable(idx, func(a, b int) bool { return later(idx[a], i) < later(idx[b], i) })
		for _, ci := range idx[:min(len(idx), max(s.MinApprovals, 1))] {
			out[i] = append(out[i], cands[ci].r)
			used[ci] = true
		}
	}
	for ci, cd := range cands {
		if used[ci] {
			continue
		}
		for i, q := range cd.stages {
			if q {
				out[i] = append(out[i], cd.r)
				break
			}
		}
	}
	for i := range out {
		sort.SliceStable(out[i], func(a, b int) bool { return out[i][a].SubmittedAt.Before(out[i][b].SubmittedAt) })
	}
	return out
}

// alreadyCounted reports people who qualify for an unsatisfied stage but
// already counted in another one.
func alreadyCounted(stages []engine.StageResult, cands []candidate, counted [][]Review, results []engine.StageResult, same bool) []Ignored {
	if same {
		return nil
	}
	where := map[int64]string{}
	for i, rs := range counted {
		for _, r := range rs {
			where[r.UserID] = stages[i].Name
		}
	}
	var out []Ignored
	for i := range stages {
		if results[i].Satisfied {
			continue
		}
		for _, cd := range cands {
			if s, ok := where[cd.r.UserID]; ok && cd.stages[i] && s != stages[i].Name {
				out = append(out, ignore(cd.r, fmt.Sprintf("already counted in stage %q (not for %q: the workflow does not allow the same approver twice)", s, stages[i].Name)))
			}
		}
	}
	return out
}

// pending names what the first unsatisfied stage is missing.
func pending(stages []engine.StageResult, blockedBy [][]Blocker, none bool) string {
	if none {
		return "the workflow has no stage"
	}
	for i, s := range stages {
		if s.Satisfied {
			continue
		}
		if len(blockedBy[i]) > 0 {
			return blockedReason(s.Name, blockedBy[i])
		}
		need := max(s.MinApprovals, 1) - len(s.ApprovedBy)
		if need <= 0 {
			return fmt.Sprintf("stage %q is waiting for an earlier stage", s.Name)
		}
		noun := "approval"
		if need != 1 {
			noun = "approvals"
		}
		more := ""
		if len(s.ApprovedBy) > 0 {
			more = " more"
		}
		from := "from " + strings.Join(s.ApproverRoles, " or ")
		if len(s.ApproverRoles) == 0 {
			from = "(no role holds the approve permission)"
		}
		return fmt.Sprintf("waiting for %d%s %s %s (stage %q)", need, more, noun, from, s.Name)
	}
	return ""
}

// blockedReason names who requested changes and, for those whose role
// could not be checked, why their request counts anyway.
func blockedReason(stage string, bs []Blocker) string {
	var who, why []string
	for _, b := range bs {
		who = append(who, b.Login)
		if b.Unverified != "" {
			why = append(why, fmt.Sprintf("%s could not be checked, so the request counts: %s", b.Login, b.Unverified))
		}
	}
	more := ""
	if len(why) > 0 {
		more = "; " + strings.Join(why, "; ")
	}
	return fmt.Sprintf("changes requested by %s (stage %q%s)", strings.Join(who, ", "), stage, more)
}
