package engine

import (
	"fmt"
	"sort"
	"strings"
)

// ExitCode maps a decision to gov's exit code: 0 allowed, 1 denied,
// 3 approval required; a nil decision (an error) and an outcome outside
// the closed set are 2, never the exit code of allow.
func ExitCode(d *Decision) int {
	switch {
	case d == nil:
		return 2
	case d.Decision == Allow:
		return 0
	case d.Decision == Deny:
		return 1
	case d.Decision == RequireApproval:
		return 3
	}
	return 2
}

// enforcement resolves the effective level: the Input override, else the
// environment's, else the bundle's, else strict.
func (e *Engine) enforcement(in Input) (string, error) {
	level, from := in.Enforcement, "enforcement override"
	if level == "" {
		level, from = e.b.Config.Environments[in.Request.Environment].Enforcement, "environments."+in.Request.Environment+".enforcement"
	}
	if level == "" {
		level, from = e.b.Config.Enforcement, "config enforcement"
	}
	switch level {
	case "":
		return EnforcementStrict, nil
	case EnforcementOff, EnforcementWarn, EnforcementStrict:
		return level, nil
	}
	return "", fmt.Errorf("%s: unknown value %q (want off, warn or strict)", from, level)
}

var actionRank = map[string]int{ActionDeny: 0, ActionRequireApproval: 1, ActionWarn: 2}

// decide combines the results (deny > require_approval > warn > allow),
// applies enforcement and fills the decision.
func (e *Engine) decide(d *Decision, in Input, risk string, rs []result) error {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if actionRank[a.Action] != actionRank[b.Action] {
			return actionRank[a.Action] < actionRank[b.Action]
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Message < b.Message
	})
	d.RiskLevel = risk
	counted := map[string][]string{} // action -> rule ids, in order, once each
	for _, r := range rs {
		if _, ok := actionRank[r.Action]; !ok {
			// Only deny, require_approval and warn count: another action
			// would be left out of the outcome, i.e. allowed.
			return fmt.Errorf("%s: unknown action %q (want deny, require_approval or warn)", r.Rule, r.Action)
		}
		if !r.waived && !contains(counted[r.Action], r.Rule) {
			counted[r.Action] = append(counted[r.Action], r.Rule)
		}
		if !r.waived {
			switch r.Action {
			case ActionDeny:
				d.Summary.ErrorCount++
			case Warn:
				d.Summary.WarningCount++
			}
		}
	}
	strict, reason := Allow, allowReason(counted[Warn], rs)
	switch {
	case len(counted[ActionDeny]) > 0:
		strict, reason = Deny, "denied by "+ruleList(counted[ActionDeny])
	case len(counted[ActionRequireApproval]) > 0:
		strict, reason = RequireApproval, "approval required by "+ruleList(counted[ActionRequireApproval])
	}
	for _, r := range rs {
		v := r.Violation
		if d.Enforcement == EnforcementWarn {
			v.Enforced = new(bool)
		}
		d.Violations = append(d.Violations, v)
	}
	if d.Enforcement == EnforcementWarn {
		d.Decision = Allow
		d.Reason = reason
		if strict != Allow {
			d.Unenforced = strict
			d.Reason = "enforcement warn, not enforced: " + reason
		}
		return nil
	}
	d.Decision, d.Reason = strict, reason
	if strict != RequireApproval {
		return nil
	}
	wf, err := e.selectWorkflow(in, risk, rs)
	if err != nil {
		return err
	}
	d.Workflow, d.PendingReason = wf, pendingReason(wf)
	return nil
}

func allowReason(warnings []string, rs []result) string {
	waived := 0
	for _, r := range rs {
		if r.waived {
			waived++
		}
	}
	reason := "no policy violations"
	if len(warnings) > 0 {
		reason = "allowed with warnings from " + ruleList(warnings)
	}
	if waived > 0 {
		reason += fmt.Sprintf(" (%d waived by exceptions)", waived)
	}
	return reason
}

// ruleList is "2 rules: a, b" (at most five ids named).
func ruleList(ids []string) string {
	noun := "rules"
	if len(ids) == 1 {
		noun = "rule"
	}
	shown := ids
	if len(shown) > 5 {
		shown = shown[:5]
	}
	s := fmt.Sprintf("%d %s: %s", len(ids), noun, strings.Join(shown, ", "))
	if len(ids) > len(shown) {
		s += ", ..."
	}
	return s
}
